"""Ports and port sets: numbers, inclusive ranges and names, per protocol.

NetworkPolicy ports may be numbers, ``endPort`` ranges or *names*; a name only means
something against a concrete destination pod's container ports, so it is resolved
per pod (``resolve_named``) before it becomes part of a numeric ``PortSet``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

PROTOCOLS = ("TCP", "UDP", "SCTP")
MIN_PORT, MAX_PORT = 1, 65535

PortRef = int | str
"""A port as written in an object: a number or an IANA_SVC_NAME."""


class PortParseError(ValueError):
    """A port or port range that does not parse."""


def normalise_protocol(value: object) -> str:
    """Upper-case protocol name, defaulting to TCP as the API server does."""
    if value is None or value == "":
        return "TCP"
    proto = str(value).upper()
    if proto not in PROTOCOLS:
        raise PortParseError(f"unknown protocol {value!r} (expected TCP, UDP or SCTP)")
    return proto


def parse_port_ref(value: object) -> PortRef:
    """An ``IntOrString`` port: digit strings become numbers, names stay names."""
    if isinstance(value, bool):
        raise PortParseError(f"not a port: {value!r}")
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if text.isdigit():
        return int(text)
    if not text:
        raise PortParseError("empty port")
    return text


@dataclass(frozen=True, slots=True)
class PortRange:
    """An inclusive range of port numbers on one protocol."""

    protocol: str
    start: int
    end: int

    def __contains__(self, port: object) -> bool:
        return isinstance(port, int) and self.start <= port <= self.end

    def __str__(self) -> str:
        span = str(self.start) if self.start == self.end else f"{self.start}-{self.end}"
        return f"{span}/{self.protocol}"


def parse_port_spec(text: str) -> tuple[int | str | None, str]:
    """Parse a CLI port like ``443``, ``443/tcp``, ``dns/udp`` or ``udp``.

    Returns (port or name or None, protocol).
    """
    port_part, _, proto_part = text.partition("/")
    if not proto_part and port_part.upper() in PROTOCOLS:
        return None, port_part.upper()
    proto = normalise_protocol(proto_part or None)
    ref = parse_port_ref(port_part)
    if isinstance(ref, int) and not MIN_PORT <= ref <= MAX_PORT:
        raise PortParseError(f"port {ref} out of range 1-65535")
    return ref, proto


def _merge(ranges: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    out: list[list[int]] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return tuple((lo, hi) for lo, hi in out)


@dataclass(frozen=True, slots=True)
class PortSet:
    """Numeric ports per protocol, as merged inclusive ranges.

    ``PortSet.all()`` is every port of every protocol; named ports never appear here:
    resolve them against the destination pod first.
    """

    by_protocol: Mapping[str, tuple[tuple[int, int], ...]] = field(default_factory=dict)

    @classmethod
    def all(cls) -> PortSet:
        """Every port on TCP, UDP and SCTP."""
        return cls(dict.fromkeys(PROTOCOLS, ((MIN_PORT, MAX_PORT),)))

    @classmethod
    def of(cls, ranges: Iterable[PortRange]) -> PortSet:
        """Build from ranges (merging overlaps)."""
        acc: dict[str, list[tuple[int, int]]] = {}
        for r in ranges:
            acc.setdefault(r.protocol, []).append((r.start, r.end))
        return cls({p: _merge(v) for p, v in acc.items() if v})

    def contains(self, port: int, protocol: str) -> bool:
        """True when ``port``/``protocol`` is in the set."""
        return any(lo <= port <= hi for lo, hi in self.by_protocol.get(protocol, ()))

    def is_all(self) -> bool:
        """True for every port of every protocol."""
        return all(self.by_protocol.get(p) == ((MIN_PORT, MAX_PORT),) for p in PROTOCOLS)

    def __bool__(self) -> bool:
        return any(self.by_protocol.values())

    def __or__(self, other: PortSet) -> PortSet:
        keys = set(self.by_protocol) | set(other.by_protocol)
        return PortSet({p: _merge(self.by_protocol.get(p, ()) + other.by_protocol.get(p, ())) for p in sorted(keys)})

    def __and__(self, other: PortSet) -> PortSet:
        out: dict[str, tuple[tuple[int, int], ...]] = {}
        for p in set(self.by_protocol) & set(other.by_protocol):
            acc = [
                (max(a, c), min(b, d))
                for a, b in self.by_protocol[p]
                for c, d in other.by_protocol[p]
                if max(a, c) <= min(b, d)
            ]
            if acc:
                out[p] = _merge(acc)
        return PortSet(out)

    def ranges(self) -> list[PortRange]:
        """The set as sorted ranges."""
        return [PortRange(p, lo, hi) for p in sorted(self.by_protocol) for lo, hi in self.by_protocol[p]]

    def describe(self) -> dict[str, list[int | str]]:
        """JSON shape of the matrix contract: ``{"TCP": [80, "8000-9000"]}``."""
        return {
            p: [lo if lo == hi else f"{lo}-{hi}" for lo, hi in self.by_protocol[p]]
            for p in sorted(self.by_protocol)
            if self.by_protocol[p]
        }

    def __str__(self) -> str:
        if self.is_all():
            return "all ports"
        return ", ".join(str(r) for r in self.ranges()) or "<none>"


def resolve_named(name: str, protocol: str, named_ports: Mapping[tuple[str, str], int]) -> int | None:
    """Resolve a named port against one pod's ``(name, protocol) -> containerPort`` map."""
    return named_ports.get((name, protocol))
