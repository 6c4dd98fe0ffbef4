"""apply_metrics and egress_evidence on hand-built traces: measured figures speak, missing ones never do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kubetraffic.core.diagnose.metrics import apply_metrics, egress_evidence, percent, rate_text
from kubetraffic.core.diagnose.model import Hop, Trace
from kubetraffic.core.metrics import DEGRADED_ERROR_RATIO, HopMetrics, MetricsTarget

AT = datetime(2024, 5, 1, 12, tzinfo=UTC)
RULE = MetricsTarget("rule", "shop", "storefront", host="shop.example.com", path="/api", service="api")
SERVICE = MetricsTarget("service", "shop", "api", port=80)
PODS = MetricsTarget("endpoints", "shop", "api", pods=("api-1", "api-2"))


def _trace(*, service_status: str = "ok", pods_status: str = "ok") -> Trace:
    return Trace(
        "https://shop.example.com/api",
        (
            Hop("client", "shop.example.com", "ok", "203.0.113.10"),
            Hop("rule", "shop/storefront", "ok", "/api Prefix -> api:80", target=RULE),
            Hop("tls", "shop-tls", "ok", "covers shop.example.com"),
            Hop("service", "shop/api", service_status, "ClusterIP 80->8080", target=SERVICE),  # type: ignore[arg-type]
            Hop("endpoints", "shop/api", pods_status, "2/2 ready", target=PODS),  # type: ignore[arg-type]
        ),
    )


def _m(**figures: object) -> HopMetrics:
    return HopMetrics(window="5m", query_time="2024-05-01T12:00:00Z", source="ingress-nginx", **figures)  # type: ignore[arg-type]


def test_no_metrics_changes_nothing() -> None:
    trace = _trace()
    assert apply_metrics(trace, {}) == trace
    assert apply_metrics(trace, {MetricsTarget("service", "other", "x"): _m(error_ratio=0.9)}) == trace


def test_figures_attach_to_their_hop_by_target() -> None:
    figures = _m(requests_per_second=20.0, error_ratio=0.01)
    out = apply_metrics(_trace(), {SERVICE: figures})
    assert out.hops[3].metrics == figures
    assert [h.metrics for i, h in enumerate(out.hops) if i != 3] == [None] * 4
    assert out.verdict == "ok"  # 1 % is below the threshold
    assert out.hops[3].evidence == ()


def test_healthy_looking_backend_serving_5xx_is_degraded_with_the_figure_as_evidence() -> None:
    out = apply_metrics(_trace(), {SERVICE: _m(requests_per_second=20.0, error_ratio=0.121)})
    hop = out.hops[3]
    assert hop.status == "warn"
    assert hop.summary == "ClusterIP 80->8080; serving 12.1 % 5xx"
    assert out.verdict == "degraded"
    assert out.first_failure is None
    assert hop.evidence == ("metrics: 12.1 % of 20 req/s answered 5xx over 5m at 2024-05-01T12:00:00Z (ingress-nginx)",)


def test_threshold_is_inclusive() -> None:
    at = apply_metrics(_trace(), {SERVICE: _m(error_ratio=DEGRADED_ERROR_RATIO)})
    below = apply_metrics(_trace(), {SERVICE: _m(error_ratio=DEGRADED_ERROR_RATIO - 1e-9)})
    assert at.verdict == "degraded"
    assert below.verdict == "ok"


def test_metrics_never_soften_or_hide_a_failure() -> None:
    out = apply_metrics(_trace(pods_status="fail"), {PODS: _m(error_ratio=0.0, requests_per_second=5.0)})
    assert out.hops[4].status == "fail"
    assert out.verdict == "broken"
    unknown = apply_metrics(_trace(service_status="unknown"), {SERVICE: _m(error_ratio=0.5)})
    assert unknown.hops[3].status == "unknown"  # evidence added, but no verdict from half the picture
    assert unknown.hops[3].evidence


def test_missing_error_ratio_is_not_healthy_and_not_broken() -> None:
    out = apply_metrics(_trace(), {SERVICE: _m(requests_per_second=None, error_ratio=None, latency_p99_seconds=2.0)})
    assert out.hops[3].status == "ok"
    assert out.hops[3].evidence == ()


def test_drops_restarts_and_notes_become_evidence() -> None:
    pods = _m(drops_per_second=0.5, drop_reasons={"POLICY_DENIED": 0.4, "CT_MAP_INSERTION_FAILED": 0.1}, restarts=2.0)
    rule = _m(notes=("ingress-nginx reports this Ingress orphaned (no-endpoint)",))
    out = apply_metrics(_trace(), {PODS: pods, RULE: rule})
    assert out.hops[4].evidence == (
        "metrics: 0.5/s dropped (POLICY_DENIED 0.4/s, CT_MAP_INSERTION_FAILED 0.1/s) over 5m at 2024-05-01T12:00:00Z (ingress-nginx)",
        "metrics: 2 container restarts over 5m at 2024-05-01T12:00:00Z (ingress-nginx)",
    )
    assert out.hops[1].evidence == ("metrics: ingress-nginx reports this Ingress orphaned (no-endpoint)",)
    assert out.verdict == "ok"


@pytest.mark.parametrize(
    ("days", "status", "wording"),
    [(40, "ok", "(in 40 days)"), (5, "warn", "(in 5 days)"), (-1, "warn", "expired 2024-04-30 12:00 UTC")],
)
def test_served_certificate_expiry_lands_on_the_tls_hop(days: int, status: str, wording: str) -> None:
    expires = (AT + timedelta(days=days)).timestamp()
    out = apply_metrics(_trace(), {RULE: _m(cert_expires_at=expires, requests_per_second=1.0)})
    tls = out.hops[2]
    assert tls.status == status
    assert (tls.summary == "covers shop.example.com") == (status == "ok")
    assert len(tls.evidence) == 1
    assert tls.evidence[0].startswith("metrics: the certificate for shop.example.com served by ingress-nginx")
    assert wording in tls.evidence[0]
    assert out.hops[1].evidence == ()


def test_egress_allowed_but_policy_drops_is_a_contradiction() -> None:
    drops = _m(drops_per_second=0.4, drop_reasons={"POLICY_DENIED": 0.4})
    found = egress_evidence(True, drops)
    assert found.contradiction
    assert "although the policies allow this traffic" in found.lines[0]
    assert "POLICY_DENIED 0.4/s" in found.lines[0]
    assert "capture" in found.lines[0]
    confirmed = egress_evidence(False, drops)
    assert not confirmed.contradiction
    assert confirmed.lines == (
        "ingress-nginx: confirms policy drops (POLICY_DENIED 0.4/s) over 5m at 2024-05-01T12:00:00Z",
    )


def test_egress_other_drops_or_no_figures() -> None:
    other = egress_evidence(True, _m(drops_per_second=0.2, drop_reasons={"interface transmit drops": 0.2}))
    assert not other.contradiction
    assert other.lines == (
        "ingress-nginx: drops measured (interface transmit drops 0.2/s) over 5m at 2024-05-01T12:00:00Z",
    )
    assert egress_evidence(True, None).lines == ()
    assert egress_evidence(True, _m(drops_per_second=0.0)).lines == ()  # measured zero: nothing to say
    verdict_drops = egress_evidence(True, _m(drops_per_second=0.3, drop_reasons={"policy verdict: dropped": 0.3}))
    assert verdict_drops.contradiction


def test_wording() -> None:
    assert percent(0.1214) == "12.1 %"
    assert rate_text(1234.0) == "1.2k req/s"
    assert rate_text(20.0) == "20 req/s"
    assert rate_text(0.4, "/s") == "0.4/s"
    assert rate_text(0.012, "/s") == "0.012/s"
    assert rate_text(None) == "?"


def test_a_shared_controller_serving_5xx_shows_figures_but_judges_no_route() -> None:
    controller = MetricsTarget("controller", "ingress-nginx", "ingress-nginx-controller", pods=("c-1",))
    trace = Trace(
        "https://x/",
        (Hop("controller", "ingress-nginx/ingress-nginx-controller", "ok", "2/2 ready", target=controller),),
    )
    figures = _m(requests_per_second=30.0, error_ratio=0.2)
    out = apply_metrics(trace, {controller: figures})
    assert out.hops[0].metrics == figures
    assert out.hops[0].status == "ok"
    assert out.hops[0].evidence == ()
    assert out.verdict == "ok"
