"""HTTPRoute backendRefs: which are valid, their weights, and what an invalid rule answers.

HTTPBackendRef: a core Service needs a ``port``; a Service in another namespace needs a
ReferenceGrant in that namespace allowing HTTPRoutes from the route's namespace
(RefNotPermitted otherwise); other kinds are implementation-specific (InvalidKind here).
If every backendRef of a rule is invalid, and the rule has no filter producing a response,
all its traffic receives 500; with some invalid, their weighted share receives 500.
"""

from __future__ import annotations

from kubetraffic.core.objects import BackendRef, HTTPRoute, RouteRule
from kubetraffic.core.routing.answer import Backend, Outcome
from kubetraffic.core.routing.gateway_listeners import GATEWAY_GROUP
from kubetraffic.core.state import ClusterState

_CORE_GROUPS = ("", "core")


def reference_granted(state: ClusterState, from_kind: str, from_ns: str, to_kind: str, to_ns: str, name: str) -> bool:
    """Does a ReferenceGrant in ``to_ns`` allow ``from_kind`` objects in ``from_ns`` to refer to it?"""
    to_groups = _CORE_GROUPS if to_kind in ("Service", "Secret") else (GATEWAY_GROUP,)
    for grant in state.reference_grants(to_ns):
        from_ok = any(f.group == GATEWAY_GROUP and f.kind == from_kind and f.namespace == from_ns for f in grant.from_)
        to_ok = any(t.group in to_groups and t.kind == to_kind and t.name in (None, name) for t in grant.to)
        if from_ok and to_ok:
            return True
    return False


def resolve_backend(state: ClusterState, route: HTTPRoute, ref: BackendRef) -> Backend:
    """One backendRef as a Backend, with the reason it is invalid when it is."""
    ns = ref.namespace or route.meta.namespace
    if ref.group not in _CORE_GROUPS or ref.kind != "Service":
        group = ref.group or "core"
        return Backend(
            ns, "", ref.port, ref.weight, f"{ref.kind}.{group} {ref.name}", f"unsupported kind {ref.kind} (InvalidKind)"
        )
    problem: str | None = None
    if ns != route.meta.namespace and not reference_granted(
        state, "HTTPRoute", route.meta.namespace, "Service", ns, ref.name
    ):
        problem = (
            f"Service {ns}/{ref.name} is in another namespace and no ReferenceGrant in {ns} allows HTTPRoutes "
            f"from {route.meta.namespace} (RefNotPermitted)"
        )
    elif ref.port is None:
        problem = "a Service backendRef needs a port"
    else:
        svc = state.service(ns, ref.name)
        if svc is None:
            problem = f"Service {ns}/{ref.name} not found (BackendNotFound)"
        elif svc.port(ref.port) is None:
            ports = ", ".join(str(p.port) for p in svc.ports) or "none"
            problem = f"Service {ns}/{ref.name} has no port {ref.port} (ports: {ports})"
    return Backend(ns, ref.name, ref.port, ref.weight, problem=problem)


def rule_backends(
    state: ClusterState, route: HTTPRoute, rule: RouteRule
) -> tuple[tuple[Backend, ...], str | None, Outcome]:
    """(backends, response the gateway gives itself or None, outcome) for a matched rule."""
    if "RequestRedirect" in rule.filters:
        return (), "redirect (RequestRedirect filter)", "redirect"
    backends = tuple(resolve_backend(state, route, ref) for ref in rule.backend_refs)
    valid_weight = sum(b.weight for b in backends if b.problem is None)
    total = sum(b.weight for b in backends)
    if not backends:
        return backends, "500: the rule has no backendRefs", "error"
    if valid_weight == 0:
        if all(b.problem is None for b in backends):
            return backends, "500: every backendRef has weight 0", "error"
        return backends, "500: no valid backendRef (all traffic of this rule receives 500)", "error"
    if valid_weight < total:
        share = round(100 * (total - valid_weight) / total)
        return backends, f"{share}% of requests receive 500 (invalid backendRefs)", "routed"
    return backends, None, "routed"
