"""Shared helpers for benchmarks: cached synthetic clusters, timing, a results table."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from bench.synth import Shape, generate, write

CACHE = Path(os.environ.get("KUBETRAFFIC_BENCH_CACHE", Path(__file__).resolve().parent.parent / ".bench-cache"))


def cluster_files(shape: Shape | None = None) -> dict[str, Path]:
    """YAML and JSON files of the synthetic cluster for ``shape``, generated once and cached."""
    shape = shape or Shape()
    key = "-".join(f"{k}{v}" for k, v in asdict(shape).items())
    out = CACHE / key
    files = {"yaml": out / "yaml" / "cluster.yaml", "json": out / "json" / "cluster.json"}
    if not all(p.exists() for p in files.values()):
        print(f"generating synthetic cluster {key} ...", file=sys.stderr)
        objects = generate(shape)
        for fmt in files:
            write(objects, out / fmt, fmt)
    return files


def median_time(fn: Callable[[], object], *, repeat: int = 5) -> float:
    """Median wall time of ``fn`` in seconds."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def run_python(code: str, *, repeat: int = 3) -> list[dict[str, float]]:
    """Run ``code`` in fresh interpreters; it must print one JSON object as its last line."""
    results = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return results


def report(rows: list[tuple[str, str, str]]) -> None:
    """Print benchmark rows: (what, measured, budget)."""
    width = max(len(r[0]) for r in rows)
    for what, measured, budget in rows:
        print(f"  {what:<{width}}  {measured:>16}   budget {budget}")
