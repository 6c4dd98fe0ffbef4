"""The ``/`` filter bar: a regex, ``!regex`` to negate, ``-l QUERY`` for labels.

Typing is debounced; a bad pattern shows its error in the bar and keeps the last good
filter. Enter keeps the filter and returns to the list; Escape clears it.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Static

from kubetraffic.ui.filtering import Filter, FilterError, parse_filter

DEBOUNCE = 0.15


class FilterBar(Horizontal):
    """Shown while filtering; posts ``FilterBar.Changed`` and ``FilterBar.Closed``."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "clear", "Clear filter", show=False)]

    class Changed(Message):
        """A new, valid filter (empty: no filter)."""

        def __init__(self, flt: Filter) -> None:
            super().__init__()
            self.filter = flt

    class Closed(Message):
        """The user is done filtering (``cleared`` when Escape removed the filter)."""

        def __init__(self, cleared: bool) -> None:
            super().__init__()
            self.cleared = cleared

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._timer: Timer | None = None
        self.current = Filter()

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static(Text("/"), id="filter-slash")
        yield Input(placeholder="regex · !negate · -l app=web", id="filter-input")
        yield Static(Text(""), id="filter-hint")

    @property
    def input(self) -> Input:
        """The text input."""
        return self.query_one(Input)

    def open(self, text: str | None = None) -> None:
        """Show the bar and focus it (optionally pre-filled)."""
        self.display = True
        if text is not None:
            self.input.value = text
        self.input.focus()

    @on(Input.Changed, "#filter-input")
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE, lambda: self._parse(event.value))

    def _parse(self, text: str) -> bool:
        hint = self.query_one("#filter-hint", Static)
        try:
            flt = parse_filter(text)
        except FilterError as exc:
            hint.update(Text(str(exc), style="bold"))
            self.add_class("-error")
            return False
        self.remove_class("-error")
        hint.update(Text(flt.describe(), style="dim"))
        if flt != self.current:
            self.current = flt
            self.post_message(self.Changed(flt))
        return True

    @on(Input.Submitted, "#filter-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._timer is not None:
            self._timer.stop()
        if self._parse(event.value):
            self.display = not self.current.empty
            self.post_message(self.Closed(cleared=self.current.empty))

    def action_clear(self) -> None:
        """Remove the filter and hide the bar."""
        if self._timer is not None:
            self._timer.stop()
        self.input.value = ""
        self.display = False
        self.remove_class("-error")
        if not self.current.empty:
            self.current = Filter()
            self.post_message(self.Changed(self.current))
        self.post_message(self.Closed(cleared=True))
