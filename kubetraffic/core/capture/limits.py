"""Bounds of a capture and the ring buffer of recent packets the UI shows.

A capture is always bounded: by packets, seconds and bytes (whichever comes first), with a
snap length for the bytes kept per packet. Payloads stay out of the ring unless asked for.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from kubetraffic.core.capture.decode import Key

DEFAULT_SNAPLEN = 262144
"""tcpdump's default: whole packets (DNS answers need their payload)."""


@dataclass(frozen=True, slots=True)
class CaptureLimits:
    """When to stop (None = no bound of that kind) and how much of each packet to keep."""

    max_packets: int | None = None
    max_seconds: float | None = None
    max_bytes: int | None = None
    snaplen: int = DEFAULT_SNAPLEN
    sample: int = 1
    """Keep 1 flow in ``sample`` (whole flows, chosen by a hash of their endpoints)."""

    def problems(self) -> list[str]:
        """What is wrong with these bounds (empty when they are usable)."""
        found = []
        if self.max_packets is not None and self.max_packets < 1:
            found.append("the packet count must be at least 1")
        if self.max_seconds is not None and self.max_seconds <= 0:
            found.append("the duration must be more than 0 seconds")
        if self.max_bytes is not None and self.max_bytes < 1:
            found.append("the byte bound must be at least 1")
        if not 64 <= self.snaplen <= DEFAULT_SNAPLEN:
            found.append(f"the snap length must be between 64 and {DEFAULT_SNAPLEN} bytes")
        if self.sample < 1:
            found.append("the sampling rate must be 1 (everything) or more")
        return found

    def describe(self) -> str:
        """``1000 packets, 30 s, 50.0 MB, snap 262144 B`` for plans and progress lines."""
        parts = []
        if self.max_packets is not None:
            parts.append(f"{self.max_packets} packets")
        if self.max_seconds is not None:
            parts.append(f"{self.max_seconds:g} s")
        if self.max_bytes is not None:
            parts.append(f"{self.max_bytes / 1e6:.1f} MB")
        parts.append(f"snap {self.snaplen} B")
        if self.sample > 1:
            parts.append(f"1 flow in {self.sample}")
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class RingPacket:
    """One recent packet for a live view: headers always, payload only when kept.

    ``headers`` holds the frame up to the payload (link, IP and transport headers), so a
    packet can be opened and dissected later without its payload ever being kept.
    """

    ts: float
    key: Key
    """(protocol, src, sport, dst, dport) as the packet travelled."""
    flags: int
    length: int
    payload: bytes | None = None
    linktype: int = 1
    headers: bytes = b""


class PacketRing:
    """The last ``size`` packets (a bounded deque: old packets fall off the front)."""

    def __init__(self, size: int, *, keep_payload: bool = False) -> None:
        self.keep_payload = keep_payload
        self.packets: deque[RingPacket] = deque(maxlen=max(1, size))
        self.total = 0

    def add(self, packet: RingPacket) -> None:
        """Append one packet (its payload is dropped unless payloads are kept)."""
        if packet.payload is not None and not self.keep_payload:
            packet = RingPacket(
                packet.ts, packet.key, packet.flags, packet.length, None, packet.linktype, packet.headers
            )
        self.packets.append(packet)
        self.total += 1
