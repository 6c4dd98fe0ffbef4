"""The wire hop: what a capture showed about one destination, beside the policy verdict."""

from __future__ import annotations

from scapy.layers.dns import DNS, DNSQR, DNSRR
from scapy.layers.inet import UDP

from kubetraffic.core.capture.evidence import wire_hop
from tests.core.capture.wire import CLIENT, Wire, ip, tcp, udp, unreachable

STRIPE = "198.51.100.7"


def resolve(w: Wire, name: str, address: str | None, rcode: int = 0) -> Wire:
    w.add(ip(CLIENT, "10.96.0.10") / UDP(sport=45000, dport=53) / DNS(id=9, qd=DNSQR(qname=name)))
    answer = [DNSRR(rrname=name, rdata=address)] if address else []
    return w.add(
        ip("10.96.0.10", CLIENT)
        / UDP(sport=53, dport=45000)
        / DNS(id=9, qr=1, rcode=rcode, qd=DNSQR(qname=name), an=answer)
    )


def test_silent_drop_fails_the_hop() -> None:
    w = resolve(Wire(), "api.stripe.com", STRIPE)
    for _ in range(4):
        w.add(tcp(CLIENT, STRIPE, 40000, 443, "S"))
    hop = wire_hop(w.summary(), [(STRIPE, 443)], host="api.stripe.com")
    assert (hop.kind, hop.status, hop.summary) == ("wire", "fail", "4 SYNs, no reply (silent drop)")
    assert hop.evidence[0] == f"{CLIENT}:40000 → {STRIPE}:443 no-reply: SYN sent 4 times, no reply: silently dropped"
    assert hop.evidence[-1] == "DNS api.stripe.com A: NOERROR from 10.96.0.10"
    assert hop.fix is not None
    assert "NetworkPolicy" in hop.fix


def test_flows_are_found_by_name_when_the_ip_is_unknown() -> None:
    w = resolve(Wire(), "api.stripe.com", STRIPE)
    w.add(tcp(CLIENT, STRIPE, 40000, 443, "S")).add(tcp(STRIPE, CLIENT, 443, 40000, "SA")).add(
        tcp(CLIENT, STRIPE, 40000, 443, "A")
    )
    hop = wire_hop(w.summary(), [], host="api.stripe.com")
    assert hop.status == "ok"
    assert hop.summary.startswith("1 flow to api.stripe.com got answers, handshake")


def test_mixed_results_warn() -> None:
    w = Wire()
    w.add(tcp(CLIENT, STRIPE, 40000, 443, "S")).add(tcp(STRIPE, CLIENT, 443, 40000, "SA"))
    syn = tcp(CLIENT, STRIPE, 40001, 443, "S")
    w.add(syn).add(unreachable("10.0.0.1", syn, code=13))
    hop = wire_hop(w.summary(), [(STRIPE, 443)])
    assert hop.status == "warn"
    assert hop.summary.startswith(
        f"1 of 2 flows to {STRIPE}:443 failed: ICMP communication administratively prohibited"
    )


def test_nxdomain_without_flows_fails_on_dns() -> None:
    hop = wire_hop(resolve(Wire(), "api.strpe.com", None, rcode=3).summary(), [], host="api.strpe.com")
    assert (hop.status, hop.summary) == ("fail", "DNS query for api.strpe.com: NXDOMAIN from 10.96.0.10")


def test_nothing_captured_is_unknown_not_ok() -> None:
    hop = wire_hop(Wire().add(udp(CLIENT, "10.0.0.9", 1, 2)).summary(), [(STRIPE, 443)])
    assert hop.status == "unknown"
    assert hop.summary == f"no TCP packets to {STRIPE}:443 in the capture (1 packets)"


def test_reset_names_the_fix() -> None:
    w = Wire().add(tcp(CLIENT, STRIPE, 40000, 8443, "S")).add(tcp(STRIPE, CLIENT, 8443, 40000, "RA"))
    hop = wire_hop(w.summary(), [(STRIPE, 8443)])
    assert hop.status == "fail"
    assert hop.summary == f"RST from {STRIPE}:8443: port closed or rejected"
    assert hop.fix is not None
    assert "listening" in hop.fix
