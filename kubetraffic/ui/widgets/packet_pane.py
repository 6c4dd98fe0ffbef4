"""The packet pane: live sampled packets and the flow summary of a capture, with a diagnosis."""

from __future__ import annotations

from rich.text import Text
from textual.containers import Vertical
from textual.widgets import Static


class PacketPane(Vertical):
    """Shows the running (or last) capture; idle until ``c`` starts one on a pod."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.available_reason = ""

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static(Text("select a pod and press c to capture its traffic", style="dim"), id="packets-idle")

    def on_mount(self) -> None:
        self.border_title = "Packets"
        self.border_subtitle = "idle"

    def set_unavailable(self, reason: str) -> None:
        """Say why captures cannot run in this build or on this source."""
        self.available_reason = reason
        self.query_one("#packets-idle", Static).update(Text(f"idle — {reason}", style="dim"))
