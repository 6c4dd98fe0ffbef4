"""Hand-made packets for the core capture tests (scapy builds them; core never sees scapy).

``Wire`` collects frames with timestamps and renders them as a pcap stream of any link type.
"""

from __future__ import annotations

from collections.abc import Iterable

from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.inet6 import ICMPv6DestUnreach, ICMPv6EchoReply, ICMPv6EchoRequest, IPv6
from scapy.layers.l2 import CookedLinux, CookedLinuxV2, Ether
from scapy.packet import Packet, Raw

from kubetraffic.core.capture import CaptureLimits, CaptureSummary, Summariser
from kubetraffic.core.capture.pcap import pcap_header, pcap_record

CLIENT, SERVER = "10.244.1.7", "10.244.2.20"
CLIENT6, SERVER6 = "fd00::7", "fd00::20"


def ip(src: str, dst: str) -> Packet:
    """IPv4 or IPv6 by the address."""
    return IPv6(src=src, dst=dst) if ":" in src else IP(src=src, dst=dst)


def tcp(
    src: str, dst: str, sport: int, dport: int, flags: str, *, seq: int = 1000, ack: int = 0, data: bytes = b""
) -> Packet:
    """An IP/TCP segment."""
    pkt = ip(src, dst) / TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack)
    return pkt / Raw(data) if data else pkt


def udp(src: str, dst: str, sport: int, dport: int, data: bytes = b"x") -> Packet:
    """An IP/UDP datagram."""
    return ip(src, dst) / UDP(sport=sport, dport=dport) / Raw(data)


def unreachable(reporter: str, quoted: Packet, code: int = 3) -> Packet:
    """An ICMP(v6) destination-unreachable error quoting ``quoted`` (default: port unreachable)."""
    if IPv6 in quoted:
        v6code = {3: 4, 13: 1, 1: 3}.get(code, code)  # port, prohibited, address
        return IPv6(src=reporter, dst=quoted[IPv6].src) / ICMPv6DestUnreach(code=v6code) / bytes(quoted)[:1232]
    return IP(src=reporter, dst=quoted[IP].src) / ICMP(type=3, code=code) / bytes(quoted)[:28]


def echo(src: str, dst: str, ident: int, *, reply: bool = False) -> Packet:
    """An ICMP or ICMPv6 echo request (or reply)."""
    if ":" in src:
        return IPv6(src=src, dst=dst) / (ICMPv6EchoReply(id=ident) if reply else ICMPv6EchoRequest(id=ident))
    return IP(src=src, dst=dst) / ICMP(type=0 if reply else 8, id=ident)


class Wire:
    """Frames in capture order; ``at`` sets the next timestamp, else 1 ms steps."""

    def __init__(self, t0: float = 1_700_000_000.0) -> None:
        self.frames: list[tuple[float, Packet, int, int]] = []
        self.now = t0

    def add(self, pkt: Packet, *, at: float | None = None, ifindex: int = 2, pkttype: int = 0) -> Wire:
        """Append one IP packet (``ifindex``/``pkttype`` matter for the cooked link types)."""
        self.now = at if at is not None else self.now + 0.001
        self.frames.append((self.now, pkt, ifindex, pkttype))
        return self

    def extend(self, pkts: Iterable[Packet]) -> Wire:
        """Append several packets, 1 ms apart."""
        for pkt in pkts:
            self.add(pkt)
        return self

    def pcap(self, linktype: int = 1, *, snaplen: int = 262144) -> bytes:
        """The frames as a classic pcap stream of ``linktype`` (1, 101, 113 or 276)."""
        out = [pcap_header(linktype, snaplen)]
        for ts, pkt, ifindex, pkttype in self.frames:
            data = frame(pkt, linktype, ifindex, pkttype)
            out.append(pcap_record(ts, data[:snaplen], len(data)))
        return b"".join(out)

    def summary(self, linktype: int = 1, limits: CaptureLimits | None = None, **kwargs: object) -> CaptureSummary:
        """Run the summariser over the stream."""
        s = Summariser("test", limits, **kwargs)  # type: ignore[arg-type]
        s.feed(self.pcap(linktype))
        return s.finish()


def frame(pkt: Packet, linktype: int, ifindex: int = 2, pkttype: int = 0) -> bytes:
    """One IP packet wrapped in a link layer."""
    proto = 0x86DD if IPv6 in pkt else 0x0800
    if linktype == 1:
        return bytes(Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02", type=proto) / pkt)
    if linktype == 113:
        return bytes(CookedLinux(pkttype=pkttype, lladdrtype=1, lladdrlen=6, src=b"\x02" * 6, proto=proto) / pkt)
    if linktype == 276:
        return bytes(
            CookedLinuxV2(proto=proto, ifindex=ifindex, lladdrtype=1, pkttype=pkttype, lladdrlen=6, src=b"\x02" * 6)
            / pkt
        )
    return bytes(pkt)
