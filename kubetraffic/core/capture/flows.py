"""Flows by 5-tuple and their states (DESIGN.md §4).

A flow's initiator is its ``src``: the sender of the first SYN (TCP), the first datagram
(UDP) or the echo request (ICMP). States:

- ``established``: handshake completed (a SYN-ACK was seen), not yet closed;
- ``closed``: ended by FIN;
- ``reset``: a RST answered the SYN or ended the flow;
- ``no-reply``: SYN(s) with no answer — a silent drop once the SYN was sent twice or more;
- ``icmp-unreachable``: an ICMP error quoting the flow, with no reply after it;
- ``partial``: the capture began mid-flow (no handshake seen) and saw no end;
- ``udp``: a UDP exchange.

A silent drop is classified by "≥ 2 SYNs on one 4-tuple and no SYN-ACK", never by timing:
kernels space SYN retries differently. Copies of one packet seen on several interfaces of a
``tcpdump -i any`` capture are counted once: each direction of a flow keeps the interface it
was first seen on.
"""

from __future__ import annotations

import zlib

from kubetraffic.core.capture.decode import ACK, FIN, ICMP, ICMPV6, RST, SYN, TCP, UDP, Key, Packet

STATES = ("established", "closed", "reset", "no-reply", "icmp-unreachable", "partial", "udp")

# ICMP errors that say "this did not get through" (as opposed to "too big" or a redirect).
_UNREACHABLE = {ICMP: (3, 11, 12), ICMPV6: (1, 3, 4)}
_PMTU = {ICMP: (3, 4), ICMPV6: (2, 0)}  # (type, code) of "fragmentation needed"/"packet too big"
_SERVER_PORTS = frozenset((53, 67, 68, 69, 123, 137, 161, 162, 443, 500, 514, 1812, 4500, 5353))
_EVENTS_KEPT = 8
_PAYLOADS_KEPT = 4


class IcmpError:
    """An ICMP error charged to a flow: who reported it, what it said, when."""

    __slots__ = ("code", "proto", "reporter", "ts", "type")

    def __init__(self, proto: int, kind: int, code: int, reporter: bytes, ts: float) -> None:
        self.proto = proto
        self.type = kind
        self.code = code
        self.reporter = reporter
        self.ts = ts

    @property
    def unreachable(self) -> bool:
        """True when the error means the packet did not get through (not an MTU hint)."""
        pmtu = _PMTU[self.proto]
        return self.type in _UNREACHABLE[self.proto] and (self.type, self.code) != pmtu


class Flow:
    """One conversation by 5-tuple, oriented from its initiator (``src``) to ``dst``."""

    __slots__ = (
        "began_mid",
        "bytes",
        "dns_answers",
        "dns_queries",
        "dport",
        "dst",
        "established_ts",
        "events",
        "fins",
        "first",
        "fwd_bytes",
        "fwd_iface",
        "fwd_packets",
        "icmp",
        "icmp_iface",
        "icmp_notes",
        "isn",
        "last",
        "packets",
        "payloads",
        "proto",
        "rev_bytes",
        "rev_iface",
        "rev_packets",
        "rst",
        "rst_ts",
        "sport",
        "src",
        "syn_ts",
        "synack_ts",
        "synacks",
        "syns",
        "version",
    )

    def __init__(self, key: Key, version: int, ts: float) -> None:
        self.proto, self.src, self.sport, self.dst, self.dport = key
        self.version = version
        self.first = self.last = ts
        self.packets = self.bytes = 0
        self.fwd_packets = self.rev_packets = self.fwd_bytes = self.rev_bytes = 0
        self.fwd_iface = self.rev_iface = -1
        self.syns = self.synacks = 0
        self.isn = -1
        self.syn_ts: float | None = None
        self.synack_ts: float | None = None
        self.established_ts: float | None = None
        self.rst = 0  # 0: none, 1: sent by src, 2: sent by dst
        self.rst_ts: float | None = None
        self.fins = 0  # bit 1: src sent FIN, bit 2: dst sent FIN
        self.began_mid = False
        self.icmp: IcmpError | None = None
        self.icmp_iface = -1
        self.icmp_notes: list[IcmpError] = []
        self.events: list[str] = []
        self.payloads: list[tuple[float, bool, bytes]] = []
        self.dns_queries = self.dns_answers = 0

    @property
    def key(self) -> Key:
        """(protocol, src, sport, dst, dport) in the initiator's direction."""
        return (self.proto, self.src, self.sport, self.dst, self.dport)

    @property
    def state(self) -> str:
        """One of ``STATES`` (see the module docstring for the definitions)."""
        if self.icmp is not None:
            return "icmp-unreachable"
        if self.proto == TCP:
            if self.rst and self.fins != 3:
                return "reset"
            if self.fins:
                return "closed"
            if self.synacks >= 2 and self.established_ts is None:
                return "no-reply"  # the SYN-ACK was retransmitted and never acknowledged: replies are lost
            if self.synacks or self.established_ts is not None:
                return "established"
            if self.syns:
                return "no-reply"
            return "partial"
        if self.proto == UDP:
            return "udp"
        if self.rev_packets:
            return "established"
        return "no-reply" if self.proto in (ICMP, ICMPV6) else "partial"

    @property
    def silently_dropped(self) -> bool:
        """≥ 2 SYNs on this 4-tuple and no SYN-ACK, RST or ICMP error: the silent-drop rule."""
        return self.proto == TCP and self.syns >= 2 and not self.synacks and not self.rst and self.icmp is None

    @property
    def syn_retransmits(self) -> int:
        """SYNs sent beyond the first."""
        return max(0, self.syns - 1)

    @property
    def handshake_rtt(self) -> float | None:
        """Seconds from the (last) SYN to the handshake's ACK, else to the SYN-ACK."""
        if self.syn_ts is None:
            return None
        end = self.established_ts if self.established_ts is not None else self.synack_ts
        return None if end is None else max(0.0, end - self.syn_ts)


