"""DemoMetrics through the MetricsSource protocol: figures keyed by the trace's targets."""

from __future__ import annotations

from datetime import UTC, datetime

from kubetraffic.adapters.demo import DemoSource
from kubetraffic.adapters.metrics import MetricsSource
from kubetraffic.adapters.metrics_feed import fetch_figures, open_metrics_source
from kubetraffic.core.metrics import MetricsTarget
from kubetraffic.demo.clock import DEMO_EPOCH, ManualClock
from kubetraffic.demo.timeline import STEPS

CART = MetricsTarget("rule", "shop", "storefront", host="shop.example.com", path="/api/cart")


def _source() -> DemoSource:
    source = DemoSource(clock=ManualClock(DEMO_EPOCH))
    source.open()
    return source


def test_the_demo_brings_its_own_metrics_when_no_prometheus_is_given() -> None:
    source = _source()
    opened = open_metrics_source(None, state=source.open(), cluster_source=source)
    metrics: MetricsSource = opened.source
    assert metrics.status().ok
    assert metrics.status().name == "demo metrics"
    figures = fetch_figures(metrics, [CART], sparklines=True)[CART]
    assert 0.10 < figures.error_ratio < 0.14
    assert figures.query_time == "2025-06-15T15:06:40Z"
    assert figures.window == "5m"
    assert figures.source == "demo ingress-nginx"
    assert figures.cert_expires_at == DEMO_EPOCH + 5 * 86400 + 6 * 3600
    assert 'path="/api/cart"' in figures.queries["error_ratio"]
    assert len(figures.series["error_ratio"]) == 30


def test_at_and_window_are_honoured() -> None:
    metrics = _source().metrics_source()
    earlier = datetime.fromtimestamp(DEMO_EPOCH - 1800, UTC)
    a = metrics.hop_metrics([CART], at=earlier, window="1m")[CART]
    b = metrics.hop_metrics([CART])[CART]
    assert a.query_time == "2025-06-15T14:36:40Z"
    assert a.window == "1m"
    assert a.requests_per_second != b.requests_per_second


def test_figures_follow_the_live_timeline() -> None:
    source = _source()
    metrics = source.metrics_source()
    pods = tuple(r.name for r in source.scenario.cluster.deployments[("payments", "payments-api")].pods)
    stripe = MetricsTarget("egress", "payments", "payments-api", pods=pods, destination="198.51.100.7")
    before = metrics.hop_metrics([CART, stripe])
    assert before[stripe].drops_per_second == 0.4
    assert dict(before[stripe].drop_reasons) == {"POLICY_DENIED": 0.4}
    from kubetraffic.demo.timeline import play

    with source.lock:
        for step in STEPS[:4]:  # cart heals one pod, ..., allow-stripe-egress is applied
            play(source.scenario.cluster, step, DEMO_EPOCH)
    after = metrics.hop_metrics([CART, stripe])
    assert after[CART].error_ratio < 0.05
    assert after[stripe].drops_per_second == 0.0


def test_unknown_targets_are_absent_not_zero() -> None:
    metrics = _source().metrics_source()
    assert metrics.hop_metrics([MetricsTarget("service", "shop", "nope")]) == {}
    assert metrics.series([MetricsTarget("service", "shop", "nope")]) == {}
