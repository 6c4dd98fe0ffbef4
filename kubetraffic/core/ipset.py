"""Sets of IP addresses (v4 and v6) as sorted, disjoint, inclusive intervals.

NetworkPolicy ``ipBlock`` is a CIDR minus ``except`` CIDRs; the matrix needs unions,
intersections and differences of such blocks and a minimal CIDR or range rendering.
Intervals make all of that exact and cheap.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

_V4_MAX = (1 << 32) - 1
_V6_MAX = (1 << 128) - 1

Interval = tuple[int, int]


class IPParseError(ValueError):
    """An address or CIDR that does not parse."""


def parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """Parse one address; IPv4-mapped IPv6 addresses are folded to IPv4."""
    try:
        addr = ipaddress.ip_address(text.strip())
    except ValueError:
        raise IPParseError(f"not an IP address: {text!r}") from None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    return addr


def parse_cidr(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """Parse a CIDR; host bits set are tolerated (the API server normalises them)."""
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        raise IPParseError(f"not a CIDR: {text!r}") from None


def is_ip(text: str) -> bool:
    """True when ``text`` is a literal IPv4 or IPv6 address."""
    try:
        parse_ip(text)
    except IPParseError:
        return False
    return True


def _normalise(intervals: Iterable[Interval]) -> tuple[Interval, ...]:
    out: list[list[int]] = []
    for lo, hi in sorted(intervals):
        if lo > hi:
            continue
        if out and lo <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return tuple((lo, hi) for lo, hi in out)


def _intersect(a: tuple[Interval, ...], b: tuple[Interval, ...]) -> tuple[Interval, ...]:
    out: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo = max(a[i][0], b[j][0])
        hi = min(a[i][1], b[j][1])
        if lo <= hi:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return tuple(out)


def _subtract(a: tuple[Interval, ...], b: tuple[Interval, ...]) -> tuple[Interval, ...]:
    out: list[Interval] = []
    j = 0
    for lo, hi in a:
        cur = lo
        while j < len(b) and b[j][1] < cur:
            j += 1
        k = j
        while k < len(b) and b[k][0] <= hi:
            if b[k][0] > cur:
                out.append((cur, b[k][0] - 1))
            cur = max(cur, b[k][1] + 1)
            k += 1
        if cur <= hi:
            out.append((cur, hi))
    return tuple(out)


def _to_cidrs(lo: int, hi: int, bits: int) -> Iterator[tuple[int, int]]:
    """Minimal list of (network, prefixlen) covering [lo, hi]."""
    while lo <= hi:
        size = (lo & -lo).bit_length() - 1 if lo else bits
        while size > 0 and lo + (1 << size) - 1 > hi:
            size -= 1
        yield lo, bits - size
        lo += 1 << size


@dataclass(frozen=True, slots=True)
class IPSet:
    """An exact set of IPv4 and IPv6 addresses."""

    v4: tuple[Interval, ...] = ()
    v6: tuple[Interval, ...] = ()

    # -- construction -----------------------------------------------------------------
    @classmethod
    def empty(cls) -> IPSet:
        """The set with no address."""
        return cls()

    @classmethod
    def everything(cls) -> IPSet:
        """Every IPv4 and IPv6 address."""
        return cls(((0, _V4_MAX),), ((0, _V6_MAX),))

    @classmethod
    def from_cidr(cls, cidr: str) -> IPSet:
        """All addresses of one CIDR (a bare address is a /32 or /128)."""
        net = parse_cidr(cidr)
        lo = int(net.network_address)
        hi = int(net.broadcast_address)
        if net.version == 4:
            return cls(v4=((lo, hi),))
        return cls(v6=((lo, hi),))

    @classmethod
    def from_ip(cls, ip: str) -> IPSet:
        """One address."""
        addr = parse_ip(ip)
        val = int(addr)
        return cls(v4=((val, val),)) if addr.version == 4 else cls(v6=((val, val),))

    @classmethod
    def from_block(cls, cidr: str, excepts: Iterable[str] = ()) -> IPSet:
        """A NetworkPolicy ``ipBlock``: ``cidr`` minus every ``except`` entry."""
        base = cls.from_cidr(cidr)
        for ex in excepts:
            base = base - cls.from_cidr(ex)
        return base

    @classmethod
    def from_cidrs(cls, cidrs: Iterable[str]) -> IPSet:
        """Union of several CIDRs."""
        out = cls()
        for c in cidrs:
            out = out | cls.from_cidr(c)
        return out

    # -- queries ----------------------------------------------------------------------
    def __contains__(self, ip: object) -> bool:
        if not isinstance(ip, str):
            return False
        addr = parse_ip(ip)
        val = int(addr)
        intervals = self.v4 if addr.version == 4 else self.v6
        lo_i, hi_i = 0, len(intervals)
        while lo_i < hi_i:
            mid = (lo_i + hi_i) // 2
            lo, hi = intervals[mid]
            if val < lo:
                hi_i = mid
            elif val > hi:
                lo_i = mid + 1
            else:
                return True
        return False

    def __bool__(self) -> bool:
        return bool(self.v4 or self.v6)

    def is_everything(self) -> bool:
        """True for 0.0.0.0/0 plus ::/0."""
        return self.v4 == ((0, _V4_MAX),) and self.v6 == ((0, _V6_MAX),)

    def size(self) -> int:
        """Number of addresses (handy for "smallest fix" comparisons)."""
        return sum(hi - lo + 1 for lo, hi in self.v4) + sum(hi - lo + 1 for lo, hi in self.v6)

    def issubset(self, other: IPSet) -> bool:
        """True when every address here is in ``other``."""
        return not (self - other)

    # -- algebra ----------------------------------------------------------------------
    def __or__(self, other: IPSet) -> IPSet:
        return IPSet(_normalise(self.v4 + other.v4), _normalise(self.v6 + other.v6))

    def __and__(self, other: IPSet) -> IPSet:
        return IPSet(_intersect(self.v4, other.v4), _intersect(self.v6, other.v6))

    def __sub__(self, other: IPSet) -> IPSet:
        return IPSet(_subtract(self.v4, other.v4), _subtract(self.v6, other.v6))

    # -- rendering --------------------------------------------------------------------
    def cidrs(self) -> list[str]:
        """Minimal list of CIDRs whose union is exactly this set."""
        out: list[str] = []
        for lo, hi in self.v4:
            out += [f"{ipaddress.IPv4Address(n)}/{p}" for n, p in _to_cidrs(lo, hi, 32)]
        for lo, hi in self.v6:
            out += [f"{ipaddress.IPv6Address(n)}/{p}" for n, p in _to_cidrs(lo, hi, 128)]
        return out

    def ranges(self) -> list[str]:
        """One item per interval: a CIDR when the interval is one, else ``a-b``."""
        out: list[str] = []
        for family, intervals in ((4, self.v4), (6, self.v6)):
            cls_ = ipaddress.IPv4Address if family == 4 else ipaddress.IPv6Address
            bits = 32 if family == 4 else 128
            for lo, hi in intervals:
                cidrs = list(_to_cidrs(lo, hi, bits))
                if len(cidrs) == 1:
                    out.append(f"{cls_(cidrs[0][0])}/{cidrs[0][1]}")
                else:
                    out.append(f"{cls_(lo)}-{cls_(hi)}")
        return out

    def __str__(self) -> str:
        return ", ".join(self.cidrs()) or "<none>"
