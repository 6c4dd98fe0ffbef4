"""``--demo`` as a user runs it: a subprocess, JSON asserted, every answer marked demo."""

from __future__ import annotations

import json
import subprocess
import sys


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kubetraffic", *args], capture_output=True, text=True, timeout=120)


def test_summary_of_the_demo_is_marked_and_complete() -> None:
    out = run("--demo", "summary", "-o", "json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["source"]["mode"] == "demo"
    assert doc["counts"]["Pod"] == 15
    assert "kubetraffic: demo: " in out.stderr
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
    out = run("get", "ep", "-n", "shop", "--demo", "-o", "json")
    assert out.returncode == 0, out.stderr
    ready = {
        i["service"]: sum(1 for e in i.get("endpoints", []) if e.get("conditions", {}).get("ready"))
        for i in json.loads(out.stdout)["items"]
    }
    assert ready == {"admin": 0, "api": 2, "cart": 1, "frontend": 3}


def test_demo_and_snapshot_together_is_a_usage_error() -> None:
    out = run("--demo", "--snapshot", ".", "summary")
    assert out.returncode == 2
    assert "--demo and --snapshot cannot be used together" in out.stderr
