"""Every flow state of DESIGN.md §4 from hand-made packets, in IPv4 and IPv6."""

from __future__ import annotations

import pytest

from kubetraffic.core.capture import CaptureLimits, FlowRecord
from tests.core.capture.wire import CLIENT, CLIENT6, SERVER, SERVER6, Wire, echo, tcp, udp, unreachable

ADDRS = [pytest.param((CLIENT, SERVER), id="ipv4"), pytest.param((CLIENT6, SERVER6), id="ipv6")]


def only(wire: Wire, linktype: int = 1) -> FlowRecord:
    summary = wire.summary(linktype)
    assert summary.error is None
    assert len(summary.flows) == 1, summary.flows
    return summary.flows[0]


def handshake(w: Wire, c: str, s: str, sport: int = 40000, dport: int = 8080) -> None:
    w.add(tcp(c, s, sport, dport, "S", seq=100))
    w.add(tcp(s, c, dport, sport, "SA", seq=500, ack=101))
    w.add(tcp(c, s, sport, dport, "A", seq=101, ack=501))


@pytest.mark.parametrize("addrs", ADDRS)
def test_established_with_handshake_rtt(addrs: tuple[str, str]) -> None:
    c, s = addrs
    w = Wire()
    w.add(tcp(c, s, 40000, 8080, "S", seq=100), at=10.0)
    w.add(tcp(s, c, 8080, 40000, "SA", seq=500, ack=101), at=10.0004)
    w.add(tcp(c, s, 40000, 8080, "A", seq=101, ack=501), at=10.0010)
    w.add(tcp(c, s, 40000, 8080, "PA", seq=101, ack=501, data=b"GET / HTTP/1.1\r\n\r\n"))
    flow = only(w)
    assert flow.state == "established"
    assert flow.handshake_rtt_ms == pytest.approx(1.0)  # SYN -> the handshake's ACK
    assert flow.syn_retransmits == 0
    assert flow.packets == 4
    assert flow.events == ("S", "SA", "A")
    assert flow.protocol == "TCP"
    assert flow.diagnosis.startswith("open: handshake 1.00 ms")
    if ":" in c:
        assert flow.src == f"[{c}]:40000"
        assert flow.dst == f"[{s}]:8080"
    else:
        assert flow.src == f"{c}:40000"
        assert flow.dst == f"{s}:8080"


@pytest.mark.parametrize("addrs", ADDRS)
def test_closed_by_fin(addrs: tuple[str, str]) -> None:
    c, s = addrs
    w = Wire()
    handshake(w, c, s)
    w.add(tcp(c, s, 40000, 8080, "FA", seq=101, ack=501))
    w.add(tcp(s, c, 8080, 40000, "FA", seq=501, ack=102))
    w.add(tcp(c, s, 40000, 8080, "A", seq=102, ack=502))
    flow = only(w)
    assert flow.state == "closed"
    assert flow.diagnosis.startswith("closed (FIN)")


@pytest.mark.parametrize("addrs", ADDRS)
def test_rst_answering_the_syn(addrs: tuple[str, str]) -> None:
    c, s = addrs
    w = Wire()
    w.add(tcp(c, s, 40000, 8080, "S", seq=100))
    w.add(tcp(s, c, 8080, 40000, "RA", seq=0, ack=101))
    flow = only(w)
    assert flow.state == "reset"
    server = f"[{s}]:8080" if ":" in s else f"{s}:8080"
    assert flow.diagnosis == f"RST from {server}: port closed or rejected"


def test_rst_after_data_names_the_side() -> None:
    w = Wire()
    handshake(w, CLIENT, SERVER)
    w.add(tcp(CLIENT, SERVER, 40000, 8080, "PA", seq=101, ack=501, data=b"x" * 100))
    w.add(tcp(SERVER, CLIENT, 8080, 40000, "R", seq=501))
    flow = only(w)
    assert flow.state == "reset"
    assert flow.diagnosis.startswith(f"RST from {SERVER}:8080 (server) after")
    assert flow.diagnosis.endswith("connection aborted")


def test_rst_after_both_fins_is_still_closed() -> None:
    w = Wire()
    handshake(w, CLIENT, SERVER)
    w.add(tcp(CLIENT, SERVER, 40000, 8080, "FA", seq=101, ack=501))
    w.add(tcp(SERVER, CLIENT, 8080, 40000, "FA", seq=501, ack=102))
    w.add(tcp(CLIENT, SERVER, 40000, 8080, "R", seq=102))
    assert only(w).state == "closed"


