"""Metrics round trips against a real, local Prometheus (the test scenario's backfilled series).

What a trace pays for its figures: catalog detection on first use, then one parallel round
of instant queries (and one of range queries for sparklines); and what a dead or stalled
server costs — one connect failure, or one timeout, never one per query.
"""

from __future__ import annotations

import time

from bench.common import median_time


def _targets() -> list[object]:
    from tests.adapters.prometheus.test_real_prometheus import ALL

    return list(ALL)


def bench_metrics() -> list[tuple[str, str, str]]:
    """Figures for the scenario's 12 targets, cold and warm, plus failure costs."""
    from kubetraffic.adapters.prometheus import PrometheusSource, config_from
    from tests.support import metrics_scenario
    from tests.support.prometheus import AT, backfilled_prometheus, closed_port_url, misbehaving_server

    targets = _targets()
    rows: list[tuple[str, str, str]] = []
    with backfilled_prometheus(metrics_scenario.series()) as server:
        source = PrometheusSource(config_from(server.url))
        t0 = time.perf_counter()
        source.hop_metrics(targets, at=AT)  # type: ignore[arg-type]
        cold = time.perf_counter() - t0
        warm = median_time(lambda: source.hop_metrics(targets, at=AT), repeat=7)  # type: ignore[arg-type]
        spark = median_time(lambda: source.series(targets, at=AT), repeat=7)  # type: ignore[arg-type]
        source.close()
    rows.append(
        (f"figures for {len(targets)} hop targets, first call (catalog detection)", f"{cold * 1000:.0f} ms", "-")
    )
    rows.append((f"figures for {len(targets)} hop targets, catalog cached", f"{warm * 1000:.0f} ms", "≤ 500 ms"))
    rows.append(("sparkline series for the same targets", f"{spark * 1000:.0f} ms", "-"))
    dead = PrometheusSource(config_from(closed_port_url()))
    refused = median_time(lambda: dead.hop_metrics(targets, at=AT), repeat=5)  # type: ignore[arg-type]
    rows.append(("dead Prometheus (connection refused)", f"{refused * 1000:.1f} ms", "-"))
    with misbehaving_server("stall") as url:
        slow = PrometheusSource(config_from(url, env={"KUBETRAFFIC_PROMETHEUS_TIMEOUT": "1"}))
        stalled = median_time(lambda: slow.hop_metrics(targets, at=AT), repeat=3)  # type: ignore[arg-type]
    rows.append(("stalled Prometheus, 1 s timeout", f"{stalled:.2f} s", "≤ 2 × timeout"))
    return rows


BENCHMARKS = {"metrics": bench_metrics}
