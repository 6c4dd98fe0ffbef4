"""Captures from the TUI: plan, confirm or cancel, live packets and flows, dissection, the wire
in the egress view, pcap export. Packets are real pcap bytes (built with scapy) run through
the real runner and summariser; the source's ``capture_source`` hook stands where the demo
plugs in its generated packets."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

from textual.widgets import DataTable

from kubetraffic.adapters.capture.base import CaptureError
from kubetraffic.adapters.capture.memory import MemorySource
from kubetraffic.adapters.snapshot import SnapshotSource
from kubetraffic.ui import targets as t
from kubetraffic.ui.answers.egress import EgressView
from kubetraffic.ui.feeds import PacketFeed
from kubetraffic.ui.screens.choose import ChooseScreen
from kubetraffic.ui.screens.confirm import ConfirmScreen
from kubetraffic.ui.screens.yaml_view import TextScreen
from kubetraffic.ui.settings import UiSettings
from tests.core.capture.wire import Wire, tcp, udp

from .support import SHOP, Recorder, notices, running, settle, until, widget_text

STRIPE = "198.51.100.7"


class CapturingSnapshot(SnapshotSource):
    """The shop snapshot plus a capture hook serving packets of one pod (like the demo's)."""

    def __init__(self, paths: list[str], *, fail: str | None = None) -> None:
        super().__init__(paths)
        self.calls: list[tuple[str, str]] = []
        self.fail = fail
        self.pod_ip = ""

    def open(self) -> Any:
        state = super().open()
        self.pod_ip = next(p for p in state.pods("payments")).ip or ""
        self.dns_ip = next(p for p in state.pods("kube-system")).ip or ""
        return state

    def capture_source(self, pod: str, *, seconds: float | None = None, paced: bool = False) -> MemorySource:
        namespace, _, pod = pod.partition("/")
        self.calls.append((namespace, pod))
        if self.fail:
            raise CaptureError(self.fail)
        wire = Wire()
        wire.add(udp(self.pod_ip, self.dns_ip, 40000, 53, b"query"))
        wire.add(udp(self.dns_ip, self.pod_ip, 53, 40000, b"answer"))
        for attempt in range(4):  # SYN retransmits, never answered: a silent drop
            wire.add(tcp(self.pod_ip, STRIPE, 51234, 443, "S"), at=wire.now + 1.0 + attempt)
        return MemorySource(wire.pcap(), description=f"{namespace}/{pod}", chunk=200, live=True)


def first_payments_pod(app: Any) -> t.Target:
    with app.main.model.read() as state:
        pod = sorted(p.meta.name for p in state.pods("payments"))[0]
    return t.Target(t.POD, "payments", pod)


async def open_pod(pilot: Any, target: t.Target) -> None:
    nav = pilot.app.main.navigator
    nav._ns_nodes["payments"].expand()
    await until(
        pilot,
        lambda: any(c.data is not None and c.data.name == "Workloads" for c in nav._ns_nodes["payments"].children),
    )
    for node in nav._walk():
        if node.data is not None and node.data.name in ("Workloads", "payments-api"):
            node.expand()
    await settle(pilot)
    assert nav.select_target(target)
    await until(pilot, lambda: pilot.app.main.analysis.target == target)


async def test_capture_after_confirming_shows_flows_packets_and_the_wire_verdict(tmp_path: Path) -> None:
    source = CapturingSnapshot([SHOP])
    recorder = Recorder()
    async with running(source, settings=UiSettings(export_dir=str(tmp_path)), recorder=recorder) as (app, pilot):
        screen = app.main
        target = first_payments_pod(app)
        await open_pod(pilot, target)
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the plan")
        assert "generated: nothing is created" in widget_text(app.screen.query_one("#confirm-body"))
        assert source.calls == []  # nothing runs before the user agrees
        await pilot.press("y")
        await until(pilot, lambda: any(m.done for m in recorder.of(PacketFeed.Snapshot)), what="the capture to end")
        assert source.calls == [("payments", target.name)]
        summary = recorder.of(PacketFeed.Snapshot)[-1].summary
        flows = {f.dst_ip: f for f in summary.flows}
        assert flows[STRIPE].state == "no-reply"
        assert flows[STRIPE].syn_retransmits == 3
        pane = screen.packets
        assert pane.has_class("-active")
        assert "no reply" in widget_text(pane).lower()
        table = pane.query_one("#packets-table", DataTable)
        assert table.row_count == 6
        # The egress view now lists what the wire saw, with the policy verdict beside it.
        await until(
            pilot,
            lambda: isinstance(screen.analysis.analysis.main, EgressView) and bool(screen.analysis.analysis.main.wire),
        )
        wire = {r.destination: r for r in screen.analysis.analysis.main.wire}
        stripe = wire[f"{STRIPE}:443"]
        assert stripe.state == "no-reply"
        assert stripe.allowed is False
        assert "egress" in stripe.why
        # Open a packet: its full dissection (scapy), payload hidden.
        pane.query_one("#packets-tabs").active = "tab-packets"
        table.focus()
        await settle(pilot)
        table.move_cursor(row=2)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, TextScreen), what="the dissection")
        assert "dport" in app.screen.text
        assert STRIPE in app.screen.text  # the third packet: the first SYN to Stripe
        await pilot.press("escape")
        await settle(pilot)
        # x: the packets as a pcap, mode 0600.
        screen.navigator.focus()
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, ChooseScreen))
        ids = [oid for oid, _ in app.screen.options]
        assert "pcap" in ids
        await pilot.press(*(["down"] * ids.index("pcap")), "enter")
        await until(pilot, lambda: any(p.suffix == ".pcap" for p in tmp_path.iterdir()), what="the pcap file")
        written = next(p for p in tmp_path.iterdir() if p.suffix == ".pcap")
        assert written.read_bytes()[:4] in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4")
        assert stat.S_IMODE(written.stat().st_mode) == 0o600


async def test_cancelling_the_plan_creates_nothing() -> None:
    source = CapturingSnapshot([SHOP])
    recorder = Recorder()
    async with running(source, recorder=recorder) as (app, pilot):
        await open_pod(pilot, first_payments_pod(app))
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await until(pilot, lambda: any("cancelled: nothing was created" in n for n in notices(recorder)))
        assert source.calls == []
        assert not recorder.of(PacketFeed.Snapshot)
        assert not app.main.packets.has_class("-active")


async def test_a_capture_that_cannot_start_says_why() -> None:
    source = CapturingSnapshot([SHOP], fail="PodSecurity 'restricted' forbids NET_RAW")
    recorder = Recorder()
    async with running(source, recorder=recorder) as (app, pilot):
        await open_pod(pilot, first_payments_pod(app))
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await until(pilot, lambda: bool(recorder.of(PacketFeed.Failed)))
        assert "NET_RAW" in widget_text(app.main.packets)
        assert app.main.header.capture == ("fail", "failed")


async def test_no_capture_from_a_snapshot() -> None:
    recorder = Recorder()
    async with running(SnapshotSource([SHOP]), recorder=recorder) as (app, pilot):
        await open_pod(pilot, first_payments_pod(app))
        await pilot.press("c")
        await until(pilot, lambda: any("captures need a live cluster or --demo" in n for n in notices(recorder)))
        assert not isinstance(app.screen, ConfirmScreen)