@pytest.mark.parametrize("addrs", ADDRS)
def test_silent_drop_is_two_or_more_syns_without_answer(addrs: tuple[str, str]) -> None:
    c, s = addrs
    w = Wire()
    for t in (0.0, 1.0, 3.0, 7.0):
        w.add(tcp(c, s, 40000, 8080, "S", seq=100), at=100 + t)
    flow = only(w)
    assert flow.state == "no-reply"
    assert flow.syn_retransmits == 3
    assert flow.silently_dropped
    assert flow.diagnosis == "SYN sent 4 times, no reply: silently dropped"
    assert flow.handshake_rtt_ms is None


def test_silent_drop_does_not_depend_on_timing() -> None:
    """Two SYNs 5 ms apart (a kernel with a tiny RTO) are as much a drop as 1 s apart."""
    w = Wire()
    w.add(tcp(CLIENT, SERVER, 40000, 8080, "S"), at=1.0)
    w.add(tcp(CLIENT, SERVER, 40000, 8080, "S"), at=1.005)
    flow = only(w)
    assert flow.silently_dropped
    assert flow.diagnosis == "SYN sent twice, no reply: silently dropped"


def test_one_syn_is_not_yet_a_drop() -> None:
    flow = only(Wire().add(tcp(CLIENT, SERVER, 40000, 8080, "S")))
    assert flow.state == "no-reply"
    assert not flow.silently_dropped
    assert "too soon to call it a drop" in flow.diagnosis


def test_synack_retransmitted_without_ack_means_replies_are_lost() -> None:
    w = Wire()
    w.add(tcp(CLIENT, SERVER, 40000, 8080, "S", seq=100))
    w.add(tcp(SERVER, CLIENT, 8080, 40000, "SA", seq=500, ack=101))
    w.add(tcp(CLIENT, SERVER, 40000, 8080, "S", seq=100))  # client never got the SYN-ACK
    w.add(tcp(SERVER, CLIENT, 8080, 40000, "SA", seq=500, ack=101))
    summary = w.summary()
    assert len(summary.flows) == 1, "a SYN with the same ISN is a retransmit, not a new connection"
    flow = summary.flows[0]
    assert flow.state == "no-reply"
    assert flow.syn_retransmits == 1
    assert not flow.silently_dropped
    assert flow.diagnosis.startswith("SYN-ACK sent twice, never acknowledged")


@pytest.mark.parametrize("addrs", ADDRS)
@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (3, "port unreachable from {r}: nothing listens on TCP 8080 there, or a firewall rejects it"),
        (13, "communication administratively prohibited from {r}: a firewall or network policy rejects it"),
        (1, "from {r}: no route to it"),
    ],
)
def test_icmp_error_quoting_a_tcp_flow(addrs: tuple[str, str], code: int, expected: str) -> None:
    c, s = addrs
    syn = tcp(c, s, 40000, 8080, "S", seq=100)
    w = Wire().add(syn).add(unreachable(s, syn, code))
    flow = only(w)
    assert flow.state == "icmp-unreachable"
    assert flow.packets == 2
    assert flow.diagnosis.startswith("ICMPv6 " if ":" in c else "ICMP ")
    assert flow.diagnosis.endswith(expected.format(r=s))
    assert flow.events == ("S", "ICMP")


def test_icmp_port_unreachable_for_udp() -> None:
    dgram = udp(CLIENT, "10.96.0.10", 51000, 53, b"\x00" * 12)
    w = Wire().add(dgram).add(unreachable("10.96.0.10", dgram))
    flow = only(w)
    assert flow.state == "icmp-unreachable"
    assert flow.protocol == "UDP"
    assert (
        flow.diagnosis
        == "ICMP port unreachable from 10.96.0.10: nothing listens on UDP 53 there, or a firewall rejects it"
    )


def test_icmp_error_for_a_flow_the_capture_did_not_see() -> None:
    """Only the error was captured: the flow is made from the quoted header."""
    quoted = tcp(CLIENT, SERVER, 40000, 8080, "S")
    flow = only(Wire().add(unreachable("10.0.0.1", quoted, code=1)))
    assert flow.state == "icmp-unreachable"
    assert (flow.src, flow.dst) == (f"{CLIENT}:40000", f"{SERVER}:8080")
    assert flow.diagnosis == "ICMP host unreachable from 10.0.0.1: no route to it"


def test_a_reply_after_an_icmp_error_clears_it() -> None:
    dgram = udp(CLIENT, SERVER, 51000, 9000)
    w = Wire().add(dgram).add(unreachable(SERVER, dgram)).add(udp(CLIENT, SERVER, 51000, 9000))
    w.add(udp(SERVER, CLIENT, 9000, 51000))
    flow = only(w)
    assert flow.state == "udp"
    assert "ICMP port unreachable" in flow.diagnosis  # kept as a note


