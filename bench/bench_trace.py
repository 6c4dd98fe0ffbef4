"""One URL trace on the synthetic cluster (1,000 Ingresses, 10,000 pods), after the index is built.

The routing index (``state.derived``) is built once; a trace then looks up one host instead
of scanning every Ingress. Also: the whole CLI answer (process start, YAML load, index, trace).
"""

from __future__ import annotations

import random
import resource
import statistics
import subprocess
import sys
import time

from bench.common import cluster_files, report


def _urls(state: object, n: int = 50) -> list[str]:
    from kubetraffic.core.state import ClusterState

    assert isinstance(state, ClusterState)
    rng = random.Random(7)
    ingresses = sorted(state.ingresses(), key=lambda i: i.meta.ref)
    urls = []
    for ing in rng.sample(ingresses, n):
        rule = ing.rules[0]
        path = rng.choice(rule.paths).path
        urls.append(f"https://{rule.host}{path.rstrip('/')}/items/42")
    return urls


def bench_trace() -> list[tuple[str, str, str]]:
    """Index build, then the median and worst of 50 traces of different hosts."""
    from kubetraffic.adapters.snapshot import SnapshotSource
    from kubetraffic.core.diagnose.trace import trace_request
    from kubetraffic.core.routing import parse_request
    from kubetraffic.core.routing.ingress_index import ingress_index

    state = SnapshotSource([str(cluster_files()["json"])]).open()
    t0 = time.perf_counter()
    ingress_index(state)
    index_s = time.perf_counter() - t0
    urls = _urls(state)
    t0 = time.perf_counter()
    trace_request(state, parse_request(urls[0]))  # builds the controller cache too
    first_s = time.perf_counter() - t0
    times = []
    verdicts: dict[str, int] = {}
    for _ in range(3):
        for url in urls:
            t0 = time.perf_counter()
            trace = trace_request(state, parse_request(url))
            times.append(time.perf_counter() - t0)
            verdicts[trace.verdict] = verdicts.get(trace.verdict, 0) + 1
    median = statistics.median(times)
    worst = max(times)
    routed = sum(1 for url in urls if trace_request(state, parse_request(url)).route is not None)
    return [
        (f"trace: routing index build ({len(state.ingresses())} Ingresses)", f"{index_s * 1000:.0f} ms", "-"),
        ("trace: first URL (builds the controller cache)", f"{first_s * 1000:.1f} ms", "-"),
        (
            f"trace: one URL after index, median of {len(times)} ({routed}/{len(urls)} routed)",
            f"{median * 1000:.2f} ms",
            "≤ 10 ms",
        ),
        ("trace: one URL after index, slowest", f"{worst * 1000:.2f} ms", "≤ 10 ms"),
    ]


def bench_trace_cli() -> list[tuple[str, str, str]]:
    """``kubetraffic --snapshot cluster.yaml trace URL -o json``, median of 3 runs."""
    from kubetraffic.adapters.snapshot import SnapshotSource

    files = cluster_files()
    state = SnapshotSource([str(files["json"])]).open()
    url = _urls(state, 1)[0]
    times, cpu = [], []
    for _ in range(3):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "kubetraffic", "--snapshot", str(files["yaml"]), "trace", url, "-o", "json"],
            capture_output=True,
            check=False,
        )
        times.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    wall, used = statistics.median(times), statistics.median(cpu)
    return [
        ("trace: whole CLI answer from YAML (start, load, index, trace)", f"{wall:.2f} s ({used:.2f} s CPU)", "≤ 3 s")
    ]


BENCHMARKS = {"trace": bench_trace, "trace-cli": bench_trace_cli}

if __name__ == "__main__":
    for name, fn in BENCHMARKS.items():
        print(name)
        report(fn())
