"""``kubetraffic trace URL --prometheus URL --at T -o json``: per-hop figures from a real
Prometheus for ingress-nginx, Envoy Gateway and Istio style metrics; degraded verdicts from
metrics; a dead or stalled Prometheus never breaks, changes or stalls the answer."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from tests.cli.test_metrics_cli import AT, METRICS, run, run_json
from tests.support.prometheus import PrometheusServer, closed_port_url, misbehaving_server

STAMP = {"window": "5m", "query_time": "2024-05-01T12:00:00Z"}


def _hops(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {h["kind"]: h for h in doc["hops"]}


def trace(url: str, *flags: str) -> tuple[int, Any, str]:
    return run_json("--snapshot", METRICS, "trace", url, *flags)


@pytest.mark.prometheus
def test_ingress_nginx_route_degraded_by_its_5xx(prometheus: PrometheusServer) -> None:
    code, doc, err = trace("https://shop.example.com/api", "--prometheus", prometheus.url, *AT)
    assert code == 0  # degraded is not broken
    assert err == ""
    assert doc["verdict"] == "degraded"
    hops = _hops(doc)
    assert hops["rule"]["metrics"] == {
        "requests_per_second": 20.0,
        "error_ratio": 0.1,
        "latency_p50_seconds": 0.1,
        "latency_p99_seconds": 0.5,
        **STAMP,
    }
    assert hops["rule"]["status"] == "warn"
    assert hops["service"]["status"] == "warn"
    assert (
        "metrics: 10.0 % of 20 req/s answered 5xx over 5m at 2024-05-01T12:00:00Z (ingress-nginx)"
        in hops["service"]["evidence"]
    )
    assert hops["endpoints"]["metrics"] == {"latency_p50_seconds": 0.0416667, "latency_p99_seconds": 0.22, **STAMP}
    assert hops["pods"]["metrics"] == {"drops_per_second": 0.5, **STAMP}
    assert hops["controller"]["status"] == "ok"  # its 6.7 % over every host judges no single route
    assert hops["controller"]["metrics"]["requests_per_second"] == 30.0
    assert hops["tls"]["status"] == "warn"  # the served certificate expires in 5 days
    assert "metrics" not in hops["client"]


@pytest.mark.prometheus
def test_healthy_route_stays_ok_with_measured_zero_errors(prometheus: PrometheusServer) -> None:
    code, doc, _ = trace("https://shop.example.com/", "--prometheus", prometheus.url, *AT, "--no-probe")
    hops = _hops(doc)
    assert hops["rule"]["metrics"] == {"requests_per_second": 10.0, "error_ratio": 0.0, **STAMP}
    assert hops["rule"]["status"] == hops["service"]["status"] == "ok"
    assert doc["verdict"] == "degraded"  # only because of the certificate served for the host
    assert [h["kind"] for h in doc["hops"] if h["status"] == "warn"] == ["tls"]
    assert code == 0


@pytest.mark.prometheus
def test_envoy_gateway_route_and_istio_service(prometheus: PrometheusServer) -> None:
    code, doc, _ = trace("http://checkout.example.com/pay", "--prometheus", prometheus.url, *AT)
    assert code == 0
    hops = _hops(doc)
    assert hops["rule"]["metrics"] == {
        "requests_per_second": 10.0,
        "error_ratio": 0.03,
        "latency_p50_seconds": 0.005,
        "latency_p99_seconds": 0.048,
        **STAMP,
    }
    assert hops["rule"]["status"] == "ok"  # 3 % < 5 %
    assert hops["service"]["metrics"] == {
        "requests_per_second": 10.0,
        "error_ratio": 0.1,
        "latency_p50_seconds": 0.025,
        "latency_p99_seconds": 0.91,
        "drops_per_second": 3.0,
        **STAMP,
    }
    assert hops["service"]["status"] == "warn"
    assert hops["pods"]["metrics"] == {"restarts": 2.0, **STAMP}
    assert doc["verdict"] == "degraded"


@pytest.mark.prometheus
def test_metrics_never_soften_a_broken_trace(prometheus: PrometheusServer) -> None:
    code, doc, _ = trace("https://admin.example.com/", "--prometheus", prometheus.url, *AT)
    assert code == 1
    assert doc["verdict"] == "broken"
    assert "metrics: ingress-nginx reports this Ingress orphaned (no-endpoint)" in _hops(doc)["rule"]["evidence"]


@pytest.mark.prometheus
def test_text_output_shows_figures_and_sparklines(prometheus: PrometheusServer) -> None:
    out = run(
        "--snapshot",
        METRICS,
        "trace",
        "https://shop.example.com/api",
        "--prometheus",
        prometheus.url,
        *AT,
        "--color",
        "never",
    )
    assert out.returncode == 0
    assert out.stdout.startswith("▲ degraded at rule Ingress shop/storefront")
    assert "20 req/s · 5xx 10.0 % · p99 500 ms  ▁▁▁▁▃▇██" in out.stdout


def test_dead_prometheus_same_answer_one_line() -> None:
    url = closed_port_url()
    _, baseline, _ = trace("https://shop.example.com/api")
    code, doc, err = trace("https://shop.example.com/api", "--prometheus", url, *AT)
    assert code == 0
    assert doc == baseline
    assert (
        err
        == f"kubetraffic: warning: Prometheus down: cannot connect: connection refused ({url}) — answering without metrics\n"
    )


@pytest.mark.parametrize("mode", ["stall", "garbage", "error"])
def test_slow_or_confused_prometheus_same_answer_without_stalling(mode: str) -> None:
    _, baseline, _ = trace("https://admin.example.com/")
    with misbehaving_server(mode) as url:
        started = time.monotonic()
        out = run(
            "--snapshot",
            METRICS,
            "trace",
            "https://admin.example.com/",
            "--prometheus",
            url,
            "-o",
            "json",
            env={"KUBETRAFFIC_PROMETHEUS_TIMEOUT": "1"},
        )
        elapsed = time.monotonic() - started
    assert out.returncode == 1  # broken, exactly as without metrics
    assert json.loads(out.stdout) == baseline
    assert out.stderr.count("\n") == 1
    assert "Prometheus down" in out.stderr
    assert elapsed < 5
