"""``egress --capture FILE``: the policy verdict side by side with what the wire showed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.core.capture.wire import Wire, tcp

FIXTURE = str(Path(__file__).parent.parent / "fixtures" / "capture-egress")
WEB, CART, STRIPE = "10.244.1.7", "10.244.2.20", "198.51.100.7"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kubetraffic", "--snapshot", FIXTURE, *args], capture_output=True, text=True, timeout=60
    )


def test_denied_by_policy_and_silently_dropped_on_the_wire(tmp_path: Path) -> None:
    pcap = tmp_path / "web.pcap"
    w = Wire()
    for t in (0.0, 1.0, 3.0, 7.0):
        w.add(tcp(WEB, STRIPE, 40000, 443, "S"), at=100 + t)
    pcap.write_bytes(w.pcap(276))
    out = run("egress", "shop/web-7d9f", f"{STRIPE}:443", "--capture", str(pcap), "-o", "json")
    assert out.returncode == 1, out.stderr
    doc = json.loads(out.stdout)
    assert doc["allowed"] is False
    assert doc["wire"]["kind"] == "wire"
    assert doc["wire"]["status"] == "fail"
    assert doc["wire"]["summary"] == "4 SYNs, no reply (silent drop)"
    assert doc["wire"]["evidence"][0].startswith(f"{WEB}:40000 → {STRIPE}:443 no-reply")
    table = run("egress", "shop/web-7d9f", f"{STRIPE}:443", "--capture", str(pcap), "--color", "never")
    assert "  wire     4 SYNs, no reply (silent drop)" in table.stdout.splitlines()


def test_allowed_by_policy_but_refused_on_the_wire(tmp_path: Path) -> None:
    """The disagreement is the point: policy allows, the destination resets."""
    pcap = tmp_path / "web.pcap"
    pcap.write_bytes(Wire().add(tcp(WEB, CART, 40001, 8080, "S")).add(tcp(CART, WEB, 8080, 40001, "RA")).pcap())
    out = run("egress", "shop/web-7d9f", "shop/cart-5c6b:8080", "--capture", str(pcap), "-o", "json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["allowed"] is True
    assert (doc["wire"]["status"], doc["wire"]["summary"]) == ("fail", f"RST from {CART}:8080: port closed or rejected")


def test_a_capture_that_cannot_be_read_does_not_change_the_answer(tmp_path: Path) -> None:
    out = run(
        "egress", "shop/web-7d9f", "shop/cart-5c6b:8080", "--capture", str(tmp_path / "missing.pcap"), "-o", "json"
    )
    assert out.returncode == 0
    assert "wire" not in json.loads(out.stdout)
    assert "warning: no wire evidence: cannot open" in out.stderr


def test_without_capture_the_contract_is_unchanged() -> None:
    out = run("egress", "shop/web-7d9f", "shop/cart-5c6b:8080", "-o", "json")
    assert "wire" not in json.loads(out.stdout)


def test_capture_filter_for_a_timed_pod_capture() -> None:
    from kubetraffic.cli.wire import capture_filter

    assert capture_filter([(STRIPE, 443), ("10.96.0.20", None)], "TCP", dns=True) == (
        f"(host {STRIPE} and tcp port 443) or (host 10.96.0.20) or (port 53)"
    )
    assert capture_filter([], "UDP", dns=False) == "(port 53)"


SHOP = str(Path(__file__).parent.parent / "fixtures" / "trace-shop")
CART_URL = "https://shop.example.com/api/cart"
CONTROLLER, CART_POD = "10.244.1.7", "10.244.1.30"  # ingress-nginx and one cart pod (trace-shop)


def trace(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kubetraffic", "--snapshot", SHOP, "trace", CART_URL, *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_trace_wire_hop_shows_what_the_config_cannot(tmp_path: Path) -> None:
    """Every configured hop is fine; the wire shows the backend resetting connections."""
    pcap = tmp_path / "cart.pcap"
    w = Wire()
    for port in (50001, 50002):
        w.add(tcp(CONTROLLER, CART_POD, port, 8080, "S")).add(tcp(CART_POD, CONTROLLER, 8080, port, "RA"))
    pcap.write_bytes(w.pcap(276))
    out = trace("--capture", str(pcap), "-o", "json")
    doc = json.loads(out.stdout)
    wire = doc["hops"][-1]
    assert list(wire) == ["kind", "name", "status", "summary", "evidence", "fix"]
    assert (wire["kind"], wire["status"]) == ("wire", "fail")
    assert wire["summary"] == f"RST from {CART_POD}:8080: port closed or rejected"
    assert doc["verdict"] == "broken"
    assert doc["first_failure"] == len(doc["hops"]) - 1
    assert out.returncode == 1


def test_trace_wire_hop_ok_and_unknown(tmp_path: Path) -> None:
    pcap = tmp_path / "ok.pcap"
    w = Wire().add(tcp(CONTROLLER, "10.96.20.2", 50003, 80, "S")).add(tcp("10.96.20.2", CONTROLLER, 80, 50003, "SA"))
    pcap.write_bytes(w.pcap())
    doc = json.loads(trace("--capture", str(pcap), "-o", "json").stdout)
    assert doc["hops"][-1]["status"] == "ok", "the Service's cluster IP and port count as the backend"
    assert doc["verdict"] == "ok"
    empty = tmp_path / "empty.pcap"
    empty.write_bytes(Wire().pcap())
    doc = json.loads(trace("--capture", str(empty), "-o", "json").stdout)
    assert doc["hops"][-1]["status"] == "unknown"
