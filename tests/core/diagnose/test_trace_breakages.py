"""Each typical breakage, on the shop scenario: the failing hop, its evidence and its fix.

The healthy cluster is tests/fixtures/trace-shop; each tests/fixtures/trace-break-* overlay
replaces the objects that break one thing.
"""

from __future__ import annotations

import pytest

from kubetraffic.core.diagnose.trace import trace_request
from kubetraffic.core.routing import parse_request
from tests.core.diagnose.scenarios import hop, scenario

CART = "https://shop.example.com/api/cart"


def test_the_healthy_shop_routes_like_ingress_nginx() -> None:
    trace = trace_request(scenario("trace-shop"), parse_request(CART))
    assert trace.verdict == "ok"
    assert trace.first_failure is None
    route = trace.route
    assert route is not None
    assert (route.kind, route.namespace, route.name, route.host, route.path, route.path_type) == (
        "Ingress",
        "shop",
        "storefront",
        "shop.example.com",
        "/api/cart",
        "Prefix",
    )
    assert (route.backend_service, route.backend_port, route.default_backend) == ("shop/cart", "http", False)
    kinds = [h.kind for h in trace.hops]
    assert kinds == ["client", "dns", "entry", "controller", "rule", "tls", "service", "endpoints", "pods", "policy"]
    assert hop(trace, "entry").summary == "203.0.113.10 (LoadBalancer ingress-nginx/ingress-nginx-controller)"
    assert hop(trace, "controller").summary == "ingress-nginx/ingress-nginx-controller 2/2 ready"
    assert hop(trace, "endpoints").summary == "3/3 endpoints ready on port 8080"
    assert hop(trace, "client").summary == "GET https://shop.example.com/api/cart"
    assert hop(trace, "dns").status == "unknown"  # offline: nothing resolved
    policy = hop(trace, "policy")
    assert policy.status == "ok"
    assert "ingress of shop/cart-7d9f6c-m4n7q allowed by shop/allow-from-ingress ingress rule 0" in policy.evidence
    # Every hop with metrics names what they are about.
    assert hop(trace, "rule").target is not None
    assert hop(trace, "rule").target.path == "/api/cart"  # type: ignore[union-attr]
    assert hop(trace, "pods").target.pods == ("cart-7d9f6c-m4n7q", "cart-7d9f6c-t8v1w", "cart-7d9f6c-x2k9p")  # type: ignore[union-attr]


BREAKAGES = [
    # (overlay, url, failing hop, summary, evidence fragment, fix fragment)
    (
        "trace-break-selector",
        CART,
        "service",
        "selector app=cart-v2 matches no pods",
        "nearest pods: shop/cart-7d9f6c-m4n7q (Deployment shop/cart) has app=cart (differs: app)",
        "set the Service selector to app=cart",
    ),
    (
        "trace-break-port",
        CART,
        "service",
        "port mismatch: Service shop/cart has no port web",
        "Ingress shop/storefront asks for port name 'web'",
        "use one of the Service's ports in Ingress shop/storefront",
    ),
    (
        "trace-break-named-port",
        CART,
        "endpoints",
        "targetPort 'http' matches no container port of the selected pods",
        "shop/cart-7d9f6c-m4n7q has no container port named 'http' (named ports: web/8080)",
        "name a container port 'http' in the pods",
    ),
    (
        "trace-break-not-ready",
        CART,
        "endpoints",
        "no ready endpoints (0/3 ready)",
        "container cart running but readiness probe (httpGet /healthz on port 8080) failing",
        "find out why the readiness probe (httpGet /healthz on port 8080)",
    ),
    (
        "trace-break-terminating",
        CART,
        "endpoints",
        "all 3 endpoints terminating",
        "0 ready, 3 serving, 3 terminating of 3",
        "check the rollout",
    ),
    (
        "trace-break-listen",
        CART,
        "pods",
        "container does not listen on the target port 8080",
        "no container declares port 8080/TCP; declared: 8081/TCP (http)",
        "make the container listen on 8080",
    ),
    (
        "trace-break-policy",
        CART,
        "policy",
        "NetworkPolicy denies the controller: ingress-nginx/ingress-nginx-controller-7d9f6c-k8q2x → shop/cart TCP 8080",
        "nearest: shop/default-deny: no ingress rules: it isolates the pod for ingress and allows nothing",
        "allow exactly Deployment ingress-nginx/ingress-nginx-controller → Deployment shop/cart TCP 8080",
    ),
    (
        "trace-break-tls",
        CART,
        "tls",
        "TLS host not covered: no tls entry lists shop.example.com",
        "Ingress shop/storefront: hosts www.example.com secret shop-tls",
        "add shop.example.com to spec.tls[].hosts of Ingress shop/storefront",
    ),
    (
        "trace-break-class",
        CART,
        "rule",
        "no rule matches shop.example.com/api/cart: 404 from the controller's default backend",
        "not chosen: Ingress shop/storefront (host shop.example.com): IngressClass 'nginx-internal' does not exist",
        "set spec.ingressClassName of Ingress shop/storefront to nginx",
    ),
    (
        "trace-break-no-rule",
        "https://shop.example.com/checkout",
        "rule",
        "no rule matches shop.example.com/checkout: 404 from the controller's default backend",
        "/checkout is not under /api",
        "add a rule for host shop.example.com with a path covering /checkout",
    ),
]


@pytest.mark.parametrize(
    ("overlay", "url", "kind", "summary", "evidence", "fix"), BREAKAGES, ids=[b[0] for b in BREAKAGES]
)
def test_breakage_is_named_with_evidence_and_fix(
    overlay: str, url: str, kind: str, summary: str, evidence: str, fix: str
) -> None:
    trace = trace_request(scenario("trace-shop", overlay), parse_request(url))
    assert trace.verdict == "broken"
    assert trace.first_failure is not None
    failed = trace.hops[trace.first_failure]
    assert failed.kind == kind
    assert failed.summary == summary
    assert any(evidence in line for line in failed.evidence), failed.evidence
    assert failed.fix is not None
    assert fix in failed.fix
    # Hops before the first failure are fine; the route is reported whenever a rule matched.
    assert all(h.status != "fail" for h in trace.hops[: trace.first_failure])
    assert (trace.route is None) == (kind == "rule")


def test_no_rule_reports_similar_hosts() -> None:
    trace = trace_request(scenario("trace-shop"), parse_request("https://shop.exmaple.com/"))
    rule = hop(trace, "rule")
    assert rule.status == "fail"
    assert trace.route is None
    assert any("host shop.example.com: is configured and looks like shop.exmaple.com" in e for e in rule.evidence)
