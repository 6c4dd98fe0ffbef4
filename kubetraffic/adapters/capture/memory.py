"""A pcap stream already in memory: tests, and the demo's generated packets.

``packets_to_pcap`` turns (timestamp, frame bytes) pairs into a stream, so synthetic packets
(built with scapy, say) go through exactly the path real captures take.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from kubetraffic.adapters.capture.base import CaptureSource
from kubetraffic.core.capture.pcap import LINKTYPE_ETHERNET, pcap_header, pcap_record


def packets_to_pcap(frames: Iterable[tuple[float, bytes]], linktype: int = LINKTYPE_ETHERNET) -> bytes:
    """A classic pcap stream of ``frames`` (timestamp, link-layer bytes)."""
    return pcap_header(linktype) + b"".join(pcap_record(ts, frame) for ts, frame in frames)


class MemorySource(CaptureSource):
    """Serves ``stream`` in ``chunk``-sized pieces."""

    def __init__(self, stream: bytes, *, description: str = "memory", chunk: int = 1 << 16, live: bool = False) -> None:
        self.stream = stream
        self.description = description
        self.chunk = chunk
        self.live = live
        self._stopped = False

    def start(self) -> None:
        """Nothing to open."""
        self._stopped = False

    def chunks(self, idle: float = 0.2) -> Iterator[bytes]:
        """The stream, piece by piece, until it ends or ``stop`` is called."""
        for i in range(0, len(self.stream), self.chunk):
            if self._stopped:
                return
            yield self.stream[i : i + self.chunk]

    def stop(self) -> None:
        """End the stream early."""
        self._stopped = True
