"""A trace as a vertical chain of hop cards; the first failure is marked and scrolled to.

Each card shows the hop's status (colour and glyph), one-line summary, evidence, fix and,
when measured, request rate, 5xx ratio, p99 latency and a sparkline.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.text import Text
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from kubetraffic.core.diagnose.model import Hop, Trace
from kubetraffic.core.metrics import HopMetrics
from kubetraffic.render.metrics import metrics_line, metrics_text
from kubetraffic.render.text import data
from kubetraffic.ui.palette import Palette, palette, styled, themed

VERDICT_STATUS = {"ok": "ok", "degraded": "warn", "broken": "fail"}


class HopCard(Static, can_focus=True):
    """One hop of a trace; its border colour comes from the ``-ok/-warn/-fail`` class."""

    def set_hop(self, hop: Hop, index: int, first_failure: bool) -> None:
        """Show ``hop`` (cards are reused when a trace is re-evaluated)."""
        for status in ("ok", "warn", "fail", "unknown"):
            self.set_class(hop.status == status, f"-{status}")
        self.set_class(first_failure, "-first-failure")
        self.hop = hop
        self.update(render_hop(hop, palette(self.app), first_failure))


def render_hop(hop: Hop, pal: Palette, first_failure: bool = False) -> RenderableType:
    """The card body: status line, then (indented, wrapping under itself) summary,
    evidence, fix and metrics."""
    glyph, style = pal.glyph(hop.status)
    head = Text.assemble(
        (f"{glyph} ", style),
        (f"{hop.kind:<10}", "bold"),
        " ",
        data(hop.name, "bold"),
        ("  ◀ first failure" if first_failure else "", style),
    )
    body: list[RenderableType] = [styled(hop.summary, style if hop.status != "ok" else "")]
    body += [data(e, "dim") for e in hop.evidence]
    if hop.fix:
        body.append(Text.assemble(("fix ", pal.accent), data(hop.fix)))
    if hop.metrics is not None and hop.metrics.figures():
        body.append(themed(metrics_text(hop.metrics, spark_width=12), pal))
    return Group(head, Padding(Group(*body), (0, 0, 0, 2)))


def render_trace_head(trace: Trace, pal: Palette) -> RenderableType:
    """Verdict, URL, matched route and notes above the cards."""
    status = VERDICT_STATUS[trace.verdict]
    glyph, style = pal.glyph(status)
    head = Text.assemble((f"{glyph} {trace.verdict.upper()}  ", style), data(trace.url, "bold"))
    parts: list[RenderableType] = [head]
    if trace.first_failure is not None:
        hop = trace.hops[trace.first_failure]
        parts.append(Text.assemble(("broken at ", style), styled(f"{hop.kind} {hop.name}: {hop.summary}", style)))
    route = trace.route
    if route is not None:
        where = f"{route.host or '*'}{route.path or ''}" + (f" {route.path_type}" if route.path_type else "")
        if route.default_backend:
            where = "default backend"
        port = f":{route.backend_port}" if route.backend_port is not None else ""
        parts.append(
            data(f"route  {route.kind} {route.namespace}/{route.name}  {where} → {route.backend_service}{port}", "dim")
        )
    elif trace.hops:
        parts.append(Text("route  no rule matches this request", style="dim"))
    parts += [Text.assemble(("note ", pal.muted), data(n, "dim")) for n in trace.notes]
    return Group(*parts)


class TraceView(Vertical):
    """The verdict on top (it stays in view) and the hop chain, scrollable, below."""

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static(id="trace-head")
        yield VerticalScroll(id="trace-cards")

    def show(self, trace: Trace, *, focus_failure: bool = False) -> None:
        """Render ``trace``, reusing existing cards, and bring the first failure into view."""
        pal = palette(self.app)
        self.trace = trace
        self.query_one("#trace-head", Static).update(render_trace_head(trace, pal))
        scroller = self.query_one("#trace-cards", VerticalScroll)
        cards = list(scroller.query(HopCard))
        for extra in cards[len(trace.hops) :]:
            extra.remove()
        new = [HopCard() for _ in range(len(trace.hops) - len(cards))]
        if new:
            scroller.mount_all(new)
        cards = (cards + new)[: len(trace.hops)]
        first = trace.first_failure
        for i, (card, hop) in enumerate(zip(cards, trace.hops, strict=True)):
            card.set_hop(hop, i, i == first)
        # The first failure, else (a degraded trace) the first warning, is brought into view.
        shown = first if first is not None else next((i for i, h in enumerate(trace.hops) if h.status == "warn"), None)
        if shown is not None:
            target = cards[shown]
            self.call_after_refresh(lambda: scroller.scroll_to_widget(target, animate=False, top=True))
            if focus_failure and first is not None:
                self.call_after_refresh(target.focus)
        else:
            scroller.scroll_home(animate=False)

    @property
    def cards(self) -> list[HopCard]:
        """The hop cards, in order."""
        return list(self.query(HopCard))


def metrics_summary(metrics: HopMetrics | None) -> str:
    """Plain one-line figures (for tests and narrow places)."""
    return metrics_line(metrics) if metrics is not None else ""
