"""``?``: every key of the main screen, generated from its bindings so it never drifts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

NAVIGATION = [
    ("↑ ↓ / mouse", "move in the navigator or list; the analysis follows the cursor"),
    ("→ / l, ← / h", "expand, collapse (or go to the parent)"),
    ("enter / click", "open: expand a row, choose a list row, focus the analysis"),
    ("space", "expand or collapse"),
    ("tab / shift+tab", "move between navigator, analysis and packets"),
    ("/ then !text", "filter out what matches text"),
    ("/ then -l a=b", "filter by labels (kubectl -l syntax)"),
    (":ing :svc :pod", "list Ingresses, Services, pods (also :netpol :ns :deploy :gw :httproute)"),
    (":pod NAMESPACE", "the same, in one namespace; :ns goes back to the navigator"),
    (":ctx", "switch kubeconfig context (live cluster)"),
]


def key_rows(bindings: Iterable[BindingType]) -> list[tuple[str, str]]:
    """(keys, description) for every binding that has a description."""
    rows = []
    for b in bindings:
        if isinstance(b, Binding) and b.description:
            keys = b.key_display or ", ".join(
                k.replace("question_mark", "?").replace("colon", ":").replace("slash", "/") for k in b.key.split(",")
            )
            rows.append((keys, b.tooltip or b.description))
    return rows


class HelpScreen(ModalScreen[None]):
    """Every key, from the bindings passed in plus navigation keys."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,question_mark,q", "close", "Close")]

    def __init__(self, bindings: list[tuple[str, str]]) -> None:
        super().__init__()
        self.rows = bindings

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=False, padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for keys, what in self.rows:
            table.add_row(keys, what)
        table.add_row("", "")
        for keys, what in NAVIGATION:
            table.add_row(keys, what)
        with Vertical(id="help-box", classes="dialog wide"):
            yield Static(Text("kubetraffic keys", style="bold"), id="help-title")
            with VerticalScroll():
                yield Static(table, id="help-table")
            yield Static(Text("Ctrl+P opens the command palette with every action · esc closes", style="dim"))

    def action_close(self) -> None:
        """Back."""
        self.dismiss(None)
