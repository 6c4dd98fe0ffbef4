"""DNS decoding (checked against scapy's encoder) and query/answer pairing."""

from __future__ import annotations

import struct

import pytest
from scapy.layers.dns import DNS, DNSQR, DNSRR, DNSRRMX, DNSRRSRV
from scapy.layers.inet import TCP, UDP

from kubetraffic.core.capture.dns import DnsError, parse_dns
from tests.core.capture.wire import CLIENT, Wire, ip

DNS_SERVER = "10.96.0.10"


def query(name: str, qtype: str = "A", ident: int = 7) -> DNS:
    return DNS(id=ident, rd=1, qd=DNSQR(qname=name, qtype=qtype))


def answer(name: str, records: list[DNSRR], *, qtype: str = "A", rcode: int = 0, ident: int = 7) -> DNS:
    return DNS(id=ident, qr=1, ra=1, rcode=rcode, qd=DNSQR(qname=name, qtype=qtype), an=records)


def test_answers_of_several_types() -> None:
    msg = answer(
        "api.stripe.com",
        [
            DNSRR(rrname="api.stripe.com", type="CNAME", rdata="edge.stripe.net"),
            DNSRR(rrname="edge.stripe.net", type="A", rdata="198.51.100.7"),
            DNSRR(rrname="edge.stripe.net", type="AAAA", rdata="2001:db8::7"),
            DNSRR(rrname="api.stripe.com", type="TXT", rdata=[b"v=spf1", b"-all"]),
            DNSRRMX(rrname="stripe.com", preference=10, exchange="mx.stripe.com"),
            DNSRRSRV(rrname="_h._tcp.stripe.com", priority=1, weight=5, port=443, target="t.stripe.com"),
        ],
    )
    parsed = parse_dns(bytes(msg))
    assert parsed.response
    assert parsed.rcode == "NOERROR"
    assert parsed.id == 7
    assert (parsed.name, parsed.qtype) == ("api.stripe.com", "A")
    assert parsed.answers == (
        "edge.stripe.net",
        "198.51.100.7",
        "2001:db8::7",
        '"v=spf1" "-all"',
        "10 mx.stripe.com",
        "1 5 443 t.stripe.com",
    )
    assert parsed.addresses == ("198.51.100.7", "2001:db8::7")


def test_nxdomain_and_query_types() -> None:
    parsed = parse_dns(bytes(answer("nope.example.com", [], qtype="AAAA", rcode=3)))
    assert (parsed.rcode, parsed.qtype, parsed.answers) == ("NXDOMAIN", "AAAA", ())
    assert parse_dns(bytes(query("x.example", qtype="HTTPS"))).qtype == "HTTPS"
    assert parse_dns(bytes(query("x.example", qtype=4242))).qtype == "TYPE4242"


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"\0" * 5, "shorter than a DNS header"),
        (struct.pack("!HHHHHH", 1, 0, 1, 0, 0, 0) + b"\x05abc", "label runs past the end"),
        (struct.pack("!HHHHHH", 1, 0x8000, 1, 0, 0, 0) + b"\xc0\x0c", "compression pointers loop"),
        (
            struct.pack("!HHHHHH", 1, 0x8000, 1, 1, 0, 0) + b"\0\0\1\0\1" + b"\0\0\1\0\1\0\0\0\5\0\x20\1",
            "answer data ends early",
        ),
        (struct.pack("!HHHHHH", 1, 0x7800, 0, 0, 0, 0), "unknown DNS opcode"),
    ],
)
def test_malformed_messages_raise_dns_error(payload: bytes, message: str) -> None:
    with pytest.raises(DnsError, match=message):
        parse_dns(payload)


def dns_packet(src: str, dst: str, sport: int, dport: int, msg: DNS) -> object:
    return ip(src, dst) / UDP(sport=sport, dport=dport) / msg


