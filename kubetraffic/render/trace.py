"""A trace for people (the hop chain, first failure on top) and for scripts (DESIGN.md §4 JSON).

Cluster strings are data: every summary, evidence line and fix goes through ``data()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from kubetraffic.core.diagnose.model import Hop, Trace
from kubetraffic.core.metrics import HopMetrics
from kubetraffic.render.metrics import metrics_json, metrics_line, metrics_text
from kubetraffic.render.text import clean_line, data

STATUS_WORD = {"ok": "ok", "warn": "WARN", "fail": "FAIL", "unknown": "?"}
STATUS_STYLE = {"ok": "green", "warn": "yellow", "fail": "bold red", "unknown": "dim"}
VERDICT_MARK = {"ok": ("✔", "green"), "degraded": ("▲", "yellow"), "broken": ("✖", "bold red")}
KIND_TITLE = {
    "client": "client",
    "dns": "DNS",
    "entry": "entry point",
    "controller": "controller",
    "rule": "rule",
    "tls": "TLS",
    "service": "Service",
    "endpoints": "EndpointSlices",
    "pods": "pods",
    "policy": "NetworkPolicy",
}


# ---------------------------------------------------------------------------------- JSON
def metrics_data(metrics: HopMetrics) -> dict[str, Any]:
    """The hop ``metrics`` object: measured figures only, plus window and query time."""
    return metrics_json(metrics)


def hop_data(hop: Hop) -> dict[str, Any]:
    """One hop as DESIGN.md §4 lists it; ``metrics`` only when figures were attached."""
    out: dict[str, Any] = {
        "kind": hop.kind,
        "name": hop.name,
        "status": hop.status,
        "summary": hop.summary,
        "evidence": list(hop.evidence),
        "fix": hop.fix,
    }
    if hop.metrics is not None:
        out["metrics"] = metrics_data(hop.metrics)
    return out


def trace_data(trace: Trace) -> dict[str, Any]:
    """The ``trace -o json`` object (``route`` null when nothing matched)."""
    route = trace.route
    return {
        "url": trace.url,
        "verdict": trace.verdict,
        "route": None
        if route is None
        else {
            "kind": route.kind,
            "namespace": route.namespace,
            "name": route.name,
            "host": route.host,
            "path": route.path,
            "path_type": route.path_type,
            "default_backend": route.default_backend,
            "backend": {"service": route.backend_service, "port": route.backend_port},
        },
        "hops": [hop_data(h) for h in trace.hops],
        "first_failure": trace.first_failure,
    }


# ---------------------------------------------------------------------------------- text
def headline(trace: Trace) -> Text:
    """``✖ broken at Service shop/admin: selector app=admin-v2 matches no pods``."""
    mark, style = VERDICT_MARK[trace.verdict]
    line = Text(f"{mark} ", style=style)
    if trace.first_failure is not None:
        hop = trace.hops[trace.first_failure]
        line.append(f"broken at {KIND_TITLE.get(hop.kind, hop.kind)} ", style=style)
        line.append_text(data(hop.name, style))
        line.append(": ", style=style)
        line.append_text(data(hop.summary))
        return line
    warn = next((h for h in trace.hops if h.status == "warn"), None)
    if warn is not None:
        line.append(f"degraded at {KIND_TITLE.get(warn.kind, warn.kind)} ", style=style)
        line.append_text(data(warn.name, style))
        line.append(": ", style=style)
        line.append_text(data(warn.summary))
        return line
    line.append("ok ", style=style)
    line.append_text(data(trace.url))
    if trace.route is not None:
        line.append_text(data(f" → {trace.route.backend_service}:{trace.route.backend_port}"))
    return line


def trace_view(trace: Trace, *, verbose: bool = True) -> RenderableType:
    """The hop chain: one row per hop, evidence and fix under it; later hops marked not reached."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold", max_width=110)
    grid.add_column(no_wrap=True)
    failed_at = trace.first_failure
    for i, hop in enumerate(trace.hops):
        reached = failed_at is None or i <= failed_at
        label = Text(f"{hop.kind:<10}──▶", style="" if reached else "dim")
        summary = data(hop.summary, "" if reached else "dim")
        if not reached:
            summary = Text("(not reached) ", style="dim") + summary
        status = Text(STATUS_WORD[hop.status], style=STATUS_STYLE[hop.status] if reached else "dim")
        grid.add_row(label, summary, status)
        if not reached:
            continue
        if hop.metrics is not None and metrics_line(hop.metrics):
            grid.add_row(Text(""), metrics_text(hop.metrics), Text(""))
        for line in hop.evidence if verbose else ():
            grid.add_row(Text(""), data(clean_line(line)), Text(""))
        if hop.fix:
            grid.add_row(Text(""), Text("fix: ", style="bold") + data(hop.fix), Text(""))
    parts: list[RenderableType] = [headline(trace), grid]
    for note in trace.notes:
        parts.append(Text("note: ", style="bold") + data(note))
    return Group(*parts)


def summary_view(traces: Sequence[Trace]) -> RenderableType:
    """Several URLs: one row each — verdict, route, first failure."""
    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("URL", overflow="fold")
    table.add_column("VERDICT", no_wrap=True)
    table.add_column("ROUTE", overflow="fold")
    table.add_column("FIRST PROBLEM", overflow="fold")
    for trace in traces:
        mark, style = VERDICT_MARK[trace.verdict]
        route = trace.route
        shown = (
            f"{route.kind} {route.namespace}/{route.name} → {route.backend_service}:{route.backend_port}"
            if route
            else "no route"
        )
        problem_hop = next((h for h in trace.hops if h.status == "fail"), None) or next(
            (h for h in trace.hops if h.status == "warn"), None
        )
        problem = f"{KIND_TITLE.get(problem_hop.kind, problem_hop.kind)}: {problem_hop.summary}" if problem_hop else ""
        table.add_row(data(trace.url), Text(f"{mark} {trace.verdict}", style=style), data(shown), data(problem))
    return table
