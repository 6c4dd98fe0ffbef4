"""Gateway API routing of one request at one Gateway: listener, attached routes, rule, backends.

No listener for the request's protocol, port and host: the Gateway does not take it. A
listener but no matching rule among its attached routes: 404 (HTTPRouteRule.matches).
"""

from __future__ import annotations

from kubetraffic.core.objects import Gateway
from kubetraffic.core.routing.answer import Entry, RouteAnswer, TlsSource
from kubetraffic.core.routing.gateway_attach import attach, describe_conditions
from kubetraffic.core.routing.gateway_backends import reference_granted, rule_backends
from kubetraffic.core.routing.gateway_listeners import ListenerRef, listeners_of, select_listener
from kubetraffic.core.routing.gateway_match import describe_match, rank_matches
from kubetraffic.core.routing.paths import REGULAR_EXPRESSION
from kubetraffic.core.routing.request import HttpRequest
from kubetraffic.core.state import ClusterState


def gateway_entry(state: ClusterState, gateway: Gateway) -> Entry:
    """The Entry for a Gateway, with its GatewayClass's controller."""
    cls = next((c for c in state.gateway_classes() if c.meta.name == gateway.class_name), None)
    return Entry("Gateway", gateway.meta.ref, cls.controller if cls else "", gateway.meta.namespace)


def listener_tls(state: ClusterState, ref: ListenerRef) -> tuple[TlsSource, ...]:
    """The certificates an HTTPS listener terminates with (cross-namespace refs need a grant)."""
    out = []
    kind = "Gateway" if ref.owner_kind == "Gateway" else "ListenerSet"
    for ns, name in ref.listener.certificate_refs:
        problem = None
        if ns != ref.owner_namespace and not reference_granted(state, kind, ref.owner_namespace, "Secret", ns, name):
            problem = f"certificateRef {ns}/{name} is in another namespace without a ReferenceGrant (RefNotPermitted)"
        hosts = (ref.listener.hostname,) if ref.listener.hostname else ()
        out.append(TlsSource(ref.label, ns, name, hosts, True, problem))
    return tuple(out)


def route_gateway(state: ClusterState, gateway: Gateway, req: HttpRequest) -> RouteAnswer:
    """The decision ``gateway`` makes for ``req``."""
    entry = gateway_entry(state, gateway)
    refs, set_misses = listeners_of(state, gateway)
    listener, listener_misses, evidence = select_listener(refs, req)
    if listener is None:
        return RouteAnswer(
            entry,
            "no-match",
            response=f"no listener of Gateway {gateway.meta.ref} takes {req.scheme} port {req.port} for {req.authority}",
            misses=tuple(listener_misses + set_misses)[:6],
        )
    attachments, attach_misses = attach(state, listener)
    hits, match_misses = rank_matches(attachments, req)
    tls = listener_tls(state, listener) if req.scheme == "https" else ()
    evidence.append(f"{len(attachments)} HTTPRoute(s) attached to the listener")
    misses = match_misses + attach_misses
    if not hits:
        return RouteAnswer(
            entry,
            "no-match",
            response="404: no rule of the HTTPRoutes attached to the listener matches",
            evidence=tuple(evidence),
            misses=tuple(misses[:6]),
            tls=tls,
        )
    best = hits[0]
    for other in hits[1:4]:
        evidence.append(f"also matches, lower precedence: {other.describe()}")
    notes = []
    if any(h.match.path_type == REGULAR_EXPRESSION for h in hits[:2]) and len(hits) > 1:
        notes.append("RegularExpression path precedence is implementation-specific; ranked here below PathPrefix")
    backends, response, outcome = rule_backends(state, best.route, best.rule)
    route = best.route
    return RouteAnswer(
        entry=entry,
        outcome=outcome,
        kind="HTTPRoute",
        namespace=route.meta.namespace,
        name=route.meta.name,
        host=best.hostname,
        path=best.match.path_value,
        path_type=best.match.path_type,
        backends=backends,
        response=response,
        evidence=(f"rule {best.rule_index}: {describe_match(best.match)}", *evidence),
        misses=tuple(misses[:5]),
        notes=tuple(notes),
        tls=tls,
        route_conditions=describe_conditions(best.attachment.conditions),
    )
