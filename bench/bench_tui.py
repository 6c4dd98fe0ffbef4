"""The TUI on the synthetic cluster: time to first paint, and event-loop lag under live change.

First paint is measured as a user sees it: ``kubetraffic`` runs on a pseudo-terminal
(120×40) and the clock stops when the first navigator row reaches the terminal. Lag is how late a 20 ms timer on
the UI's event loop fires while 1,000 change events per second arrive from a source thread.
"""

from __future__ import annotations

import asyncio
import fcntl
import itertools
import os
import pty
import re
import select
import statistics
import struct
import subprocess
import sys
import termios
import time

from bench.common import cluster_files

PAINTED = re.compile(rb"\d+ pods")
"""A namespace row of the navigator: the cluster is on screen."""


def _first_paint(args: list[str], *, repeat: int = 3, size: tuple[int, int] = (120, 40)) -> float:
    """Median seconds from spawning ``kubetraffic ARGS`` on a terminal to the navigator drawn.

    The app runs for real (not headless) on a pseudo-terminal, so this is what a user waits
    for: interpreter start, imports, load, layout and the first frame written.
    """
    times = []
    for _ in range(repeat):
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
        env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(size[0]), "LINES": str(size[1])}
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "kubetraffic", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            close_fds=True,
        )
        os.close(slave)
        seen = b""
        try:
            while True:
                ready, _, _ = select.select([master], [], [], 30)
                if not ready:
                    raise TimeoutError("the TUI drew nothing for 30 s")
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # the child closed the terminal
                    raise RuntimeError(f"the TUI exited early: {seen[-400:]!r}") from None
                seen = seen[-200:] + chunk
                if PAINTED.search(seen):
                    times.append(time.perf_counter() - start)
                    break
            os.write(master, b"q")
            deadline = time.monotonic() + 10
            while proc.poll() is None and time.monotonic() < deadline:  # keep draining: a full pty blocks the app
                if select.select([master], [], [], 0.1)[0]:
                    try:
                        os.read(master, 65536)
                    except OSError:
                        break
            proc.wait(timeout=10)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            os.close(master)
    return statistics.median(times)


def bench_first_paint() -> list[tuple[str, str, str]]:
    """Process start to the first frame showing the cluster: demo (or fixture) and 10,000 pods."""
    rows = []
    try:
        import kubetraffic.adapters.demo  # noqa: F401

        seconds = _first_paint(["--demo"])
        rows.append(("TUI first paint, --demo", f"{seconds:.2f} s", "≤ 1 s"))
    except ImportError:
        shop = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "shop")
        seconds = _first_paint(["--snapshot", shop])
        rows.append(("TUI first paint, demo-sized snapshot (demo not in build)", f"{seconds:.2f} s", "≤ 1 s"))
    files = cluster_files()
    for fmt in ("json", "yaml"):
        seconds = _first_paint(["--snapshot", str(files[fmt])])
        rows.append((f"TUI first paint, 10,000 pods from {fmt.upper()}", f"{seconds:.2f} s", "≤ 3 s"))
    return rows


def bench_event_lag() -> list[tuple[str, str, str]]:
    """UI timer lateness while 1,000 pod changes per second arrive for 6 seconds."""
    result = asyncio.run(measure_lag(str(cluster_files()["json"]), rate=1000, seconds=6.0))
    return [
        (
            f"TUI event-loop lag at 1,000 events/s (p99 of {result['ticks']} ticks)",
            f"{result['p99'] * 1000:.0f} ms",
            "≤ 50 ms",
        ),
        ("TUI event-loop lag, worst tick", f"{result['max'] * 1000:.0f} ms", "(info)"),
        ("events applied / delivered", f"{result['applied']}/{result['sent']}", "all"),
    ]


async def measure_lag(path: str, *, rate: int, seconds: float) -> dict[str, float]:
    """Run the app on ``path`` while a source thread sends ``rate`` pod changes per second."""
    import random
    import threading
    from dataclasses import replace

    from kubetraffic.adapters.snapshot import SnapshotSource
    from kubetraffic.core.events import ChangeEvent
    from kubetraffic.core.objects import PodCondition
    from kubetraffic.ui.app import KubetrafficApp
    from kubetraffic.ui.feeds import ClusterFeed
    from kubetraffic.ui.settings import UiSettings

    class Replay(SnapshotSource):
        """The snapshot, then a steady stream of pods flipping readiness (like a busy watch)."""

        stop = threading.Event()
        sent = 0

        def follow(self, on_events, on_status):  # type: ignore[no-untyped-def]
            pods = list(self.state.iter_pods())
            rng = random.Random(7)

            def play() -> None:
                tick, per_tick = 0.01, max(1, rate // 100)
                next_at = time.perf_counter()
                while not self.stop.is_set():
                    batch = []
                    for _ in range(per_tick):
                        pod = rng.choice(pods)
                        ready = "False" if pod.ready else "True"
                        pod = replace(pod, conditions=(PodCondition("Ready", ready),))
                        batch.append(ChangeEvent("MODIFIED", "Pod", pod.key, pod))
                    on_events(batch)
                    self.sent += len(batch)
                    next_at += tick
                    time.sleep(max(0.0, next_at - time.perf_counter()))

            threading.Thread(target=play, daemon=True).start()

        def open(self):  # type: ignore[no-untyped-def]
            self.state = super().open()
            return self.state

        def close(self) -> None:
            self.stop.set()

    applied = 0

    def hook(message: object) -> None:
        nonlocal applied
        if isinstance(message, ClusterFeed.Changed) and not getattr(message, "_counted", False):
            message._counted = True  # type: ignore[attr-defined]
            applied += message.summary.events

    source = Replay([path])
    app = KubetrafficApp(source, UiSettings())
    async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
        while not (app.screen_stack and getattr(app.main, "model", None) is not None):
            await asyncio.sleep(0.01)
        nav = app.main.navigator
        for ns in nav.namespaces()[:6]:  # rows on screen that the changes update
            nav._ns_nodes[ns].expand()
        await pilot.pause(1.0)
        stamps: list[float] = []
        timer = app.set_interval(0.02, lambda: stamps.append(time.perf_counter()))
        await asyncio.sleep(seconds)
        timer.stop()
        source.stop.set()
        await pilot.pause(0.5)
        sent = source.sent
    gaps = [b - a - 0.02 for a, b in itertools.pairwise(stamps)]
    gaps.sort()
    return {
        "ticks": len(gaps),
        "p99": gaps[int(len(gaps) * 0.99) - 1] if gaps else float("nan"),
        "max": gaps[-1] if gaps else float("nan"),
        "sent": sent,
        "applied": applied,
    }


BENCHMARKS = {"tui_paint": bench_first_paint, "tui_lag": bench_event_lag}

if __name__ == "__main__":
    from bench.common import report

    for name, fn in BENCHMARKS.items():
        print(name)
        report(fn())
