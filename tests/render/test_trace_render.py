"""The trace renderers: DESIGN.md §4 JSON (metrics only when measured) and the hop chain text."""

from __future__ import annotations

import io

from kubetraffic.core.diagnose.model import Hop, RouteChoice, Trace
from kubetraffic.core.metrics import HopMetrics, MetricsTarget
from kubetraffic.render.output import make_console
from kubetraffic.render.trace import summary_view, trace_data, trace_view

ROUTE = RouteChoice("Ingress", "shop", "admin", "admin.example.com", "/", "Prefix", False, "shop/admin", 80)
HOPS = (
    Hop("entry", "ingress-nginx/ctrl", "ok", "203.0.113.10 (LoadBalancer ingress-nginx/ctrl)"),
    Hop(
        "rule",
        "Ingress shop/admin",
        "ok",
        "Ingress shop/admin host admin.example.com / Prefix → admin:80",
        target=MetricsTarget("rule", "shop", "admin"),
        metrics=HopMetrics(
            requests_per_second=1200.0, error_ratio=0.121, window="5m", query_time="2026-06-01T10:00:00Z"
        ),
    ),
    Hop(
        "service",
        "shop/admin",
        "fail",
        "selector app=admin-v2 matches no pods",
        ("nearest pods: shop/admin-5f7c-q8 (Deployment shop/admin) has app=admin (differs: app)",),
        "set the Service selector to app=admin, or relabel the pods",
    ),
    Hop("policy", "shop/admin", "fail", "NetworkPolicy denies the controller", ("x",), "allow it"),
)
TRACE = Trace("https://admin.example.com/", HOPS, ROUTE, ("a note",))


def _text(renderable: object, width: int = 120) -> str:
    buf = io.StringIO()
    make_console("never", file=buf, width=width).print(renderable)
    return buf.getvalue()


def test_json_follows_the_contract() -> None:
    doc = trace_data(TRACE)
    assert doc["verdict"] == "broken"
    assert doc["first_failure"] == 2
    assert doc["route"]["backend"] == {"service": "shop/admin", "port": 80}
    assert "metrics" not in doc["hops"][0]
    assert doc["hops"][1]["metrics"] == {
        "requests_per_second": 1200.0,
        "error_ratio": 0.121,
        "window": "5m",
        "query_time": "2026-06-01T10:00:00Z",
    }
    assert doc["hops"][2]["fix"] == "set the Service selector to app=admin, or relabel the pods"
    assert trace_data(Trace("u", ()))["route"] is None


def test_text_names_the_first_failure_and_marks_later_hops_not_reached() -> None:
    text = _text(trace_view(TRACE))
    lines = text.splitlines()
    assert lines[0] == "✖ broken at Service shop/admin: selector app=admin-v2 matches no pods"
    assert any("1.2k req/s · 5xx 12.1 %" in line for line in lines)
    assert any(line.strip().startswith("nearest pods: shop/admin-5f7c-q8") for line in lines)
    assert any(line.strip() == "fix: set the Service selector to app=admin, or relabel the pods" for line in lines)
    policy = next(line for line in lines if line.startswith("policy"))
    assert "(not reached) NetworkPolicy denies the controller" in policy
    assert "fix: allow it" not in text  # not-reached hops stay one line
    assert lines[-1] == "note: a note"


def test_cluster_strings_are_data() -> None:
    nasty = Trace("u", (Hop("rule", "[bold]x", "ok", "evil \x1b[31mred[/] name"),))
    text = _text(trace_view(nasty))
    assert "\x1b" not in text
    assert "[/]" in text  # markup stays literal


def test_summary_table() -> None:
    ok = Trace("https://a/", (Hop("rule", "r", "ok", "fine"),), ROUTE)
    text = _text(summary_view([ok, TRACE]))
    assert "✔ ok" in text
    assert "Ingress shop/admin → shop/admin:80" in text
    assert "Service: selector app=admin-v2 matches no pods" in text
