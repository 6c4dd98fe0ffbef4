"""Rows that changed light up briefly, as in k9s: one timer per widget, only while needed."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable

from textual.timer import Timer
from textual.widget import Widget

FLASH_SECONDS = 1.5


class Flasher:
    """Remembers which keys flash until when, and asks the owner to repaint them after."""

    def __init__(self, owner: Widget, repaint: Callable[[Hashable], None], seconds: float = FLASH_SECONDS) -> None:
        self._owner = owner
        self._repaint = repaint
        self._seconds = seconds
        self._until: dict[Hashable, float] = {}
        self._timer: Timer | None = None

    def flash(self, key: Hashable) -> None:
        """Start (or extend) the flash of ``key``."""
        self._until[key] = time.monotonic() + self._seconds
        if self._timer is None:
            self._timer = self._owner.set_interval(0.25, self._expire, name="flash")

    def active(self, key: Hashable) -> bool:
        """Whether ``key`` is flashing now."""
        return key in self._until

    def clear(self) -> None:
        """Stop every flash (the rows are being rebuilt)."""
        self._until.clear()

    def _expire(self) -> None:
        now = time.monotonic()
        done = [k for k, until in self._until.items() if until <= now]
        for key in done:
            del self._until[key]
            self._repaint(key)
        if not self._until and self._timer is not None:
            self._timer.stop()
            self._timer = None
