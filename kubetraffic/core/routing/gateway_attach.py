"""Which HTTPRoutes attach to a listener (HTTPRoute parentRefs, allowedRoutes, hostnames).

A route attaches to a listener when one of its parentRefs names the listener's direct
parent (a Gateway, or a ListenerSet — a Gateway parentRef never reaches ListenerSet
listeners), with ``sectionName``/``port`` unset or equal to the listener's; the listener's
``allowedRoutes`` admits the route's namespace and kind; and the route's hostnames intersect
the listener's hostname. A parent status ``Accepted=False`` from the controller is trusted.
"""

from __future__ import annotations

from dataclasses import dataclass

from kubetraffic.core.objects import Condition, HTTPRoute, ParentRef
from kubetraffic.core.routing.answer import Miss
from kubetraffic.core.routing.gateway_listeners import (
    GATEWAY_GROUP,
    LISTENER_SET_KINDS,
    ListenerRef,
    namespace_allowed,
)
from kubetraffic.core.routing.hosts import effective_hostnames
from kubetraffic.core.state import ClusterState

_GROUPS = (GATEWAY_GROUP, "gateway.networking.x-k8s.io")


@dataclass(frozen=True, slots=True)
class Attachment:
    """An HTTPRoute attached to a listener, with the hostnames it answers there."""

    route: HTTPRoute
    parent: ParentRef
    hostnames: tuple[str, ...] | None
    """None: every host the listener takes."""
    conditions: tuple[Condition, ...] = ()


def routes_by_parent(state: ClusterState) -> dict[tuple[str, str, str], list[HTTPRoute]]:
    """HTTPRoutes by (parent kind, namespace, name), cached until routes change."""

    def build() -> dict[tuple[str, str, str], list[HTTPRoute]]:
        out: dict[tuple[str, str, str], list[HTTPRoute]] = {}
        for route in state.http_routes():
            for ref in route.parent_refs:
                kind = "ListenerSet" if ref.kind in LISTENER_SET_KINDS else ref.kind
                key = (kind, ref.namespace or route.meta.namespace, ref.name)
                group = out.setdefault(key, [])
                if route not in group:
                    group.append(route)
        return out

    return state.derived("routing.routes-by-parent", ("HTTPRoute",), build)


def _refers_to(ref: ParentRef, route: HTTPRoute, listener: ListenerRef) -> str | None:
    """None when ``ref`` selects ``listener``; else why not."""
    kind = "ListenerSet" if ref.kind in LISTENER_SET_KINDS else ref.kind
    if ref.group not in _GROUPS or kind != listener.owner_kind:
        return "refers to another kind of parent"
    if ref.name != listener.owner_name or (ref.namespace or route.meta.namespace) != listener.owner_namespace:
        return "refers to another parent"
    if ref.section_name is not None and ref.section_name != listener.listener.name:
        return f"sectionName {ref.section_name} selects another listener"
    if ref.port is not None and ref.port != listener.listener.port:
        return f"port {ref.port} selects another listener"
    return None


def parent_conditions(route: HTTPRoute, ref: ParentRef) -> tuple[Condition, ...]:
    """The controller's status conditions for one parentRef of a route."""
    for status in route.status:
        p = status.parent
        if (p.kind, p.name, p.namespace, p.section_name, p.port) == (
            ref.kind,
            ref.name,
            ref.namespace,
            ref.section_name,
            ref.port,
        ):
            return status.conditions
    return ()


def describe_conditions(conditions: tuple[Condition, ...]) -> tuple[str, ...]:
    """``Accepted=True (Accepted)``-style lines, with the message when there is one."""
    out = []
    for c in conditions:
        line = f"{c.type}={c.status}" + (f" ({c.reason})" if c.reason else "")
        if c.message and c.status != "True":
            line += f": {c.message}"
        out.append(line)
    return tuple(out)


def attach(state: ClusterState, listener: ListenerRef) -> tuple[list[Attachment], list[Miss]]:
    """HTTPRoutes attached to ``listener``, and why routes naming its parent are not."""
    key = (listener.owner_kind, listener.owner_namespace, listener.owner_name)
    attached: list[Attachment] = []
    misses: list[Miss] = []
    allowed = listener.listener.allowed_routes
    for route in routes_by_parent(state).get(key, []):
        label = f"HTTPRoute {route.meta.ref}"
        reasons = [r for r in (_refers_to(ref, route, listener) for ref in route.parent_refs) if r]
        refs = [ref for ref in route.parent_refs if _refers_to(ref, route, listener) is None]
        if not refs:
            misses.append(Miss(label, f"not attached to {listener.label}: {'; '.join(dict.fromkeys(reasons))}"))
            continue
        ref = refs[0]
        why = _admission(state, route, listener)
        if why is None and allowed.kinds and "HTTPRoute" not in allowed.kinds:
            why = f"the listener allows only kinds {', '.join(allowed.kinds)}"
        if why is None and listener.listener.protocol.upper() not in ("HTTP", "HTTPS"):
            why = f"listener protocol {listener.listener.protocol} does not carry HTTPRoutes"
        hostnames = effective_hostnames(listener.listener.hostname, route.hostnames)
        if why is None and hostnames == ():
            why = (
                f"no hostname of {', '.join(route.hostnames)} intersects listener hostname "
                f"{listener.listener.hostname} (NoMatchingListenerHostname)"
            )
        conditions = parent_conditions(route, ref)
        rejected = next((c for c in conditions if c.type == "Accepted" and c.status == "False"), None)
        if why is None and rejected is not None:
            why = f"the controller reports Accepted=False ({rejected.reason}) {rejected.message}".rstrip()
        if why is not None:
            misses.append(Miss(label, f"not attached to {listener.label}: {why}"))
            continue
        attached.append(Attachment(route, ref, hostnames, conditions))
    return attached, misses


def _admission(state: ClusterState, route: HTTPRoute, listener: ListenerRef) -> str | None:
    labels = dict(state.namespace_labels(route.meta.namespace))
    ok, why = namespace_allowed(
        listener.listener.allowed_routes, listener.owner_namespace, route.meta.namespace, labels
    )
    return None if ok else f"allowedRoutes {why}"
