"""An incremental reader for pcap and pcapng streams, and a writer for classic pcap.

Fed bytes in chunks of any size (a file, or a live ``tcpdump -U -w -`` stream), it yields
complete records and keeps the incomplete tail for the next chunk. Bad input never raises
out of ``records``: it stops and sets ``error`` (a one-line reason naming the byte offset),
so everything decoded before the damage is kept.

Formats: classic pcap in both byte orders with micro- or nanosecond timestamps (and the
"modified" variant with 8 extra bytes per record), and pcapng (SHB, IDB, EPB, SPB, OPB; ISB
interface drop counters are read; other blocks are skipped).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

Record = tuple[float, int, bytes, int, int]
"""(timestamp, link type, captured bytes, original length, interface id)."""

# Link types (https://www.tcpdump.org/linktypes.html)
LINKTYPE_NULL = 0
LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
LINKTYPE_LOOP = 108
LINKTYPE_LINUX_SLL = 113
LINKTYPE_IPV4 = 228
LINKTYPE_IPV6 = 229
LINKTYPE_LINUX_SLL2 = 276
LINKTYPE_NAMES = {
    LINKTYPE_NULL: "BSD loopback",
    LINKTYPE_ETHERNET: "Ethernet",
    LINKTYPE_RAW: "raw IP",
    12: "raw IP",
    14: "raw IP",
    LINKTYPE_LOOP: "OpenBSD loopback",
    LINKTYPE_LINUX_SLL: "Linux cooked (SLL)",
    LINKTYPE_IPV4: "raw IPv4",
    LINKTYPE_IPV6: "raw IPv6",
    LINKTYPE_LINUX_SLL2: "Linux cooked v2 (SLL2)",
}

MAX_RECORD = 256 * 1024 * 1024
"""No sane record is larger; a bigger length means the stream is not what it claims to be."""

_CLASSIC = {
    # magic as read little-endian -> (byte order, timestamp fraction scale, record header length)
    0xA1B2C3D4: ("<", 1e-6, 16),
    0xD4C3B2A1: (">", 1e-6, 16),
    0xA1B23C4D: ("<", 1e-9, 16),
    0x4D3CB2A1: (">", 1e-9, 16),
    0xA1B2CD34: ("<", 1e-6, 24),  # "modified" pcap: +ifindex, protocol, pkt_type, pad
    0x34CDB2A1: (">", 1e-6, 24),
}
_PCAPNG_SHB = 0x0A0D0D0A
_PCAPNG_BOM = 0x1A2B3C4D
_HINTS = (
    (b"\x1f\x8b", "it is gzip-compressed; decompress it first"),
    (b"\x28\xb5\x2f\xfd", "it is zstd-compressed; decompress it first"),
    (b"BZh", "it is bzip2-compressed; decompress it first"),
)


class PcapError(ValueError):
    """The stream is not pcap/pcapng, or is damaged at ``offset``."""

    def __init__(self, message: str, offset: int = 0) -> None:
        super().__init__(message)
        self.offset = offset


def pcap_header(linktype: int, snaplen: int = 262144, *, nano: bool = False) -> bytes:
    """The 24-byte global header of a little-endian classic pcap file."""
    magic = 0xA1B23C4D if nano else 0xA1B2C3D4
    return struct.pack("<IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)


def pcap_record(ts: float, data: bytes, orig_len: int | None = None, *, nano: bool = False) -> bytes:
    """One record (16-byte header + data) for a file started by ``pcap_header``."""
    sec = int(ts)
    frac = round((ts - sec) * (1e9 if nano else 1e6))
    if frac >= (1_000_000_000 if nano else 1_000_000):
        sec, frac = sec + 1, 0
    orig = len(data) if orig_len is None else max(orig_len, len(data))
    return struct.pack("<IIII", sec, frac, len(data), orig) + data


def describe_garbage(head: bytes) -> str:
    """Why ``head`` (the first bytes of a stream) is not a capture, for the error message."""
    for magic, hint in _HINTS:
        if head.startswith(magic):
            return hint
    shown = head[:8]
    text = "".join(chr(b) if 32 <= b < 127 else "." for b in shown)
    if shown and all(32 <= b < 127 or b in (9, 10, 13) for b in shown):
        return f"it starts with text {text!r} (was tcpdump run without -w -?)"
    return f"it starts with bytes {shown.hex(' ')}"


class PcapReader:
    """Turns a byte stream into records; feed chunks, then iterate ``records()``."""

    def __init__(self) -> None:
        self._buf = b""
        self._off = 0
        self._consumed = 0  # bytes of the stream before self._buf
        self.format = ""  # "pcap" | "pcapng" once known
        self.error: PcapError | None = None
        self.records_read = 0
        self.record_start = 0
        """Stream offset where the last record handed out began."""
        self.bytes_fed = 0
        self.linktype: int | None = None
        self.snaplen = 0
        self.interface_drops: dict[int, int] = {}
        """pcapng: interface id -> packets dropped by the capturing kernel (ISB isb_ifdrop)."""
        self._classic: tuple[str, float, int] | None = None
        self._ng_order = "<"
        self._ng_ifaces: list[tuple[int, float, float, int]] = []  # (linktype, unit, offset, snaplen)

    @property
    def offset(self) -> int:
        """Stream offset of the first byte not yet consumed."""
        return self._consumed + self._off

    @property
    def pending(self) -> int:
        """Bytes received but not yet forming a complete record."""
        return len(self._buf) - self._off

    def feed(self, data: bytes) -> None:
        """Append stream bytes (call ``records()`` afterwards)."""
        if not data or self.error is not None:
            return
        self.bytes_fed += len(data)
        if self._off:
            self._consumed += self._off
            self._buf = self._buf[self._off :]
            self._off = 0
        self._buf = self._buf + data if self._buf else bytes(data)

    def finish(self) -> PcapError | None:
        """Declare the end of the stream; an incomplete tail becomes ``error`` (and is returned)."""
        if self.error is None:
            left = self.pending
            if not self.format and left == 0 and self.bytes_fed == 0:
                self.error = PcapError("empty input: no pcap header", 0)
            elif not self.format and left:
                self.error = PcapError(f"input ends after {left} bytes, before a complete pcap header", 0)
            elif left:
                self.error = PcapError(
                    f"truncated: the stream ends {left} bytes into record {self.records_read + 1} "
                    f"(byte offset {self.offset}); the records before it were read",
                    self.offset,
                )
        return self.error

    def records(self, limit: int = -1) -> Iterator[Record]:
        """Complete records buffered so far (at most ``limit`` when it is not negative)."""
        if self.error is not None:
            return
        if not self.format and not self._read_header():
            return
        if self._classic is not None:
            yield from self._classic_records(limit)
        else:
            yield from self._ng_records(limit)

    # -- format detection
    def _read_header(self) -> bool:
        buf, off = self._buf, self._off
        if len(buf) - off < 4:
            return False
        (magic,) = struct.unpack_from("<I", buf, off)
        if magic in _CLASSIC:
            if len(buf) - off < 24:
                return False
            order, scale, rec_len = _CLASSIC[magic]
            snaplen, network = struct.unpack_from(order + "II", buf, off + 16)
            self._classic = (order, scale, rec_len)
            # The link type is the low 16 bits; the high bits carry FCS information.
            self.linktype = network & 0xFFFF
            self.snaplen = snaplen
            self.format = "pcap"
            self._off = off + 24
            return True
        if magic == _PCAPNG_SHB:
            self.format = "pcapng"
            return True
        self.error = PcapError(f"not a pcap or pcapng stream: {describe_garbage(buf[off : off + 8])}", 0)
        return False

    # -- classic pcap
    def _classic_records(self, limit: int) -> Iterator[Record]:
        assert self._classic is not None
        order, scale, rec_len = self._classic
        unpack = struct.Struct(order + "IIII").unpack_from
        buf, off, n = self._buf, self._off, len(self._buf)
        linktype = self.linktype or 0
        max_len = max(self.snaplen, 262144)
        count = 0
        while off + rec_len <= n and count != limit:
            sec, frac, incl, orig = unpack(buf, off)
            start = off + rec_len
            end = start + incl
            if incl > max_len:
                self.error = PcapError(
                    f"record {self.records_read + 1} at byte offset {self._consumed + off} claims "
                    f"{incl} captured bytes (snapshot length {self.snaplen}): the stream is damaged",
                    self._consumed + off,
                )
                self._off = off
                return
            if end > n:
                break
            self.record_start = self._consumed + off
            off = end
            self._off = off
            self.records_read += 1
            count += 1
            yield sec + frac * scale, linktype, buf[start:end], orig, 0
        self._off = off

    # -- pcapng
    def _ng_records(self, limit: int) -> Iterator[Record]:
        buf, n = self._buf, len(self._buf)
        count = 0
        while self._off + 12 <= n and count != limit:
            off = self._off
            order = self._ng_order
            btype, blen = struct.unpack_from(order + "II", buf, off)
            if btype == _PCAPNG_SHB:
                (bom,) = struct.unpack_from("<I", buf, off + 8)
                if bom == _PCAPNG_BOM:
                    order = "<"
                elif bom == 0x4D3C2B1A:
                    order = ">"
                else:
                    self._fail(f"pcapng section header at byte offset {self.offset} has a bad byte-order mark")
                    return
                self._ng_order = order
                (blen,) = struct.unpack_from(order + "I", buf, off + 4)
            if blen < 12 or blen % 4 or blen > MAX_RECORD:
                self._fail(f"pcapng block at byte offset {self.offset} has an impossible length {blen}")
                return
            if off + blen > n:
                return
            (trailer,) = struct.unpack_from(order + "I", buf, off + blen - 4)
            if trailer != blen:
                self._fail(
                    f"pcapng block at byte offset {self.offset} is damaged (lengths {blen} and {trailer} differ)"
                )
                return
            record = self._ng_block(btype, buf, off, blen, order)
            if self.error is not None:
                return
            self._off = off + blen
            if record is not None:
                self.record_start = self._consumed + off
                self.records_read += 1
                count += 1
                yield record

    def _ng_block(self, btype: int, buf: bytes, off: int, blen: int, order: str) -> Record | None:
        if btype == _PCAPNG_SHB:
            self._ng_ifaces = []
        elif btype == 1:  # Interface Description Block
            linktype, _, snaplen = struct.unpack_from(order + "HHI", buf, off + 8)
            unit, tz = 1e-6, 0.0
            for code, value in _ng_options(buf, off + 16, off + blen - 4, order):
                if code == 9 and value:  # if_tsresol: 10^-n, or 2^-n with the high bit set
                    unit = 2.0 ** -(value[0] & 0x7F) if value[0] & 0x80 else 10.0 ** -value[0]
                elif code == 14 and len(value) == 8:  # if_tsoffset, seconds
                    tz = float(struct.unpack(order + "q", value)[0])
            self._ng_ifaces.append((linktype, unit, tz, snaplen))
            if self.linktype is None:
                self.linktype, self.snaplen = linktype, snaplen
        elif btype in (6, 2):  # Enhanced Packet Block / obsolete Packet Block
            if btype == 6:
                if_id, hi, lo, caplen, orig = struct.unpack_from(order + "IIIII", buf, off + 8)
            else:
                if_id, _, hi, lo, caplen, orig = struct.unpack_from(order + "HHIIII", buf, off + 8)
            return self._ng_packet(if_id, hi, lo, buf, off + 28, caplen, orig, off + blen - 4)
        elif btype == 3:  # Simple Packet Block: interface 0, no timestamp
            (orig,) = struct.unpack_from(order + "I", buf, off + 8)
            caplen = min(orig, blen - 16)
            if self._ng_ifaces and self._ng_ifaces[0][3]:
                caplen = min(caplen, self._ng_ifaces[0][3])
            return self._ng_packet(0, 0, 0, buf, off + 12, caplen, orig, off + blen - 4)
        elif btype == 5:  # Interface Statistics Block
            (if_id,) = struct.unpack_from(order + "I", buf, off + 8)
            for code, value in _ng_options(buf, off + 20, off + blen - 4, order):
                if code == 5 and len(value) == 8:  # isb_ifdrop
                    self.interface_drops[if_id] = struct.unpack(order + "Q", value)[0]
        return None

    def _ng_packet(
        self, if_id: int, hi: int, lo: int, buf: bytes, start: int, caplen: int, orig: int, limit: int
    ) -> Record | None:
        if if_id >= len(self._ng_ifaces):
            self._fail(f"pcapng packet at byte offset {self.offset} names interface {if_id}, which was never described")
            return None
        if start + caplen > limit:
            self._fail(f"pcapng packet at byte offset {self.offset} claims more data than its block holds")
            return None
        linktype, unit, tz, _ = self._ng_ifaces[if_id]
        return ((hi << 32) | lo) * unit + tz, linktype, buf[start : start + caplen], orig, if_id

    def _fail(self, message: str) -> None:
        self.error = PcapError(message, self.offset)


def _ng_options(buf: bytes, off: int, end: int, order: str) -> Iterator[tuple[int, bytes]]:
    """(code, value) of the options between ``off`` and ``end``; stops at opt_endofopt."""
    while off + 4 <= end:
        code, length = struct.unpack_from(order + "HH", buf, off)
        if code == 0 or off + 4 + length > end:
            return
        yield code, buf[off + 4 : off + 4 + length]
        off += 4 + ((length + 3) & ~3)
