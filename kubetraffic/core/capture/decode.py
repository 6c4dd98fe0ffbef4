"""Fast header decoding: link layer -> IPv4/IPv6 -> TCP/UDP/ICMP/ICMPv6, with ``struct`` only.

This is the hot path of the flow summary (about a microsecond per packet): it reads just the
fields flows need and never dissects payloads. ICMP errors carry the quoted packet's 5-tuple so
the error can be charged to the flow it reports on. Anything that is not IP (ARP, LLDP, ...)
decodes to None and is only counted.
"""

from __future__ import annotations

import ipaddress
import struct

from kubetraffic.core.capture.pcap import (
    LINKTYPE_ETHERNET,
    LINKTYPE_IPV4,
    LINKTYPE_IPV6,
    LINKTYPE_LINUX_SLL,
    LINKTYPE_LINUX_SLL2,
    LINKTYPE_LOOP,
    LINKTYPE_NULL,
    LINKTYPE_RAW,
)

TCP, UDP, ICMP, ICMPV6 = 6, 17, 1, 58
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10

PACKET_OUTGOING = 4
"""Linux packet type of a frame the host sent (SLL/SLL2 ``pkttype``)."""

Key = tuple[int, bytes, int, bytes, int]
"""(IP protocol, source address, source port, destination address, destination port)."""

_ETH_IPV4, _ETH_IPV6 = 0x0800, 0x86DD
_VLAN = (0x8100, 0x88A8, 0x9100)
_V6_EXTENSIONS = (0, 43, 60, 51, 135, 139, 140)  # hop-by-hop, routing, dest opts, AH, mobility, HIP, shim6
_V6_FRAGMENT = 44
# ICMP types that quote the packet they report on (RFC 792 / RFC 4443)
ICMP4_ERRORS = frozenset((3, 4, 5, 11, 12))
ICMP6_ERRORS = frozenset((1, 2, 3, 4))
ICMP4_ECHO = {8: True, 0: False}  # type -> is a request
ICMP6_ECHO = {128: True, 129: False}
_NULL_FAMILIES = {2: 4, 24: 6, 28: 6, 30: 6}  # AF_INET, and AF_INET6 of the BSDs / macOS

_H = struct.Struct("!H").unpack_from
_HH = struct.Struct("!HH").unpack_from
_I = struct.Struct("!I").unpack_from
_IPV4 = struct.Struct("!BxHxxHxBxx4s4s").unpack_from  # version/IHL, length, fragment, protocol, src, dst
_TCP = struct.Struct("!HHIxxxxBB").unpack_from  # ports, sequence number, data offset, flags
_SLL2 = struct.Struct("!HxxIxxB").unpack_from  # protocol, ifindex, packet type


class Packet:
    """The decoded headers of one IP packet (addresses are packed bytes)."""

    __slots__ = (
        "dport",
        "dst",
        "flags",
        "icmp_code",
        "icmp_type",
        "iface",
        "ip_len",
        "payload_len",
        "payload_off",
        "proto",
        "quoted",
        "seq",
        "sport",
        "src",
        "version",
    )

    def __init__(self, version: int, proto: int, src: bytes, dst: bytes, ip_len: int, iface: int) -> None:
        self.version = version
        self.proto = proto
        self.src = src
        self.dst = dst
        self.ip_len = ip_len
        self.iface = iface
        self.sport = 0
        self.dport = 0
        self.flags = 0
        self.seq = 0
        self.payload_off = 0
        self.payload_len = 0
        self.icmp_type = -1
        self.icmp_code = -1
        self.quoted: Key | None = None

    @property
    def key(self) -> Key:
        """The flow key of this packet, in the direction it travelled."""
        return (self.proto, self.src, self.sport, self.dst, self.dport)


