"""Commands with ``--prometheus``, run as a user runs them (a subprocess), against a real
Prometheus: measured figures join the answer, and a dead or stalled server is one stderr
line that changes neither the answer nor the exit code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.prometheus import PrometheusServer, closed_port_url, misbehaving_server

FIXTURES = Path(__file__).parent.parent / "fixtures"
METRICS = str(FIXTURES / "metrics")
AT = ("--at", "2024-05-01T12:00:00Z")


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kubetraffic", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def run_json(*args: str, env: dict[str, str] | None = None) -> tuple[int, Any, str]:
    out = run(*args, "-o", "json", env=env)
    assert out.stdout, out.stderr
    return out.returncode, json.loads(out.stdout), out.stderr


EGRESS_OK = ("--snapshot", METRICS, "egress", "payments/payments-api-1", "198.51.100.7:443")
EGRESS_DENIED = ("--snapshot", METRICS, "egress", "payments/payments-api-1", "203.0.113.50:443")


@pytest.mark.prometheus
def test_egress_allowed_by_policy_but_dropped(prometheus: PrometheusServer) -> None:
    code, doc, err = run_json(*EGRESS_OK, "--prometheus", prometheus.url, *AT)
    assert code == 0  # the verdict stays the policy engine's
    assert doc["allowed"] is True
    assert doc["metrics"] == [
        {
            "destination": "198.51.100.7",
            "allowed": True,
            "contradiction": True,
            "drops_per_second": 0.4,
            "window": "5m",
            "query_time": "2024-05-01T12:00:00Z",
        }
    ]
    assert any("although the policies allow this traffic" in n for n in doc["notes"])
    assert err == ""
    text = run(*EGRESS_OK, "--prometheus", prometheus.url, *AT)
    assert "hubble: policy drops measured (POLICY_DENIED 0.4/s)" in text.stdout
    assert text.returncode == 0


@pytest.mark.prometheus
def test_egress_denied_and_hubble_confirms(prometheus: PrometheusServer) -> None:
    code, doc, _ = run_json(*EGRESS_DENIED, "--prometheus", prometheus.url, "--at", "2024-05-01T12:00:00Z")
    assert code == 1
    assert doc["metrics"][0]["contradiction"] is False
    assert "hubble: confirms policy drops (POLICY_DENIED 0.1/s) over 5m at 2024-05-01T12:00:00Z" in doc["notes"]


def test_egress_without_prometheus_has_no_metrics() -> None:
    code, doc, err = run_json(*EGRESS_OK)
    assert code == 0
    assert "metrics" not in doc
    assert err == ""


def test_egress_with_a_dead_prometheus_is_the_same_answer_plus_one_line() -> None:
    _, baseline, _ = run_json(*EGRESS_OK)
    url = closed_port_url()
    code, doc, err = run_json(*EGRESS_OK, "--prometheus", url, *AT)
    assert code == 0
    assert doc == baseline
    assert (
        err
        == f"kubetraffic: warning: Prometheus down: cannot connect: connection refused ({url}) — answering without metrics\n"
    )


def test_egress_with_a_stalled_prometheus_does_not_wait_long() -> None:
    _, baseline, _ = run_json(*EGRESS_DENIED)
    with misbehaving_server("stall") as url:
        started = time.monotonic()
        code, doc, err = run_json(*EGRESS_DENIED, "--prometheus", url, env={"KUBETRAFFIC_PROMETHEUS_TIMEOUT": "1"})
        elapsed = time.monotonic() - started
    assert code == 1
    assert doc == baseline
    assert "Prometheus down: no answer within 1 s" in err
    assert elapsed < 5  # process start + one 1 s timeout (+ exit never waits on the stuck request)


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (("--at", "yesterday"), "--at: 'yesterday' is not a time"),
        (("--window", "5 minutes"), "--window: '5 minutes' is not a duration"),
        (("--prometheus", "ftp://p"), "expected http(s)://HOST[:PORT][/PATH]"),
    ],
)
def test_bad_metrics_flags_are_usage_errors(flags: tuple[str, ...], message: str) -> None:
    out = run(*EGRESS_OK, *flags)
    assert out.returncode == 2
    assert message in out.stderr
    assert out.stdout == ""
