"""What the user has selected: a small value every pane agrees on."""

from __future__ import annotations

from dataclasses import dataclass

from kubetraffic.core.objects import Key

# Kinds of selection. Object kinds are Kubernetes kinds; the rest are UI notions.
NAMESPACE, GROUP, URL = "Namespace", "Group", "URL"
INGRESS, INGRESS_RULE = "Ingress", "IngressRule"
GATEWAY, HTTP_ROUTE, ROUTE_RULE = "Gateway", "HTTPRoute", "RouteRule"
SERVICE, WORKLOAD, POD, POLICY = "Service", "Workload", "Pod", "NetworkPolicy"

ROUTE_KINDS = (INGRESS_RULE, ROUTE_RULE, URL)
"""Selections whose analysis is a trace."""
TRAFFIC_SOURCES = (WORKLOAD, POD)
"""Selections whose analysis is the egress view."""


@dataclass(frozen=True, slots=True)
class Target:
    """One selectable thing: an object, a group of objects, a route rule or a typed URL.

    ``name`` is the object name (the URL itself for ``URL``); ``detail`` holds what else
    identifies it: the group name, the workload kind, or ``host`` and ``path`` of a rule.
    """

    kind: str
    namespace: str = ""
    name: str = ""
    detail: str = ""
    host: str | None = None
    path: str | None = None

    @property
    def key(self) -> Key:
        """(namespace, name) of the object behind the selection."""
        return (self.namespace, self.name)

    @property
    def object_kind(self) -> str | None:
        """The Kubernetes kind whose object can be shown as YAML, if any."""
        if self.kind == INGRESS_RULE:
            return INGRESS
        if self.kind == ROUTE_RULE:
            return HTTP_ROUTE
        if self.kind == WORKLOAD:
            return self.detail or None
        if self.kind in (GROUP, URL):
            return None
        return self.kind

    def title(self) -> str:
        """A one-line name for pane titles (cluster data: render with ``data()``)."""
        if self.kind == URL:
            return self.name
        if self.kind == NAMESPACE:
            return f"Namespace {self.name}"
        if self.kind == GROUP:
            return f"{self.detail} in {self.namespace}"
        if self.kind in (INGRESS_RULE, ROUTE_RULE):
            owner = INGRESS if self.kind == INGRESS_RULE else HTTP_ROUTE
            return f"{owner} {self.namespace}/{self.name}  {self.host or '*'}{self.path or ''}"
        kind = self.detail if self.kind == WORKLOAD and self.detail else self.kind
        return f"{kind} {self.namespace}/{self.name}" if self.namespace else f"{kind} {self.name}"
