"""``matrix``: workload × workload connectivity and external ranges, as a table and as JSON."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from kubetraffic.core.policy import Matrix
from kubetraffic.render.text import data
from kubetraffic.render.verdict import ports_data


def matrix_data(matrix: Matrix) -> dict[str, Any]:
    """The ``matrix -o json`` document (DESIGN.md §4), each connection with ``partial``."""
    return {
        "workloads": [{"name": w.ref.ref, "kind": w.ref.kind, "pods": list(w.pods)} for w in matrix.workloads],
        "connections": [
            {"src": c.src, "dst": c.dst, "conns": ports_data(c.ports), "partial": c.partial} for c in matrix.connections
        ],
        "notes": list(matrix.notes),
    }


def _ports_text(c: Any) -> Text:
    text = data("all ports" if c.ports.is_all() else str(c.ports))
    if c.partial:
        text.append(" *", style="yellow")
    return text


def matrix_view(matrix: Matrix) -> RenderableType:
    """Two tables: between workloads, and with external ranges; ``*`` marks partial rows."""
    names = {w.ref.ref for w in matrix.workloads}
    inner = Table(title="between workloads", title_justify="left", box=None, pad_edge=False)
    outer = Table(title="with external ranges", title_justify="left", box=None, pad_edge=False)
    for table in (inner, outer):
        table.add_column("FROM", no_wrap=True)
        table.add_column("TO", no_wrap=True)
        table.add_column("PORTS")
    for c in matrix.connections:
        table = inner if c.src in names and c.dst in names else outer
        table.add_row(data(c.src), data(c.dst), _ports_text(c))
    rows: list[RenderableType] = [
        Text(f"{len(matrix.workloads)} workloads", style="bold"),
        inner if inner.row_count else Text("no connection is allowed between these workloads", style="yellow"),
        Text(""),
        outer,
    ]
    if any(c.partial for c in matrix.connections):
        rows.append(Text("* only some pod pairs get these ports (pods that policies tell apart)", style="dim"))
    rows += [Text(f"note: {n}", style="dim") for n in matrix.notes]
    return Group(*rows)
