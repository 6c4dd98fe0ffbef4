"""``egress``, ``explain``, ``policies`` and ``matrix`` as a user runs them: a subprocess on
fixture snapshots, JSON per DESIGN.md §4, exit codes, and a fix that works once applied."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

FIXTURES = Path(__file__).parent.parent / "fixtures"
PAY = str(FIXTURES / "policy-payments")
STRIPE = ("--resolve", "api.stripe.com=198.51.100.7")

SIDE_KEYS = {"allowed", "isolated", "policies", "matched", "misses"}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kubetraffic", *args], capture_output=True, text=True, timeout=60)


def run_json(*args: str) -> tuple[int, Any]:
    out = run(*args, "-o", "json")
    assert out.stdout, out.stderr
    return out.returncode, json.loads(out.stdout)


def test_egress_json_contract_and_the_nearest_miss() -> None:
    code, doc = run_json("--snapshot", PAY, "egress", "payments/payments-api", "api.stripe.com:443", *STRIPE)
    assert code == 1
    assert {"source", "destination", "allowed", "egress", "ingress", "dns", "fix"} <= set(doc)
    assert doc["allowed"] is False
    dest = doc["destination"]
    assert (dest["ip"], dest["host"], dest["pod"], dest["port"], dest["protocol"]) == (
        "198.51.100.7",
        "api.stripe.com",
        None,
        443,
        "TCP",
    )
    assert doc["source"]["pod"] == "payments/payments-api-6b9-k2"
    assert doc["source"]["workload"] == "payments/payments-api"
    egress = doc["egress"]
    assert set(egress) >= SIDE_KEYS
    assert (egress["allowed"], egress["isolated"], egress["matched"]) == (False, True, None)
    assert egress["policies"] == ["payments/allow-db", "payments/allow-dns", "payments/default-deny"]
    assert egress["misses"][0] == {
        "policy": "payments/allow-db",
        "rule": 0,
        "reason": "port 443/TCP not in [5432/TCP]; api.stripe.com (198.51.100.7) not in 10.20.0.0/16",
        "failed": ["port", "peer"],
    }
    assert egress["misses"][-1]["rule"] == -1
    assert doc["ingress"] is None
    assert doc["dns"]["allowed"] is True
    assert doc["dns"]["udp"] is True
    assert doc["fix"]["verified"] is True
    policy = yaml.safe_load(doc["fix"]["yaml"])
    assert policy["kind"] == "NetworkPolicy"
    assert policy["spec"]["egress"][0]["to"] == [{"ipBlock": {"cidr": "198.51.100.7/32"}}]
    assert [t["allowed"] for t in doc["targets"]] == [False, False]


def test_the_fix_works_when_applied(tmp_path: Path) -> None:
    snapshot = tmp_path / "cluster"
    shutil.copytree(PAY, snapshot)
    code, doc = run_json("--snapshot", str(snapshot), "egress", "payments/payments-api", "api.stripe.com:443", *STRIPE)
    assert code == 1
    (snapshot / "fix.yaml").write_text(doc["fix"]["yaml"])
    code, doc = run_json("--snapshot", str(snapshot), "egress", "payments/payments-api", "api.stripe.com:443", *STRIPE)
    assert code == 0
    assert doc["allowed"] is True
    assert doc["egress"]["matched"] == {"policy": "payments/allow-payments-api-to-198-51-100-7-tcp-443", "rule": 0}
    assert doc["fix"] is None
    # ... and only that: the next port is still denied.
    code, _ = run_json("--snapshot", str(snapshot), "egress", "payments/payments-api", "api.stripe.com:444", *STRIPE)
    assert code == 1


def test_egress_people_output_walks_through_the_verdict() -> None:
    out = run("--snapshot", PAY, "egress", "payments/payments-api", "api.stripe.com:443", *STRIPE, "--color", "never")
    assert out.returncode == 1
    lines = out.stdout.splitlines()
    assert lines[0] == "✖ denied  payments/payments-api-6b9-k2 → api.stripe.com (198.51.100.7) TCP 443"
    text = out.stdout
    order = [text.index(s) for s in ("  egress ", "  ingress ", "  DNS ", "  verdict ", "  fix ")]
    assert order == sorted(order)
    assert (
        "nearest: payments/allow-db rule 0 — port 443/TCP not in [5432/TCP]; api.stripe.com (198.51.100.7) "
        "not in 10.20.0.0/16" in text
    )
    assert "payments/default-deny — no egress rules" in text
    assert "kubectl apply -f - <<'EOF'" in text
    assert "verified: re-evaluated with the fix applied" in text


def test_egress_allowed_exits_zero() -> None:
    code, doc = run_json("--snapshot", PAY, "egress", "payments/payments-api-6b9-k2", "kube-system/coredns-a:53/udp")
    assert code == 0
    assert doc["egress"]["matched"] == {"policy": "payments/allow-dns", "rule": 0}
    assert doc["ingress"]["isolated"] is False
    assert doc["destination"]["protocol"] == "UDP"


def test_explain_through_a_service_uses_the_target_port() -> None:
    code, doc = run_json(
        "--snapshot", PAY, "explain", "--from", "shop/cart", "--to", "payments/payments-api", "--port", "80"
    )
    assert code == 1
    assert doc["destination"]["port"] == 8080
    assert doc["destination"]["named_port"] == "http"
    assert doc["destination"]["service"] == "payments/payments-api"
    assert doc["egress"]["isolated"] is False
    assert doc["ingress"]["misses"][0]["reason"] == "pod lacks app=checkout (has app=cart)"
    fix = yaml.safe_load(doc["fix"]["yaml"])
    assert fix["spec"]["ingress"][0]["from"][0]["podSelector"] == {"matchLabels": {"app": "cart"}}


def test_explain_from_an_address_has_no_egress_side() -> None:
    code, doc = run_json(
        "--snapshot", PAY, "explain", "--from", "203.0.113.5", "--to", "payments/payments-api-6b9-k2", "--port", "8080"
    )
    assert code == 1
    assert doc["egress"] is None
    assert doc["ingress"]["misses"][0]["policy"] == "payments/allow-from-shop"


def test_explain_without_a_port_lists_the_ports() -> None:
    code, doc = run_json(
        "--snapshot", PAY, "explain", "--from", "payments/payments-api", "--to", "kube-system/coredns-a"
    )
    assert code == 0
    assert doc["ports"] == {"TCP": [53], "UDP": [53]}
    assert doc["destination"]["port"] is None


def test_policies_json() -> None:
    code, doc = run_json("--snapshot", PAY, "policies", "payments/payments-api")
    assert code == 0
    assert doc["pod"] == "payments/payments-api-6b9-k2"
    assert doc["workload"] == {"kind": "Deployment", "name": "payments/payments-api"}
    assert doc["ingress"] == {"isolated": True, "policies": ["payments/allow-from-shop", "payments/default-deny"]}
    rules = {p["name"]: p["rules"] for p in doc["policies"]}
    assert rules["payments/allow-db"][1] == "egress rule 0: allow to 10.20.0.0/16, on [5432/TCP]"
    assert doc["dns"]["allowed"] is True


def test_matrix_json_contract() -> None:
    code, doc = run_json("--snapshot", PAY, "matrix")
    assert code == 0
    assert doc["workloads"][1] == {
        "name": "payments/payments-api",
        "kind": "Deployment",
        "pods": ["payments/payments-api-6b9-k2", "payments/payments-api-6b9-x8"],
    }
    conns = {(c["src"], c["dst"]): c["conns"] for c in doc["connections"]}
    assert conns[("payments/payments-api", "kube-system/coredns-a")] == {"TCP": [53], "UDP": [53]}
    assert conns[("payments/payments-api", "10.20.0.0/16")] == {"TCP": [5432]}
    assert conns[("shop/cart", "0.0.0.0/0")] == "all"
    assert ("shop/cart", "payments/payments-api") not in conns  # pairs with nothing allowed are omitted


def test_matrix_scoped_by_namespace_and_selector() -> None:
    _, doc = run_json("--snapshot", PAY, "matrix", "-n", "payments")
    assert [w["name"] for w in doc["workloads"]] == ["payments/payments-api"]
    _, doc = run_json("--snapshot", PAY, "matrix", "-A", "-l", "app=cart")
    assert [w["name"] for w in doc["workloads"]] == ["shop/cart"]


def test_bad_input_is_one_line_exit_2() -> None:
    cases = [
        (("egress", "payments/nope", "1.2.3.4:443"), "no payments/nope"),
        (("egress", "payments/payments-api", "1.2.3.4:99999"), "bad port '99999'"),
        (
            ("egress", "payments/payments-api", "payments-api.payments:443"),
            "Service payments/payments-api has no port 443",
        ),
        (("egress", "payments/payments-api", "1.2.3.4:grpc"), "named port 'grpc' needs a destination pod"),
        (("explain", "--from", "payments/payments-api", "--to", "1.2.3.4:443", "--port", "80"), "give the port once"),
        (("policies", "1.2.3.4"), "expected a pod or a workload"),
        (("egress", "payments/payments-api", "10.0.0.0/33:443"), "bad CIDR '10.0.0.0/33'"),
    ]
    for args, message in cases:
        out = run("--snapshot", PAY, *args)
        assert out.returncode == 2, (args, out.stdout, out.stderr)
        assert message in out.stderr, (args, out.stderr)
        assert not out.stdout