class FlowTable:
    """Flows keyed by 5-tuple in both directions; bounded, optionally 1-in-N flow sampled.

    Sampling keeps or skips whole flows (by a hash of the endpoints), so every kept flow is
    complete and its state stays right — sampling single packets would lose SYNs and RSTs.
    """

    def __init__(self, *, sample: int = 1, max_flows: int = 500_000, keep_payload: bool = False) -> None:
        self.sample = max(1, sample)
        self.max_flows = max_flows
        self.keep_payload = keep_payload
        self.flows: list[Flow] = []
        self.skipped_packets = 0
        """Packets of flows left out by sampling or by the flow bound."""
        self.duplicates = 0
        """Copies of a packet seen again on another interface (``-i any``), not counted."""
        self._index: dict[Key, tuple[Flow | None, bool]] = {}

    def add(self, pkt: Packet, ts: float, data: bytes | None = None) -> Flow | None:
        """Account one packet; returns its flow (None when sampled out or a duplicate copy)."""
        if pkt.quoted is not None:
            return self._icmp_error(pkt, ts)
        key = (pkt.proto, pkt.src, pkt.sport, pkt.dst, pkt.dport)
        entry = self._index.get(key)
        if entry is None:
            entry = self._open(pkt, key, ts)
        flow, fwd = entry
        if flow is None:
            self.skipped_packets += 1
            return None
        flags = pkt.flags
        if flags & SYN and not flags & ACK and fwd and _new_connection(flow, pkt.seq):
            flow, fwd = self._open(pkt, key, ts, again=True)
            if flow is None:
                self.skipped_packets += 1
                return None
        if fwd:
            if flow.fwd_iface != pkt.iface:
                if flow.fwd_iface >= 0:
                    self.duplicates += 1
                    return None
                flow.fwd_iface = pkt.iface
            flow.fwd_packets += 1
            flow.fwd_bytes += pkt.ip_len
        else:
            if flow.rev_iface != pkt.iface:
                if flow.rev_iface >= 0:
                    self.duplicates += 1
                    return None
                flow.rev_iface = pkt.iface
            flow.rev_packets += 1
            flow.rev_bytes += pkt.ip_len
            if flow.icmp is not None:
                flow.icmp_notes.append(flow.icmp)  # a reply came after all: not unreachable
                flow.icmp = None
        flow.packets += 1
        flow.bytes += pkt.ip_len
        flow.last = ts
        # Only SYN/FIN/RST segments and the handshake's last ACK change TCP state.
        if pkt.proto == TCP and (flags & 0x07 or (fwd and flow.synacks and flow.established_ts is None)):
            _tcp(flow, flags, fwd, ts, pkt.seq)
        if self.keep_payload and data is not None and pkt.payload_len and len(flow.payloads) < _PAYLOADS_KEPT:
            flow.payloads.append((ts, fwd, data[pkt.payload_off : pkt.payload_off + pkt.payload_len]))
        return flow

    def _open(self, pkt: Packet, key: Key, ts: float, *, again: bool = False) -> tuple[Flow | None, bool]:
        """Create the flow for a packet with an unknown key, oriented from its initiator."""
        reverse = (key[0], key[3], key[4], key[1], key[2])
        if self.sample > 1 and _hash(key) % self.sample:
            skipped: tuple[Flow | None, bool] = (None, True)
            self._index[key] = skipped
            self._index[reverse] = (None, False)
            return skipped
        if len(self.flows) >= self.max_flows and not again:
            self._index[key] = (None, True)
            self._index[reverse] = (None, False)
            return None, True
        fwd = _from_initiator(pkt)
        flow = Flow(key if fwd else reverse, pkt.version, ts)
        flow.began_mid = pkt.proto == TCP and not pkt.flags & SYN
        self.flows.append(flow)
        self._index[key] = (flow, fwd)
        self._index[reverse] = (flow, not fwd)
        return flow, fwd

    def _icmp_error(self, pkt: Packet, ts: float) -> Flow | None:
        """Charge an ICMP error to the flow whose packet it quotes (creating it if unseen)."""
        quoted = pkt.quoted
        assert quoted is not None
        entry = self._index.get(quoted)
        if entry is None:
            reverse = (quoted[0], quoted[3], quoted[4], quoted[1], quoted[2])
            if self.sample > 1 and _hash(quoted) % self.sample:
                self._index[quoted] = (None, True)
                self._index[reverse] = (None, False)
                self.skipped_packets += 1
                return None
            created = Flow(quoted, pkt.version, ts)
            created.began_mid = True  # only the error was captured, not the packet it quotes
            self.flows.append(created)
            self._index[quoted] = (created, True)
            self._index[reverse] = (created, False)
            entry = (created, True)
        flow = entry[0]
        if flow is None:
            self.skipped_packets += 1
            return None
        if flow.icmp_iface != pkt.iface:
            if flow.icmp_iface >= 0:
                self.duplicates += 1  # the same error seen on another interface
                return None
            flow.icmp_iface = pkt.iface
        error = IcmpError(pkt.proto, pkt.icmp_type, pkt.icmp_code, pkt.src, ts)
        if error.unreachable:
            flow.icmp = error
        else:
            flow.icmp_notes.append(error)
        flow.packets += 1
        flow.bytes += pkt.ip_len
        flow.last = max(flow.last, ts)
        if len(flow.events) < _EVENTS_KEPT:
            flow.events.append("ICMP")
        return flow


