"""The Service view: selector and the pods it selects, ports, endpoints, who routes to it."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from kubetraffic.render.text import data
from kubetraffic.ui.answers.service import ServiceAnswer
from kubetraffic.ui.palette import Palette, palette, styled


class ServiceView(VerticalScroll):
    """Shows one ``ServiceAnswer``."""

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static(id="service-body")

    def show(self, answer: ServiceAnswer) -> None:
        """Render the answer."""
        self.query_one("#service-body", Static).update(render_service(answer, palette(self.app)))


def _cond(value: bool | None, pal: Palette, *, good: bool = True) -> Text:
    if value is None:
        return Text("–", style="dim")
    ok = value == good
    return Text("yes" if value else "no", style=pal.status("ok" if ok else "fail"))


def render_service(answer: ServiceAnswer, pal: Palette) -> RenderableType:
    """Rich rendering of a ServiceAnswer."""
    svc = answer.service
    glyph, style = pal.glyph(answer.status)
    head = Text.assemble(
        (f"{glyph} ", style), data(f"Service {svc.meta.ref}", "bold"), "  ", styled(answer.summary, style)
    )
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="dim", no_wrap=True)
    facts.add_column()
    facts.add_row("type", data(svc.type + (" (headless)" if svc.headless else "")))
    if svc.cluster_ips:
        facts.add_row("cluster IP", data(", ".join(svc.cluster_ips)))
    if svc.lb_ips or svc.lb_hostnames:
        facts.add_row("load balancer", data(", ".join((*svc.lb_ips, *svc.lb_hostnames))))
    if svc.external_name:
        facts.add_row("external name", data(svc.external_name))
    selected = f"  → {answer.pod_count} pods" if svc.selector is not None else ""
    facts.add_row(
        "selector",
        Text.assemble(
            data(answer.selector), (selected, pal.status("fail") if svc.selector and not answer.pod_count else "")
        ),
    )
    parts: list[RenderableType] = [head, facts]
    if answer.ports:
        ports = Table(box=None, padding=(0, 2), header_style="bold")
        for col in ("port", "targetPort", "on the pods"):
            ports.add_column(col)
        for row in answer.ports:
            ports.add_row(data(row.port), data(row.target), data(row.resolved))
        parts += [Text(""), ports]
    eps = Table(box=None, padding=(0, 2), header_style="bold", title_justify="left")
    for col in ("endpoint", "pod", "node", "ready", "serving", "terminating"):
        eps.add_column(col, no_wrap=True)
    for ep in answer.endpoints:
        eps.add_row(
            data(ep.address),
            data(ep.pod),
            data(ep.node),
            _cond(ep.ready, pal),
            _cond(ep.serving, pal),
            _cond(ep.terminating, pal, good=False),
        )
    parts.append(Text(""))
    if answer.endpoints:
        parts += [
            Text(f"endpoints ({answer.slices} EndpointSlice{'s' if answer.slices != 1 else ''})", style="bold"),
            eps,
        ]
    else:
        parts.append(Text("no endpoints", style=pal.status("warn")))
    if answer.pods:
        more = f" (+{answer.pod_count - len(answer.pods)} more)" if answer.pod_count > len(answer.pods) else ""
        parts += [Text(""), Text("selected pods", style="bold"), data(", ".join(answer.pods) + more, "dim")]
    if answer.routed_by:
        parts += [Text(""), Text("routed to by", style="bold")]
        parts += [data(r) for r in answer.routed_by]
    return Group(*parts)
