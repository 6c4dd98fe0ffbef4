"""``--demo`` as a user runs it: a subprocess, JSON asserted, every answer marked demo.

The demo's planted faults must give the answers the README promises, every command must
work on ``--demo`` as on ``--snapshot``, and the demo written out as files must answer the
same as the demo itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
import yaml

STRIPE = ("payments/payments-api", "api.stripe.com:443")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kubetraffic", *args], capture_output=True, text=True, timeout=120)


def run_json(*args: str) -> tuple[int, Any]:
    out = run(*args, "-o", "json")
    assert out.stdout, out.stderr
    assert "kubetraffic: demo: " in out.stderr or "--snapshot" in args
    return out.returncode, json.loads(out.stdout)


@pytest.fixture(scope="module")
def dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo written out by ``kubetraffic --demo snapshot save DIR``."""
    directory = tmp_path_factory.mktemp("demo") / "snapshot"
    out = run("--demo", "snapshot", "save", str(directory))
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"saved 67 objects to {directory}")
    return directory


def watch(*args: str, lines: int) -> list[dict[str, Any]]:
    """The first ``lines`` answers of ``--watch -o json``, with the demo playing 100x faster."""
    env = {**os.environ, "KUBETRAFFIC_DEMO_SPEED": "100"}
    cmd = [sys.executable, "-m", "kubetraffic", "--demo", *args, "--watch", "-o", "json"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    watchdog = threading.Timer(60, proc.kill)  # never hang the suite
    watchdog.start()
    try:
        assert proc.stdout is not None
        return [json.loads(proc.stdout.readline()) for _ in range(lines)]
    finally:
        watchdog.cancel()
        proc.kill()
        proc.wait()


# ------------------------------------------------------------------ what was loaded
def test_summary_of_the_demo_is_marked_and_complete() -> None:
    code, doc = run_json("--demo", "summary")
    assert code == 0
    assert doc["source"]["mode"] == "demo"
    assert doc["counts"]["Pod"] == 15
    workloads = {w["name"]: len(w["pods"]) for w in doc["workloads"]}
    assert workloads == {
        "ingress-nginx/ingress-nginx-controller": 2,
        "kube-system/coredns": 2,
        "payments/payments-api": 2,
        "shop/admin": 1,
        "shop/api": 2,
        "shop/cart": 3,
        "shop/frontend": 3,
    }


def test_get_endpoints_shows_the_planted_readiness() -> None:
    code, doc = run_json("get", "ep", "-n", "shop", "--demo")
    assert code == 0
    ready = {
        i["service"]: sum(1 for e in i.get("endpoints", []) if e.get("conditions", {}).get("ready"))
        for i in doc["items"]
    }
    assert ready == {"admin": 0, "api": 2, "cart": 1, "frontend": 3}


def test_demo_and_snapshot_together_is_a_usage_error() -> None:
    out = run("--demo", "--snapshot", ".", "summary")
    assert out.returncode == 2
    assert "--demo and --snapshot cannot be used together" in out.stderr


# ------------------------------------------------------------------ payments -> stripe
def test_egress_to_stripe_is_denied_with_the_nearest_miss_and_dns_allowed() -> None:
    code, doc = run_json("--demo", "egress", *STRIPE)
    assert code == 1
    assert doc["allowed"] is False
    assert (doc["destination"]["host"], doc["destination"]["ip"], doc["destination"]["port"]) == (
        "api.stripe.com",
        "198.51.100.7",
        443,
    )
    egress = doc["egress"]
    assert egress["isolated"] is True
    assert egress["matched"] is None
    assert egress["policies"] == ["payments/allow-db", "payments/allow-dns", "payments/default-deny"]
    nearest = egress["misses"][0]
    assert (nearest["policy"], nearest["rule"]) == ("payments/allow-db", 0)
    assert "443" in nearest["reason"]
    assert "5432" in nearest["reason"]
    assert "198.51.100.7) not in 10.20.0.0/16" in nearest["reason"]
    assert doc["dns"]["allowed"] is True
    assert doc["ingress"] is None
    # Hubble (the demo's) sees the policy drops that the verdict predicts.
    [measured] = doc["metrics"]
    assert (measured["destination"], measured["allowed"], measured["contradiction"]) == ("198.51.100.7", False, False)
    assert measured["drops_per_second"] == 0.4


def test_the_fix_allows_exactly_that_traffic(dump: Path, tmp_path: Path) -> None:
    _, doc = run_json("--demo", "egress", *STRIPE)
    fix = yaml.safe_load(doc["fix"]["yaml"])
    assert fix["metadata"]["namespace"] == "payments"
    assert fix["spec"]["podSelector"] == {"matchLabels": {"app": "payments-api"}}
    assert fix["spec"]["policyTypes"] == ["Egress"]
    assert fix["spec"]["egress"] == [
        {"to": [{"ipBlock": {"cidr": "198.51.100.7/32"}}], "ports": [{"protocol": "TCP", "port": 443}]}
    ]
    # Applied to the demo's own manifests, it allows that connection and nothing next to it.
    (tmp_path / "fix.yaml").write_text(doc["fix"]["yaml"])
    fixed = ("--snapshot", str(dump), "--snapshot", str(tmp_path / "fix.yaml"))
    assert run(*fixed, "egress", "payments/payments-api", "198.51.100.7:443").returncode == 0
    assert run(*fixed, "egress", "payments/payments-api", "198.51.100.8:443").returncode == 1
    assert run(*fixed, "egress", "payments/payments-api", "198.51.100.7:80").returncode == 1
    assert run(*fixed, "egress", "shop/api", "198.51.100.7:443").returncode == 0  # shop never was isolated


def test_explain_policies_and_matrix_tell_the_same_story() -> None:
    code, doc = run_json(
        "--demo", "explain", "--from", "ingress-nginx/ingress-nginx-controller", "--to", "shop/admin", "--port", "8080"
    )
    assert code == 1
    assert doc["ingress"]["policies"] == ["shop/default-deny"]  # allow-from-ingress does not select admin
    code, doc = run_json(
        "--demo", "explain", "--from", "ingress-nginx/ingress-nginx-controller", "--to", "shop/cart", "--port", "8080"
    )
    assert code == 0
    assert doc["ingress"]["matched"]["policy"] == "shop/allow-from-ingress"
    out = run("--demo", "policies", "payments/payments-api", "--color", "never")
    assert out.returncode == 0
    for name in ("allow-db", "allow-dns", "allow-from-shop-api", "default-deny"):
        assert f"payments/{name}" in out.stdout
    code, doc = run_json("--demo", "matrix", "-A")
    assert code == 0
    payments = [c for c in doc["connections"] if c["src"] == "payments/payments-api"]
    assert {c["dst"]: c["conns"] for c in payments} == {
        "kube-system/coredns": {"TCP": [53], "UDP": [53]},
        "10.20.0.0/16": {"TCP": [5432]},
    }


# ------------------------------------------------------------------ demo == its files
@pytest.mark.parametrize(
    "args",
    [
        ("egress", "payments/payments-api", "198.51.100.7:443"),
        ("egress", "shop/api", "payments/payments-api:8443"),
        ("explain", "--from", "ingress-nginx/ingress-nginx-controller", "--to", "shop/admin", "--port", "8080"),
        ("policies", "payments/payments-api"),
        ("matrix", "-A"),
        ("get", "pods", "-A"),
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_every_command_answers_the_same_on_the_demo_and_on_its_manifests(dump: Path, args: tuple[str, ...]) -> None:
    # The manifests carry the cluster, not its metrics: compare without the demo's Prometheus.
    demo_code, demo = run_json("--demo", "--prometheus", "none", *args)
    snap_code, snap = run_json("--snapshot", str(dump), *args)
    assert demo_code == snap_code
    assert _timeless(demo) == _timeless(snap)


def _timeless(doc: Any) -> Any:
    """Without what differs between two runs by design: the clock (ages) and resourceVersions."""
    if isinstance(doc, dict):
        return {k: _timeless(v) for k, v in doc.items() if k not in ("created", "resource_version")}
    if isinstance(doc, list):
        return [_timeless(v) for v in doc]
    return doc


def test_hostnames_resolve_from_the_demo_table_and_from_resolve_on_the_manifests(dump: Path) -> None:
    _, demo = run_json("--demo", "--prometheus", "none", "egress", *STRIPE)
    _, snap = run_json("--snapshot", str(dump), "egress", *STRIPE, "--resolve", "api.stripe.com=198.51.100.7")
    demo.pop("notes")
    snap.pop("notes")
    assert demo == snap


# ------------------------------------------------------------------ traces
def _hop(doc: dict[str, Any], kind: str) -> dict[str, Any]:
    [found] = [h for h in doc["hops"] if h["kind"] == kind]
    return found


def test_admin_is_broken_at_the_service_and_the_policy_would_deny_too() -> None:
    code, doc = run_json("--demo", "trace", "https://admin.example.com/")
    assert code == 1
    assert doc["verdict"] == "broken"
    failing = doc["hops"][doc["first_failure"]]
    assert failing["kind"] == "service"
    assert failing["summary"] == "selector app=admin-v2 matches no pods"
    assert any(
        e.startswith("nearest pods: shop/admin-") and e.endswith("has app=admin (differs: app)")
        for e in failing["evidence"]
    )
    assert failing["fix"].startswith("set the Service selector to app=admin")
    before = {h["kind"]: h["status"] for h in doc["hops"][: doc["first_failure"]]}
    assert before == {"client": "ok", "dns": "ok", "entry": "ok", "controller": "ok", "rule": "warn", "tls": "ok"}
    assert _hop(doc, "rule")["metrics"]["error_ratio"] == 1.0  # ingress-nginx answers 503: no endpoints
    assert doc["route"]["backend"] == {"service": "shop/admin", "port": 80}
    policy = _hop(doc, "policy")
    assert policy["status"] == "fail"
    assert policy["summary"].startswith("would deny too: NetworkPolicy denies the controller")
    assert any("shop/allow-from-ingress" in e and "app=admin" in e for e in policy["evidence"])


def test_cart_is_degraded_one_of_three_endpoints_ready() -> None:
    code, doc = run_json("--demo", "trace", "https://shop.example.com/api/cart")
    assert code == 0
    assert doc["verdict"] == "degraded"
    assert doc["first_failure"] is None
    assert doc["route"]["path"] == "/api/cart"
    assert doc["route"]["backend"] == {"service": "shop/cart", "port": 80}
    endpoints = _hop(doc, "endpoints")
    assert endpoints["status"] == "warn"
    assert endpoints["summary"] == "1/3 endpoints ready on port 8080"
    assert any("readiness probe" in e for e in endpoints["evidence"])
    assert _hop(doc, "pods")["summary"] == "1/3 ready, 11 restarts"
    assert _hop(doc, "pods")["metrics"]["restarts"] >= 1
    assert _hop(doc, "policy")["status"] == "ok"
    # The demo's metrics: ~12 % of the requests on /api/cart are answered 5xx, as evidence.
    rule = _hop(doc, "rule")
    assert rule["status"] == "warn"
    assert 0.10 <= rule["metrics"]["error_ratio"] <= 0.14
    assert rule["metrics"]["window"] == "5m"
    assert rule["metrics"]["requests_per_second"] > 0
    assert rule["metrics"]["latency_p99_seconds"] > rule["metrics"]["latency_p50_seconds"] > 0
    assert any("answered 5xx" in e for e in rule["evidence"])
    assert "5xx" in rule["summary"]


def test_without_metrics_cart_is_still_degraded_by_its_endpoints() -> None:
    code, doc = run_json("--demo", "--prometheus", "none", "trace", "https://shop.example.com/api/cart")
    assert code == 0
    assert doc["verdict"] == "degraded"
    assert all("metrics" not in h for h in doc["hops"])


def test_the_storefront_root_is_healthy_apart_from_its_certificate() -> None:
    code, doc = run_json("--demo", "trace", "https://shop.example.com/")
    assert code == 0
    assert doc["route"]["backend"]["service"] == "shop/frontend"
    assert _hop(doc, "endpoints")["summary"] == "3/3 endpoints ready on port 8080"
    assert _hop(doc, "rule")["metrics"]["error_ratio"] < 0.01
    warnings = [h["kind"] for h in doc["hops"] if h["status"] != "ok"]
    assert warnings == ["tls"]
    assert _hop(doc, "tls")["summary"].endswith("the served certificate expires in 5 days")
    assert doc["verdict"] == "degraded"


@pytest.mark.parametrize("url", ["https://admin.example.com/", "https://shop.example.com/api/cart"])
def test_traces_answer_the_same_on_the_demo_and_on_its_manifests(dump: Path, url: str) -> None:
    host = url.split("/")[2]
    demo_code, demo = run_json("--demo", "--prometheus", "none", "trace", url)
    snap_code, snap = run_json("--snapshot", str(dump), "trace", url, "--resolve", f"{host}=203.0.113.10")
    assert demo_code == snap_code
    for doc in (demo, snap):  # how the name was resolved differs by design (table vs --resolve)
        _hop(doc, "dns")["evidence"] = []
    assert _timeless(demo) == _timeless(snap)


# ------------------------------------------------------------------ the wire
def test_capture_on_payments_api_shows_dns_then_unanswered_syns_to_stripe() -> None:
    code, doc = run_json("--demo", "capture", "payments/payments-api", "--duration", "10")
    assert code == 0
    assert doc["source"].startswith("pod payments/payments-api-")
    assert doc["source"].endswith("(demo)")
    [stripe] = [f for f in doc["flows"] if f["dst"] == "198.51.100.7:443"]
    assert stripe["state"] == "no-reply"
    assert stripe["syn_retransmits"] == 3  # SYN at 0, 1, 3 and 7 s
    assert stripe["dst_name"] == "api.stripe.com"  # named from the captured DNS answer
    assert "silently dropped" in stripe["diagnosis"]
    answers = {(d["query"], d["type"]): d for d in doc["dns"]}
    assert answers[("api.stripe.com", "A")]["answers"] == ["198.51.100.7"]
    assert answers[("api.stripe.com", "A")]["server"] == "10.96.0.10"


def test_capture_on_the_frontend_shows_healthy_http_from_the_controllers() -> None:
    _, summary = run_json("--demo", "summary")
    [pod] = [p["name"] for p in summary["pods"] if p["name"].startswith("shop/frontend-")][:1]
    code, doc = run_json("--demo", "capture", pod, "--duration", "5")
    assert code == 0
    served = [f for f in doc["flows"] if (f["src_name"] or "").startswith("ingress-nginx/") and f["dst_name"] == pod]
    assert len(served) >= 5
    assert all(f["state"] == "closed" and f["handshake_rtt_ms"] for f in served)


def test_capture_of_an_unknown_demo_pod_is_one_clear_line() -> None:
    out = run("--demo", "capture", "shop/nope")
    assert out.returncode == 2
    assert "no pod shop/nope in the demo cluster" in out.stderr
    assert "Traceback" not in out.stderr


def test_egress_with_capture_puts_the_wire_beside_the_verdict() -> None:
    code, doc = run_json("--demo", "egress", *STRIPE, "--capture", "10")
    assert code == 1
    wire = doc["wire"]
    assert wire["status"] == "fail"
    assert wire["summary"] == "4 SYNs, no reply (silent drop)"
    assert any("198.51.100.7:443 no-reply" in e for e in wire["evidence"])


def test_trace_with_capture_sees_the_cart_answering() -> None:
    code, doc = run_json("--demo", "trace", "https://shop.example.com/api/cart", "--capture", "10")
    assert code == 0
    wire = _hop(doc, "wire")
    assert wire["status"] == "ok"
    assert "got answers" in wire["summary"]


# ------------------------------------------------------------------ live
def test_trace_watch_follows_the_cart_pods_readiness() -> None:
    first, second = watch("trace", "https://shop.example.com/api/cart", lines=2)
    assert _hop(first, "endpoints")["summary"] == "1/3 endpoints ready on port 8080"
    assert _hop(second, "endpoints")["summary"] == "2/3 endpoints ready on port 8080"
    assert _hop(second, "rule")["metrics"]["error_ratio"] < _hop(first, "rule")["metrics"]["error_ratio"]


def test_egress_watch_sees_the_policy_applied_and_rolled_back() -> None:
    before, applied, rolled_back = watch("egress", *STRIPE, lines=3)
    assert before["allowed"] is False
    assert applied["allowed"] is True
    assert applied["egress"]["matched"] == {"policy": "payments/allow-stripe-egress", "rule": 0}
    assert applied["metrics"][0]["drops_per_second"] == 0.0
    assert rolled_back["allowed"] is False
