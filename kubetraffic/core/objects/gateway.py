"""Gateway API objects (gateway.networking.k8s.io)."""

from __future__ import annotations

from dataclasses import dataclass

from kubetraffic.core.labels import LabelSelector
from kubetraffic.core.objects.meta import Key, Meta


@dataclass(frozen=True, slots=True)
class GatewayClass:
    """A GatewayClass and the controller that implements it."""

    meta: Meta
    controller: str = ""
    accepted: bool | None = None


@dataclass(frozen=True, slots=True)
class AllowedRoutes:
    """A listener's ``allowedRoutes``: namespaces From Same/All/Selector and kinds."""

    namespaces_from: str = "Same"
    selector: LabelSelector | None = None
    kinds: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Listener:
    """A Gateway (or ListenerSet) listener."""

    name: str
    port: int
    protocol: str = "HTTP"
    hostname: str | None = None
    allowed_routes: AllowedRoutes = AllowedRoutes()
    tls_mode: str = ""
    certificate_refs: tuple[Key, ...] = ()


@dataclass(frozen=True, slots=True)
class Condition:
    """A status condition (Accepted, ResolvedRefs, Programmed, ...)."""

    type: str
    status: str
    reason: str = ""
    message: str = ""


@dataclass(frozen=True, slots=True)
class Gateway:
    """gateway.networking.k8s.io/v1 Gateway."""

    meta: Meta
    class_name: str = ""
    listeners: tuple[Listener, ...] = ()
    addresses: tuple[str, ...] = ()
    status_addresses: tuple[str, ...] = ()
    conditions: tuple[Condition, ...] = ()
    allowed_listeners: AllowedRoutes | None = None
    """``spec.allowedListeners.namespaces`` (From/selector) for ListenerSets; None when
    absent, which allows no ListenerSet at all (GEP-1713)."""

    @property
    def key(self) -> Key:
        """(namespace, name)."""
        return self.meta.key


@dataclass(frozen=True, slots=True)
class ParentRef:
    """A route's or ListenerSet's ``parentRef``."""

    name: str
    namespace: str = ""
    group: str = "gateway.networking.k8s.io"
    kind: str = "Gateway"
    section_name: str | None = None
    port: int | None = None


@dataclass(frozen=True, slots=True)
class ListenerSet:
    """A ListenerSet (XListenerSet) adding listeners to a parent Gateway."""

    meta: Meta
    parent: ParentRef
    listeners: tuple[Listener, ...] = ()


@dataclass(frozen=True, slots=True)
class HeaderMatch:
    """An HTTPRoute header or query-param match (``type`` Exact or RegularExpression)."""

    name: str
    value: str
    type: str = "Exact"


@dataclass(frozen=True, slots=True)
class RouteMatch:
    """One HTTPRouteMatch; the default match is PathPrefix ``/``."""

    path_type: str = "PathPrefix"
    path_value: str = "/"
    method: str | None = None
    headers: tuple[HeaderMatch, ...] = ()
    query_params: tuple[HeaderMatch, ...] = ()


@dataclass(frozen=True, slots=True)
class BackendRef:
    """An HTTPRoute backendRef (a Service unless ``kind``/``group`` say otherwise)."""

    name: str
    namespace: str = ""
    port: int | None = None
    weight: int = 1
    group: str = ""
    kind: str = "Service"


@dataclass(frozen=True, slots=True)
class RouteRule:
    """An HTTPRoute rule: matches (empty = default match), backends, filter kinds."""

    matches: tuple[RouteMatch, ...] = ()
    backend_refs: tuple[BackendRef, ...] = ()
    filters: tuple[str, ...] = ()
    name: str = ""


@dataclass(frozen=True, slots=True)
class RouteParentStatus:
    """``status.parents[]`` of a route."""

    parent: ParentRef
    controller: str = ""
    conditions: tuple[Condition, ...] = ()


@dataclass(frozen=True, slots=True)
class HTTPRoute:
    """gateway.networking.k8s.io/v1 HTTPRoute."""

    meta: Meta
    parent_refs: tuple[ParentRef, ...] = ()
    hostnames: tuple[str, ...] = ()
    rules: tuple[RouteRule, ...] = ()
    status: tuple[RouteParentStatus, ...] = ()

    @property
    def key(self) -> Key:
        """(namespace, name)."""
        return self.meta.key


@dataclass(frozen=True, slots=True)
class GrantFrom:
    """A ReferenceGrant ``from`` entry."""

    group: str
    kind: str
    namespace: str


@dataclass(frozen=True, slots=True)
class GrantTo:
    """A ReferenceGrant ``to`` entry; ``name`` None allows every object of the kind."""

    group: str
    kind: str
    name: str | None = None


@dataclass(frozen=True, slots=True)
class ReferenceGrant:
    """A ReferenceGrant allowing references into its namespace."""

    meta: Meta
    from_: tuple[GrantFrom, ...] = ()
    to: tuple[GrantTo, ...] = ()