def test_fragmentation_needed_is_a_note_not_a_state() -> None:
    w = Wire()
    handshake(w, CLIENT, SERVER)
    big = tcp(CLIENT, SERVER, 40000, 8080, "PA", seq=101, ack=501, data=b"x" * 1400)
    w.add(big).add(unreachable("10.0.0.1", big, code=4))
    flow = only(w)
    assert flow.state == "established"
    assert "ICMP fragmentation needed from 10.0.0.1" in flow.diagnosis


@pytest.mark.parametrize("addrs", ADDRS)
def test_partial_when_the_capture_began_mid_flow(addrs: tuple[str, str]) -> None:
    c, s = addrs
    w = Wire()
    # First packet seen is the server's data: the lower port is taken as the server.
    w.add(tcp(s, c, 443, 51000, "PA", seq=9000, ack=200, data=b"y" * 500))
    w.add(tcp(c, s, 51000, 443, "A", seq=200, ack=9500))
    flow = only(w)
    assert flow.state == "partial"
    assert flow.src.endswith(":51000")
    assert flow.dst.endswith(":443")
    assert flow.diagnosis.startswith("capture began mid-flow: 2 packets")


def test_partial_flow_that_then_closes_is_closed_with_a_note() -> None:
    w = Wire().add(tcp(CLIENT, SERVER, 51000, 443, "FA", seq=1, ack=1))
    flow = only(w)
    assert flow.state == "closed"
    assert flow.diagnosis.endswith("capture began mid-flow")


def test_udp_exchange() -> None:
    w = (
        Wire()
        .add(udp(CLIENT, SERVER, 51000, 9000))
        .add(udp(SERVER, CLIENT, 9000, 51000))
        .add(udp(CLIENT, SERVER, 51000, 9000))
    )
    flow = only(w)
    assert flow.state == "udp"
    assert flow.diagnosis == "2 packets out, 1 back"


def test_udp_one_way() -> None:
    flow = only(Wire().add(udp(CLIENT, SERVER, 51000, 9000)))
    assert flow.state == "udp"
    assert flow.diagnosis == "1 packet sent, no reply seen"


def test_udp_reply_first_is_oriented_by_the_well_known_port() -> None:
    flow = only(Wire().add(udp("10.96.0.10", CLIENT, 53, 51000, b"\0" * 12)))
    assert flow.src == f"{CLIENT}:51000"
    assert flow.dst == "10.96.0.10:53"


@pytest.mark.parametrize("addrs", ADDRS)
def test_icmp_echo(addrs: tuple[str, str]) -> None:
    c, s = addrs
    w = Wire().add(echo(c, s, 77)).add(echo(s, c, 77, reply=True))
    flow = only(w)
    assert flow.state == "established"
    assert flow.protocol == ("ICMPv6" if ":" in c else "ICMP")
    assert flow.src.endswith(":0")
    lost = only(Wire().add(echo(c, s, 78)).add(echo(c, s, 78)))
    assert lost.state == "no-reply"
    assert lost.diagnosis == "echo request sent twice, no reply"


def test_port_reuse_after_reset_starts_a_new_flow() -> None:
    w = Wire()
    w.add(tcp(CLIENT, SERVER, 40000, 8080, "S", seq=100)).add(tcp(SERVER, CLIENT, 8080, 40000, "RA", ack=101))
    handshake(w, CLIENT, SERVER)
    summary = w.summary()
    assert [f.state for f in summary.flows] == ["reset", "established"]


def test_any_interface_copies_are_counted_once() -> None:
    """``tcpdump -i any`` on a bridge sees each frame on the in-port and the out-port (SLL2)."""
    w = Wire()
    for t in (0.0, 1.0):
        syn = tcp(CLIENT, SERVER, 40000, 8080, "S", seq=100)
        w.add(syn, at=50 + t, ifindex=3, pkttype=3)  # arrives on the client's port
        w.add(syn, at=50 + t + 0.00001, ifindex=4, pkttype=4)  # leaves on the server's port
    summary = w.summary(276)
    flow = summary.flows[0]
    assert flow.syn_retransmits == 1
    assert flow.packets == 2
    assert summary.duplicates == 2
    assert flow.diagnosis == "SYN sent twice, no reply: silently dropped"


def test_flow_sampling_keeps_whole_flows() -> None:
    w = Wire()
    for port in range(40000, 40200):
        handshake(w, CLIENT, SERVER, sport=port)
    full = w.summary()
    sampled = w.summary(limits=CaptureLimits(sample=4))
    assert sampled.sampled
    assert not full.sampled
    assert 20 < len(sampled.flows) < 80
    assert all(f.state == "established" and f.packets == 3 for f in sampled.flows)
    assert sampled.packets == full.packets == 600
    assert sampled.skipped_packets == 600 - 3 * len(sampled.flows)
    again = w.summary(limits=CaptureLimits(sample=4))
    assert [f.src for f in again.flows] == [f.src for f in sampled.flows], "sampling is deterministic"
