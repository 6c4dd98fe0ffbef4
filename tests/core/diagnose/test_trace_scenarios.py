"""Gateway API and manifest-only scenarios, DNS and TLS observations, entry choice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kubetraffic.core.diagnose.observations import DnsAnswer, TlsObservation
from kubetraffic.core.diagnose.trace import build_trace, plan_trace, trace_request
from kubetraffic.core.routing import parse_request
from tests.core.diagnose.scenarios import hop, scenario

NOW = datetime(2026, 6, 1, tzinfo=UTC)
GATEWAY = "trace-gateway"


def test_gateway_route_with_weights_and_tls() -> None:
    trace = trace_request(scenario(GATEWAY), parse_request("https://store.example.com/api/items"))
    assert trace.verdict == "ok"
    route = trace.route
    assert route is not None
    assert (route.kind, route.namespace, route.name, route.path, route.path_type) == (
        "HTTPRoute",
        "store",
        "store",
        "/api",
        "PathPrefix",
    )
    assert (route.backend_service, route.backend_port) == ("store/api", 8080)  # weight 90 of 100
    assert "api:8080 (weight 90), api-canary:8080 (weight 10)" in hop(trace, "rule").summary
    assert hop(trace, "entry").summary == "198.51.100.20 (Gateway infra/web)"
    assert hop(trace, "controller").summary == "envoy-gateway-system/envoy-web 2/2 ready"
    assert (
        hop(trace, "tls").summary
        == "Gateway infra/web listener https covers store.example.com with Secret infra/example-tls"
    )
    assert hop(trace, "rule").target is not None
    assert hop(trace, "rule").target.kind == "route"  # type: ignore[union-attr]


def test_gateway_header_match_takes_precedence() -> None:
    trace = trace_request(
        scenario(GATEWAY), parse_request("https://store.example.com/api/x", headers=["x-canary: always"])
    )
    assert trace.route is not None
    assert trace.route.backend_service == "store/api-canary"


def test_gateway_cross_namespace_backend_with_and_without_grant() -> None:
    granted = trace_request(scenario(GATEWAY), parse_request("https://store.example.com/catalog/x"))
    assert granted.verdict == "ok"
    assert granted.route is not None
    assert granted.route.backend_service == "catalog/catalog"
    refused = trace_request(scenario(GATEWAY), parse_request("https://reviews.example.com/"))
    rule = hop(refused, "rule")
    assert rule.status == "fail"
    assert "500: no valid backendRef" in rule.summary
    assert any("RefNotPermitted" in e for e in rule.evidence)
    assert any(
        e
        == "route status: ResolvedRefs=False (RefNotPermitted): backendRef catalog/reviews is not permitted by any ReferenceGrant"
        for e in rule.evidence
    )


def test_gateway_allowed_routes_selector_and_no_listener_match() -> None:
    outsider = trace_request(scenario(GATEWAY), parse_request("https://outsider.example.com/"))
    rule = hop(outsider, "rule")
    assert rule.status == "fail"
    assert any("allowedRoutes namespace catalog does not match selector team=store" in e for e in rule.evidence)
    plain = trace_request(scenario(GATEWAY), parse_request("http://store.example.com/"))
    assert any("sectionName https selects another listener" in e for e in hop(plain, "rule").evidence)


def test_manifests_only_use_workload_templates() -> None:
    trace = trace_request(scenario("trace-manifests"), parse_request("http://blog.example.com/"))
    endpoints = hop(trace, "endpoints")
    assert endpoints.status == "unknown"
    assert endpoints.summary == "no running pods yet: endpoints expected from workload templates once they run"
    assert "1 workload template would serve port 2368" in endpoints.evidence
    assert trace.verdict == "ok"
    broken = trace_request(scenario("trace-manifests"), parse_request("http://blog.example.com/comments"))
    assert broken.hops[broken.first_failure or 0].summary == "targetPort 'http' matches no container port"


def test_without_endpoint_slices_endpoints_are_derived_from_pods() -> None:
    trace = trace_request(
        scenario("trace-manifests", "trace-manifests-running"), parse_request("http://blog.example.com/")
    )
    endpoints = hop(trace, "endpoints")
    assert endpoints.status == "warn"
    assert endpoints.summary == "1/2 endpoints ready on port 2368"
    assert (
        endpoints.evidence[0]
        == "no EndpointSlice for this Service was loaded: endpoints derived from the selected pods"
    )
    assert trace.verdict == "degraded"


# ----------------------------------------------------------------------------------- DNS
@pytest.mark.parametrize(
    ("answer", "status", "summary"),
    [
        (DnsAnswer("shop.example.com", ("203.0.113.10",), "override"), "ok", "shop.example.com → 203.0.113.10"),
        (DnsAnswer("shop.example.com", ("198.51.100.9",), "system"), "warn", "not the entry point 203.0.113.10"),
        (
            DnsAnswer("shop.example.com", (), "system", "cannot resolve shop.example.com: NXDOMAIN"),
            "fail",
            "does not resolve",
        ),
        (
            DnsAnswer("shop.example.com", (), "none", "not resolved (offline source; use --resolve HOST=IP)"),
            "unknown",
            "not resolved",
        ),
    ],
)
def test_dns_hop(answer: DnsAnswer, status: str, summary: str) -> None:
    trace = trace_request(scenario("trace-shop"), parse_request("https://shop.example.com/"), dns=answer)
    dns = hop(trace, "dns")
    assert dns.status == status
    assert summary in dns.summary


def test_dns_answer_chooses_the_entry() -> None:
    state = scenario("trace-shop", GATEWAY)
    req = parse_request("https://store.example.com/api/items")
    plan = plan_trace(state, req, dns=DnsAnswer("store.example.com", ("198.51.100.20",), "override"))
    assert plan.answer.entry.kind == "Gateway"
    assert plan.probe_address == "198.51.100.20"
    shop = plan_trace(
        state,
        parse_request("https://shop.example.com/"),
        dns=DnsAnswer("shop.example.com", ("203.0.113.10",), "override"),
    )
    assert shop.answer.entry.name == "nginx"


# ----------------------------------------------------------------------------------- TLS
def _probe(**changes: object) -> TlsObservation:
    base = {
        "address": "203.0.113.10",
        "port": 443,
        "sni": "shop.example.com",
        "subject": "CN=shop.example.com",
        "issuer": "CN=Example CA",
        "sans": ("shop.example.com",),
        "not_after": NOW + timedelta(days=60),
    }
    base.update(changes)
    return TlsObservation(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("probe", "status", "summary"),
    [
        (_probe(), "ok", "certificate covers shop.example.com · expires in 60 days (2026-07-31)"),
        (_probe(sans=("*.example.com",)), "ok", "certificate covers shop.example.com"),
        (
            _probe(sans=("www.example.com",)),
            "fail",
            "served certificate does not cover shop.example.com (SANs: www.example.com)",
        ),
        (_probe(not_after=NOW - timedelta(days=1)), "fail", "served certificate expired on 2026-05-31"),
        (_probe(not_after=NOW + timedelta(days=5)), "warn", "expires in 5 days"),
        (
            _probe(subject="O=Acme Co,CN=Kubernetes Ingress Controller Fake Certificate", sans=("ingress.local",)),
            "fail",
            "the controller serves its default fake certificate",
        ),
        (
            _probe(error="cannot connect: Connection refused"),
            "warn",
            "handshake failed: cannot connect: Connection refused",
        ),
    ],
)
def test_tls_probe_observation(probe: TlsObservation, status: str, summary: str) -> None:
    state = scenario("trace-shop")
    plan = plan_trace(state, parse_request("https://shop.example.com/"))
    tls = hop(build_trace(state, plan, probe=probe, now=NOW), "tls")
    assert tls.status == status
    assert summary in tls.summary


def test_http_is_redirected_to_https_and_tls_checked() -> None:
    trace = trace_request(scenario("trace-shop"), parse_request("http://shop.example.com/api/cart"))
    rule = hop(trace, "rule")
    assert "308 redirect to https://shop.example.com/api/cart" in rule.summary
    assert hop(trace, "tls").status == "ok"
    assert trace.route is not None
    assert trace.route.backend_service == "shop/cart"


def test_missing_secret_is_a_tls_failure_and_unknown_without_secrets() -> None:
    from kubetraffic.core.convert import convert
    from kubetraffic.core.events import ChangeEvent

    state = scenario("trace-shop")
    copy = type(state)()
    for kind in state.kinds():
        if kind == "Secret":
            continue
        for obj in state.objects(kind):
            copy.apply(ChangeEvent("ADDED", kind, obj.meta.key, obj))
    unseen = hop(trace_request(copy, parse_request("https://shop.example.com/")), "tls")
    assert unseen.status == "unknown"  # no Secret loaded at all: existence cannot be judged
    assert "Secrets are not in this snapshot" in unseen.evidence[-1]
    _, other = convert({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "other", "namespace": "shop"}})
    copy.put("Secret", other)
    tls = hop(trace_request(copy, parse_request("https://shop.example.com/")), "tls")
    assert tls.status == "fail"
    assert tls.summary == "Secret shop/shop-tls not found"


def test_policy_not_evaluated_without_controller_pods() -> None:
    trace = trace_request(scenario("trace-manifests"), parse_request("http://blog.example.com/"))
    policy = hop(trace, "policy")
    assert policy.status == "unknown"
    assert policy.summary == "the controller's pods are unknown: NetworkPolicy not evaluated"


def test_generic_and_nginx_answers_both_shown_when_they_differ() -> None:
    from tests.core.routing.helpers import ingress, ingress_class, path, state_of

    state = state_of(
        ingress_class("nginx"),
        ingress("i", [("a.com", [path("/foo", "foo", path_type="ImplementationSpecific"), path("/", "root")])]),
    )
    trace = trace_request(state, parse_request("http://a.com/foobar"))
    rule = hop(trace, "rule")
    assert trace.route is not None
    assert trace.route.backend_service == "shop/foo"  # nginx: "location /foo" is a string prefix
    assert "generic Ingress semantics would answer: Ingress shop/i host a.com / Prefix → root:80" in rule.evidence
    assert any(n.startswith("ingress-nginx and the generic Ingress rules differ here") for n in trace.notes)
