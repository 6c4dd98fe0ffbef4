"""Pick one item from a short list (export kind, kubeconfig context)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option


class ChooseScreen(ModalScreen[tuple[str, str] | None]):
    """Choose an option (and, when ``path`` is given, edit a file path) — dismisses (id, path)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self, title: str, options: list[tuple[str, str]], *, path: str | None = None, current: str | None = None
    ) -> None:
        super().__init__()
        self.choose_title = title
        self.options = options
        self.path = path
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="choose-box", classes="dialog"):
            yield Static(Text(self.choose_title, style="bold"))
            items = [
                Option(Text(label + ("  (current)" if oid == self.current else "")), id=oid)
                for oid, label in self.options
            ]
            yield OptionList(*items, id="choose-list")
            if self.path is not None:
                yield Static(Text("file", style="dim"))
                yield Input(value=self.path, id="choose-path")
            yield Static(Text("enter to choose · esc to cancel", style="dim"))

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        if self.options:
            self.query_one(OptionList).highlighted = 0

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if self.path is None or event.option.id is None:
            return
        field = self.query_one("#choose-path", Input)
        field.value = suggest_path(field.value, event.option.id)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is None:
            return
        path = self.query_one("#choose-path", Input).value.strip() if self.path is not None else ""
        self.dismiss((event.option.id, path))

    @on(Input.Submitted, "#choose-path")
    def _path_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        option_list = self.query_one(OptionList)
        index = option_list.highlighted
        if index is None:
            return
        option = option_list.get_option_at_index(index)
        if option.id is not None:
            self.dismiss((option.id, event.value.strip()))

    def action_cancel(self) -> None:
        """Close without choosing."""
        self.dismiss(None)


SUFFIX = {"trace-json": ".json", "verdict-json": ".json", "fix-yaml": ".yaml", "pcap": ".pcap", "yaml": ".yaml"}


def suggest_path(current: str, option: str) -> str:
    """Keep the user's file name but give it the suffix of the chosen export."""
    suffix = SUFFIX.get(option)
    if not suffix or not current:
        return current
    stem = current.rsplit(".", 1)[0] if "." in current.rsplit("/", 1)[-1] else current
    return stem + suffix
