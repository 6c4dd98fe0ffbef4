"""The egress view of a pod or workload: checked destination, DNS, reachability, policies."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from kubetraffic.render.text import data
from kubetraffic.render.verdict import INDENT, LABEL_WIDTH, answer_view, dns_lines
from kubetraffic.ui.answers.egress import EgressView
from kubetraffic.ui.palette import Palette, palette, styled, themed


class EgressPane(VerticalScroll):
    """Shows one ``EgressView``."""

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static(id="egress-body")

    def show(self, view: EgressView, measured: list[str] | None = None, *, home: bool = True) -> None:
        """Render the view (the checked destination first, when there is one)."""
        self.query_one("#egress-body", Static).update(render_egress(view, palette(self.app), measured or []))
        if home:
            self.scroll_home(animate=False)


def render_egress(view: EgressView, pal: Palette, measured: list[str] | None = None) -> RenderableType:
    """Rich rendering of an EgressView (with measured drops, when metrics have some)."""
    parts: list[RenderableType] = [
        Text.assemble(
            data(f"Egress of {view.source}", "bold"), (f"  ({view.pods} pod{'s' if view.pods != 1 else ''})", "dim")
        )
    ]
    if view.problem is not None:
        parts.append(Text.assemble(("▲ ", pal.status("warn")), styled(view.problem.message, pal.status("warn"))))
    if view.checked is not None:
        # What metrics measured for this traffic comes first: it confirms or contradicts the verdict.
        for line in measured or []:
            parts.append(Text.assemble(("measured ", "bold"), styled(line, pal.status("warn"))))
        parts += [Text(""), hanging(themed(answer_view(view.checked), pal))]
    elif view.problem is None:
        parts.append(Text("press e to check a destination (host:port, IP, ns/pod, svc.ns:port)", style="dim"))
    if view.dns is not None and (view.checked is None or view.checked.dns is None):
        parts += [Text(""), hanging(themed(Group(*dns_lines(view.dns, view.dns_fix, None)), pal))]
    if view.wire:
        wire = Table(box=None, show_header=True, header_style="bold", padding=(0, 1))
        wire.add_column(" ", no_wrap=True)
        wire.add_column("seen on the wire", ratio=2)
        wire.add_column("proto", no_wrap=True)
        wire.add_column("on the wire", ratio=3)
        wire.add_column("policy", ratio=1)
        for seen in view.wire:
            status = "unknown" if seen.allowed is None else ("ok" if seen.allowed else "fail")
            glyph, style = pal.glyph(status)
            policy = "allowed" if seen.allowed else (seen.why or "denied") if seen.allowed is False else seen.why
            wire_status = "ok" if seen.state in ("established", "closed", "udp") else "fail"
            wire.add_row(
                Text(glyph, style=style),
                data(seen.destination),
                seen.protocol,
                styled(seen.diagnosis or seen.state, pal.status(wire_status)),
                styled(policy, style),
            )
        parts += [Text(""), wire]
    if view.reach:
        table = Table.grid(padding=(0, 1))
        table.add_column(no_wrap=True)
        table.add_column(no_wrap=True, overflow="ellipsis", ratio=1)
        table.add_column(ratio=1)
        table.add_row(Text(" "), Text("may reach", style="bold"), Text("ports", style="bold"))
        for row in view.reach:
            glyph, style = pal.glyph("warn" if row.partial else ("ok" if row.allowed else "fail"))
            detail = Text.assemble(data(row.ports), (f"  {row.why}" if row.why and row.ports else row.why, "dim"))
            table.add_row(Text(glyph, style=style), data(row.destination), detail)
        parts += [Text(""), table]
    if view.policies is not None:
        parts += [Text(""), _policies(view, pal)]
    parts += [data(n, "dim") for n in view.notes]
    return Group(*parts)


def hanging(renderable: RenderableType) -> RenderableType:
    """The CLI walkthrough's ``label  text`` lines as grids, so long text wraps under
    itself instead of under the label; other lines stay as they are."""
    if not isinstance(renderable, Group):
        return renderable
    width = len(INDENT) + LABEL_WIDTH
    out: list[RenderableType] = []
    grid: Table | None = None
    for line in renderable.renderables:
        plain = line.plain if isinstance(line, Text) else ""
        if isinstance(line, Text) and plain.startswith(INDENT) and len(plain) > width:
            if grid is None:
                grid = Table.grid()
                grid.add_column(width=width, no_wrap=True)
                grid.add_column(ratio=1)
                out.append(grid)
            grid.add_row(line[:width], line[width:])
        else:
            grid = None
            out.append(line)
    return Group(*out)


def _policies(view: EgressView, pal: Palette) -> RenderableType:
    pol = view.policies
    assert pol is not None
    lines: list[RenderableType] = []
    for direction, names in (("egress", pol.egress), ("ingress", pol.ingress)):
        label = Text(f"{direction:<8} ", style="bold")
        if names:
            label.append_text(styled(f"isolated by {len(names)}: {', '.join(names)}", pal.status("warn")))
        else:
            label.append_text(styled("not isolated: every connection is allowed", pal.status("ok")))
        lines.append(label)
    for name, rules in pol.rules.items():
        lines.append(Text.assemble(("policy   ", "bold"), styled(name, pal.primary)))
        lines += [Text.assemble("  ", data(rule)) for rule in rules]
    lines += [data(n, "dim") for n in pol.notes]
    return Group(*lines)
