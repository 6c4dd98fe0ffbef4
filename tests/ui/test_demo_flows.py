"""The product's main flows on ``--demo``, as a user meets them: find the broken route and
see why, check payments' egress, watch the cluster change, capture packets. The demo runs
on a manual clock, so its live timeline and paced packets move when the test says so."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from textual.widgets import Input

from kubetraffic.adapters.demo import DemoSource
from kubetraffic.core.diagnose.model import Trace
from kubetraffic.demo.clock import DEMO_EPOCH, ManualClock
from kubetraffic.demo.timeline import STEPS
from kubetraffic.ui import targets as t
from kubetraffic.ui.answers.egress import EgressView
from kubetraffic.ui.feeds import ClusterFeed, MetricsFeed, PacketFeed
from kubetraffic.ui.screens.confirm import ConfirmScreen
from kubetraffic.ui.screens.prompt import PromptScreen
from kubetraffic.ui.widgets.analysis import AnalysisPane

from .support import Recorder, flat_text, running, settle, until, widget_text

ADMIN_RULE = t.Target(t.INGRESS_RULE, "shop", "admin", detail="Prefix", host="admin.example.com", path="/")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(DEMO_EPOCH)


@pytest.fixture
def demo(clock: ManualClock) -> Iterator[DemoSource]:
    source = DemoSource(clock=clock)
    yield source
    source.close()


async def test_find_the_broken_admin_route_and_see_why(demo: DemoSource) -> None:
    recorder = Recorder()
    async with running(demo, recorder=recorder) as (app, pilot):
        screen = app.main
        assert "DEMO" in str(screen.header.render())
        nav = screen.navigator
        assert nav.namespaces() == ["default", "ingress-nginx", "kube-system", "payments", "shop"]
        assert nav._ns_nodes["shop"].data.status == "fail"  # red before anything is expanded
        await pilot.press("down", "down", "down", "down", "enter")  # shop
        await settle(pilot)
        await pilot.press("down", "enter", "down", "enter", "down")  # Ingresses → admin → its rule
        await until(pilot, lambda: screen.analysis.target == ADMIN_RULE, what="the admin rule")
        trace = screen.analysis.trace
        assert isinstance(trace, Trace)
        assert trace.verdict == "broken"
        hop = trace.hops[trace.first_failure]
        assert (hop.kind, hop.name) == ("service", "shop/admin")
        assert any("app=admin" in e for e in hop.evidence)  # the nearest pods' labels
        head = widget_text(screen.analysis)
        assert "BROKEN" in head
        assert "selector app=admin-v2 matches no pods" in head


async def test_cart_is_degraded_by_its_5xx_in_the_demo_metrics(demo: DemoSource) -> None:
    recorder = Recorder()
    async with running(demo, recorder=recorder) as (app, pilot):
        screen = app.main
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, PromptScreen))
        app.screen.query_one(Input).value = "https://shop.example.com/api/cart"
        await pilot.press("enter")
        await until(pilot, lambda: any(m.figures for m in recorder.of(MetricsFeed.Updated)), what="demo metrics")
        await until(pilot, lambda: screen.analysis.trace is not None and screen.analysis.trace.verdict == "degraded")
        rule = next(h for h in screen.analysis.trace.hops if h.kind == "rule")
        assert rule.metrics is not None
        assert rule.metrics.error_ratio is not None
        assert 0.05 <= rule.metrics.error_ratio <= 0.3
        assert screen.header.prometheus == ("ok", "ok")
        assert screen.header.prometheus_name == "demo metrics"


async def test_payments_cannot_reach_stripe_and_the_fix(demo: DemoSource) -> None:
    recorder = Recorder()
    async with running(demo, recorder=recorder, size=(140, 60)) as (app, pilot):
        screen = app.main
        nav = screen.navigator
        nav.move_cursor(nav._ns_nodes["payments"])
        await pilot.press("enter")
        await settle(pilot)
        target = t.Target(t.WORKLOAD, "payments", "payments-api", detail="Deployment")
        assert nav.select_target(target)
        await until(pilot, lambda: screen.analysis.target == target and screen.analysis.analysis is not None)
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, PromptScreen))
        assert "api.stripe.com:443" in app.screen.suggestions  # from the demo's names
        app.screen.query_one(Input).value = "api.stripe.com:443"
        await pilot.press("enter")
        await until(
            pilot,
            lambda: (
                isinstance(screen.analysis.analysis.main, EgressView)
                and screen.analysis.analysis.main.checked is not None
            ),
        )
        checked = screen.analysis.analysis.main.checked
        assert not checked.allowed
        assert checked.addresses == ("198.51.100.7",)
        assert checked.fix is not None
        assert checked.fix.verified
        await until(pilot, lambda: bool(screen.analysis.figures), what="Hubble drops from the demo metrics")
        measured = screen.analysis._egress_evidence(screen.analysis.analysis.main)
        assert any("POLICY_DENIED" in line for line in measured)  # Hubble agrees with the verdict
        text = widget_text(screen.analysis).replace("\n", " ")
        assert "denied" in text
        assert "POLICY_DENIED" in text


async def test_the_demo_changes_and_the_navigator_follows(demo: DemoSource, clock: ManualClock) -> None:
    recorder = Recorder()
    async with running(demo, recorder=recorder) as (app, pilot):
        nav = app.main.navigator
        nav.move_cursor(nav._ns_nodes["shop"])
        await pilot.press("enter")
        await settle(pilot)
        workloads = next(c for c in nav._ns_nodes["shop"].children if c.data.name == "Workloads")
        before = {c.data.name: c.data.detail for c in workloads.children}
        clock.advance(STEPS[0].after + 0.1)  # the first incident of the timeline
        await until(pilot, lambda: bool(recorder.of(ClusterFeed.Changed)), what="the demo's first change")
        await until(
            pilot,
            lambda: {c.data.name: c.data.detail for c in workloads.children} != before,
            what="a workload row to change",
        )
        changed = [c for c in workloads.children if c.data.detail != before.get(c.data.name)]
        assert changed
        assert all(nav.flasher.active(c.id) for c in changed)
        assert "watching" in str(app.main.header.render())


async def test_capture_payments_and_see_the_silent_drop(demo: DemoSource, clock: ManualClock) -> None:
    recorder = Recorder()
    async with running(demo, recorder=recorder) as (app, pilot):
        screen = app.main
        with screen.model.read() as state:
            pod = sorted(p.meta.name for p in state.pods("payments"))[0]
        screen.analysis.show(t.Target(t.POD, "payments", pod))
        nav = screen.navigator
        nav._ns_nodes["payments"].expand()
        await settle(pilot)
        for node in nav._walk():
            if node.data is not None and node.data.name in ("Workloads", "payments-api"):
                node.expand()
        await settle(pilot)
        assert nav.select_target(t.Target(t.POD, "payments", pod))
        await until(pilot, lambda: screen.analysis.target == t.Target(t.POD, "payments", pod))
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the plan")
        await pilot.press("y")
        for _ in range(40):  # play 40 s of demo time: the capture's packets arrive as they would
            clock.advance(1.0)
            await pilot.pause()
            if any(m.done for m in recorder.of(PacketFeed.Snapshot)):
                break
        await until(pilot, lambda: any(m.done for m in recorder.of(PacketFeed.Snapshot)), what="the capture to end")
        summary = recorder.of(PacketFeed.Snapshot)[-1].summary
        stripe = [f for f in summary.flows if f.dst_ip == "198.51.100.7"]
        assert stripe
        assert all(f.state == "no-reply" for f in stripe)
        assert "no reply" in flat_text(screen.packets).lower()
        ready = [m.analysis for m in recorder.of(AnalysisPane.Ready) if isinstance(m.analysis.main, EgressView)]
        await until(pilot, lambda: bool(screen.analysis.analysis.main.wire), what="the wire in the egress view")
        wire = {r.destination: r for r in screen.analysis.analysis.main.wire}
        row = next(r for d, r in wire.items() if "198.51.100.7" in d)
        assert row.allowed is False
        assert ready
