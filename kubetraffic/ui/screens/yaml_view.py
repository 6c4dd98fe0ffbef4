"""The YAML of one object (``y``), read-only and selectable; Secrets are never shown."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea


class TextScreen(ModalScreen[None]):
    """A titled, read-only text (YAML, a fix, a packet dissection); Escape closes."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,y", "close", "Close")]

    def __init__(self, title: str, text: str, *, language: str | None = None) -> None:
        super().__init__()
        self.text_title = title
        self.text = text
        self.language = language

    def compose(self) -> ComposeResult:
        with Vertical(id="text-box", classes="dialog wide"):
            yield Static(Text(self.text_title, style="bold"), id="text-title")
            area = TextArea(self.text, read_only=True, show_line_numbers=True, id="text-area", soft_wrap=False)
            yield area
            yield Static(Text("select with the mouse or shift+arrows, ctrl+c copies · esc closes", style="dim"))

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_close(self) -> None:
        """Back to the main screen."""
        self.dismiss(None)
