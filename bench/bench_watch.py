"""The live source: watch events through to the model, and the initial sync of 10,000 pods.

``events``: watch-event lines as the API server streams them (JSON), through the reflector
(parse, convert, deduplicate by resourceVersion), the hub (coalesce, batch, hand over on its
thread) and ``ClusterState.apply`` — everything but HTTP, in one process.

``sync``: the synthetic cluster served by the emulated API server (tests/support, in its own
process), listed by a fresh interpreter with the real client: wall time and the client's
peak RSS, plus the whole ``kubetraffic summary`` command.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.common import report, run_python
from bench.synth import Shape, generate

ROOT = Path(__file__).resolve().parent.parent


def _event_lines(pods: list[dict[str, Any]]) -> list[str]:
    """A rollout as the watch streams it: every pod MODIFIED (a label and the
    resourceVersion change), then as many new pods ADDED."""
    lines = []
    rv = 10**6
    for event_type in ("MODIFIED", "ADDED"):
        for pod in pods:
            rv += 1
            md = dict(pod["metadata"], resourceVersion=str(rv))
            if event_type == "MODIFIED":
                md["labels"] = {**md.get("labels", {}), "rollout": "2"}
            else:
                md["name"] = md["name"] + "-new"
            lines.append(json.dumps({"type": event_type, "object": {**pod, "metadata": md}}))
    return lines


def bench_events() -> list[tuple[str, str, str]]:
    """Watch events applied to the model per second (no HTTP)."""
    from kubetraffic.adapters.kube.hub import EventHub
    from kubetraffic.adapters.kube.live import relax_full_collections
    from kubetraffic.adapters.kube.reflector import Reflector, Settings, parse_event
    from kubetraffic.adapters.kube.resources import RESOURCES, Served
    from kubetraffic.adapters.source import bulk_load
    from kubetraffic.core.events import ChangeEvent
    from kubetraffic.core.state import ClusterState

    pods = [o for o in generate(Shape()) if o["kind"] == "Pod"]
    lines = _event_lines(pods)
    served = Served(next(r for r in RESOURCES if r.kind == "Pod"), "v1")
    rates = []
    for _ in range(3):
        hub = EventHub(window=0.01)
        reflector = Reflector(
            None,  # type: ignore[arg-type]  # no HTTP: events are fed directly
            served,
            hub,
            scope=None,
            fallback_namespace="",
            settings=Settings(),
            stop=threading.Event(),
            go=threading.Event(),
        )
        # The state after the initial list, built as LiveSource.open() builds it.
        state = ClusterState()
        with bulk_load():
            for pod in pods:
                obj = reflector._convert(pod)
                assert obj is not None
                reflector.known[obj.meta.key] = (obj.meta.resource_version, obj)
                state.apply(ChangeEvent("ADDED", "Pod", obj.meta.key, obj))
        applied = [0]
        done = threading.Event()

        def on_events(
            events: list[ChangeEvent],
            state: ClusterState = state,
            applied: list[int] = applied,
            done: threading.Event = done,
        ) -> None:
            state.apply_all(events)
            applied[0] += len(events)
            if applied[0] >= len(lines):
                done.set()

        relax_full_collections()  # as LiveSource.follow() does
        hub.start(on_events, lambda status: None)
        t0, c0 = time.perf_counter(), time.process_time()
        for line in lines:
            event = parse_event(line)  # what the watch does with each line
            reflector.apply_event(event["type"], event["object"])
        assert done.wait(60)
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
        hub.stop()
        assert state.pod_count() == len(lines), state.pod_count()
        assert all(p.labels.get("rollout") == "2" for p in state.pods() if not p.meta.name.endswith("-new"))
        rates.append((len(lines) / elapsed, len(lines) / cpu))
    wall = statistics.median(r[0] for r in rates)
    per_cpu = statistics.median(r[1] for r in rates)  # what a busy shared machine cannot skew
    what = f"watch events -> model ({len(lines):,} pod events, no HTTP), wall (per CPU second)"
    return [(what, f"{wall:,.0f} /s ({per_cpu:,.0f} /s)", "≥ 20,000 /s")]


SYNC = """
import json, resource, time
t0 = time.perf_counter()
from kubetraffic.adapters.kube import LiveSource
from kubetraffic.cli.options import GlobalOptions
source = LiveSource.from_options(GlobalOptions(kubeconfig={kubeconfig!r}))
state = source.open()
t1 = time.perf_counter()
source.close()
usage = resource.getrusage(resource.RUSAGE_SELF)
# VmHWM: this process image's peak. ru_maxrss would also count the parent's pages at fork time
# (the benchmark process, big after the events benchmark), which Linux carries across exec.
hwm_kb = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps({{"sync": t1 - t0, "pods": state.pod_count(), "objects": source.report.objects,
                  "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": hwm_kb / 1024}}))
"""


def bench_sync() -> list[tuple[str, str, str]]:
    """Initial list of the 10,000-pod cluster from the emulated API server: time and RSS."""
    with tempfile.TemporaryDirectory() as tmp:
        kubeconfig = str(Path(tmp) / "kubeconfig")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        server = subprocess.Popen(
            [sys.executable, "-m", "tests.support.kube_api", "--kubeconfig", kubeconfig, "--synthetic"],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
        try:
            assert server.stdout is not None
            for line in server.stdout:
                if line.startswith("serving"):
                    break
            runs = run_python(SYNC.format(kubeconfig=kubeconfig))
            cli = []
            for _ in range(3):
                t0 = time.perf_counter()
                subprocess.run(
                    [sys.executable, "-m", "kubetraffic", "--kubeconfig", kubeconfig, "summary", "-A", "-o", "json"],
                    capture_output=True,
                    check=True,
                )
                cli.append(time.perf_counter() - t0)
        finally:
            server.terminate()
            server.wait(10)
    sync = statistics.median(r["sync"] for r in runs)
    cpu = statistics.median(r["cpu"] for r in runs)
    rss = max(r["rss_mb"] for r in runs)
    what = f"{runs[0]['pods']:,.0f} pods, {runs[0]['objects']:,.0f} objects"
    return [
        (f"initial sync from the emulated API server ({what})", f"{sync:.2f} s", "—"),
        ("of which the client's own CPU time (the rest is the emulator)", f"{cpu:.2f} s", "—"),
        ("peak RSS of that process", f"{rss:.0f} MB", "≤ 400 MB"),
        ("kubetraffic summary -A against it (whole command)", f"{statistics.median(cli):.2f} s", "—"),
    ]


BENCHMARKS = {"watch-events": bench_events, "watch-sync": bench_sync}

if __name__ == "__main__":
    for name, fn in BENCHMARKS.items():
        print(name)
        report(fn())
