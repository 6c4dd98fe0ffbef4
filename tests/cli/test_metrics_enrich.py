"""The CLI's metrics step on traces: figures and verdicts from a real Prometheus, and a dead or
stalled one costing one stderr line and at most one timeout — never the answer."""

from __future__ import annotations

import time

import pytest

from kubetraffic.cli.metrics import egress_metrics, enrich_traces, open_metrics, time_flags
from kubetraffic.cli.options import GlobalOptions
from kubetraffic.core.diagnose.metrics import egress_target
from kubetraffic.core.diagnose.model import Hop, Trace
from kubetraffic.core.metrics import MetricsTarget
from kubetraffic.render.metrics import metrics_json
from tests.support.prometheus import AT, PrometheusServer, closed_port_url, misbehaving_server

RULE = MetricsTarget("rule", "shop", "storefront", host="shop.example.com", path="/api", service="api")
SERVICE = MetricsTarget("service", "shop", "api", service="api", port=80)
PODS = MetricsTarget("pods", "shop", "api", service="api", pods=("api-5f7-a", "api-5f7-b"))


def _trace() -> Trace:
    return Trace(
        "https://shop.example.com/api",
        (
            Hop("client", "shop.example.com", "ok", "203.0.113.10"),
            Hop("rule", "shop/storefront", "ok", "/api Prefix -> api:80", target=RULE),
            Hop("service", "shop/api", "ok", "ClusterIP 80->8080", target=SERVICE),
            Hop("pods", "shop/api", "ok", "2 pods", target=PODS),
        ),
    )


def _opts(url: str, **more: object) -> GlobalOptions:
    return GlobalOptions(prometheus=url, at=AT.isoformat(), **more)  # type: ignore[arg-type]


@pytest.mark.prometheus
def test_trace_gets_figures_and_a_degraded_verdict(
    prometheus: PrometheusServer, capsys: pytest.CaptureFixture[str]
) -> None:
    opts = _opts(prometheus.url)
    (out,) = enrich_traces([_trace()], opts, open_metrics(opts), sparklines=True)
    assert out.verdict == "degraded"
    rule, service, pods = out.hops[1], out.hops[2], out.hops[3]
    assert rule.metrics is not None
    assert metrics_json(rule.metrics) == {
        "requests_per_second": 20.0,
        "error_ratio": 0.1,
        "latency_p50_seconds": 0.1,
        "latency_p99_seconds": 0.5,
        "window": "5m",
        "query_time": "2024-05-01T12:00:00Z",
    }
    assert rule.status == service.status == "warn"
    assert service.evidence == (
        "metrics: 10.0 % of 20 req/s answered 5xx over 5m at 2024-05-01T12:00:00Z (ingress-nginx)",
    )
    assert pods.metrics is not None
    assert pods.metrics.drops_per_second == pytest.approx(0.5)
    assert pods.status == "ok"
    assert len(rule.metrics.series["requests_per_second"]) == 30
    assert capsys.readouterr().err == ""  # a healthy Prometheus is silent


def test_window_and_at_flags_are_validated() -> None:
    assert time_flags(GlobalOptions(at="2024-05-01T12:00:00Z", window="10m"))[1] == "10m"
    with pytest.raises(Exception, match="--window"):
        time_flags(GlobalOptions(window="5 minutes"))
    with pytest.raises(Exception, match="--at"):
        time_flags(GlobalOptions(at="tomorrow-ish"))


def test_no_prometheus_leaves_the_answer_alone(capsys: pytest.CaptureFixture[str]) -> None:
    opts = GlobalOptions()
    trace = _trace()
    assert enrich_traces([trace], opts, open_metrics(opts)) == [trace]
    off = GlobalOptions(prometheus="none")
    assert open_metrics(off).status().line() == "Prometheus not configured: turned off with --prometheus none"
    assert capsys.readouterr().err == ""


def test_dead_prometheus_is_one_line_and_the_same_answer(capsys: pytest.CaptureFixture[str]) -> None:
    url = closed_port_url()
    opts = _opts(url)
    trace = _trace()
    assert enrich_traces([trace], opts, open_metrics(opts), sparklines=True) == [trace]
    err = capsys.readouterr().err
    assert err == (
        f"kubetraffic: warning: Prometheus down: cannot connect: connection refused ({url}) — answering without metrics\n"
    )


def test_stalled_prometheus_costs_one_timeout(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KUBETRAFFIC_PROMETHEUS_TIMEOUT", "0.5")
    with misbehaving_server("stall") as url:
        opts = _opts(url)
        started = time.monotonic()
        out = enrich_traces([_trace()], opts, open_metrics(opts), sparklines=True)
        elapsed = time.monotonic() - started
    assert out == [_trace()]
    assert elapsed < 1.5
    assert capsys.readouterr().err.count("\n") == 1


def test_malformed_url_is_a_usage_error() -> None:
    with pytest.raises(Exception, match="expected http"):
        open_metrics(GlobalOptions(prometheus="ftp://x"))


@pytest.mark.prometheus
def test_egress_allowed_by_policy_but_dropped_is_a_contradiction(prometheus: PrometheusServer) -> None:
    opts = _opts(prometheus.url)
    target = egress_target("payments", ("payments-api-1",), "198.51.100.7")
    found = egress_metrics(target, True, opts, open_metrics(opts))
    assert found.contradiction
    assert found.lines[0].startswith(
        "hubble: policy drops measured (POLICY_DENIED 0.4/s) over 5m at 2024-05-01T12:00:00Z"
    )
    elsewhere = egress_metrics(
        egress_target("payments", ("payments-api-1",), "192.0.2.1"), True, opts, open_metrics(opts)
    )
    assert elsewhere.lines == ()  # no drops towards that address: nothing to contradict


def test_time_flags_without_prometheus_say_they_are_ignored(capsys: pytest.CaptureFixture[str]) -> None:
    opts = GlobalOptions(at="-15m", window="10m")
    assert enrich_traces([_trace()], opts, open_metrics(opts)) == [_trace()]
    assert capsys.readouterr().err == (
        "kubetraffic: --at and --window ignored: Prometheus not configured: no --prometheus URL given\n"
    )
