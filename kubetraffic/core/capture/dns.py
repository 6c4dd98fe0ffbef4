"""DNS messages from captured payloads, and queries paired with their answers.

Decoding covers what a diagnosis needs (RFC 1035 header, question, answer records with name
compression); it is bounded against malicious input (pointer loops, lengths past the end).
Pairing: a response answers the pending query with the same client address, client port and
message id — not the server address, because a node-side capture may see the query to a
Service IP and the answer from the DNS pod behind it.
"""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass, field

RR_TYPES = {
    1: "A",
    2: "NS",
    5: "CNAME",
    6: "SOA",
    12: "PTR",
    15: "MX",
    16: "TXT",
    28: "AAAA",
    33: "SRV",
    35: "NAPTR",
    41: "OPT",
    43: "DS",
    46: "RRSIG",
    48: "DNSKEY",
    64: "SVCB",
    65: "HTTPS",
    255: "ANY",
    257: "CAA",
}
RCODES = {
    0: "NOERROR",
    1: "FORMERR",
    2: "SERVFAIL",
    3: "NXDOMAIN",
    4: "NOTIMP",
    5: "REFUSED",
    6: "YXDOMAIN",
    7: "YXRRSET",
    8: "NXRRSET",
    9: "NOTAUTH",
    10: "NOTZONE",
}
_HDR = struct.Struct("!HHHHHH")
_RR = struct.Struct("!HHIH")
_MAX_JUMPS = 64
_MAX_RECORDS = 64


class DnsError(ValueError):
    """A payload on a DNS port that is not a well-formed DNS message."""


@dataclass(frozen=True, slots=True)
class DnsMessage:
    """The parts of one DNS message that a capture summary shows."""

    id: int
    response: bool
    rcode: str
    name: str
    qtype: str
    answers: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    """A and AAAA answers (for naming the IPs the query name resolved to)."""
    truncated: bool = False


def type_name(code: int) -> str:
    """The mnemonic of an RR type (``TYPE123`` for unknown ones, as RFC 3597 writes them)."""
    return RR_TYPES.get(code, f"TYPE{code}")


def parse_dns(payload: bytes) -> DnsMessage:
    """Decode a DNS message (UDP payload, or a TCP message without its length prefix)."""
    if len(payload) < 12:
        raise DnsError(f"{len(payload)} bytes is shorter than a DNS header")
    ident, flags, qdcount, ancount, _, _ = _HDR.unpack_from(payload, 0)
    if (flags >> 11) & 0xF not in (0, 4, 5):  # QUERY, NOTIFY, UPDATE
        raise DnsError(f"unknown DNS opcode {(flags >> 11) & 0xF}")
    response = bool(flags & 0x8000)
    rcode = RCODES.get(flags & 0xF, f"RCODE{flags & 0xF}")
    off = 12
    name, qtype = "", ""
    if qdcount:
        name, off = read_name(payload, off)
        if off + 4 > len(payload):
            raise DnsError("question ends early")
        qtype = type_name(struct.unpack_from("!H", payload, off)[0])
        off += 4
        for _ in range(min(qdcount, _MAX_RECORDS) - 1):  # rare: more questions
            _, off = read_name(payload, off)
            off += 4
    answers: list[str] = []
    addresses: list[str] = []
    if response:
        for _ in range(min(ancount, _MAX_RECORDS)):
            _, off = read_name(payload, off)
            if off + 10 > len(payload):
                raise DnsError("answer record ends early")
            rtype, _, _, rdlen = _RR.unpack_from(payload, off)
            off += 10
            if off + rdlen > len(payload):
                raise DnsError("answer data ends early")
            text = _rdata(payload, off, rtype, rdlen)
            answers.append(text)
            if rtype in (1, 28):
                addresses.append(text)
            off += rdlen
    return DnsMessage(ident, response, rcode, name, qtype, tuple(answers), tuple(addresses), bool(flags & 0x0200))


