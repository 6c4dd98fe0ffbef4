"""Synthetic metrics: deterministic, time-varying, and consistent with the cluster's state."""

from __future__ import annotations

import math

import pytest

from kubetraffic.core.metrics import MetricsTarget
from kubetraffic.demo.clock import DEMO_EPOCH
from kubetraffic.demo.scenario import build
from kubetraffic.demo.timeline import STEPS, play
from kubetraffic.demo.traffic import Traffic, histogram, histogram_quantile

CART_RULE = MetricsTarget("rule", "shop", "storefront", host="shop.example.com", path="/api/cart")
ROOT_RULE = MetricsTarget("rule", "shop", "storefront", host="shop.example.com", path="/")


def _pods(scenario, ns: str, name: str) -> tuple[str, ...]:
    return tuple(r.name for r in scenario.cluster.deployments[(ns, name)].pods)


@pytest.mark.parametrize(
    ("q", "buckets", "expected"),
    [
        # rank 5 of 10 falls in (0.1, 0.5] holding 4 observations after 4 below: 0.1 + 0.4 * 1/4
        (0.5, [(0.1, 4.0), (0.5, 8.0), (math.inf, 10.0)], 0.2),
        # the first bucket interpolates from 0
        (0.25, [(1.0, 10.0), (math.inf, 10.0)], 0.25),
        # a rank in +Inf answers the last finite upper bound
        (0.99, [(0.1, 1.0), (0.5, 2.0), (math.inf, 10.0)], 0.5),
        (0.5, [(0.1, 0.0), (math.inf, 0.0)], None),
    ],
)
def test_histogram_quantile_follows_promql(q: float, buckets: list, expected: float | None) -> None:
    assert histogram_quantile(q, buckets) == (pytest.approx(expected) if expected is not None else None)


def test_log_normal_histogram_quantiles_land_near_the_profile() -> None:
    buckets = histogram(0.12, 1.9, 1000.0)
    assert buckets[-1] == (math.inf, 1000.0)
    assert 0.1 < histogram_quantile(0.5, buckets) < 0.25  # inside the bucket holding the median
    assert 1.0 < histogram_quantile(0.99, buckets) <= 2.5


def test_cart_serves_about_twelve_percent_5xx_all_hour_and_varies() -> None:
    scenario = build(now=DEMO_EPOCH)
    traffic = Traffic(scenario.cluster)
    samples = [traffic.figures(CART_RULE, DEMO_EPOCH + t, 300) for t in range(0, 3600, 60)]
    ratios = [m.error_ratio for m in samples]
    assert all(0.10 <= r <= 0.14 for r in ratios)
    assert len(set(ratios)) > 20  # time-varying
    rates = [m.requests_per_second for m in samples]
    assert min(rates) < 0.9 * max(rates)
    assert traffic.figures(CART_RULE, DEMO_EPOCH, 300).latency_p99_seconds > 1.0
    assert traffic.figures(ROOT_RULE, DEMO_EPOCH, 300).error_ratio < 0.01


def test_figures_are_deterministic() -> None:
    a = Traffic(build(now=DEMO_EPOCH).cluster).figures(CART_RULE, DEMO_EPOCH + 123, 300)
    b = Traffic(build(now=DEMO_EPOCH).cluster).figures(CART_RULE, DEMO_EPOCH + 123, 300)
    assert a == b


def test_5xx_follow_readiness_as_the_timeline_heals_cart() -> None:
    scenario = build(now=DEMO_EPOCH)
    traffic = Traffic(scenario.cluster)
    before = traffic.figures(CART_RULE, DEMO_EPOCH, 300).error_ratio
    play(scenario.cluster, STEPS[0], DEMO_EPOCH + 12)  # a second cart pod becomes ready
    after = traffic.figures(CART_RULE, DEMO_EPOCH, 300).error_ratio
    assert before > 0.10
    assert 0.02 < after < 0.05


def test_admin_has_no_endpoints_so_every_request_is_a_503() -> None:
    traffic = Traffic(build(now=DEMO_EPOCH).cluster)
    admin = traffic.figures(MetricsTarget("rule", "shop", "admin", host="admin.example.com", path="/"), DEMO_EPOCH, 300)
    assert admin.error_ratio == 1.0


def test_restarts_on_cart_and_none_on_frontend() -> None:
    scenario = build(now=DEMO_EPOCH)
    traffic = Traffic(scenario.cluster)
    cart = MetricsTarget("pods", "shop", "cart", pods=_pods(scenario, "shop", "cart"))
    frontend = MetricsTarget("pods", "shop", "frontend", pods=_pods(scenario, "shop", "frontend"))
    assert traffic.figures(cart, DEMO_EPOCH, 3600).restarts == 8.0  # two pods in a 16-minute crash loop
    assert traffic.figures(frontend, DEMO_EPOCH, 3600).restarts == 0.0


def test_hubble_drops_to_stripe_until_the_policy_allows_it() -> None:
    scenario = build(now=DEMO_EPOCH)
    traffic = Traffic(scenario.cluster)
    target = MetricsTarget(
        "egress",
        "payments",
        "payments-api",
        pods=_pods(scenario, "payments", "payments-api"),
        destination="198.51.100.7",
    )
    drops = traffic.figures(target, DEMO_EPOCH, 300)
    assert drops.drops_per_second == 0.4
    assert dict(drops.drop_reasons) == {"POLICY_DENIED": 0.4}
    db = MetricsTarget("egress", "payments", "payments-api", pods=target.pods, destination="10.20.0.5")
    assert traffic.figures(db, DEMO_EPOCH, 300).drops_per_second == 0.0
    for step in STEPS[:4]:  # ... until allow-stripe-egress is applied
        play(scenario.cluster, step, DEMO_EPOCH)
    assert traffic.figures(target, DEMO_EPOCH, 300).drops_per_second == 0.0


def test_nothing_measured_is_none_not_zero() -> None:
    traffic = Traffic(build(now=DEMO_EPOCH).cluster)
    assert traffic.figures(MetricsTarget("service", "kube-system", "kube-dns"), DEMO_EPOCH, 300) is None
    assert traffic.figures(MetricsTarget("service", "shop", "nope"), DEMO_EPOCH, 300) is None
