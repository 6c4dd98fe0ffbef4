"""The metric side of the ``metrics`` fixture scenario (tests/fixtures/metrics/): known rates.

Every figure a test asserts follows from the numbers here by arithmetic, so the expected
values are written next to the series that produce them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.prometheus import AT, PrometheusServer, Series, backfilled_prometheus, histogram

ERRORS_SINCE = AT.timestamp() - 15 * 60
"""The /api 503s start 15 minutes before AT (sparklines show the step; the 5m window is past it)."""

NGINX_BUCKETS = [("0.05", 0.2), ("0.1", 0.5), ("0.25", 0.9), ("0.5", 0.99), ("1", 1.0)]
# p50: rank 0.5 falls at the top of the 0.1 bucket -> 0.1 s; p99: top of the 0.5 bucket -> 0.5 s
UPSTREAM_BUCKETS = [("0.05", 0.6), ("0.1", 0.95), ("0.25", 1.0)]
# upstream (the api endpoints): p50 = 0.05 * 0.5 / 0.6 = 0.0417 s; p99 = 0.1 + 0.15 * 0.04 / 0.05 = 0.22 s
ENVOY_BUCKETS_MS = [("5", 0.5), ("10", 0.8), ("50", 1.0)]
# p50 = 5 ms; p99 = 10 + 40 * (0.99 - 0.8) / 0.2 = 48 ms
ISTIO_BUCKETS_MS = [("25", 0.5), ("100", 0.9), ("1000", 1.0)]
# p50 = 25 ms; p99 = 100 + 900 * (0.99 - 0.9) / 0.1 = 910 ms


def _nginx(path: str, service: str, status: str, rate: float | object, pod: str) -> Series:
    labels = {
        "controller_class": "k8s.io/ingress-nginx",
        "controller_namespace": "ingress-nginx",
        "controller_pod": pod,
        "host": "shop.example.com",
        "ingress": "storefront",
        "method": "GET",
        "namespace": "shop",
        "path": path,
        "service": service,
        "status": status,
        "canary": "",
    }
    return Series("nginx_ingress_controller_requests", labels, rate)  # type: ignore[arg-type]


def _api_errors(t: float) -> float:
    return 1.0 if t > ERRORS_SINCE else 0.0  # per controller pod: 2/s in all


def series() -> list[Series]:
    """All series of the scenario."""
    out: list[Series] = []
    controllers = ("ingress-nginx-controller-7c9-a", "ingress-nginx-controller-7c9-b")
    for pod in controllers:  # traffic split over two controller pods: figures are sums
        out.append(_nginx("/", "frontend", "200", 5.0, pod))  # "/" : 10/s, no errors
        out.append(_nginx("/api", "api", "200", 9.0, pod))  # "/api": 18/s ok ...
        out.append(_nginx("/api", "api", "503", _api_errors, pod))  # ... + 2/s 503 = 20/s, 10 % 5xx
        api = {"host": "shop.example.com", "ingress": "storefront", "namespace": "shop", "path": "/api"}
        api |= {"service": "api", "controller_pod": pod, "controller_namespace": "ingress-nginx"}
        out += histogram("nginx_ingress_controller_request_duration_seconds", api, 10.0, NGINX_BUCKETS)
        out += histogram("nginx_ingress_controller_response_duration_seconds", api, 10.0, UPSTREAM_BUCKETS)
    out.append(
        Series(
            "nginx_ingress_controller_orphan_ingress",
            {"namespace": "shop", "ingress": "admin", "type": "no-endpoint"},
            gauge=1,
        )
    )
    out.append(
        Series(
            "nginx_ingress_controller_ssl_expire_time_seconds",
            {"host": "shop.example.com", "namespace": "shop", "secret_name": "shop-tls"},
            gauge=AT.timestamp() + 5 * 86400,
        )
    )
    # Envoy Gateway: HTTPRoute shop/checkout, two rules -> 10/s, 0.3/s 5xx = 3 %
    for rule, total, fives in ((0, 6.0, 0.3), (1, 4.0, 0.0)):
        cluster = {"envoy_cluster_name": f"httproute/shop/checkout/rule/{rule}"}
        out.append(Series("envoy_cluster_upstream_rq_total", cluster, total))
        out.append(Series("envoy_cluster_upstream_rq_xx", {**cluster, "envoy_response_code_class": "2"}, total - fives))
        if fives:
            out.append(Series("envoy_cluster_upstream_rq_xx", {**cluster, "envoy_response_code_class": "5"}, fives))
        out += histogram("envoy_cluster_upstream_rq_time", cluster, total, ENVOY_BUCKETS_MS)
    # a cluster of another route whose name shares a prefix: must not be counted
    out.append(
        Series("envoy_cluster_upstream_rq_total", {"envoy_cluster_name": "httproute/shop/checkout-v2/rule/0"}, 50.0)
    )
    # Istio: shop/cart seen by its own sidecar (destination) at 10/s with 10 % 503; clients'
    # sidecars (source) also saw 3/s UH that never reached it.
    dest = {"reporter": "destination", "destination_service_namespace": "shop", "destination_service_name": "cart"}
    src = {**dest, "reporter": "source"}
    out.append(Series("istio_requests_total", {**dest, "response_code": "200", "response_flags": "-"}, 9.0))
    out.append(Series("istio_requests_total", {**dest, "response_code": "503", "response_flags": "-"}, 1.0))
    out.append(Series("istio_requests_total", {**src, "response_code": "200", "response_flags": "-"}, 9.0))
    out.append(Series("istio_requests_total", {**src, "response_code": "503", "response_flags": "UH"}, 3.0))
    out += histogram("istio_request_duration_milliseconds", dest, 10.0, ISTIO_BUCKETS_MS)
    # shop/legacy has no sidecar: only clients report it (5/s, no errors)
    legacy = {"reporter": "source", "destination_service_namespace": "shop", "destination_service_name": "legacy"}
    out.append(Series("istio_requests_total", {**legacy, "response_code": "200", "response_flags": "-"}, 5.0))
    # kube-state-metrics: cart-6d8-x2 restarted twice in the last 5 minutes, cart-6d8-y7 never
    out.append(
        Series("kube_pod_container_status_restarts_total", _pod("cart-6d8-x2", "cart"), _restarts, start_value=3)
    )
    out.append(Series("kube_pod_container_status_restarts_total", _pod("cart-6d8-y7", "cart"), 0.0, start_value=0))
    # Hubble: payments-api-1 egress policy drops to 198.51.100.7 (0.4/s) and elsewhere (0.1/s)
    for ip, rate in (("198.51.100.7", 0.4), ("203.0.113.50", 0.1)):
        labels = {"source_namespace": "payments", "source_pod": "payments-api-1", "destination_ip": ip}
        labels |= {"destination_namespace": "", "destination_pod": "", "reason": "POLICY_DENIED", "protocol": "TCP"}
        out.append(Series("hubble_drop_total", labels, rate))
    # cAdvisor: shop/api pods drop 0.25/s received packets each, reported twice (pause + app container)
    for pod in ("api-5f7-a", "api-5f7-b"):
        for container in ("POD", "api"):
            labels = {**_pod(pod, container), "interface": "eth0"}
            out.append(Series("container_network_receive_packets_dropped_total", labels, 0.25))
    return out


def _pod(name: str, container: str) -> dict[str, str]:
    ns = "shop" if not name.startswith("payments") else "payments"
    return {"namespace": ns, "pod": name, "container": container}


def _restarts(t: float) -> float:
    # +1 at AT-200s and +1 at AT-100s (a step of one restart spread over one 15 s sample)
    return (
        1 / 15
        if AT.timestamp() - 215 < t <= AT.timestamp() - 200 or AT.timestamp() - 115 < t <= AT.timestamp() - 100
        else 0.0
    )


@pytest.fixture(scope="session")
def prometheus() -> Iterator[PrometheusServer]:
    """This scenario's series in a running Prometheus (skips without one, fails under CI=true)."""
    with backfilled_prometheus(series()) as server:
        yield server
