"""The header: where the data comes from and how each source is doing, on one line.

context ▸ namespace · API state per resource · Prometheus · capture · window/--at · mode.
Problems are named (``networkpolicies forbidden``) instead of hidden behind one dot.
"""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from kubetraffic.core.events import ResourceStatus
from kubetraffic.render.text import clean_line
from kubetraffic.ui.palette import palette

_API_STATUS = {
    "watching": "ok",
    "static": "ok",
    "listing": "unknown",
    "resyncing": "warn",
    "reconnecting": "warn",
    "forbidden": "fail",
    "unavailable": "unknown",
}


def api_summary(statuses: dict[str, ResourceStatus]) -> tuple[str, str]:
    """(status, text) for the API source: one word when all agree, else the exceptions."""
    if not statuses:
        return "unknown", "connecting"
    states = {s.state for s in statuses.values()}
    if len(states) == 1:
        state = next(iter(states))
        return _API_STATUS.get(state, "unknown"), state
    normal = "watching" if "watching" in states else "static"
    odd = sorted((s for s in statuses.values() if s.state not in (normal, "unavailable")), key=lambda s: s.kind)
    if not odd:
        return "ok", normal
    worst = "fail" if any(s.state == "forbidden" for s in odd) else "warn"
    shown = ", ".join(f"{s.kind.lower()} {s.state}" for s in odd[:3])
    more = f" +{len(odd) - 3}" if len(odd) > 3 else ""
    return worst, f"{normal}; {shown}{more}"


class StatusHeader(Widget):
    """One line (two when wide content needs it) of source states; set its attributes."""

    DEFAULT_CSS = "StatusHeader { height: auto; }"

    mode: reactive[str] = reactive("")
    context: reactive[str] = reactive("")
    namespace: reactive[str] = reactive("")
    statuses: reactive[dict[str, ResourceStatus]] = reactive(dict, always_update=True)
    prometheus: reactive[tuple[str, str]] = reactive(("", "none"))
    prometheus_name: reactive[str] = reactive("Prometheus")
    capture: reactive[tuple[str, str]] = reactive(("", "idle"))
    window: reactive[str] = reactive("5m")
    at: reactive[str] = reactive("")
    load_state: reactive[str] = reactive("")

    def render(self) -> Text:
        full = self._line(compact=False)
        if full.cell_len <= self.size.width or not self.size.width:
            return full
        return self._line(compact=True)

    def _line(self, *, compact: bool) -> Text:
        """The header line; ``compact`` drops labels so 80 columns keep every state."""
        pal = palette(self.app)
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(" kubetraffic " if not compact else " kt ", style=pal.primary)
        if self.mode in ("demo", "snapshot"):
            text.append(f" {self.mode.upper()} ", style=pal.accent + pal.flash)
        if self.context:
            if not compact:
                text.append(" from " if self.mode == "snapshot" else " ctx ", style="dim")
            else:
                text.append(" ")
            context = clean_line(self.context)
            text.append(context if not compact or len(context) <= 24 else "…" + context[-23:])
        text.append(" ▸ ns " if not compact else " ▸ ", style="dim")
        text.append(clean_line(self.namespace or "all"))
        if self.load_state:
            text.append(f"  {clean_line(self.load_state)}", style=pal.status("warn"))
        else:
            status, words = api_summary(self.statuses)
            self._part(text, "API", status, words, compact)
        prom_status, prom_words = self.prometheus
        name = self.prometheus_name
        short = "Prom" if name == "Prometheus" else name.split()[0]
        self._part(text, short if compact else name, prom_status, prom_words, compact)
        cap_status, cap_words = self.capture
        self._part(text, "cap" if compact else "capture", cap_status, cap_words, compact)
        text.append(f"  {'' if compact else 'metrics '}{self.window}", style="dim")
        if self.at:
            text.append("  at ", style="dim")
            text.append(clean_line(self.at), style=pal.accent)
        return text

    def _part(self, text: Text, name: str, status: str, words: str, compact: bool) -> None:
        pal = palette(self.app)
        glyph = {"ok": "●", "warn": "▲", "fail": "✖"}.get(status, "○")
        text.append(f"  {name} ", style="dim")
        text.append(glyph, style=pal.status(status) if status else pal.muted)
        text.append(f" {clean_line(words)}")
