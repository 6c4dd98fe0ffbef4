"""Metrics in the TUI: figures on trace hops and egress checks from a real Prometheus, and a
dead or stalled Prometheus that never breaks or blocks the screen."""

from __future__ import annotations

import time

import pytest

from kubetraffic.adapters.snapshot import SnapshotSource
from kubetraffic.ui import targets as t
from kubetraffic.ui.answers.egress import EgressView
from kubetraffic.ui.app import KubetrafficApp
from kubetraffic.ui.feeds import MetricsFeed
from kubetraffic.ui.screens.help import HelpScreen
from kubetraffic.ui.settings import UiSettings
from tests.support.prometheus import PrometheusServer, closed_port_url, misbehaving_server

from .support import FIXTURES, Recorder, running, until, widget_text

METRICS = str(FIXTURES / "metrics")
AT = "2024-05-01T12:00:00Z"


def header(app: object) -> str:
    return str(app.main.header.render())  # type: ignore[attr-defined]


@pytest.mark.prometheus
async def test_trace_hops_show_figures_and_metrics_degrade_the_route(prometheus: PrometheusServer) -> None:
    recorder = Recorder()
    settings = UiSettings(prometheus=prometheus.url, at=AT)
    async with running(SnapshotSource([METRICS]), settings=settings, recorder=recorder, size=(150, 70)) as (app, pilot):
        screen = app.main
        screen.analysis.show(t.Target(t.URL, name="https://shop.example.com/api"))
        await until(pilot, lambda: any(m.figures for m in recorder.of(MetricsFeed.Updated)), what="figures")
        await until(pilot, lambda: screen.analysis.trace is not None and screen.analysis.trace.verdict == "degraded")
        hops = {h.kind: h for h in screen.analysis.trace.hops}
        assert hops["rule"].metrics is not None
        assert hops["rule"].metrics.requests_per_second == pytest.approx(20.0)
        assert hops["rule"].status == "warn"  # 10 % 5xx although the API looks healthy
        text = widget_text(screen.analysis)
        assert "20 req/s · 5xx 10.0 % · p99 500 ms" in text
        assert app.main.header.prometheus == ("ok", "ok")
        assert "● ok" in header(app)
        assert f"at {AT}" in header(app)
        # the polled targets are the trace's hops, and --at fixes the moment: no re-poll timer
        feed = screen.query_one(MetricsFeed)
        assert hops["rule"].target in feed.targets
        assert feed._timer is None


@pytest.mark.prometheus
async def test_egress_check_shows_drops_measured_against_the_verdict(prometheus: PrometheusServer) -> None:
    settings = UiSettings(prometheus=prometheus.url, at=AT)
    async with running(SnapshotSource([METRICS]), settings=settings, size=(150, 70)) as (app, pilot):
        screen = app.main
        screen.analysis.show(t.Target(t.POD, "payments", "payments-api-1"), destination="198.51.100.7:443")
        await until(
            pilot, lambda: isinstance(screen.analysis.analysis.main, EgressView) and bool(screen.analysis.figures)
        )
        text = widget_text(screen.analysis)
        assert "measured" in text
        assert "POLICY_DENIED 0.4/s" in text.replace("\n", " ")


async def test_dead_prometheus_is_a_header_state_and_the_trace_still_answers() -> None:
    settings = UiSettings(prometheus=closed_port_url(), at=AT)
    recorder = Recorder()
    async with running(SnapshotSource([METRICS]), settings=settings, recorder=recorder) as (app, pilot):
        screen = app.main
        screen.analysis.show(t.Target(t.URL, name="https://shop.example.com/api"))
        await until(pilot, lambda: bool(recorder.of(MetricsFeed.Updated)), what="the poll to come back")
        assert app.main.header.prometheus == ("fail", "down")
        assert "✖ down" in header(app)
        trace = screen.analysis.trace
        assert trace is not None
        assert all(h.metrics is None for h in trace.hops)
        assert trace.verdict in ("ok", "degraded")  # the answer without figures, unchanged


async def test_stalled_prometheus_never_blocks_the_screen_nor_quitting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUBETRAFFIC_PROMETHEUS_TIMEOUT", "30")  # a poll could hang for a minute
    with misbehaving_server("stall") as url:
        app = KubetrafficApp(SnapshotSource([METRICS]), UiSettings(prometheus=url, at=AT))
        started = None
        async with app.run_test(size=(100, 30)) as pilot:
            await until(pilot, lambda: app.screen_stack and getattr(app.screen, "model", None) is not None)
            screen = app.main
            screen.analysis.show(t.Target(t.URL, name="https://shop.example.com/api"))
            await until(pilot, lambda: screen.analysis.trace is not None, ignore=("metrics",))
            feed = screen.query_one(MetricsFeed)
            assert feed._busy  # the poll is waiting on the stalled server ...
            await pilot.press("question_mark")  # ... and the screen still answers at once
            await pilot.pause()
            assert isinstance(app.screen, HelpScreen)
            assert feed._busy
            await pilot.press("escape")
            started = time.monotonic()
            await pilot.press("q")
        assert started is not None
        assert time.monotonic() - started < 5  # not the 60 s the poll could still take
        assert app.return_code == 0
