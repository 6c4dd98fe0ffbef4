"""``kubetraffic trace`` as a user runs it: a subprocess on fixture scenarios, JSON asserted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.tls_helpers import make_certificate, tls_server

FIXTURES = Path(__file__).parent.parent / "fixtures"
SHOP = str(FIXTURES / "trace-shop")
CART = "https://shop.example.com/api/cart"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kubetraffic", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"},
    )


def test_json_contract_for_one_url() -> None:
    out = run("trace", CART, "--snapshot", SHOP, "-o", "json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert list(doc) == ["url", "verdict", "route", "hops", "first_failure"]
    assert doc["url"] == CART
    assert doc["verdict"] == "ok"
    assert doc["first_failure"] is None
    assert doc["route"] == {
        "kind": "Ingress",
        "namespace": "shop",
        "name": "storefront",
        "host": "shop.example.com",
        "path": "/api/cart",
        "path_type": "Prefix",
        "default_backend": False,
        "backend": {"service": "shop/cart", "port": "http"},
    }
    for hop in doc["hops"]:
        assert list(hop) == ["kind", "name", "status", "summary", "evidence", "fix"]  # no metrics: none measured
        assert hop["status"] in ("ok", "warn", "fail", "unknown")
    assert [h["kind"] for h in doc["hops"]][:5] == ["client", "dns", "entry", "controller", "rule"]


def test_broken_url_exits_1_and_names_the_first_failure() -> None:
    out = run("--snapshot", SHOP, "--snapshot", str(FIXTURES / "trace-break-selector"), "trace", CART, "-o", "json")
    assert out.returncode == 1
    doc = json.loads(out.stdout)
    failed = doc["hops"][doc["first_failure"]]
    assert doc["verdict"] == "broken"
    assert (failed["kind"], failed["name"], failed["summary"]) == (
        "service",
        "shop/cart",
        "selector app=cart-v2 matches no pods",
    )
    assert failed["fix"].startswith("set the Service selector to app=cart")


def test_no_match_has_a_null_route() -> None:
    out = run("trace", "https://nowhere.example.org/", "--snapshot", SHOP, "-o", "json")
    assert out.returncode == 1
    doc = json.loads(out.stdout)
    assert doc["route"] is None
    assert doc["hops"][doc["first_failure"]]["kind"] == "rule"


def test_several_urls_give_an_array_in_order_and_a_bad_url_is_one_line() -> None:
    out = run("trace", CART, "ftp://bad/", "https://nowhere.example.org/", "--snapshot", SHOP, "-o", "json")
    assert out.returncode == 2  # a malformed URL is an input error; the others are still answered
    docs = json.loads(out.stdout)
    assert [d["url"] for d in docs] == [CART, "https://nowhere.example.org/"]
    assert [d["verdict"] for d in docs] == ["ok", "broken"]
    errors = [line for line in out.stderr.splitlines() if "ftp://bad/" in line]
    assert errors == ["kubetraffic: invalid URL 'ftp://bad/': scheme must be http or https, not 'ftp'"]


def test_summary_table_for_several_urls() -> None:
    out = run("trace", CART, "https://nowhere.example.org/", "--snapshot", SHOP)
    assert out.returncode == 1
    lines = out.stdout.splitlines()
    assert lines[0].split() == ["URL", "VERDICT", "ROUTE", "FIRST", "PROBLEM"]
    assert "✔ ok" in lines[1]
    assert "Ingress shop/storefront → shop/cart:http" in lines[1]
    assert "✖ broken" in lines[2]
    assert "no route" in lines[2]
    assert "rule: no rule matches" in lines[2]


def test_readable_chain_names_the_first_failure_on_top() -> None:
    out = run("trace", CART, "--snapshot", SHOP, "--snapshot", str(FIXTURES / "trace-break-not-ready"))
    assert out.returncode == 1
    lines = out.stdout.splitlines()
    assert lines[0] == "✖ broken at EndpointSlices shop/cart: no ready endpoints (0/3 ready)"
    assert any(
        line.startswith("endpoints ──▶ no ready endpoints (0/3 ready)") and line.rstrip().endswith("FAIL")
        for line in lines
    )
    assert any(line.strip().startswith("fix: find out why the readiness probe") for line in lines)
    assert any(line.startswith("pods      ──▶ (not reached)") for line in lines)


def test_usage_errors() -> None:
    out = run("trace", CART, "--snapshot", SHOP, "--via", "nope")
    assert out.returncode == 2
    assert out.stderr.strip() == "kubetraffic: --via nope: no IngressClass 'nope' (IngressClasses: nginx)"
    out = run("trace", CART, "--snapshot", SHOP, "-H", "broken-header")
    assert out.returncode == 2
    assert "header 'broken-header': expected NAME:VALUE" in out.stderr


def test_gateway_via_and_headers() -> None:
    gateway = str(FIXTURES / "trace-gateway")
    out = run(
        "trace",
        "https://store.example.com/api/x",
        "-H",
        "x-canary: always",
        "--via",
        "infra/web",
        "--snapshot",
        gateway,
        "-o",
        "json",
    )
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["route"]["kind"] == "HTTPRoute"
    assert doc["route"]["backend"] == {"service": "store/api-canary", "port": 8080}


def test_offline_by_default_and_probe_when_asked(tmp_path: Path) -> None:
    cert, key = make_certificate(tmp_path, ["www.example.com"], cn="wrong")
    with tls_server(cert, key) as server:
        url = f"https://shop.example.com:{server.port}/api/cart"
        resolve = "--resolve=shop.example.com=127.0.0.1"
        offline = run("trace", url, "--snapshot", SHOP, resolve, "-o", "json")
        assert server.sni_seen == []  # snapshot: no probe unless asked
        probed = run("trace", url, "--snapshot", SHOP, resolve, "--probe", "-o", "json")
    assert server.sni_seen == ["shop.example.com"]
    tls_offline = next(h for h in json.loads(offline.stdout)["hops"] if h["kind"] == "tls")
    assert tls_offline["status"] == "ok"
    doc = json.loads(probed.stdout)
    tls = next(h for h in doc["hops"] if h["kind"] == "tls")
    assert tls["status"] == "fail"
    assert tls["summary"] == "served certificate does not cover shop.example.com (SANs: www.example.com)"
    assert f"probed 127.0.0.1:{server.port} with SNI shop.example.com" in tls["evidence"]
    dns = next(h for h in doc["hops"] if h["kind"] == "dns")
    assert dns["status"] == "warn"  # --resolve answered, with an address that is not the LoadBalancer's
    assert dns["summary"] == "shop.example.com → 127.0.0.1, not the entry point 203.0.113.10"
    assert probed.returncode == 1
