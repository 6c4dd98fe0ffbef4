"""The one interface every capture backend implements: a bounded producer of a pcap stream.

Backends (a pcap file or stdin, a local interface, an ephemeral container in a pod, the
demo's synthetic packets) all hand over pcap bytes, so one summariser, one ``--write`` path
and one set of bounds serve them all. A backend is used as::

    with source:                      # start() ... close()
        for chunk in source.chunks(idle=0.2):
            ...                       # b"" when nothing arrived within ``idle`` seconds
        source.stop()                 # from any thread; chunks() then ends soon
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from types import TracebackType


class CaptureError(Exception):
    """A capture could not start or broke off; the message is one line for the user."""


class CaptureSource(ABC):
    """A bounded producer of a pcap byte stream."""

    description: str = "capture"
    """What is captured, for the ``source`` field of the summary (``interface eth0``, ...)."""
    live: bool = False
    """True when packets arrive in real time: wall-clock bounds apply and ``stop`` cuts the stream."""

    @abstractmethod
    def start(self) -> None:
        """Begin capturing; raises CaptureError with a clear reason when it cannot."""

    @abstractmethod
    def chunks(self, idle: float = 0.2) -> Iterator[bytes]:
        """Stream bytes as they come; yields b"" after ``idle`` seconds without data; ends with the stream."""

    def stop(self) -> None:  # noqa: B027 - optional for sources that end by themselves
        """Ask the source to end its stream soon (safe from any thread, idempotent)."""

    def close(self) -> None:  # noqa: B027 - optional
        """Release what ``start`` acquired (sockets, processes, files)."""

    def kernel_drops(self) -> int | None:
        """Packets the kernel dropped because the capture could not keep up (None: unknown)."""
        return None

    def notes(self) -> list[str]:
        """Things the user should know about this capture (shown on stderr)."""
        return []

    def __enter__(self) -> CaptureSource:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
        self.close()