def _new_connection(flow: Flow, seq: int) -> bool:
    """Whether a SYN on a known 4-tuple starts a new connection (port reuse), not a retransmit.

    After a RST or FIN any SYN is new; after a SYN-ACK, a SYN with the same initial sequence
    number is a retransmit (the SYN-ACK was lost on the way back), another one is new.
    """
    return bool(flow.rst or flow.fins or (flow.synacks and seq != flow.isn))


def _tcp(flow: Flow, flags: int, fwd: bool, ts: float, seq: int) -> None:
    """The TCP state bookkeeping of one (non-duplicate) segment."""
    events = flow.events
    if flags & SYN:
        if flags & ACK:
            if not fwd:
                flow.synacks += 1
                if flow.synack_ts is None:
                    flow.synack_ts = ts
            if len(events) < _EVENTS_KEPT:
                events.append("SA")
        else:
            if fwd:
                flow.syns += 1
                flow.isn = seq
                if not flow.synacks:
                    flow.syn_ts = ts  # the SYN a SYN-ACK answers is the last one before it
            if len(events) < _EVENTS_KEPT:
                events.append("S")
    elif flags & ACK and fwd and flow.synacks and flow.established_ts is None:
        flow.established_ts = ts
        if len(events) < _EVENTS_KEPT:
            events.append("A")
    if flags & RST:
        flow.rst = 1 if fwd else 2
        if flow.rst_ts is None:
            flow.rst_ts = ts
        if len(events) < _EVENTS_KEPT:
            events.append("R")
    if flags & FIN:
        bit = 1 if fwd else 2
        if not flow.fins & bit and len(events) < _EVENTS_KEPT:
            events.append("F")
        flow.fins |= bit


def _from_initiator(pkt: Packet) -> bool:
    """Whether the first packet seen of a flow was sent by its initiator."""
    proto, flags = pkt.proto, pkt.flags
    if proto == TCP:
        if flags & SYN:
            return not flags & ACK
    elif proto in (ICMP, ICMPV6):
        return pkt.dport == 0  # echo requests carry the identifier as the source "port"
    elif proto == UDP:
        return not (pkt.sport in _SERVER_PORTS and pkt.dport not in _SERVER_PORTS)
    else:
        return True
    # Mid-flow TCP: the server is usually the side with the lower port.
    return pkt.sport > pkt.dport or (pkt.sport == pkt.dport)


def _hash(key: Key) -> int:
    """A stable hash of a flow's endpoints, the same in both directions (for sampling)."""
    a = key[1] + key[2].to_bytes(2, "big")
    b = key[3] + key[4].to_bytes(2, "big")
    return zlib.crc32(bytes((key[0],)) + (a + b if a <= b else b + a))
