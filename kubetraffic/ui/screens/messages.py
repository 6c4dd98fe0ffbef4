"""What the main screen's workers found, posted to the screen (threads never call into it).

``App.call_from_thread`` waits for the UI to run the call: a worker doing so while the app
is quitting would wait forever and hold up the process's exit. Workers post these facts
instead; notifications are posts too (``notify`` is thread-safe).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from textual.message import Message

from kubetraffic.adapters.metrics_feed import Opened
from kubetraffic.ui.answers.capture import CapturePlan
from kubetraffic.ui.filtering import FilterResult


class TextReady(Message):
    """A text to show in a dialog (an object's YAML, a packet's dissection)."""

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title, self.text = title, text


class FilterComputed(Message):
    """The navigator filter's matches were computed."""

    def __init__(self, result: FilterResult) -> None:
        super().__init__()
        self.result = result


class ContextsListed(Message):
    """The kubeconfig's contexts, and the one in use."""

    def __init__(self, names: list[str], current: str | None) -> None:
        super().__init__()
        self.names, self.current = names, current


class ContextOpened(Message):
    """A source for another context is ready to follow."""

    def __init__(self, source: Any) -> None:
        super().__init__()
        self.source = source


class MetricsOpened(Message):
    """The metrics source was chosen (with the time flags it is to use)."""

    def __init__(self, opened: Opened, at: datetime | None, window: str) -> None:
        super().__init__()
        self.opened, self.at, self.window = opened, at, window


class CapturePlanned(Message):
    """A capture plan is ready to be shown and confirmed."""

    def __init__(self, plan: CapturePlan) -> None:
        super().__init__()
        self.plan = plan