def network_offset(linktype: int, data: bytes) -> tuple[int, int, int]:
    """(offset of the IP header, IP version or 0, interface key) for one link-layer frame.

    The interface key tells copies of one packet apart when a capture sees it on several
    interfaces (``tcpdump -i any``): SLL2 carries the interface index and packet direction.
    """
    n = len(data)
    if linktype == LINKTYPE_LINUX_SLL2:
        if n < 20:
            return 0, 0, 0
        proto, ifindex, pkttype = _SLL2(data, 0)
        return 20, _ether_version(proto), (ifindex << 8) | pkttype
    if linktype == LINKTYPE_ETHERNET:
        if n < 14:
            return 0, 0, 0
        off = 12
        (proto,) = _H(data, off)
        while proto in _VLAN and off + 6 <= n:
            off += 4
            (proto,) = _H(data, off)
        return off + 2, _ether_version(proto), 0
    if linktype == LINKTYPE_LINUX_SLL:
        if n < 16:
            return 0, 0, 0
        (pkttype,) = _H(data, 0)
        (proto,) = _H(data, 14)
        return 16, _ether_version(proto), pkttype
    if linktype in (LINKTYPE_RAW, 12, 14, LINKTYPE_IPV4, LINKTYPE_IPV6):
        return 0, (data[0] >> 4 if n else 0), 0
    if linktype in (LINKTYPE_NULL, LINKTYPE_LOOP):
        if n < 4:
            return 0, 0, 0
        family = data[0] if data[0] else data[3]  # host byte order for NULL, network order for LOOP
        return 4, _NULL_FAMILIES.get(family, 0), 0
    return 0, 0, 0


def _ether_version(ethertype: int) -> int:
    return 4 if ethertype == _ETH_IPV4 else 6 if ethertype == _ETH_IPV6 else 0


def decode(linktype: int, data: bytes) -> Packet | None:
    """The IP/transport headers of one captured frame, or None when it is not IP or too short."""
    # Fast path: untagged Ethernet carrying IPv4, the most common frame by far.
    if linktype == LINKTYPE_ETHERNET and data[12:14] == b"\x08\x00":
        return decode_ipv4(data, 14, 0)
    off, version, iface = network_offset(linktype, data)
    if version == 4:
        return decode_ipv4(data, off, iface)
    if version == 6:
        return decode_ipv6(data, off, iface)
    return None


def decode_ipv4(data: bytes, off: int, iface: int) -> Packet | None:
    """An IPv4 packet starting at ``off``."""
    if len(data) < off + 20:
        return None
    vihl, total, frag, proto, src, dst = _IPV4(data, off)
    if vihl >> 4 != 4:
        return None
    ihl = (vihl & 0x0F) * 4
    pkt = Packet(4, proto, src, dst, total, iface)
    if frag & 0x1FFF:  # a non-first fragment has no transport header
        return pkt
    if total < ihl:  # 0 on some offloaded (TSO/BIG TCP) packets: trust the capture
        total = pkt.ip_len = len(data) - off
    l4 = off + ihl
    if proto == TCP and l4 + 14 <= min(len(data), off + total):  # the common case, inlined (see _transport)
        pkt.sport, pkt.dport, pkt.seq, hlen, pkt.flags = _TCP(data, l4)
        hlen = (hlen >> 4) * 4
        pkt.payload_off = l4 + hlen
        pkt.payload_len = max(0, total - ihl - hlen)
        return pkt
    _transport(pkt, data, l4, off + total)
    return pkt


def decode_ipv6(data: bytes, off: int, iface: int) -> Packet | None:
    """An IPv6 packet starting at ``off``; extension headers are skipped."""
    if len(data) < off + 40 or data[off] >> 4 != 6:
        return None
    (plen,) = _H(data, off + 4)
    nxt = data[off + 6]
    end = off + 40 + plen
    limit = min(len(data), end)
    pos = off + 40
    while nxt in _V6_EXTENSIONS or nxt == _V6_FRAGMENT:
        if pos + 8 > limit:
            break
        if nxt == _V6_FRAGMENT:
            (frag,) = _H(data, pos + 2)
            if frag & 0xFFF8:  # non-first fragment
                pkt = Packet(6, data[pos], data[off + 8 : off + 24], data[off + 24 : off + 40], plen + 40, iface)
                return pkt
            nxt, pos = data[pos], pos + 8
        elif nxt == 51:  # AH: length in 4-octet units minus 2
            nxt, pos = data[pos], pos + (data[pos + 1] + 2) * 4
        else:
            nxt, pos = data[pos], pos + (data[pos + 1] + 1) * 8
    pkt = Packet(6, nxt, data[off + 8 : off + 24], data[off + 24 : off + 40], plen + 40, iface)
    _transport(pkt, data, pos, end)
    return pkt


