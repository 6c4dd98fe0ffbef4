"""``kubetraffic capture`` as a user runs it: a subprocess on pcap files and streams."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from scapy.layers.dns import DNS, DNSQR
from scapy.layers.inet import UDP

from tests.core.capture.wire import CLIENT, SERVER, Wire, ip, tcp, udp, unreachable

FIXTURE = str(Path(__file__).parent.parent / "fixtures" / "capture")
KEYS = [
    "src",
    "dst",
    "protocol",
    "packets",
    "bytes",
    "first",
    "last",
    "state",
    "syn_retransmits",
    "handshake_rtt_ms",
    "src_name",
    "dst_name",
    "diagnosis",
]


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "kubetraffic", *args], capture_output=True, input=stdin, timeout=60)


def scenario() -> Wire:
    """A refused connection, a silent drop, an ICMP-rejected datagram and an NXDOMAIN."""
    w = Wire()
    w.add(tcp(CLIENT, SERVER, 40001, 8080, "S", seq=7), at=100.0)
    w.add(tcp(SERVER, CLIENT, 8080, 40001, "RA", ack=8), at=100.0005)
    for t in (0.0, 1.0, 3.0, 7.0):
        w.add(tcp(CLIENT, "198.51.100.7", 40002, 443, "S", seq=9), at=101.0 + t)
    dgram = udp(CLIENT, SERVER, 40003, 9000, b"secret-token")
    w.add(dgram, at=102.0).add(unreachable(SERVER, dgram), at=102.001)
    w.add(
        ip(CLIENT, "10.96.0.10") / UDP(sport=40004, dport=53) / DNS(id=5, rd=1, qd=DNSQR(qname="api.stripe.com")),
        at=103.0,
    )
    w.add(
        ip("10.96.0.10", CLIENT)
        / UDP(sport=53, dport=40004)
        / DNS(id=5, qr=1, rcode=3, qd=DNSQR(qname="api.stripe.com")),
        at=103.004,
    )
    return w


@pytest.fixture
def pcap(tmp_path: Path) -> Path:
    path = tmp_path / "scenario.pcap"
    path.write_bytes(scenario().pcap(276))
    return path


def test_json_contract(pcap: Path) -> None:
    out = run("capture", "--pcap", str(pcap), "-o", "json", "--snapshot", FIXTURE)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert list(doc) == ["source", "packets", "sampled", "dropped_by_kernel", "flows", "dns"]
    assert doc["source"] == f"pcap {pcap}"
    assert (doc["packets"], doc["sampled"], doc["dropped_by_kernel"]) == (10, False, None)
    assert all(list(f) == KEYS for f in doc["flows"])
    states = [
        (f["src"], f["dst"], f["state"], f["syn_retransmits"], f["src_name"], f["dst_name"], f["diagnosis"])
        for f in doc["flows"]
    ]
    assert states == [
        (
            f"{CLIENT}:40001",
            f"{SERVER}:8080",
            "reset",
            0,
            "shop/web-7d9f",
            "shop/cart-5c6b",
            f"RST from {SERVER}:8080: port closed or rejected",
        ),
        (
            f"{CLIENT}:40002",
            "198.51.100.7:443",
            "no-reply",
            3,
            "shop/web-7d9f",
            None,
            "SYN sent 4 times, no reply: silently dropped",
        ),
        (
            f"{CLIENT}:40003",
            f"{SERVER}:9000",
            "icmp-unreachable",
            0,
            "shop/web-7d9f",
            "shop/cart-5c6b",
            f"ICMP port unreachable from {SERVER}: nothing listens on UDP 9000 there, or a firewall rejects it",
        ),
        (
            f"{CLIENT}:40004",
            "10.96.0.10:53",
            "udp",
            0,
            "shop/web-7d9f",
            "kube-dns.kube-system.svc",
            "DNS: 1 query, 1 answered",
        ),
    ]
    assert doc["flows"][0]["first"] == 100.0
    assert doc["flows"][0]["bytes"] == 80
    assert doc["dns"] == [
        {
            "query": "api.stripe.com",
            "type": "A",
            "rcode": "NXDOMAIN",
            "answers": [],
            "latency_ms": 4.0,
            "server": "10.96.0.10",
        }
    ]


def test_table_for_people(pcap: Path) -> None:
    out = run("capture", "--pcap", str(pcap), "--color", "never", "--snapshot", FIXTURE)
    assert out.returncode == 0, out.stderr
    text = out.stdout.decode()
    lines = text.splitlines()
    assert lines[0].startswith(f"capture of pcap {pcap}: 10 packets, 4 flows, 1 DNS queries")
    assert (
        f"✖ {CLIENT}:40001 shop/web-7d9f → {SERVER}:8080 shop/cart-5c6b TCP: RST from {SERVER}:8080: port closed or rejected"
        in lines
    )
    assert (
        f"✖ {CLIENT}:40002 shop/web-7d9f → 198.51.100.7:443 TCP: SYN sent 4 times, no reply: silently dropped" in lines
    )
    assert "✖ DNS query for api.stripe.com (A): NXDOMAIN from 10.96.0.10" in lines
    assert "secret-token" not in text, "payloads stay hidden without --payload"
    shown = run("capture", "--pcap", str(pcap), "--color", "never", "--payload").stdout.decode()
    assert f"{CLIENT}:40003 → {SERVER}:9000 12 B: secret-token" in shown


def test_write_copies_what_was_summarised_mode_0600(pcap: Path, tmp_path: Path) -> None:
    out_file = tmp_path / "copy.pcap"
    out_file.write_bytes(b"old")
    out_file.chmod(0o644)
    done = run("capture", "--pcap", str(pcap), "--count", "3", "-w", str(out_file), "-o", "json")
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(os.stat(out_file).st_mode) == 0o600
    assert json.loads(done.stdout)["packets"] == 3
    again = json.loads(run("capture", "--pcap", str(out_file), "-o", "json").stdout)
    assert again["packets"] == 3
    whole = pcap.read_bytes()
    assert whole.startswith(out_file.read_bytes())


def test_stdin_stream_sampling_and_bounds() -> None:
    w = Wire()
    for port in range(41000, 41100):
        w.add(tcp(CLIENT, SERVER, port, 80, "S")).add(tcp(SERVER, CLIENT, 80, port, "SA")).add(
            tcp(CLIENT, SERVER, port, 80, "A")
        )
    doc = json.loads(run("capture", "--pcap", "-", "--sample", "5", "-o", "json", stdin=w.pcap()).stdout)
    assert doc["sampled"] is True
    assert doc["packets"] == 300
    assert 5 < len(doc["flows"]) < 40
    assert all(f["state"] == "established" for f in doc["flows"])
    assert doc["source"] == "stdin"


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        (b"", b"kubetraffic: stdin: empty input: no pcap header"),
        (
            b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
            b"kubetraffic: stdin: not a pcap or pcapng stream: it starts with text 'GET / HT'",
        ),
    ],
)
def test_garbage_on_stdin_is_one_clear_line(stdin: bytes, message: str) -> None:
    out = run("capture", "--pcap", "-", "-o", "json", stdin=stdin)
    assert out.returncode == 2
    assert out.stderr.startswith(message)
    assert out.stderr.count(b"\n") == 1
    assert json.loads(out.stdout)["flows"] == []


def test_truncated_file_prints_the_flows_before_the_damage(pcap: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.pcap"
    cut.write_bytes(pcap.read_bytes()[:-30])
    out = run("capture", "--pcap", str(cut), "-o", "json")
    assert out.returncode == 2
    assert b"truncated: the stream ends" in out.stderr
    assert b"Traceback" not in out.stderr
    assert len(json.loads(out.stdout)["flows"]) == 4


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "give exactly one of POD, --interface IF or --pcap FILE"),
        (("--pcap", "x.pcap", "--interface", "eth0"), "give exactly one of"),
        (("--pcap", "x.pcap", "-f", "tcp"), "-f filters live captures"),
        (("--interface", "eth0", "--write", "-"), "--write needs a file name"),
        (("--pcap", "/nonexistent/x.pcap"), "kubetraffic: cannot open /nonexistent/x.pcap: No such file or directory"),
        (("--pcap", "/"), "kubetraffic: / is a directory, not a capture file"),
        (("--interface", "no-such-if0", "--count", "1"), "no interface no-such-if0 here"),
        (("--pcap", "-", "--max-bytes", "lots"), "'lots' is not a size like 50MB"),
    ],
)
def test_usage_and_input_errors(args: tuple[str, ...], message: str) -> None:
    out = run("capture", *args, stdin=b"")
    assert out.returncode == 2, out.stderr
    assert message in out.stderr.decode()
    assert b"Traceback" not in out.stderr
