"""The summariser: a pcap byte stream in, flows, DNS entries and diagnoses out.

Every capture backend (pod, interface, pcap file, the demo) produces a pcap stream; this is
the one place that turns it into answers. It is bounded (packets, capture seconds, bytes),
samples whole flows 1-in-N on request, and never loses what it already understood: damaged
input ends the summary with ``error`` set, and the flows read before the damage stay.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from kubetraffic.core.capture.decode import ICMP4_ECHO, ICMP6_ECHO, TCP, UDP, Packet, decode, endpoint_text, ip_text
from kubetraffic.core.capture.diagnosis import diagnose, protocol_name
from kubetraffic.core.capture.dns import DnsError, DnsTracker, parse_dns
from kubetraffic.core.capture.flows import Flow, FlowTable
from kubetraffic.core.capture.limits import CaptureLimits, PacketRing, RingPacket
from kubetraffic.core.capture.names import Namer
from kubetraffic.core.capture.pcap import LINKTYPE_NAMES, PcapReader

Payload = tuple[float, bool, bytes]
"""(time, sent by the flow's initiator, payload bytes)."""
_ECHO_TYPES = frozenset(ICMP4_ECHO) | frozenset(ICMP6_ECHO)
_DNS_PORT = 53


@dataclass(frozen=True, slots=True)
class FlowRecord:
    """One flow as the ``capture`` JSON contract shows it, plus what views need besides."""

    src: str
    dst: str
    protocol: str
    packets: int
    bytes: int
    first: float
    last: float
    state: str
    syn_retransmits: int
    handshake_rtt_ms: float | None
    src_name: str | None
    dst_name: str | None
    diagnosis: str
    src_ip: str = ""
    dst_ip: str = ""
    sport: int = 0
    dport: int = 0
    events: tuple[str, ...] = ()
    """The first control events (S, SA, A, R, F, ICMP), e.g. ("S", "SA", "A")."""
    payloads: tuple[Payload, ...] = ()
    """(time, sent by src, bytes) of the first payloads — only when payloads were kept."""
    silently_dropped: bool = False


@dataclass(frozen=True, slots=True)
class DnsRecord:
    """One DNS query and its answer (``rcode`` None: no answer captured)."""

    query: str
    type: str
    rcode: str | None
    answers: tuple[str, ...]
    latency_ms: float | None
    server: str
    client: str = ""
    retries: int = 0
    search_of: str | None = None
    """The name this query is a search-domain expansion of (``api.stripe.com`` for
    ``api.stripe.com.shop.svc.cluster.local``), when the client also asked for that name:
    with ``ndots:5`` a pod tries every search domain first, and their NXDOMAINs are normal."""


def search_expansions(entries: list[DnsRecord]) -> list[DnsRecord]:
    """``entries`` with ``search_of`` set on the queries that expand another query's name."""
    asked: dict[str, set[str]] = {}
    for e in entries:
        asked.setdefault(e.client, set()).add(e.query.rstrip(".").lower())
    out = []
    for e in entries:
        name = e.query.rstrip(".").lower()
        bases = [b for b in asked.get(e.client, ()) if name.startswith(b + ".")]
        base = max(bases, key=len) if bases else None
        out.append(e if base is None else replace(e, search_of=base))
    return out


@dataclass(frozen=True, slots=True)
class CaptureSummary:
    """Everything one capture showed; ``error`` says why reading stopped early, if it did."""

    source: str
    packets: int
    sampled: bool
    dropped_by_kernel: int | None
    flows: tuple[FlowRecord, ...]
    dns: tuple[DnsRecord, ...]
    error: str | None = None
    stop_reason: str | None = None
    """Which bound ended the capture: "packet count", "duration", "byte bound", or None."""
    other_packets: int = 0
    """Packets that are not part of a flow (ARP, neighbour discovery, non-first fragments, ...)."""
    skipped_packets: int = 0
    duplicates: int = 0
    link_type: str = ""
    first: float | None = None
    last: float | None = None


class Summariser:
    """Feed pcap stream bytes with ``feed``; read the answer with ``summary``."""

    def __init__(
        self,
        source: str,
        limits: CaptureLimits | None = None,
        *,
        names: Namer | None = None,
        keep_payload: bool = False,
        ring_size: int = 0,
    ) -> None:
        self.source = source
        self.limits = limits or CaptureLimits()
        self.names = names or Namer()
        self.reader = PcapReader()
        self.table = FlowTable(sample=self.limits.sample, keep_payload=keep_payload)
        self.dns = DnsTracker()
        self.ring = PacketRing(ring_size, keep_payload=keep_payload) if ring_size else None
        self.packets = 0
        self.captured_bytes = 0
        self.other_packets = 0
        self.first_ts: float | None = None
        self.last_ts: float | None = None
        self.stop_reason: str | None = None
        self.kernel_drops: int | None = None
        """Set by live backends (the kernel's count); pcapng files carry their own."""
        self.error: str | None = None
        self.consumed = 0
        """Stream offset up to which bytes were summarised (header and counted records):
        a ``--write`` copy of exactly this prefix is a valid pcap of what was summarised."""

    @property
    def done(self) -> bool:
        """True once a bound was reached or the stream was found damaged."""
        return self.stop_reason is not None or self.reader.error is not None

    def feed(self, chunk: bytes) -> bool:
        """Consume stream bytes; returns False once the capture should stop (bound or damage)."""
        if self.done:
            return False
        reader = self.reader
        reader.feed(chunk)
        limits = self.limits
        left = -1 if limits.max_packets is None else limits.max_packets - self.packets
        max_bytes = limits.max_bytes
        horizon = None
        if limits.max_seconds is not None and self.first_ts is not None:
            horizon = self.first_ts + limits.max_seconds
        ring, add = self.ring, self.table.add
        packets, captured, last_ts, other = self.packets, self.captured_bytes, self.last_ts, self.other_packets
        max_bytes = max_bytes if max_bytes is not None else -1
        for ts, linktype, data, _orig, if_id in reader.records(left):
            if self.first_ts is None:
                self.first_ts = ts
                if limits.max_seconds is not None:
                    horizon = ts + limits.max_seconds
            elif horizon is not None and ts > horizon:
                self.stop_reason = "duration"
                self.consumed = reader.record_start
                break
            packets += 1
            captured += len(data)
            last_ts = ts
            pkt = decode(linktype, data)
            if pkt is None or (pkt.icmp_type >= 0 and pkt.quoted is None and pkt.icmp_type not in _ECHO_TYPES):
                other += 1
            else:
                if if_id:
                    pkt.iface |= if_id << 40
                flow = add(pkt, ts, data)
                if flow is not None and (pkt.sport == _DNS_PORT or pkt.dport == _DNS_PORT) and pkt.payload_len:
                    self._dns(flow, pkt, ts, data)
                if ring is not None:
                    end = pkt.payload_off if pkt.payload_off else len(data)
                    payload = data[end : end + pkt.payload_len] if ring.keep_payload else None
                    ring.add(RingPacket(ts, pkt.key, pkt.flags, pkt.ip_len, payload, linktype, data[:end]))
            if captured >= max_bytes >= 0:
                self.stop_reason = "byte bound"
                break
        self.packets, self.captured_bytes, self.last_ts, self.other_packets = packets, captured, last_ts, other
        if self.stop_reason != "duration":
            self.consumed = reader.offset if reader.format else 0
        if reader.error is not None and self.error is None:
            self.error = str(reader.error)
        if self.stop_reason is None and limits.max_packets is not None and self.packets >= limits.max_packets:
            self.stop_reason = "packet count"
        return not self.done

    def _dns(self, flow: Flow, pkt: Packet, ts: float, data: bytes) -> None:
        """Decode a DNS message and pair it; its A/AAAA answers name the addresses."""
        proto = pkt.proto
        payload = data[pkt.payload_off : pkt.payload_off + pkt.payload_len]
        if proto == TCP:  # DNS over TCP: a 2-byte length, then the message (whole segments only)
            if len(payload) < 2 or int.from_bytes(payload[:2], "big") > len(payload) - 2:
                return
            payload = payload[2 : 2 + int.from_bytes(payload[:2], "big")]
        elif proto != UDP:
            return
        try:
            msg = parse_dns(payload)
        except DnsError:
            self.dns.malformed += 1
            return
        entry = self.dns.add(msg, ip_text(pkt.src), pkt.sport, ip_text(pkt.dst), pkt.dport, ts)
        if msg.response:
            flow.dns_answers += 1
            query = entry.query if entry is not None else msg.name
            for address in msg.addresses:
                self.names.learn(address, query)
        else:
            flow.dns_queries += 1

    def finish(self, *, stopped: bool = False) -> CaptureSummary:
        """The stream has ended: report a damaged tail unless we cut it ourselves (``stopped``)."""
        had_error = self.reader.error is not None
        error = self.reader.finish()
        if error is not None and self.error is None and not (stopped and not had_error and self.reader.format):
            self.error = str(error)
        return self.summary()

    def summary(self) -> CaptureSummary:
        """What the capture shows so far (callable at any time, e.g. for a live view)."""
        drops = self.kernel_drops
        if self.reader.interface_drops:
            drops = (drops or 0) + sum(self.reader.interface_drops.values())
        linktype = self.reader.linktype
        return CaptureSummary(
            source=self.source,
            packets=self.packets,
            sampled=self.limits.sample > 1,
            dropped_by_kernel=drops,
            flows=tuple(self.flow_record(f) for f in self.table.flows),
            dns=tuple(
                search_expansions(
                    [
                        DnsRecord(e.query, e.type, e.rcode, e.answers, e.latency_ms, e.server, e.client, e.retries)
                        for e in self.dns.entries
                    ]
                )
            ),
            error=self.error,
            stop_reason=self.stop_reason,
            other_packets=self.other_packets,
            skipped_packets=self.table.skipped_packets,
            duplicates=self.table.duplicates,
            link_type="" if linktype is None else LINKTYPE_NAMES.get(linktype, f"link type {linktype}"),
            first=self.first_ts,
            last=self.last_ts,
        )

    def flow_record(self, flow: Flow) -> FlowRecord:
        """The contract view of one flow, with names and diagnosis."""
        rtt = flow.handshake_rtt
        src_ip, dst_ip = ip_text(flow.src), ip_text(flow.dst)
        ports = flow.proto in (TCP, UDP)
        src = endpoint_text(flow.src, flow.sport if ports else 0)
        dst = endpoint_text(flow.dst, flow.dport if ports else 0)
        state = flow.state
        return FlowRecord(
            src=src,
            dst=dst,
            protocol=protocol_name(flow.proto),
            packets=flow.packets,
            bytes=flow.bytes,
            first=round(flow.first, 6),
            last=round(flow.last, 6),
            state=state,
            syn_retransmits=flow.syn_retransmits,
            handshake_rtt_ms=None if rtt is None else round(rtt * 1000, 3),
            src_name=self.names.name(src_ip),
            dst_name=self.names.name(dst_ip),
            diagnosis=diagnose(flow, state, src, dst),
            src_ip=src_ip,
            dst_ip=dst_ip,
            sport=flow.sport,
            dport=flow.dport,
            events=tuple(flow.events),
            payloads=tuple(flow.payloads),
            silently_dropped=flow.silently_dropped,
        )