def test_pairing_latency_retries_and_names() -> None:
    w = Wire()
    w.add(dns_packet(CLIENT, DNS_SERVER, 40001, 53, query("api.stripe.com", ident=11)), at=5.000)
    w.add(dns_packet(CLIENT, DNS_SERVER, 40001, 53, query("api.stripe.com", ident=11)), at=5.100)  # retry
    w.add(
        dns_packet(
            DNS_SERVER,
            CLIENT,
            53,
            40001,
            answer("api.stripe.com", [DNSRR(rrname="api.stripe.com", rdata="198.51.100.7")], ident=11),
        ),
        at=5.1125,
    )
    w.add(dns_packet(CLIENT, DNS_SERVER, 40002, 53, query("gone.example.com", ident=12)), at=6.0)
    w.add(dns_packet(DNS_SERVER, CLIENT, 53, 40002, answer("gone.example.com", [], rcode=3, ident=12)), at=6.002)
    w.add(dns_packet(CLIENT, DNS_SERVER, 40003, 53, query("slow.example.com", ident=13)), at=7.0)
    # Then a connection to the resolved address: it is named by the query.
    from tests.core.capture.wire import tcp

    w.add(tcp(CLIENT, "198.51.100.7", 50000, 443, "S"))
    summary = w.summary()
    by_query = {d.query: d for d in summary.dns}
    stripe = by_query["api.stripe.com"]
    assert (stripe.type, stripe.rcode, stripe.answers, stripe.server) == ("A", "NOERROR", ("198.51.100.7",), DNS_SERVER)
    assert stripe.latency_ms == pytest.approx(112.5)  # from the first query: what the client waited
    assert stripe.retries == 1
    gone = by_query["gone.example.com"]
    assert gone.rcode == "NXDOMAIN"
    assert gone.latency_ms == pytest.approx(2.0)
    slow = by_query["slow.example.com"]
    assert slow.rcode is None
    assert slow.latency_ms is None
    assert slow.answers == ()
    tls = next(f for f in summary.flows if f.dst.endswith(":443"))
    assert tls.dst_name == "api.stripe.com"
    dns_flow = next(f for f in summary.flows if f.src.endswith(":40001"))
    assert dns_flow.diagnosis == "DNS: 2 queries, 1 answered"


def test_answer_without_its_query_and_case_randomisation() -> None:
    w = Wire()
    w.add(dns_packet(CLIENT, DNS_SERVER, 40001, 53, query("ExAmPlE.CoM", ident=3)))
    w.add(
        dns_packet(
            DNS_SERVER,
            CLIENT,
            53,
            40001,
            answer("example.com", [DNSRR(rrname="example.com", rdata="192.0.2.1")], ident=3),
        )
    )
    w.add(dns_packet(DNS_SERVER, CLIENT, 53, 40009, answer("orphan.example", [], ident=99)))
    entries = w.summary().dns
    assert [(e.query, e.rcode) for e in entries] == [("ExAmPlE.CoM", "NOERROR"), ("orphan.example", "NOERROR")]
    assert entries[0].latency_ms is not None
    assert entries[1].latency_ms is None


def test_dns_over_tcp_and_malformed_payloads_are_counted() -> None:
    msg = bytes(query("tcp.example"))
    w = Wire()
    w.add(ip(CLIENT, DNS_SERVER) / TCP(sport=40010, dport=53, flags="PA") / (struct.pack("!H", len(msg)) + msg))
    w.add(ip(CLIENT, DNS_SERVER) / UDP(sport=40011, dport=53) / b"\x00\x01garbage")
    summary = w.summary()
    assert [e.query for e in summary.dns] == ["tcp.example"]
    assert len(summary.flows) == 2


def test_search_domain_expansions_are_recognised() -> None:
    """ndots:5: a pod asks for the name under each search domain first; those NXDOMAINs are normal."""
    w = Wire()
    names = [
        "api.stripe.com.shop.svc.cluster.local",
        "api.stripe.com.svc.cluster.local",
        "api.stripe.com.cluster.local",
        "api.stripe.com",
    ]
    for i, name in enumerate(names):
        w.add(dns_packet(CLIENT, DNS_SERVER, 41000 + i, 53, query(name, ident=i)))
        last = i == len(names) - 1
        records = [DNSRR(rrname=name, rdata="198.51.100.7")] if last else []
        w.add(dns_packet(DNS_SERVER, CLIENT, 53, 41000 + i, answer(name, records, rcode=0 if last else 3, ident=i)))
    entries = w.summary().dns
    assert [e.search_of for e in entries] == ["api.stripe.com", "api.stripe.com", "api.stripe.com", None]
