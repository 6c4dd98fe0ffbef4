"""Opening one packet: scapy's full dissection, payload hidden unless asked."""

from __future__ import annotations

from scapy.layers.dns import DNS, DNSQR
from scapy.layers.inet import UDP

from kubetraffic.adapters.capture.dissect import dissect, dissect_ring_packet
from kubetraffic.core.capture import Summariser
from tests.core.capture.wire import CLIENT, SERVER, Wire, frame, ip, tcp

SECRET = b"Authorization: Bearer s3cr3t"


def test_payload_is_hidden_by_default() -> None:
    lines = dissect(276, frame(tcp(CLIENT, SERVER, 5000, 80, "PA", data=SECRET), 276))
    text = "\n".join(lines)
    assert "###[ cooked linux v2 ]###" in text
    assert "###[ TCP ]###" in text
    assert "s3cr3t" not in text
    assert lines[-1] == f"<{len(SECRET)} bytes of payload hidden; --payload shows them>"
    shown = "\n".join(dissect(276, frame(tcp(CLIENT, SERVER, 5000, 80, "PA", data=SECRET), 276), payload=True))
    assert "s3cr3t" in shown


def test_dns_is_dissected_fully() -> None:
    pkt = ip(CLIENT, "10.96.0.10") / UDP(sport=5000, dport=53) / DNS(qd=DNSQR(qname="api.stripe.com"))
    text = "\n".join(dissect(1, frame(pkt, 1)))
    assert "###[ DNS ]###" in text
    assert "api.stripe.com" in text


def test_ring_packets_keep_headers_only() -> None:
    summariser = Summariser("ring", ring_size=4)
    summariser.feed(Wire().add(tcp(CLIENT, SERVER, 5000, 80, "PA", data=SECRET)).pcap(276))
    assert summariser.ring is not None
    packet = summariser.ring.packets[-1]
    assert packet.payload is None
    assert SECRET not in packet.headers
    lines = dissect_ring_packet(packet)
    assert any("dport" in line for line in lines)
    assert lines[-1] == "(payload not kept)"
