"""The fast header decoder, checked field by field against scapy's dissection."""

from __future__ import annotations

import ipaddress
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.inet6 import IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop
from scapy.layers.l2 import Dot1Q, Ether
from scapy.packet import Raw

from kubetraffic.core.capture.decode import decode, endpoint_text, ip_text
from tests.core.capture.wire import CLIENT, SERVER, Wire, frame, tcp, udp, unreachable

v4 = st.integers(0, 2**32 - 1).map(lambda n: str(ipaddress.IPv4Address(n)))
v6 = st.integers(0, 2**128 - 1).map(lambda n: str(ipaddress.IPv6Address(n)))
ports = st.integers(0, 65535)
flags = st.sampled_from(["S", "SA", "A", "PA", "FA", "R", "RA", "F", ""])


@settings(max_examples=150, deadline=None)
@given(
    six=st.booleans(),
    a4=v4,
    b4=v4,
    a6=v6,
    b6=v6,
    sport=ports,
    dport=ports,
    tcp_flags=flags,
    is_udp=st.booleans(),
    payload=st.binary(max_size=64),
    linktype=st.sampled_from([1, 101, 113, 276]),
)
def test_decode_agrees_with_scapy(
    six: bool, a4: str, b4: str, a6: str, b6: str, sport: int, dport: int, tcp_flags: str, is_udp: bool,
    payload: bytes, linktype: int,
) -> None:  # fmt: skip
    src, dst = (a6, b6) if six else (a4, b4)
    pkt = udp(src, dst, sport, dport, payload) if is_udp else tcp(src, dst, sport, dport, tcp_flags, data=payload)
    got = decode(linktype, frame(pkt, linktype))
    assert got is not None
    layer = pkt[IPv6] if six else pkt[IP]
    assert (ip_text(got.src), ip_text(got.dst)) == (
        str(ipaddress.ip_address(layer.src)),
        str(ipaddress.ip_address(layer.dst)),
    )
    assert got.version == (6 if six else 4)
    assert (got.sport, got.dport) == (sport, dport)
    assert got.proto == (17 if is_udp else 6)
    assert got.ip_len == len(bytes(layer))
    assert got.payload_len == len(payload)
    if not is_udp:
        assert got.flags == int(pkt[TCP].flags)


def test_vlan_tags_are_skipped() -> None:
    data = bytes(Ether() / Dot1Q(vlan=5) / Dot1Q(vlan=7) / tcp(CLIENT, SERVER, 1, 2, "S"))
    got = decode(1, data)
    assert got is not None
    assert (got.sport, got.dport) == (1, 2)


def test_ipv6_extension_headers_and_fragments() -> None:
    first = (
        IPv6(src="fd00::1", dst="fd00::2")
        / IPv6ExtHdrHopByHop()
        / IPv6ExtHdrDestOpt()
        / IPv6ExtHdrFragment(offset=0, m=1)
        / UDP(sport=5, dport=53)
        / Raw(b"q" * 8)
    )
    got = decode(101, bytes(first))
    assert got is not None
    assert (got.proto, got.sport, got.dport) == (17, 5, 53)
    later = IPv6(src="fd00::1", dst="fd00::2") / IPv6ExtHdrFragment(offset=100, nh=17) / Raw(b"z" * 16)
    frag = decode(101, bytes(later))
    assert frag is not None
    assert frag.proto == 17
    assert (frag.sport, frag.dport) == (0, 0)


def test_ipv4_non_first_fragment_has_no_ports() -> None:
    pkt = IP(src=CLIENT, dst=SERVER, frag=185, proto=17) / Raw(b"x" * 40)
    got = decode(101, bytes(pkt))
    assert got is not None
    assert got.proto == 17
    assert (got.sport, got.dport) == (0, 0)


def test_snap_length_keeps_wire_lengths() -> None:
    pkt = tcp(CLIENT, SERVER, 40000, 80, "PA", data=b"x" * 1000)
    data = frame(pkt, 1)[:96]
    got = decode(1, data)
    assert got is not None
    assert got.ip_len == 1040
    assert got.payload_len == 1000
    assert got.flags == 0x18


@pytest.mark.parametrize("cut", range(0, 54, 3))
def test_short_frames_never_raise(cut: int) -> None:
    data = frame(tcp(CLIENT, SERVER, 40000, 80, "S"), 276)[:cut]
    decode(276, data)  # None or a partial packet, never an exception


def test_bsd_null_and_loop_link_types() -> None:
    ip4 = bytes(tcp(CLIENT, SERVER, 1, 2, "S"))
    ip6 = bytes(tcp("fd00::1", "fd00::2", 1, 2, "S"))
    for lt, hdr4, hdr6 in (
        (0, struct.pack("<I", 2), struct.pack("<I", 30)),
        (108, struct.pack(">I", 2), struct.pack(">I", 24)),
    ):
        a, b = decode(lt, hdr4 + ip4), decode(lt, hdr6 + ip6)
        assert a is not None
        assert a.version == 4
        assert b is not None
        assert b.version == 6


def test_non_ip_frames_decode_to_none() -> None:
    arp = bytes(Ether(type=0x0806) / Raw(b"\0" * 28))
    assert decode(1, arp) is None
    assert decode(147, b"\0" * 40) is None  # a link type we do not know


def test_icmp_error_quotes_the_original_five_tuple() -> None:
    syn = tcp(CLIENT, SERVER, 40000, 8080, "S")
    got = decode(101, bytes(unreachable(SERVER, syn)))
    assert got is not None
    assert got.quoted is not None
    proto, src, sport, dst, dport = got.quoted
    assert (proto, ip_text(src), sport, ip_text(dst), dport) == (6, CLIENT, 40000, SERVER, 8080)
    assert (got.icmp_type, got.icmp_code) == (3, 3)
    # scapy names the quoted header TCPerror: it agrees on the ports
    dissected = IP(bytes(unreachable(SERVER, syn)))
    assert dissected[ICMP].payload.payload.sport == 40000


def test_endpoint_text_brackets_ipv6() -> None:
    assert endpoint_text(bytes([10, 0, 0, 1]), 80) == "10.0.0.1:80"
    assert endpoint_text(ipaddress.IPv6Address("fd00::1").packed, 443) == "[fd00::1]:443"


def test_sll_packet_type_tells_copies_apart() -> None:
    w = Wire().add(tcp(CLIENT, SERVER, 1, 2, "S"), pkttype=4).add(tcp(CLIENT, SERVER, 1, 2, "S"), pkttype=0)
    summary = w.summary(113)
    assert summary.duplicates == 1
    assert summary.flows[0].packets == 1
