"""Which queries a hop gets, from what the server has (pure: no server)."""

from __future__ import annotations

from kubetraffic.adapters.prometheus.catalog import Catalog
from kubetraffic.adapters.prometheus.plans import plan
from kubetraffic.adapters.prometheus.promql import MAX_POD_ALTERNATIVES, pods_regex, quote, regex_literal
from kubetraffic.core.metrics import MetricsTarget

NGINX_LABELS = frozenset({"host", "path", "status", "ingress", "namespace", "service", "controller_pod"})


def _catalog(**labels: set[str]) -> Catalog:
    return Catalog({name: frozenset(v) for name, v in labels.items()})


def _queries(target: MetricsTarget, catalog: Catalog) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for job in plan(target, catalog, "5m"):
        out.setdefault(job.figure, []).append(job.query)
    return out


def test_nothing_known_means_no_queries() -> None:
    assert plan(MetricsTarget("rule", "shop", "web", host="a.example"), Catalog(), "5m") == []


def test_nginx_rule_selects_ingress_host_and_rule_path() -> None:
    catalog = _catalog(nginx_ingress_controller_requests=NGINX_LABELS)
    q = _queries(MetricsTarget("rule", "shop", "web", host="a.example", path="/api"), catalog)
    sel = '{namespace="shop",ingress="web",host="a.example",path="/api"}'
    assert q["requests_per_second"] == [f"sum(rate(nginx_ingress_controller_requests{sel}[5m]))"]
    assert q["error_ratio"] == [
        f'(sum(rate(nginx_ingress_controller_requests{sel[:-1]},status=~"5.."}}[5m])) or vector(0))'
        f" / sum(rate(nginx_ingress_controller_requests{sel}[5m]))"
    ]
    assert "latency_p99_seconds" not in q  # no histogram on this server


def test_nginx_wildcard_host_and_older_label_sets() -> None:
    catalog = _catalog(nginx_ingress_controller_requests={"status", "ingress", "namespace"})  # --metrics-per-host=false
    q = _queries(MetricsTarget("rule", "shop", "web", host="*.example.com", path="/"), catalog)
    assert q["requests_per_second"] == [
        'sum(rate(nginx_ingress_controller_requests{namespace="shop",ingress="web"}[5m]))'
    ]


def test_cluster_strings_cannot_break_out_of_a_query() -> None:
    catalog = _catalog(nginx_ingress_controller_requests=NGINX_LABELS)
    q = _queries(MetricsTarget("rule", "shop", "web", host="a.example", path='/x"}) or vector(1) #\\'), catalog)
    assert 'path="/x\\"}) or vector(1) #\\\\"' in q["requests_per_second"][0]
    assert quote('a"b\\c\nd') == '"a\\"b\\\\c\\nd"'
    assert regex_literal("web.v1+(x)") == "web\\.v1\\+\\(x\\)"


def test_envoy_label_spelling_is_detected() -> None:
    istio_envoy = _catalog(
        envoy_cluster_upstream_rq_total={"cluster_name"},
        envoy_cluster_upstream_rq_xx={"cluster_name", "response_code_class"},
    )
    q = _queries(MetricsTarget("route", "shop", "checkout"), istio_envoy)
    assert q["requests_per_second"] == [
        'sum(rate(envoy_cluster_upstream_rq_total{cluster_name=~"httproute/shop/checkout/rule/[0-9]+"}[5m]))'
    ]
    assert 'response_code_class="5"' in q["error_ratio"][0]


def test_envoy_service_cluster_names_cover_contour_and_istio_styles() -> None:
    catalog = _catalog(envoy_cluster_upstream_rq_total={"envoy_cluster_name"})
    q = _queries(MetricsTarget("service", "shop", "cart.v2", port=8080), catalog)
    assert q["requests_per_second"] == [
        'sum(rate(envoy_cluster_upstream_rq_total{envoy_cluster_name=~"shop/cart\\\\.v2/.*|'
        'outbound\\\\|8080\\\\|[^|]*\\\\|cart\\\\.v2\\\\.shop\\\\.svc\\\\..*"}[5m]))'
    ]


