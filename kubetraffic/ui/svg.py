"""Deterministic SVG pictures of the app, for the screenshots script and the snapshot tests."""

from __future__ import annotations

import re

from textual.app import App
from textual.widgets import Input, TextArea


def steady_cursors(app: App[object]) -> None:
    """Draw text cursors steadily, so a picture never catches one mid-blink."""
    for screen in app.screen_stack:
        for widget in screen.query(Input):
            widget.cursor_blink = False
        for area in screen.query(TextArea):
            area.cursor_blink = False


def preserve_spaces(svg: str) -> str:
    """Keep runs of spaces in SVG renderers that collapse them (rsvg, some browsers)."""
    return re.sub(r"<text (?!xml:space)", '<text xml:space="preserve" ', svg)
