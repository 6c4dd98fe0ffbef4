"""Conversations on the wire, built packet by packet with scapy (imported only here).

``Wire`` records frames as ``tcpdump -i any`` inside a pod would capture them (Linux
cooked v2, link type 276): TCP sessions with a real handshake, sequence numbers and a FIN
close, connection attempts that are silently dropped (SYN retransmitted with the kernel's
exponential backoff, no answer), and DNS queries with their answers. ``records()`` gives
the frames in time order and ``pcap()`` a classic pcap stream — the same bytes a capture
backend feeds the summariser.
"""

from __future__ import annotations

import random
import struct
from collections.abc import Iterable, Sequence
from typing import Any

OUTGOING, HOST = 4, 0
"""SLL2 packet types: sent by this host, addressed to this host."""

SYN_BACKOFF = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0)
"""Linux retransmits an unanswered SYN after 1 s, then doubles the wait (tcp_syn_retries=6)."""


class Wire:
    """Frames seen on one pod's interface; ``local`` is the pod's IP."""

    def __init__(self, local: str, rng: random.Random, *, until: float) -> None:
        from scapy.layers.inet import IP, TCP, UDP
        from scapy.layers.l2 import CookedLinuxV2

        self._ip, self._tcp, self._udp, self._sll = IP, TCP, UDP, CookedLinuxV2
        self.local = local
        self.rng = rng
        self.until = until
        self.frames: list[tuple[float, Any]] = []

    # ---------------------------------------------------------------- frames
    def _frame(self, ts: float, src: str, dst: str, l4: Any) -> None:
        if ts > self.until:
            return
        kind = OUTGOING if src == self.local else HOST
        packet = self._sll(proto=0x0800, pkttype=kind, ifindex=2) / self._ip(src=src, dst=dst, ttl=64) / l4
        self.frames.append((ts, packet))

    def _segment(self, ts: float, src: tuple[str, int], dst: tuple[str, int], flags: str,
                 seq: int, ack: int, payload: bytes = b"") -> None:  # fmt: skip
        segment = self._tcp(sport=src[1], dport=dst[1], flags=flags, seq=seq, ack=ack, window=64240)
        self._frame(ts, src[0], dst[0], segment / payload if payload else segment)

    # ------------------------------------------------------------ conversations
    def tcp_session(self, ts: float, client: tuple[str, int], server: tuple[str, int],
                    exchanges: Sequence[tuple[bytes, bytes]], *, rtt: float, think: float) -> float:  # fmt: skip
        """Handshake, request/response pairs, FIN close; returns when the session ended."""
        c_seq, s_seq = self.rng.getrandbits(32), self.rng.getrandbits(32)
        self._segment(ts, client, server, "S", c_seq, 0)
        self._segment(ts + rtt / 2, server, client, "SA", s_seq, c_seq + 1)
        ts += rtt
        c_seq, s_seq = c_seq + 1, s_seq + 1
        self._segment(ts, client, server, "A", c_seq, s_seq)
        for request, response in exchanges:
            self._segment(ts, client, server, "PA", c_seq, s_seq, request)
            c_seq += len(request)
            ts += think
            self._segment(ts, server, client, "PA", s_seq, c_seq, response)
            s_seq += len(response)
            ts += rtt / 2
            self._segment(ts, client, server, "A", c_seq, s_seq)
        self._segment(ts, client, server, "FA", c_seq, s_seq)
        self._segment(ts + rtt / 2, server, client, "FA", s_seq, c_seq + 1)
        self._segment(ts + rtt, client, server, "A", c_seq + 1, s_seq + 1)
        return ts + rtt

    def syn_unanswered(self, ts: float, client: tuple[str, int], server: tuple[str, int]) -> None:
        """A connection attempt nobody answers: the SYN, then its retransmissions."""
        seq = self.rng.getrandbits(32)
        self._segment(ts, client, server, "S", seq, 0)
        for wait in SYN_BACKOFF:
            ts += wait
            self._segment(ts, client, server, "S", seq, 0)

    def dns(self, ts: float, client: tuple[str, int], server: tuple[str, int], name: str, qtype: str,
            answers: Iterable[str], *, rcode: int = 0, latency: float) -> None:  # fmt: skip
        """One DNS query over UDP and its answer (``rcode`` 3 is NXDOMAIN)."""
        from scapy.layers.dns import DNS, DNSQR, DNSRR

        query_id = self.rng.getrandbits(16)
        question = DNSQR(qname=name + ".", qtype=qtype)
        self._frame(ts, client[0], server[0], self._udp(sport=client[1], dport=server[1])
                    / DNS(id=query_id, rd=1, qd=[question]))  # fmt: skip
        records = [DNSRR(rrname=name + ".", type=qtype, ttl=30, rdata=a) for a in answers]
        reply = DNS(id=query_id, qr=1, aa=0, rd=1, ra=1, rcode=rcode, qd=[question], an=records)
        self._frame(ts + latency, server[0], client[0], self._udp(sport=server[1], dport=client[1]) / reply)

    # ---------------------------------------------------------------- output
    def records(self) -> list[tuple[float, bytes]]:
        """(timestamp, link-layer bytes) of every frame, in time order."""
        from scapy.compat import raw

        return [(ts, raw(packet)) for ts, packet in sorted(self.frames, key=lambda f: f[0])]

    def pcap(self) -> bytes:
        """The frames as a classic pcap stream (link type LINUX_SLL2)."""
        return pcap_header() + b"".join(pcap_record(ts, frame) for ts, frame in self.records())


LINKTYPE_LINUX_SLL2 = 276
SNAPLEN = 262144


def pcap_header() -> bytes:
    """A classic pcap global header: little-endian, microseconds, LINUX_SLL2."""
    return struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, SNAPLEN, LINKTYPE_LINUX_SLL2)


def pcap_record(ts: float, frame: bytes) -> bytes:
    """One pcap record: timestamp (seconds, microseconds), lengths, the frame."""
    seconds = int(ts)
    micros = round((ts - seconds) * 1_000_000)
    if micros == 1_000_000:
        seconds, micros = seconds + 1, 0
    return struct.pack("<IIII", seconds, micros, len(frame), len(frame)) + frame
