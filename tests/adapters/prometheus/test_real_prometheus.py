"""Per-hop figures from a real Prometheus holding the ``metrics`` scenario's known rates."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import timedelta

import pytest

from kubetraffic.adapters.prometheus import PrometheusSource, config_from
from kubetraffic.core.metrics import HopMetrics, MetricsTarget
from tests.support.prometheus import AT, PrometheusServer

pytestmark = pytest.mark.prometheus

API_RULE = MetricsTarget("rule", "shop", "storefront", host="shop.example.com", path="/api", service="api")
ROOT_RULE = MetricsTarget("rule", "shop", "storefront", host="shop.example.com", path="/", service="frontend")
ADMIN_RULE = MetricsTarget("rule", "shop", "admin", host="admin.example.com", path="/")
CHECKOUT_ROUTE = MetricsTarget("route", "shop", "checkout")
CART_SERVICE = MetricsTarget("service", "shop", "cart", port=80)
LEGACY_SERVICE = MetricsTarget("service", "shop", "legacy")
API_SERVICE = MetricsTarget("service", "shop", "api", port=80)
CART_PODS = MetricsTarget("endpoints", "shop", "cart", pods=("cart-6d8-x2", "cart-6d8-y7"))
API_ENDPOINTS = MetricsTarget("endpoints", "shop", "api", service="api", port=80)
API_PODS = MetricsTarget("pods", "shop", "api", pods=("api-5f7-a", "api-5f7-b"))
PAYMENTS_EGRESS = MetricsTarget(
    "egress", "payments", "payments-api", pods=("payments-api-1",), destination="198.51.100.7"
)
NOWHERE = MetricsTarget("service", "nope", "nothing")
ALL = [
    API_RULE,
    ROOT_RULE,
    ADMIN_RULE,
    CHECKOUT_ROUTE,
    CART_SERVICE,
    LEGACY_SERVICE,
    API_SERVICE,
    CART_PODS,
    API_ENDPOINTS,
    API_PODS,
    PAYMENTS_EGRESS,
    NOWHERE,
]


@pytest.fixture(scope="module")
def source(prometheus: PrometheusServer) -> Iterator[PrometheusSource]:
    src = PrometheusSource(config_from(prometheus.url))
    yield src
    src.close()


@pytest.fixture(scope="module")
def figures(source: PrometheusSource) -> dict[MetricsTarget, HopMetrics]:
    return source.hop_metrics(ALL, at=AT, window="5m")


def _instant(server: PrometheusServer, query: str) -> float:
    """Run a query the way a user pasting it into the Prometheus UI would (raw HTTP API)."""
    params = urllib.parse.urlencode({"query": query, "time": AT.timestamp()})
    with urllib.request.urlopen(f"{server.url}/api/v1/query?{params}", timeout=10) as answer:
        result = json.load(answer)["data"]["result"]
    return sum(float(r["value"][1]) for r in result)


def test_ingress_nginx_rule_figures(figures: dict[MetricsTarget, HopMetrics], source: PrometheusSource) -> None:
    api = figures[API_RULE]
    assert api.requests_per_second == pytest.approx(20.0)  # 2 controller pods x (9 + 1) /s
    assert api.error_ratio == pytest.approx(0.1)
    assert api.latency_p50_seconds == pytest.approx(0.1)
    assert api.latency_p99_seconds == pytest.approx(0.5)
    assert api.source == "ingress-nginx"
    assert api.window == "5m"
    assert api.query_time == "2024-05-01T12:00:00Z"
    assert api.cert_expires_at == pytest.approx((AT + timedelta(days=5)).timestamp())
    assert source.status().state == "ok"


def test_zero_errors_is_a_measured_zero_but_missing_latency_is_unknown(
    figures: dict[MetricsTarget, HopMetrics],
) -> None:
    root = figures[ROOT_RULE]
    assert root.requests_per_second == pytest.approx(10.0)
    assert root.error_ratio == 0.0  # requests served, none failed: known healthy
    assert root.latency_p99_seconds is None  # no histogram for "/": unknown, not zero
    assert "latency_p99_seconds" not in root.figures()


def test_orphan_ingress_becomes_a_note(figures: dict[MetricsTarget, HopMetrics]) -> None:
    admin = figures[ADMIN_RULE]
    assert admin.figures() == {}
    assert admin.notes == ("ingress-nginx reports this Ingress orphaned (no-endpoint)",)


def test_envoy_gateway_route_figures(figures: dict[MetricsTarget, HopMetrics]) -> None:
    route = figures[CHECKOUT_ROUTE]
    assert route.requests_per_second == pytest.approx(10.0)  # rules 0 and 1; checkout-v2 not counted
    assert route.error_ratio == pytest.approx(0.03)
    assert route.latency_p50_seconds == pytest.approx(0.005)  # Envoy's milliseconds converted
    assert route.latency_p99_seconds == pytest.approx(0.048)
    assert route.source == "envoy"


def test_istio_service_prefers_the_destination_reporter(figures: dict[MetricsTarget, HopMetrics]) -> None:
    cart = figures[CART_SERVICE]
    assert cart.requests_per_second == pytest.approx(10.0)  # not 12 (the source view) nor 22 (both)
    assert cart.error_ratio == pytest.approx(0.1)
    assert cart.latency_p50_seconds == pytest.approx(0.025)
    assert cart.latency_p99_seconds == pytest.approx(0.91)
    assert cart.drops_per_second == pytest.approx(3.0)
    assert dict(cart.drop_reasons) == pytest.approx({"UH (no healthy upstream)": 3.0})
    assert cart.source == "istio"


def test_istio_falls_back_to_the_source_reporter_without_a_sidecar(figures: dict[MetricsTarget, HopMetrics]) -> None:
    legacy = figures[LEGACY_SERVICE]
    assert legacy.requests_per_second == pytest.approx(5.0)
    assert legacy.error_ratio == 0.0


def test_service_without_mesh_uses_the_ingress_controller(figures: dict[MetricsTarget, HopMetrics]) -> None:
    api = figures[API_SERVICE]
    assert api.requests_per_second == pytest.approx(20.0)
    assert api.error_ratio == pytest.approx(0.1)
    assert api.source == "ingress-nginx"


def test_endpoints_get_the_upstream_response_time(figures: dict[MetricsTarget, HopMetrics]) -> None:
    endpoints = figures[API_ENDPOINTS]
    assert endpoints.latency_p50_seconds == pytest.approx(0.05 * 0.5 / 0.6)
    assert endpoints.latency_p99_seconds == pytest.approx(0.22)
    assert endpoints.requests_per_second is None  # counted once, on the service hop
    assert endpoints.source == "ingress-nginx upstream"


def test_pod_figures_restarts_and_interface_drops(figures: dict[MetricsTarget, HopMetrics]) -> None:
    assert figures[CART_PODS].restarts == 2  # kube-state-metrics, within the window
    api = figures[API_PODS]
    assert api.drops_per_second == pytest.approx(0.5)  # 2 pods x 0.25/s, not doubled per container
    assert dict(api.drop_reasons) == pytest.approx({"interface receive drops": 0.5})


def test_egress_policy_drops_to_the_destination_only(figures: dict[MetricsTarget, HopMetrics]) -> None:
    egress = figures[PAYMENTS_EGRESS]
    assert egress.drops_per_second == pytest.approx(0.4)  # the 0.1/s to another address is excluded
    assert dict(egress.drop_reasons) == pytest.approx({"POLICY_DENIED": 0.4})
    assert egress.source == "hubble"


def test_targets_without_series_are_unknown(figures: dict[MetricsTarget, HopMetrics]) -> None:
    assert NOWHERE not in figures


def test_kept_queries_give_the_same_figures_when_pasted(
    figures: dict[MetricsTarget, HopMetrics], prometheus: PrometheusServer
) -> None:
    checked = 0
    for metrics in figures.values():
        for name, value in metrics.figures().items():
            if name == "restarts":
                continue  # rounded from increase()
            assert _instant(prometheus, metrics.queries[name]) == pytest.approx(value), name
            checked += 1
    assert checked >= 20


def test_the_past_is_evaluated_at_the_given_time(source: PrometheusSource) -> None:
    before_errors = AT - timedelta(minutes=25)  # the /api 503s start at AT-15m
    api = source.hop_metrics([API_RULE], at=before_errors)[API_RULE]
    assert api.requests_per_second == pytest.approx(18.0)
    assert api.error_ratio == 0.0
    assert api.query_time == "2024-05-01T11:35:00Z"
    long_before = source.hop_metrics([API_RULE], at=AT - timedelta(days=30))
    assert long_before == {}  # no data then: unknown, not zero
    assert source.status().state == "ok"


def test_window_changes_the_rate_window(source: PrometheusSource) -> None:
    api = source.hop_metrics([API_RULE], at=AT - timedelta(minutes=13), window="10m")[API_RULE]
    # 10m window ending 2 minutes after the errors began: 2/s of 503 for 2 of 10 minutes
    assert api.error_ratio == pytest.approx(0.4 / 18.4, rel=0.05)
    assert "[10m]" in api.queries["requests_per_second"]
    assert api.window == "10m"


def test_sparkline_series(source: PrometheusSource) -> None:
    series = source.series([API_RULE, NOWHERE], at=AT, span="30m", points=31)
    api = series[API_RULE]
    errors = [v for _, v in api["error_ratio"]]
    assert len(errors) == 31
    assert errors[0] == 0.0
    assert errors[-1] == pytest.approx(0.1)  # the step at AT-15m shows
    times = [t for t, _ in api["error_ratio"]]
    assert times[-1] == AT.timestamp()
    assert times[1] - times[0] == 60
    assert [v for _, v in api["requests_per_second"]][-1] == pytest.approx(20.0)
    assert NOWHERE not in series


def test_hostile_names_stay_data(source: PrometheusSource) -> None:
    hostile = MetricsTarget("rule", 'sh"op', "web\\", host='a"}) or vector(1) #', path="/(x|y)*\n", pods=('p"1', "p.*"))
    assert source.hop_metrics([hostile], at=AT) == {}
    assert source.status().state == "ok"
    assert not source.status().notable  # every query parsed: no "N queries failed"