def _transport(pkt: Packet, data: bytes, off: int, end: int) -> None:
    """Fill ports/flags/ICMP fields from the transport header at ``off``.

    ``end`` is where the IP packet ends on the wire; the capture may hold less (snap length),
    so header reads are bounded by what was captured and ``payload_len`` is the wire length.
    """
    proto = pkt.proto
    have = min(end, len(data))
    if proto == TCP:
        if off + 14 <= have:
            # the initial sequence number (of SYNs) tells a new connection from a retransmit
            pkt.sport, pkt.dport, pkt.seq, hlen, pkt.flags = _TCP(data, off)
            hlen = (hlen >> 4) * 4
            pkt.payload_off = off + hlen
            pkt.payload_len = max(0, end - off - hlen)
    elif proto == UDP:
        if off + 8 <= have:
            pkt.sport, pkt.dport = _HH(data, off)
            pkt.payload_off = off + 8
            pkt.payload_len = max(0, end - off - 8)
    elif (proto in (ICMP, ICMPV6)) and off + 8 <= have:
        kind, code = data[off], data[off + 1]
        pkt.icmp_type, pkt.icmp_code = kind, code
        echo = (ICMP4_ECHO if proto == ICMP else ICMP6_ECHO).get(kind)
        if echo is not None:  # the echo identifier plays the part of a port
            (ident,) = _H(data, off + 4)
            if echo:
                pkt.sport = ident
            else:
                pkt.dport = ident
        elif kind in (ICMP4_ERRORS if proto == ICMP else ICMP6_ERRORS):
            pkt.quoted = quoted_key(data, off + 8, have)
        pkt.payload_off = off + 8
        pkt.payload_len = max(0, end - off - 8)


def quoted_key(data: bytes, off: int, end: int) -> Key | None:
    """The 5-tuple of the packet an ICMP error quotes (its IP header + first 8 bytes)."""
    if off >= end:
        return None
    version = data[off] >> 4
    if version == 4 and off + 20 <= end:
        proto = data[off + 9]
        src, dst = data[off + 12 : off + 16], data[off + 16 : off + 20]
        l4 = off + (data[off] & 0x0F) * 4
    elif version == 6 and off + 40 <= end:
        proto = data[off + 6]
        src, dst = data[off + 8 : off + 24], data[off + 24 : off + 40]
        l4 = off + 40
    else:
        return None
    sport = dport = 0
    if proto in (TCP, UDP) and l4 + 4 <= end:
        sport, dport = _HH(data, l4)
    elif proto in (ICMP, ICMPV6) and l4 + 8 <= end:
        echo = (ICMP4_ECHO if proto == ICMP else ICMP6_ECHO).get(data[l4])
        if echo:
            (sport,) = _H(data, l4 + 4)
    return (proto, src, sport, dst, dport)


_IP_TEXT: dict[bytes, str] = {}


def ip_text(packed: bytes) -> str:
    """Presentation form of a packed IPv4/IPv6 address (memoised: captures repeat addresses)."""
    text = _IP_TEXT.get(packed)
    if text is None:
        if len(packed) == 4:
            text = f"{packed[0]}.{packed[1]}.{packed[2]}.{packed[3]}"
        else:
            text = str(ipaddress.IPv6Address(packed))
        if len(_IP_TEXT) > 100_000:
            _IP_TEXT.clear()
        _IP_TEXT[packed] = text
    return text


def endpoint_text(packed: bytes, port: int) -> str:
    """``ip:port``, with IPv6 addresses in brackets (``[fd00::1]:80``)."""
    ip = ip_text(packed)
    return f"[{ip}]:{port}" if len(packed) == 16 else f"{ip}:{port}"
