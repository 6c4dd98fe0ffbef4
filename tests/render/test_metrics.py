"""The hop "metrics" JSON object (DESIGN §4), the compact line and sparklines."""

from __future__ import annotations

from kubetraffic.core.metrics import HopMetrics
from kubetraffic.render.metrics import duration_text, metrics_json, metrics_line, metrics_text, sparkline

FULL = HopMetrics(
    requests_per_second=20.000000000000004,
    error_ratio=0.030000000000000006,
    latency_p50_seconds=0.005,
    latency_p99_seconds=0.04800000000000001,
    drops_per_second=0.4,
    restarts=2.0,
    drop_reasons={"POLICY_DENIED": 0.4},
    window="5m",
    query_time="2024-05-01T12:00:00Z",
    queries={"requests_per_second": "sum(rate(x[5m]))"},
    series={"requests_per_second": ((1.0, 10.0), (2.0, 20.0))},
    source="envoy",
    notes=("a note",),
    cert_expires_at=1.0,
)


def test_json_object_is_exactly_the_contract() -> None:
    assert metrics_json(FULL) == {
        "requests_per_second": 20.0,
        "error_ratio": 0.03,
        "latency_p50_seconds": 0.005,
        "latency_p99_seconds": 0.048,
        "drops_per_second": 0.4,
        "restarts": 2.0,
        "window": "5m",
        "query_time": "2024-05-01T12:00:00Z",
    }
    assert list(metrics_json(FULL)) == [*HopMetrics.FIGURES, "window", "query_time"]


def test_json_has_only_measured_figures() -> None:
    partial = HopMetrics(error_ratio=0.0, window="1m", query_time="2024-05-01T12:00:00Z")
    assert metrics_json(partial) == {"error_ratio": 0.0, "window": "1m", "query_time": "2024-05-01T12:00:00Z"}


def test_compact_line() -> None:
    assert metrics_line(FULL) == "20 req/s · 5xx 3.0 % · p99 48 ms · drops 0.4/s · 2 restarts in 5m"
    assert metrics_line(HopMetrics(latency_p50_seconds=1.93)) == "p50 1.9 s"
    assert metrics_line(HopMetrics()) == ""


def test_rich_text_marks_a_degraded_share_and_draws_the_sparkline() -> None:
    series = {"requests_per_second": ((0, 20.0), (1, 20.0)), "error_ratio": ((0, 0.0), (1, 0.12))}
    bad = HopMetrics(requests_per_second=20.0, error_ratio=0.12, series=series)
    text = metrics_text(bad)
    assert text.plain == "20 req/s · 5xx 12.0 %  ▁█"  # the failing share, not the steady rate
    assert any("red" in str(span.style) for span in text.spans)
    assert not any("red" in str(span.style) for span in metrics_text(FULL).spans)


def test_sparkline() -> None:
    assert sparkline([0, 1, 2, 3, 4, 5, 6, 7]) == "▁▂▃▄▅▆▇█"
    assert sparkline([5, 5, 5]) == "███"  # drawn from zero: steady traffic is not "nothing"
    assert sparkline([18, 18, 20, 20]) == "▇▇██"
    assert sparkline([0, 0]) == "▁▁"
    assert sparkline([]) == ""
    assert sparkline([float("nan"), 1.0, 2.0]) == "▅█"
    assert sparkline(range(100), width=4) == "▂▄▆█"
    assert sparkline([-1.0, 1.0]) == "▁█"


def test_durations() -> None:
    assert duration_text(0.048) == "48 ms"
    assert duration_text(0.0005) == "0.5 ms"
    assert duration_text(12.4) == "12 s"
