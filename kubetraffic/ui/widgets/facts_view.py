"""Plain views: namespace summaries, object facts, group listings and one-line messages."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from kubetraffic.render.text import data
from kubetraffic.ui.answers import Problem, Unavailable
from kubetraffic.ui.answers.analysis import Gone, GroupAnswer
from kubetraffic.ui.answers.details import Facts
from kubetraffic.ui.answers.inventory import NamespaceRows, NavRow
from kubetraffic.ui.palette import Palette, palette, styled


class FactsView(VerticalScroll):
    """A scrollable Rich rendering of whichever plain answer is shown."""

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static(id="facts-body")

    def show(self, answer: object, extra: list[object] | None = None) -> None:
        """Render ``answer`` (and the supporting ``extra`` answers below it)."""
        pal = palette(self.app)
        parts = [render_plain(answer, pal)]
        parts += [render_plain(e, pal) for e in extra or ()]
        self.query_one("#facts-body", Static).update(Group(*parts))


def render_plain(answer: object, pal: Palette) -> RenderableType:
    """Rich rendering of Facts, NamespaceRows, GroupAnswer, Gone and Unavailable."""
    if isinstance(answer, Facts):
        return facts_table(answer, pal)
    if isinstance(answer, NamespaceRows):
        return namespace_summary(answer, pal)
    if isinstance(answer, GroupAnswer):
        return rows_table(answer.title, answer.rows, pal)
    if isinstance(answer, Gone):
        return Text.assemble(data(answer.target.title()), (" no longer exists", pal.status("warn")))
    if isinstance(answer, Problem):
        return Text.assemble(("▲ ", pal.status("warn")), styled(answer.message, pal.status("warn")))
    if isinstance(answer, Unavailable):
        return Text.assemble(("○ ", pal.muted), data(answer.reason, "dim"))
    return Text("")


def facts_table(facts: Facts, pal: Palette) -> RenderableType:
    """A facts block: label/value lines, then sections."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="dim", no_wrap=True)
    table.add_column()
    for label, value, status in facts.lines:
        table.add_row(label, styled(value, pal.status(status) if status else ""))
    parts: list[RenderableType] = [Text.assemble(_glyph(facts.status, pal), data(facts.title, "bold")), table]
    for title, lines in facts.sections.items():
        if not lines:
            continue
        section = Table.grid(padding=(0, 2))
        section.add_column(no_wrap=True)
        section.add_column(style="dim")
        for name, detail in lines:
            section.add_row(data(name), data(detail))
        parts += [Text(""), Text(title, style="bold"), section]
    return Group(*parts)


def namespace_summary(rows: NamespaceRows, pal: Palette) -> RenderableType:
    """Counts per group and the problems found in one namespace."""
    parts: list[RenderableType] = [Text.assemble(_glyph(rows.status, pal), data(f"Namespace {rows.namespace}", "bold"))]
    counts = Table.grid(padding=(0, 2))
    counts.add_column(no_wrap=True)
    counts.add_column(justify="right")
    for group in rows.groups:
        counts.add_row(Text.assemble(_glyph(group.status, pal), group.name), str(len(group.children)))
    parts.append(counts)
    if rows.problems:
        parts += [Text(""), Text("problems", style="bold")]
        parts += [Text.assemble(("✖ ", pal.status("fail")), data(p)) for p in rows.problems[:30]]
    else:
        parts += [Text(""), Text("no failing route, Service or workload found", style="dim")]
    return Group(*parts)


def rows_table(title: str, rows: list[NavRow], pal: Palette) -> RenderableType:
    """A list of navigator rows with their status and detail."""
    table = Table(box=None, show_header=False, padding=(0, 1), expand=False)
    table.add_column(no_wrap=True)
    table.add_column(no_wrap=True)
    table.add_column(style="dim")
    for row in rows:
        glyph, style = _glyph(row.status, pal)
        table.add_row(Text(glyph.strip(), style=style), data(row.name), data(row.detail))
    return Group(data(title, "bold"), table)


def _glyph(status: str, pal: Palette) -> tuple[str, Style]:
    glyph, style = pal.glyph(status)
    return (f"{glyph} ", style)
