"""The packet pane: live sampled packets and the flow summary of a capture, with a diagnosis.

Idle, it is two lines tall. While a capture runs it grows: the first line is the diagnosis
(what went wrong on the wire), then two tabs — the flows (state, retransmits, RTT, DNS) and
the recent packets (one virtualised table; enter opens a packet's full dissection). Space
pauses the display (the capture goes on); ``s`` stops the capture.
"""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group, RenderableType
from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from kubetraffic.core.capture import CaptureSummary, RingPacket
from kubetraffic.render.capture import dns_table, flow_table, header_line, problem_lines
from kubetraffic.ui.answers.capture import packet_row
from kubetraffic.ui.feeds.packets import PacketFeed
from kubetraffic.ui.palette import palette, themed

MAX_ROWS = 500
"""Packets kept in the table (the ring's size); older rows are dropped from the top."""


class PacketPane(Vertical):
    """Shows the running (or last) capture; set by the screen from ``PacketFeed`` messages."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "pause", "Pause", tooltip="pause the packet display (the capture goes on)"),
        Binding("s", "stop", "Stop capture", tooltip="stop the capture (its summary stays)"),
    ]

    class OpenPacket(Message):
        """The user wants a packet's full dissection."""

        def __init__(self, packet: RingPacket) -> None:
            super().__init__()
            self.packet = packet

    class StopRequested(Message):
        """The user asked to end the capture."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.available_reason = ""
        self.paused = False
        self.summary: CaptureSummary | None = None
        self.pod = ""
        self._shown_total = 0
        self._packets: dict[str, RingPacket] = {}
        self._held: PacketFeed.Snapshot | None = None

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static(Text("select a pod and press c to capture its traffic", style="dim"), id="packets-idle")
        with TabbedContent(id="packets-tabs"):
            with TabPane("flows", id="tab-flows"), VerticalScroll():
                yield Static(id="packets-flows")
            with TabPane("packets", id="tab-packets"):
                table: DataTable[str] = DataTable(cursor_type="row", id="packets-table")
                yield table

    def on_mount(self) -> None:
        self.border_title = "Packets"
        self.border_subtitle = "idle"
        self.query_one("#packets-tabs").display = False
        table = self.query_one("#packets-table", DataTable)
        for column in ("time", "source", "destination", "proto", "len"):
            table.add_column(column, key=column)

    def set_unavailable(self, reason: str) -> None:
        """Say why captures cannot run in this build or on this source."""
        self.available_reason = reason
        self.query_one("#packets-idle", Static).update(Text(f"idle — {reason}", style="dim"))

    def begin(self, pod: str) -> None:
        """A capture on ``pod`` is starting: clear the last one and grow."""
        self.pod = pod
        self.summary = None
        self._shown_total = 0
        self._packets.clear()
        self.query_one("#packets-table", DataTable).clear()
        self.query_one("#packets-flows", Static).update(Text("waiting for packets…", style="dim"))
        self.query_one("#packets-idle", Static).update(Text(f"capturing on {pod}…", style="dim"))
        self.query_one("#packets-tabs").display = True
        self.add_class("-active", "-running")
        self.border_title = Text(f"Packets  {pod}")
        self.border_subtitle = "starting"

    def show_snapshot(self, snap: PacketFeed.Snapshot) -> None:
        """Show a snapshot of the capture (held back while paused, except the final one)."""
        if self.paused and not snap.done:
            self._held = snap
            return
        self._held = None
        self.summary = snap.summary
        pal = palette(self.app)
        problems = problem_lines(snap.summary, limit=3)
        first = problems[0] if problems else Text("no problem seen on the wire so far", style="dim")
        self.query_one("#packets-idle", Static).update(themed(first, pal))
        parts: list[RenderableType] = [themed(header_line(snap.summary), pal)]
        parts += [themed(p, pal) for p in problems[1:]]  # the first is the pane's top line
        if snap.summary.flows:
            parts += [Text(""), themed(flow_table(snap.summary.flows), pal)]
        if snap.summary.dns:
            parts += [Text(""), Text("DNS", style="bold"), themed(dns_table(snap.summary.dns), pal)]
        self.query_one("#packets-flows", Static).update(Group(*parts))
        self._add_packets(snap.packets, snap.total)
        state = "done" if snap.done else f"running {snap.elapsed:.0f}s"
        if snap.summary.stop_reason:
            state += f" · {snap.summary.stop_reason}"
        self.border_subtitle = f"{snap.summary.packets} packets · {state}" + (" · paused" if self.paused else "")
        if snap.done:
            self.remove_class("-running")

    def _add_packets(self, packets: tuple[RingPacket, ...], total: int) -> None:
        """Append the packets not shown yet; the snapshot holds the last ``len(packets)`` of
        ``total`` (a gap means packets came faster than the screen: they are in the flows)."""
        table = self.query_one("#packets-table", DataTable)
        first_seq = total - len(packets) + 1
        for offset, packet in enumerate(packets):
            seq = first_seq + offset
            if seq <= self._shown_total:
                continue
            key = str(seq)
            self._packets[key] = packet
            table.add_row(*packet_row(packet), key=key)
        self._shown_total = max(self._shown_total, total)
        while table.row_count > MAX_ROWS:
            oldest = next(iter(self._packets))
            del self._packets[oldest]
            table.remove_row(oldest)

    def failed(self, error: str) -> None:
        """The capture could not run: say why in the pane."""
        self.remove_class("-running")
        self.query_one("#packets-idle", Static).update(Text(f"✖ {error}", style=palette(self.app).status("fail")))
        self.border_subtitle = "failed"

    def action_pause(self) -> None:
        """Freeze (or resume) the display; the capture itself goes on."""
        self.paused = not self.paused
        if not self.paused and self._held is not None:
            self.show_snapshot(self._held)
        elif self.paused:
            self.border_subtitle = f"{self.border_subtitle} · paused"

    def action_stop(self) -> None:
        """Ask the screen to end the capture."""
        self.post_message(self.StopRequested())

    @on(DataTable.RowSelected, "#packets-table")
    def _open(self, event: DataTable.RowSelected) -> None:
        event.stop()
        packet = self._packets.get(str(event.row_key.value))
        if packet is not None:
            self.post_message(self.OpenPacket(packet))
