"""The packet feed: run one capture in a worker and post snapshots of it to the pane.

The capture runs through ``adapters.capture.runner.run_capture`` exactly as the CLI's does,
into the core summariser with a bounded ring of recent packets and a private (0600) pcap
copy for ``x``. Snapshots are posted at most twice a second and coalesce: a newer one
replaces an older one still queued, so a fast capture can never flood the screen.
"""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path

from textual import work
from textual.message import Message
from textual.widget import Widget

from kubetraffic.adapters.capture.base import CaptureError
from kubetraffic.core.capture import CaptureSummary, Namer, RingPacket, Summariser
from kubetraffic.ui.answers.capture import RING, CapturePlan
from kubetraffic.ui.feeds.base import Abandoned, interruptible

SNAPSHOT_SECONDS = 0.5


class PacketFeed(Widget):
    """One capture at a time; ``start`` it with a confirmed plan, ``stop`` ends it early."""

    DEFAULT_CSS = "PacketFeed { display: none; }"

    class Snapshot(Message):
        """How the capture looks now: recent packets (with the ring's running total) and flows."""

        def __init__(
            self, packets: tuple[RingPacket, ...], total: int, summary: CaptureSummary, elapsed: float, done: bool
        ) -> None:
            super().__init__()
            self.packets, self.total, self.summary, self.elapsed, self.done = packets, total, summary, elapsed, done

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, PacketFeed.Snapshot) and not message.done

    class Failed(Message):
        """The capture could not start (RBAC, PodSecurity, a broken stream); one line."""

        def __init__(self, pod: str, error: str) -> None:
            super().__init__()
            self.pod, self.error = pod, error

    def __init__(self) -> None:
        super().__init__()
        self.plan: CapturePlan | None = None
        self.pcap: Path | None = None
        self._stop = threading.Event()
        self._dir = tempfile.TemporaryDirectory(prefix="kubetraffic-capture-")

    @property
    def running(self) -> bool:
        """Whether a capture is in progress."""
        return any(w.group == "capture" and w.is_running for w in self.workers)

    def start(self, plan: CapturePlan, names: Namer) -> None:
        """Begin capturing (the user has confirmed the plan)."""
        self.stop()
        self.plan = plan
        self._stop = threading.Event()
        self.pcap = Path(self._dir.name) / f"{plan.pod.replace('/', '_')}.pcap"
        self._run(plan, names, self._stop, self.pcap)

    def stop(self) -> None:
        """End the running capture; its summary so far stays on screen."""
        self._stop.set()

    def on_unmount(self) -> None:
        self._stop.set()
        self._dir.cleanup()

    @work(thread=True, group="capture", exit_on_error=False, name="capture")
    def _run(self, plan: CapturePlan, names: Namer, stop: threading.Event, pcap: Path) -> None:
        from kubetraffic.adapters.capture.runner import Progress, run_capture

        summariser = Summariser(plan.pod, plan.limits, names=names, ring_size=RING)

        def snapshot(elapsed: float, done: bool, summary: CaptureSummary | None = None) -> None:
            ring = summariser.ring
            packets = tuple(ring.packets) if ring is not None else ()
            total = ring.total if ring is not None else 0
            self.post_message(self.Snapshot(packets, total, summary or summariser.summary(), elapsed, done))

        def progress(p: Progress) -> None:
            snapshot(p.elapsed, False)

        def capture() -> CaptureSummary:
            source = plan.open()
            return run_capture(
                source,
                summariser,
                write_to=str(pcap),
                on_progress=progress,
                progress_interval=SNAPSHOT_SECONDS,
                stop=stop,
            )

        try:
            summary = interruptible(capture)
        except Abandoned:
            stop.set()  # the app is leaving: the capture thread stops its source on its way out
            return
        except CaptureError as exc:
            self.post_message(self.Failed(plan.pod, str(exc)))
            return
        except Exception as exc:  # a backend bug: one line, never a traceback
            self.post_message(self.Failed(plan.pod, f"{type(exc).__name__}: {exc}"))
            return
        snapshot(0.0, True, summary)
        if pcap.exists():
            os.chmod(pcap, 0o600)
