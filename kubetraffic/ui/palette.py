"""Rich styles taken from the running Textual theme, so every colour follows the theme.

CSS handles widget colours; this covers the coloured spans inside Rich text (status
glyphs, evidence, sparklines), which cannot name CSS variables.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.console import Group, RenderableType
from rich.style import Style
from rich.text import Span, Text
from textual.app import App
from textual.color import Color, ColorParseError

from kubetraffic.render.text import data

STATUS_GLYPH = {"ok": "●", "warn": "▲", "fail": "✖", "unknown": "○", "": " "}
"""One glyph per status, so status never depends on colour alone."""

_STATUS_VARIABLE = {"ok": "text-success", "warn": "text-warning", "fail": "text-error"}
_HEALTH_RANK = {"": 0, "unknown": 1, "ok": 2, "warn": 3, "fail": 4}


def worst(*statuses: str) -> str:
    """The most severe of ``statuses`` (fail > warn > ok > unknown > none)."""
    return max(statuses, key=lambda s: _HEALTH_RANK.get(s, 0), default="")


class Palette:
    """Rich styles for statuses and accents derived from theme variables."""

    def __init__(self, variables: Mapping[str, str]) -> None:
        self._styles = {status: Style(color=_colour(variables, var)) for status, var in _STATUS_VARIABLE.items()}
        self.unknown = Style(dim=True)
        self.muted = Style(dim=True)
        self.accent = Style(color=_colour(variables, "text-accent"), bold=True)
        self.primary = Style(color=_colour(variables, "text-primary"), bold=True)
        self.flash = Style(reverse=True)

    def status(self, status: str) -> Style:
        """The style for ok / warn / fail / unknown."""
        return self._styles.get(status, self.unknown)

    def glyph(self, status: str) -> tuple[str, Style]:
        """The glyph and style that mark ``status``."""
        return STATUS_GLYPH.get(status, " "), self.status(status)


_cache: dict[str, Palette] = {}


def palette(app: App[object]) -> Palette:
    """The palette of ``app``'s current theme (cached per theme)."""
    name = app.theme
    hit = _cache.get(name)
    if hit is None:
        hit = _cache[name] = Palette(app.get_css_variables())
    return hit


def styled(value: object, style: Style | str = "") -> Text:
    """Cluster-provided text as Rich ``Text`` with a theme style (via ``render.text.data``)."""
    text = data(value)
    if style:
        text.stylize(style)
    return text


_NAMED = {"green": "ok", "red": "fail", "yellow": "warn"}


def themed(renderable: RenderableType, pal: Palette) -> RenderableType:
    """A shared (CLI) renderable with its named colours replaced by the theme's.

    The CLI renderers colour verdicts green / red / yellow and names cyan; in the TUI those
    become the theme's success / error / warning / primary, so light themes stay readable.
    """
    if isinstance(renderable, Group):
        return Group(*(themed(r, pal) for r in renderable.renderables))
    if isinstance(renderable, Text):
        out = renderable.copy()
        out.style = _restyle(out.style, pal)
        out.spans = [Span(sp.start, sp.end, _restyle(sp.style, pal)) for sp in out.spans]
        return out
    return renderable


def _restyle(style: str | Style, pal: Palette) -> str | Style:
    parsed = Style.parse(style) if isinstance(style, str) else style
    colour = parsed.color.name if parsed.color is not None else None
    if colour in _NAMED:
        return parsed + Style(color=pal.status(_NAMED[colour]).color)
    if colour in ("cyan", "blue", "magenta"):
        return parsed + Style(color=pal.primary.color)
    return style


def _colour(variables: Mapping[str, str], name: str) -> str | None:
    value = variables.get(name, "")
    try:
        return Color.parse(value).hex
    except ColorParseError:
        return None
