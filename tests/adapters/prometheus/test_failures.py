"""A dead, slow, failing or confused server: one status line, unknown figures, no exception, no stall."""

from __future__ import annotations

import time

import pytest

from kubetraffic.adapters.prometheus import PrometheusSource, config_from
from kubetraffic.core.metrics import MetricsTarget
from tests.support.prometheus import AT, closed_port_url, misbehaving_server

TARGETS = [
    MetricsTarget("rule", "shop", "storefront", host="shop.example.com", path="/api"),
    MetricsTarget("endpoints", "shop", "cart", pods=("cart-1",)),
]


def _ask(url: str, timeout: float = 5.0) -> tuple[PrometheusSource, dict[MetricsTarget, object], float]:
    source = PrometheusSource(config_from(url, env={"KUBETRAFFIC_PROMETHEUS_TIMEOUT": str(timeout)}))
    started = time.monotonic()
    figures = source.hop_metrics(TARGETS, at=AT)
    series = source.series(TARGETS, at=AT)
    elapsed = time.monotonic() - started
    source.close()
    assert series == {}
    return source, dict(figures), elapsed


def _one_line(source: PrometheusSource) -> str:
    status = source.status()
    line = status.line()
    assert "\n" not in line
    assert status.state == "down"
    return line


def test_status_is_unknown_before_the_first_query() -> None:
    source = PrometheusSource(config_from(closed_port_url()))
    assert source.status().state == "unknown"
    assert "not queried yet" in source.status().line()


def test_prometheus_down() -> None:
    url = closed_port_url()
    source, figures, elapsed = _ask(url)
    assert figures == {}
    line = _one_line(source)
    assert line == f"Prometheus down: cannot connect: connection refused ({url})"
    assert elapsed < 2


def test_prometheus_slow_costs_one_timeout_not_one_per_query() -> None:
    with misbehaving_server("stall") as url:
        source, figures, elapsed = _ask(url, timeout=0.5)
    assert figures == {}
    assert _one_line(source).startswith("Prometheus down: no answer within 0.5 s")
    assert elapsed < 2.5  # one call: at most 2 x 0.5 s budget; series() gets its own bounded try


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("error", "HTTP 422: query timed out"),
        ("unavailable", "HTTP 503 from the server"),
        ("garbage", "answered with something that is not JSON from the Prometheus API"),
        ("wrong-json", "answered a label list that is not a list of strings"),
    ],
)
def test_prometheus_answers_errors_or_garbage(mode: str, reason: str) -> None:
    with misbehaving_server(mode) as url:
        source, figures, elapsed = _ask(url)
    assert figures == {}
    assert _one_line(source) == f"Prometheus down: {reason} ({url})"
    assert elapsed < 2


def test_credentials_never_reach_the_status_line() -> None:
    url = closed_port_url().replace("http://", "http://alice:s3cret@")
    source, _, _ = _ask(url)
    assert "s3cret" not in source.status().line()
    assert "alice" not in source.status().line()
    assert "s3cret" not in repr(source.config)