def read_name(msg: bytes, off: int) -> tuple[str, int]:
    """A (possibly compressed) domain name at ``off``: (dotted name, offset after it)."""
    labels: list[str] = []
    end = -1
    jumps = 0
    length_total = 0
    while True:
        if off >= len(msg):
            raise DnsError("name runs past the end of the message")
        size = msg[off]
        if size == 0:
            off += 1
            break
        if size & 0xC0 == 0xC0:
            if off + 1 >= len(msg):
                raise DnsError("compression pointer runs past the end")
            jumps += 1
            if jumps > _MAX_JUMPS:
                raise DnsError("compression pointers loop")
            if end < 0:
                end = off + 2
            off = ((size & 0x3F) << 8) | msg[off + 1]
            continue
        if size & 0xC0:
            raise DnsError(f"unsupported label type {size:#x}")
        label = msg[off + 1 : off + 1 + size]
        if len(label) < size:
            raise DnsError("label runs past the end")
        length_total += size + 1
        if length_total > 255:
            raise DnsError("name longer than 255 octets")
        labels.append(label.decode("ascii", "backslashreplace"))
        off += 1 + size
    return ".".join(labels) or ".", (end if end >= 0 else off)


def _rdata(msg: bytes, off: int, rtype: int, rdlen: int) -> str:
    """Presentation text of one answer's data."""
    data = msg[off : off + rdlen]
    if rtype == 1 and rdlen == 4:
        return str(ipaddress.IPv4Address(data))
    if rtype == 28 and rdlen == 16:
        return str(ipaddress.IPv6Address(data))
    if rtype in (2, 5, 12):
        return read_name(msg, off)[0]
    if rtype == 15 and rdlen >= 3:
        return f"{struct.unpack_from('!H', msg, off)[0]} {read_name(msg, off + 2)[0]}"
    if rtype == 33 and rdlen >= 7:
        prio, weight, port = struct.unpack_from("!HHH", msg, off)
        return f"{prio} {weight} {port} {read_name(msg, off + 6)[0]}"
    if rtype == 16:
        parts, pos = [], 0
        while pos < rdlen:
            size = data[pos]
            parts.append('"' + data[pos + 1 : pos + 1 + size].decode("utf-8", "backslashreplace") + '"')
            pos += 1 + size
        return " ".join(parts)
    return f"{type_name(rtype)} ({rdlen} bytes)"


@dataclass(slots=True)
class DnsEntry:
    """One query and what became of it; ``rcode`` is None while unanswered."""

    query: str
    type: str
    server: str
    client: str
    id: int
    sent: float | None
    """Time the (first) query was seen; None when only the answer was captured."""
    rcode: str | None = None
    answers: tuple[str, ...] = ()
    answered: float | None = None
    retries: int = 0
    truncated: bool = False
    addresses: tuple[str, ...] = field(default=())

    @property
    def latency_ms(self) -> float | None:
        """Milliseconds from the first query to its answer, when both were captured."""
        if self.sent is None or self.answered is None:
            return None
        return round(max(0.0, self.answered - self.sent) * 1000, 3)


class DnsTracker:
    """Pairs captured queries with their answers (bounded)."""

    def __init__(self, *, max_entries: int = 20_000) -> None:
        self.entries: list[DnsEntry] = []
        self.max_entries = max_entries
        self.malformed = 0
        self.dropped = 0
        self._pending: dict[tuple[str, int, int], DnsEntry] = {}

    def add(self, msg: DnsMessage, src: str, sport: int, dst: str, dport: int, ts: float) -> DnsEntry | None:
        """Account one message sent from ``src:sport`` to ``dst:dport``; returns its entry."""
        if not msg.response:
            key = (src, sport, msg.id)
            entry = self._pending.get(key)
            if entry is not None and entry.rcode is None and _same(entry.query, msg.name):
                entry.retries += 1
                return entry
            entry = DnsEntry(msg.name, msg.qtype, dst, src, msg.id, ts)
            return self._keep(key, entry)
        key = (dst, dport, msg.id)
        entry = self._pending.get(key)
        if entry is not None and entry.rcode is not None and _same(entry.query, msg.name):
            return entry  # the same answer again (a duplicate on the wire)
        if entry is None or not _same(entry.query, msg.name):
            entry = self._keep(key, DnsEntry(msg.name, msg.qtype, src, dst, msg.id, None))
            if entry is None:
                return None
        entry.rcode = msg.rcode
        entry.answers = msg.answers
        entry.addresses = msg.addresses
        entry.answered = ts
        entry.truncated = msg.truncated
        return entry

    def _keep(self, key: tuple[str, int, int], entry: DnsEntry) -> DnsEntry | None:
        if len(self.entries) >= self.max_entries:
            self.dropped += 1
            return None
        self.entries.append(entry)
        self._pending[key] = entry
        return entry


def _same(a: str, b: str) -> bool:
    """DNS names compare case-insensitively (resolvers may randomise case, RFC 4343)."""
    return a.lower() == b.lower()