def test_service_figures_prefer_the_mesh_then_the_ingress_controller() -> None:
    catalog = _catalog(
        istio_requests_total={"reporter", "destination_service_name", "destination_service_namespace", "response_code"},
        nginx_ingress_controller_requests=NGINX_LABELS,
    )
    jobs = [
        j for j in plan(MetricsTarget("service", "shop", "cart"), catalog, "5m") if j.figure == "requests_per_second"
    ]
    assert [j.family for j in jobs] == ["istio", "ingress-nginx"]


def test_hubble_pod_context_in_either_label_scheme() -> None:
    egress = MetricsTarget("egress", "payments", "api", pods=("api-1",), destination="198.51.100.7")
    labels_context = _catalog(
        hubble_drop_total={"reason", "source_namespace", "source_pod", "destination_ip"},
    )
    assert _queries(egress, labels_context)["drops_per_second"] == [
        'sum by (reason)(rate(hubble_drop_total{source_namespace="payments",source_pod=~"api-1",'
        'destination_ip="198.51.100.7"}[5m]))'
    ]
    source_context = _catalog(hubble_drop_total={"reason", "source", "destination"})
    assert _queries(egress, source_context)["drops_per_second"] == [
        'sum by (reason)(rate(hubble_drop_total{source=~"payments/(api-1)",destination="198.51.100.7"}[5m]))'
    ]
    no_pod_context = _catalog(hubble_drop_total={"reason", "protocol"})  # node-level only: cannot attribute
    assert "drops_per_second" not in _queries(egress, no_pod_context)


def test_egress_drops_must_be_attributable_to_the_destination() -> None:
    catalog = _catalog(
        hubble_drop_total={"reason", "source_namespace", "source_pod"},  # no destination label
        container_network_transmit_packets_dropped_total={"namespace", "pod"},
    )
    to_ip = MetricsTarget("egress", "payments", "api", pods=("api-1",), destination="198.51.100.7")
    to_cidr = MetricsTarget("egress", "payments", "api", pods=("api-1",), destination="10.0.0.0/8")
    anywhere = MetricsTarget("egress", "payments", "api", pods=("api-1",))
    assert "drops_per_second" not in _queries(to_ip, catalog)  # pod-wide drops would answer another question
    assert "drops_per_second" not in _queries(to_cidr, catalog)
    assert len(_queries(anywhere, catalog)["drops_per_second"]) == 2


def test_backend_pods_look_at_drops_towards_them() -> None:
    catalog = _catalog(
        hubble_drop_total={"reason", "destination_namespace", "destination_pod"},
        networkobservability_adv_drop_count={"reason", "destination_namespace", "destination_pod"},
        container_network_receive_packets_dropped_total={"namespace", "pod", "interface"},
        kube_pod_container_status_restarts_total={"namespace", "pod", "container"},
    )
    q = _queries(MetricsTarget("endpoints", "shop", "cart", pods=("cart-2", "cart-1")), catalog)
    assert [s.split("(rate(")[1].split("{")[0] for s in q["drops_per_second"]] == [
        "hubble_drop_total",
        "networkobservability_adv_drop_count",
        "container_network_receive_packets_dropped_total",
    ]
    assert 'destination_pod=~"cart-1|cart-2"' in q["drops_per_second"][0]
    assert q["restarts"] == [
        'sum(increase(kube_pod_container_status_restarts_total{namespace="shop",pod=~"cart-1|cart-2"}[5m]))'
    ]


def test_many_pods_fold_into_owner_prefixes() -> None:
    pods = [f"web-7d9f-{i:05d}" for i in range(MAX_POD_ALTERNATIVES + 5)] + ["web-5c2a-zzzzz"]
    assert pods_regex(pods) == "web-5c2a-[a-z0-9]+|web-7d9f-[a-z0-9]+"
    assert pods_regex(["db-0", "db.1"]) == "db-0|db\\.1"
