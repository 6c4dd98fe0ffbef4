"""Drive one capture: source -> summariser, with wall-clock bounds, progress, Ctrl+C and --write.

The written file holds exactly the bytes that were summarised (header and whole records), so
it is a valid pcap even when the capture was cut mid-record; it is created mode 0600 because
packets may carry secrets.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from kubetraffic.adapters.capture.base import CaptureError, CaptureSource
from kubetraffic.core.capture import CaptureSummary, Summariser


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a running capture is, for a progress line."""

    packets: int
    bytes: int
    elapsed: float
    remaining: float | None
    """Seconds left of the duration bound (live captures with one), else None."""


def open_private(path: str) -> BinaryIO:
    """Create (or truncate) ``path`` for writing, readable by its owner only (mode 0600)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError as exc:
        raise CaptureError(f"cannot write {path}: {exc.strerror}") from exc
    os.fchmod(fd, 0o600)  # an existing file keeps its mode through O_CREAT: fix it
    return os.fdopen(fd, "wb")


class _Tee:
    """Writes the summarised prefix of the stream, nothing beyond it."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.tail = b""
        self.written = 0

    def add(self, chunk: bytes, consumed: int) -> None:
        """Take ``chunk`` and write everything up to stream offset ``consumed``."""
        self.tail += chunk
        n = consumed - self.written
        if n > 0:
            self.out.write(self.tail[:n])
            self.out.flush()  # a live capture's file is readable (and safe) as it grows
            self.tail = self.tail[n:]
            self.written = consumed


def run_capture(
    source: CaptureSource,
    summariser: Summariser,
    *,
    write_to: str | None = None,
    on_started: Callable[[], None] | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    progress_interval: float = 0.5,
    idle: float = 0.2,
    stop: threading.Event | None = None,
) -> CaptureSummary:
    """Capture until the stream ends, a bound is reached, ``stop`` is set or Ctrl+C.

    Raises CaptureError only when the capture cannot start; once it runs, every ending
    (including Ctrl+C and a broken stream) returns the summary of what was captured.
    """
    tee = _Tee(open_private(write_to)) if write_to else None
    try:
        source.start()
    except BaseException:
        if tee is not None:
            tee.out.close()
        raise
    limits = summariser.limits
    started = time.monotonic()
    deadline = started + limits.max_seconds if source.live and limits.max_seconds is not None else None
    last_progress = 0.0
    cut = False
    broken: str | None = None
    try:
        if on_started is not None:
            on_started()
        for chunk in source.chunks(idle):
            going = summariser.feed(chunk) if chunk else not summariser.done
            if tee is not None and chunk:
                tee.add(chunk, summariser.consumed)
            now = time.monotonic()
            if deadline is not None and now >= deadline and summariser.stop_reason is None:
                summariser.stop_reason = "duration"
                going = False
            if stop is not None and stop.is_set():
                going = False
            if on_progress is not None and now - last_progress >= progress_interval:
                last_progress = now
                remaining = None if deadline is None else max(0.0, deadline - now)
                on_progress(Progress(summariser.packets, summariser.captured_bytes, now - started, remaining))
            if not going:
                cut = True
                break
    except KeyboardInterrupt:
        cut = True
        summariser.stop_reason = summariser.stop_reason or "interrupted"
    except CaptureError as exc:
        broken = str(exc)
        cut = True
    finally:
        source.stop()
        summariser.kernel_drops = source.kernel_drops()
        source.close()
        if tee is not None:
            tee.out.close()
    summary = summariser.finish(stopped=cut)
    if broken is not None and summary.error is None:
        summariser.error = broken
        summary = summariser.summary()
    return summary
