"""What routing answers for one request: which entry, which rule, which backends, and why.

Both the Ingress and the Gateway API routers produce a ``RouteAnswer``; the trace turns it
into hops. ``misses`` are the rules that came close, with the reason they did not match —
the evidence a person needs when "no rule matches".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

NGINX_CONTROLLER = "k8s.io/ingress-nginx"

Outcome = Literal["routed", "redirect", "default", "no-match", "error"]
"""routed: a rule's backend; redirect: the proxy answers with a redirect; default: a default
backend (an Ingress ``defaultBackend``); no-match: nothing matches (404 from the proxy);
error: the rule matches but cannot forward (e.g. no valid backendRef: 500)."""


@dataclass(frozen=True, slots=True)
class Entry:
    """The controller a request reaches: an IngressClass or a Gateway."""

    kind: Literal["IngressClass", "Gateway"]
    name: str
    """IngressClass name, or Gateway ``namespace/name``."""
    controller: str = ""
    """IngressClass ``spec.controller`` or GatewayClass ``controllerName``."""
    namespace: str = ""

    def describe(self) -> str:
        """``IngressClass nginx (k8s.io/ingress-nginx)``."""
        suffix = f" ({self.controller})" if self.controller else ""
        return f"{self.kind} {self.name}{suffix}"


@dataclass(frozen=True, slots=True)
class Backend:
    """A place a matched rule forwards to; ``problem`` says why it cannot receive traffic."""

    namespace: str
    service: str
    port: int | str | None
    weight: int = 1
    resource: str = ""
    """For a non-Service backend: ``Kind name`` (Ingress resource backend, other backendRef kinds)."""
    problem: str | None = None

    @property
    def ref(self) -> str:
        """``namespace/name`` of the backend."""
        return f"{self.namespace}/{self.service or self.resource.rsplit(' ', 1)[-1]}"

    def describe(self) -> str:
        """``cart:80`` or ``StorageBucket static-assets``."""
        if self.resource:
            return self.resource
        return f"{self.service}:{self.port}" if self.port is not None else self.service


@dataclass(frozen=True, slots=True)
class Miss:
    """A rule that came close to matching, and why it did not."""

    what: str
    reason: str

    def __str__(self) -> str:
        return f"{self.what}: {self.reason}"


@dataclass(frozen=True, slots=True)
class TlsSource:
    """A TLS configuration that may serve the request's host (Ingress tls entry or listener)."""

    owner: str
    """``Ingress shop/storefront`` or ``Gateway infra/web listener https``."""
    namespace: str
    secret: str
    hosts: tuple[str, ...]
    covers: bool
    problem: str | None = None
    """E.g. a cross-namespace certificateRef without a ReferenceGrant."""


@dataclass(frozen=True, slots=True)
class RouteAnswer:
    """The routing decision for one request at one entry."""

    entry: Entry
    outcome: Outcome
    kind: Literal["Ingress", "HTTPRoute"] | None = None
    namespace: str = ""
    name: str = ""
    host: str | None = None
    path: str | None = None
    path_type: str | None = None
    default_backend: bool = False
    backends: tuple[Backend, ...] = ()
    response: str | None = None
    """What the proxy answers itself, when it does (redirect, 404, 500)."""
    evidence: tuple[str, ...] = ()
    misses: tuple[Miss, ...] = ()
    notes: tuple[str, ...] = ()
    tls: tuple[TlsSource, ...] = ()
    route_conditions: tuple[str, ...] = ()

    @property
    def matched(self) -> bool:
        """A rule (or a default backend) took the request."""
        return self.outcome in ("routed", "redirect", "default", "error") and bool(self.name)

    @property
    def ref(self) -> str:
        """``Kind namespace/name`` of the matched object."""
        return f"{self.kind} {self.namespace}/{self.name}" if self.kind else ""

    @property
    def primary(self) -> Backend | None:
        """The backend the trace follows: the valid one with the largest weight."""
        valid = [b for b in self.backends if b.problem is None and b.weight > 0]
        pool = valid or list(self.backends)
        return max(pool, key=lambda b: b.weight) if pool else None

    def same_decision(self, other: RouteAnswer) -> bool:
        """Whether two answers send the request to the same place the same way."""
        return (self.outcome, self.kind, self.namespace, self.name, self.path, self.path_type, self.backends) == (
            other.outcome,
            other.kind,
            other.namespace,
            other.name,
            other.path,
            other.path_type,
            other.backends,
        )

    def decision(self) -> str:
        """One line: ``Ingress shop/web host a.com /api Prefix -> api:80``."""
        if self.outcome == "no-match":
            return self.response or "no rule matches"
        parts = [self.ref]
        if self.host:
            parts.append(f"host {self.host}")
        if self.default_backend:
            parts.append("defaultBackend")
        elif self.path is not None:
            parts.append(f"{self.path} {self.path_type}")
        weighted = len(self.backends) > 1
        target = ", ".join(b.describe() + (f" (weight {b.weight})" if weighted else "") for b in self.backends) or "-"
        line = " ".join(parts) + f" → {target}"
        if self.response:
            line += f" ({self.response})"
        return line
