"""The main screen's captures: ``c`` plans, shows the plan and asks; then the packet feed
runs and the pane, the header and the egress view follow it.

A part of ``MainScreen`` (a mixin: its message handlers follow Textual's naming convention).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from rich.console import Group
from textual import work

from kubetraffic.adapters.capture.base import CaptureError
from kubetraffic.core.capture import RingPacket
from kubetraffic.render.text import clean_line, data
from kubetraffic.ui import targets as t
from kubetraffic.ui.answers.capture import CapturePlan, LockedNamer, packet_row, plan_capture
from kubetraffic.ui.feeds import Abandoned, PacketFeed, interruptible
from kubetraffic.ui.model import ClusterModel
from kubetraffic.ui.screens.confirm import ConfirmScreen
from kubetraffic.ui.screens.messages import CapturePlanned, TextReady
from kubetraffic.ui.targets import Target
from kubetraffic.ui.widgets.packet_pane import PacketPane


class CaptureActions:
    """Captures for the main screen."""

    model: ClusterModel | None
    source: Any
    settings: Any
    selection: Target | None
    header: Any
    analysis: Any
    packets: PacketPane
    app: Any
    notify: Any
    query_one: Any

    def action_capture(self) -> None:
        """``c`` — capture on the selected pod: plan it, show the plan, ask, then start."""
        target = self.selection
        if target is None or target.kind != t.POD:
            self.notify("select a pod first (c captures its traffic)", severity="warning")
            return
        if self.model is None:
            return
        feed = self.query_one(PacketFeed)
        if feed.running:
            self.notify("a capture is running: stop it first (s in the packet pane)", severity="warning")
            return
        self._plan_capture(self.model, target)

    @work(thread=True, exclusive=True, group="capture-plan", exit_on_error=False)
    def _plan_capture(self, model: ClusterModel, target: Target) -> None:
        try:
            plan = interruptible(plan_capture, model, self.source, self.settings.options, target)
        except Abandoned:
            return
        except CaptureError as exc:
            self.notify(clean_line(exc), title="Cannot capture", severity="warning", markup=False)
            return
        except Exception as exc:  # the kubernetes client fails in many ways; one line
            message = clean_line(f"cannot plan a capture on {target.namespace}/{target.name}: {exc}")
            self.notify(message, title="Cannot capture", severity="error", markup=False)
            return
        self.post_message(CapturePlanned(plan))

    def on_capture_planned(self, message: CapturePlanned) -> None:
        plan = message.plan
        body = Group(*(data(line) for line in plan.lines))
        label = "Create and capture" if plan.confirm else "Capture"
        self.app.push_screen(
            ConfirmScreen(f"Capture packets of {plan.pod}?", body, confirm_label=label),
            lambda yes: self._start_capture(plan) if yes else self._capture_cancelled(plan),
        )

    def _capture_cancelled(self, plan: CapturePlan) -> None:
        self.notify(clean_line(f"capture of {plan.pod} cancelled: nothing was created"), markup=False)

    def _start_capture(self, plan: CapturePlan) -> None:
        if self.model is None:
            return
        self.packets.begin(plan.pod)
        self.header.capture = ("ok", f"running on {plan.pod}")
        self.query_one(PacketFeed).start(plan, LockedNamer(self.model))

    def on_packet_feed_snapshot(self, message: PacketFeed.Snapshot) -> None:
        self.packets.show_snapshot(message)
        self.analysis.context = replace(self.analysis.context, wire=message.summary)
        if message.done:
            self.header.capture = ("", f"done ({message.summary.packets} packets)")
            if self.analysis.is_traffic_source:
                self.analysis.refresh_analysis()

    def on_packet_feed_failed(self, message: PacketFeed.Failed) -> None:
        self.packets.failed(message.error)
        self.header.capture = ("fail", "failed")
        self.notify(clean_line(message.error), title=f"Capture of {message.pod}", severity="error", markup=False)

    def on_packet_pane_stop_requested(self) -> None:
        self.query_one(PacketFeed).stop()

    def on_packet_pane_open_packet(self, message: PacketPane.OpenPacket) -> None:
        self._dissect(message.packet)

    @work(thread=True, exclusive=True, group="dissect", exit_on_error=False)
    def _dissect(self, packet: RingPacket) -> None:
        from kubetraffic.adapters.capture.dissect import dissect_ring_packet

        try:
            lines = interruptible(dissect_ring_packet, packet)
        except Abandoned:
            return
        except Exception as exc:  # scapy may not know the frame: say so
            lines = [f"cannot dissect this packet: {exc}"]
        title = " ".join(packet_row(packet)[1:4])
        self.post_message(TextReady(clean_line(f"Packet {title}"), "\n".join(lines)))
