"""Time to a first answer with ``--demo``: the README's first command must answer in < 2 s.

Each run is a fresh process, as a user types it. "cold" runs without any bytecode cache
(a private, empty ``PYTHONPYCACHEPREFIX``), which is what a fresh install sees the first
time; "warm" is every run after that. Commands that this build does not have are skipped.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

from bench.common import report
from kubetraffic.cli.main import COMMANDS

QUESTIONS = (
    ("summary", ["--demo", "summary", "-o", "json"]),
    ("trace", ["--demo", "trace", "https://shop.example.com/api/cart", "-o", "json"]),
    ("egress", ["--demo", "egress", "payments/payments-api", "api.stripe.com:443", "-o", "json"]),
)


def _wall(args: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "kubetraffic", *args], capture_output=True, env=env, check=False)
    elapsed = time.perf_counter() - t0
    if out.returncode not in (0, 1):  # 1 is an answer (broken / denied)
        raise RuntimeError(f"kubetraffic {' '.join(args)} failed: {out.stderr.decode(errors='replace')}")
    return elapsed


def bench_demo() -> list[tuple[str, str, str]]:
    """Process start to first answer on the demo cluster, cold and warm (median of 5)."""
    rows = []
    for name, args in QUESTIONS:
        if name not in COMMANDS:
            continue
        cold = []
        for _ in range(3):
            with tempfile.TemporaryDirectory() as cache:
                cold.append(_wall(args, {**os.environ, "PYTHONPYCACHEPREFIX": cache}))
        warm = [_wall(args, dict(os.environ)) for _ in range(5)]
        shown = " ".join(a for a in args if not a.startswith("http") and "/" not in a and ":" not in a)
        rows.append((f"kubetraffic {shown}, cold (no bytecode cache)", f"{statistics.median(cold):.2f} s", "< 2 s"))
        rows.append((f"kubetraffic {shown}, warm", f"{statistics.median(warm):.2f} s", "< 2 s"))
    return rows


def bench_demo_open() -> list[tuple[str, str, str]]:
    """Build the scenario and load it into a ClusterState, in-process (median of 20)."""
    from kubetraffic.adapters.demo import DemoSource

    times = []
    for _ in range(20):
        t0 = time.perf_counter()
        DemoSource().open()
        times.append(time.perf_counter() - t0)
    return [("DemoSource().open() (67 objects)", f"{statistics.median(times) * 1000:.1f} ms", "-")]


BENCHMARKS = {"demo": bench_demo, "demo_open": bench_demo_open}

if __name__ == "__main__":
    for bench_name, fn in BENCHMARKS.items():
        print(bench_name)
        report(fn())
