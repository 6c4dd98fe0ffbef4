"""The capture renderers: strings off the wire are data, problems come first and grouped."""

from __future__ import annotations

import io

from scapy.layers.dns import DNS, DNSQR
from scapy.layers.inet import UDP

from kubetraffic.render.capture import MAX_ROWS, capture_data, capture_view
from kubetraffic.render.output import make_console
from tests.core.capture.wire import CLIENT, SERVER, Wire, ip, tcp


def render(wire: Wire, *, payload: bool = False) -> str:
    out = io.StringIO()
    make_console("never", file=out, width=160).print(capture_view(wire.summary(keep_payload=payload), payload=payload))
    return out.getvalue()


def test_hostile_dns_names_cannot_drive_the_terminal() -> None:
    name = "evil\x1b[31m.example"
    w = Wire().add(ip(CLIENT, "10.96.0.10") / UDP(sport=5000, dport=53) / DNS(id=1, qd=DNSQR(qname=name)))
    text = render(w)
    assert "\x1b" not in text
    assert "evil\ufffd[31m.example" in text
    assert capture_data(w.summary())["dns"][0]["query"] == name  # JSON keeps the exact bytes (escaped by JSON)


def test_hostile_payloads_are_escaped() -> None:
    w = Wire().add(tcp(CLIENT, SERVER, 5000, 80, "PA", data=b"\x1b]0;pwned\x07GET /"))
    text = render(w, payload=True)
    assert "\x1b" not in text
    assert "\x07" not in text
    assert "\\x1b]0;pwned\\x07GET /" in text


def test_problems_are_grouped_by_destination() -> None:
    w = Wire()
    for port in range(40000, 40012):
        w.add(tcp(f"10.244.1.{port % 3 + 1}", SERVER, port, 8082, "S")).add(
            tcp(f"10.244.1.{port % 3 + 1}", SERVER, port, 8082, "S")
        )
    lines = render(w).splitlines()
    problems = [line for line in lines if line.startswith("✖")]
    assert problems == [f"✖ {SERVER}:8082 TCP: SYN sent twice, no reply: silently dropped  (12 flows from 3 sources)"]


def test_the_table_is_bounded_and_says_so() -> None:
    w = Wire()
    for port in range(40000, 40000 + MAX_ROWS + 5):
        w.add(tcp(CLIENT, SERVER, port, 80, "S")).add(tcp(SERVER, CLIENT, 80, port, "SA"))
    text = render(w)
    assert "… and 5 more flows (-o json lists them all)" in text
    assert len(capture_data(w.summary())["flows"]) == MAX_ROWS + 5


def test_an_empty_capture() -> None:
    text = render(Wire())
    assert "0 packets, 0 flows" in text
    assert "no flows captured" in text


def test_search_domain_misses_are_not_problems() -> None:
    from scapy.layers.dns import DNSRR

    w = Wire()
    for i, (name, rcode) in enumerate(
        [
            ("x.example.com.shop.svc.cluster.local", 3),
            ("x.example.com", 3),
            ("ok.lab.svc.cluster.local", 3),
            ("ok.lab", 0),
        ]
    ):
        w.add(ip(CLIENT, "10.96.0.10") / UDP(sport=42000 + i, dport=53) / DNS(id=i, qd=DNSQR(qname=name)))
        an = [DNSRR(rrname=name, rdata="10.0.0.1")] if rcode == 0 else []
        w.add(
            ip("10.96.0.10", CLIENT)
            / UDP(sport=53, dport=42000 + i)
            / DNS(id=i, qr=1, rcode=rcode, qd=DNSQR(qname=name), an=an)
        )
    problems = [line for line in render(w).splitlines() if line.startswith("✖")]
    assert problems == ["✖ DNS query for x.example.com (A): NXDOMAIN from 10.96.0.10  (and 1 search-domain variant)"]
