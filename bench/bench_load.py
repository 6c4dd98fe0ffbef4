"""Load + index of the 10,000-pod synthetic cluster, from YAML and from JSON, and CLI start-up.

Each measurement runs in a fresh interpreter so RSS is the whole process's peak.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from bench.common import cluster_files, report, run_python

LOAD = """
import json, resource, time
t0 = time.perf_counter()
from kubetraffic.adapters.snapshot import SnapshotSource
t1 = time.perf_counter()
state = SnapshotSource([{path!r}]).open()
t2 = time.perf_counter()
print(json.dumps({{"import": t1 - t0, "load": t2 - t1, "pods": state.pod_count(),
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def bench_load() -> list[tuple[str, str, str]]:
    """Load + index from YAML and JSON; peak RSS."""
    files = cluster_files()
    rows = []
    for fmt in ("yaml", "json"):
        path = files[fmt]
        runs = run_python(LOAD.format(path=str(path)))
        load = statistics.median(r["load"] for r in runs)
        rss = max(r["rss_mb"] for r in runs)
        size = path.stat().st_size / 1e6
        rows.append((f"load+index {fmt} ({size:.0f} MB, {runs[0]['pods']:.0f} pods)", f"{load:.2f} s", "≤ 2 s"))
        rows.append((f"peak RSS {fmt}", f"{rss:.0f} MB", "≤ 400 MB"))
    return rows


def bench_startup() -> list[tuple[str, str, str]]:
    """``kubetraffic --help`` wall time, median of 7 runs."""
    times = []
    for _ in range(7):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "kubetraffic", "--help"], capture_output=True, check=True)
        times.append(time.perf_counter() - t0)
    return [("kubetraffic --help", f"{statistics.median(times) * 1000:.0f} ms", "≤ 300 ms")]


BENCHMARKS = {"load": bench_load, "startup": bench_startup}

if __name__ == "__main__":
    for name, fn in BENCHMARKS.items():
        print(name)
        report(fn())
