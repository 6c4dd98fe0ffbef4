"""The pcap backend: a capture file, or a stream on stdin (``-``), e.g. ``tcpdump -U -w - | ...``."""

from __future__ import annotations

import os
import select
import stat
import threading
from collections.abc import Iterator

from kubetraffic.adapters.capture.base import CaptureError, CaptureSource

CHUNK = 1 << 20


class PcapSource(CaptureSource):
    """Reads pcap/pcapng bytes from a file or stdin; a pipe counts as a live stream."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.description = "stdin" if path == "-" else f"pcap {path}"
        self._fd = -1
        self._own_fd = False
        self._stopped = threading.Event()

    def start(self) -> None:
        """Open the file (or take stdin) and decide whether it is a live stream."""
        if self.path == "-":
            if os.isatty(0):
                raise CaptureError("stdin is a terminal: pipe a capture in (tcpdump -U -w - ...) or give a file")
            self._fd = 0
        else:
            try:
                self._fd = os.open(self.path, os.O_RDONLY)
            except OSError as exc:
                raise CaptureError(f"cannot open {self.path}: {exc.strerror}") from exc
            self._own_fd = True
        try:
            mode = os.fstat(self._fd).st_mode
        except OSError as exc:
            raise CaptureError(f"cannot read {self.description}: {exc.strerror}") from exc
        if stat.S_ISDIR(mode):
            self.close()
            raise CaptureError(f"{self.path} is a directory, not a capture file")
        self.live = not stat.S_ISREG(mode)

    def chunks(self, idle: float = 0.2) -> Iterator[bytes]:
        """The file's bytes in 1 MiB pieces; for a pipe, whatever has arrived."""
        if self._fd < 0:
            raise CaptureError("the capture was not started")
        while not self._stopped.is_set():
            if self.live:
                ready, _, _ = select.select([self._fd], [], [], idle)
                if not ready:
                    yield b""
                    continue
            try:
                data = os.read(self._fd, CHUNK)
            except OSError as exc:
                raise CaptureError(f"reading {self.description} failed: {exc.strerror}") from exc
            if not data:
                return
            yield data

    def stop(self) -> None:
        """Stop reading (the writer of a pipe is not ours to stop)."""
        self._stopped.set()

    def close(self) -> None:
        """Close the file (stdin stays open)."""
        if self._own_fd and self._fd >= 0:
            os.close(self._fd)
        self._fd = -1
