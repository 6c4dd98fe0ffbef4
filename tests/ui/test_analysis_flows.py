"""Flows through the engines: the broken route, a typed URL, an egress check, exports."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from textual.widgets import Input

from kubetraffic.adapters.snapshot import SnapshotSource
from kubetraffic.core.diagnose.model import Trace
from kubetraffic.ui import targets as t
from kubetraffic.ui.answers import Problem
from kubetraffic.ui.answers.egress import EgressView
from kubetraffic.ui.screens.choose import ChooseScreen
from kubetraffic.ui.screens.prompt import PromptScreen
from kubetraffic.ui.settings import UiSettings
from kubetraffic.ui.widgets.analysis import AnalysisPane
from kubetraffic.ui.widgets.navigator import Navigator
from kubetraffic.ui.widgets.trace_view import HopCard

from .support import SHOP, Recorder, running, settle, until, widget_text

ADMIN_RULE = t.Target(t.INGRESS_RULE, "shop", "admin", detail="Prefix", host="admin.example.com", path="/")


def last_answer(recorder: Recorder) -> object:
    return recorder.of(AnalysisPane.Ready)[-1].analysis.main


async def test_navigate_to_the_broken_admin_route_and_see_the_failing_hop() -> None:
    recorder = Recorder()
    async with running(SnapshotSource([SHOP]), recorder=recorder) as (app, pilot):
        screen = app.main
        nav = screen.navigator
        # By keyboard: down to shop, open it, open Ingresses, open admin, onto its rule.
        await pilot.press("down", "down", "down", "enter")
        await settle(pilot)
        await pilot.press("down", "enter")  # Ingresses
        await settle(pilot)
        await pilot.press("down", "enter")  # admin (the Ingress)
        await settle(pilot)
        await pilot.press("down")  # its rule admin.example.com/
        await until(pilot, lambda: screen.analysis.target == ADMIN_RULE, what="the admin rule to be analysed")
        assert [m.target for m in recorder.of(Navigator.Selected)][-1] == ADMIN_RULE
        trace = last_answer(recorder)
        assert isinstance(trace, Trace)
        assert trace.verdict == "broken"
        failing = trace.hops[trace.first_failure]
        assert (failing.kind, failing.name) == ("service", "shop/admin")
        cards = screen.analysis.query(HopCard)
        marked = [c for c in cards if c.has_class("-first-failure")]
        assert len(marked) == 1
        assert marked[0].hop is failing
        assert marked[0].has_class("-fail")
        text = widget_text(screen.analysis)
        assert "selector app=admin-v2 matches no pods" in text
        assert "◀ first failure" in text
        # The rule row is red in the navigator too.
        row = next(n for n in nav._walk() if n.data is not None and n.data.target == ADMIN_RULE)
        assert row.data.status == "fail"


async def test_trace_a_typed_url_and_a_malformed_one() -> None:
    recorder = Recorder()
    async with running(SnapshotSource([SHOP]), recorder=recorder) as (app, pilot):
        screen = app.main
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, PromptScreen), what="the URL prompt")
        app.screen.query_one(Input).value = "https://shop.example.com/api/cart"
        await pilot.press("enter")
        await until(pilot, lambda: screen.analysis.trace is not None, what="the trace")
        trace = screen.analysis.trace
        assert trace.url == "https://shop.example.com/api/cart"
        assert trace.verdict == "degraded"
        assert trace.route is not None
        assert trace.route.backend_service == "shop/cart"
        assert "DEGRADED" in widget_text(screen.analysis)
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, PromptScreen))
        app.screen.query_one(Input).value = "https://exa mple.com:99999/"
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(last_answer(recorder), Problem), what="the malformed URL to be refused")
        assert "99999" in last_answer(recorder).message or "exa mple" in last_answer(recorder).message


async def test_egress_check_from_payments_api_export_the_fix(tmp_path: Path) -> None:
    recorder = Recorder()
    settings = UiSettings(export_dir=str(tmp_path))
    async with running(SnapshotSource([SHOP]), settings=settings, recorder=recorder) as (app, pilot):
        screen = app.main
        nav = screen.navigator
        nav.move_cursor(nav._ns_nodes["payments"])
        await pilot.press("enter")
        await settle(pilot)
        target = t.Target(t.WORKLOAD, "payments", "payments-api", detail="Deployment")
        assert nav.select_target(target)
        await until(pilot, lambda: screen.analysis.target == target and screen.analysis.analysis is not None)
        view = last_answer(recorder)
        assert isinstance(view, EgressView)
        assert view.dns is not None
        assert view.dns.allowed
        assert [(r.destination, r.ports) for r in view.reach if r.allowed] == [
            ("kube-system/coredns", "53/TCP, 53/UDP"),
            ("10.20.0.0/16", "5432/TCP"),
        ]
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, PromptScreen), what="the destination prompt")
        app.screen.query_one(Input).value = "198.51.100.7:443"
        await pilot.press("enter")
        await until(
            pilot, lambda: isinstance(last_answer(recorder), EgressView) and last_answer(recorder).checked is not None
        )
        checked = last_answer(recorder).checked
        assert not checked.allowed
        verdict = checked.verdict
        assert verdict.egress is not None
        assert verdict.egress.misses[0].policy == "payments/allow-db"
        assert checked.fix is not None
        assert checked.fix.verified
        text = widget_text(screen.analysis)
        assert "denied" in text
        assert screen.analysis.has_class("-fail")
        # x: export the fix YAML to a file.
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, ChooseScreen), what="the export dialog")
        ids = [oid for oid, _ in app.screen.options]
        assert ids == ["verdict-json", "fix-yaml"]
        await pilot.press("down", "enter")
        await until(pilot, lambda: any(tmp_path.iterdir()), what="the export file")
        written = next(tmp_path.iterdir())
        assert written.suffix == ".yaml"
        assert "kind: NetworkPolicy" in written.read_text()
        assert "198.51.100.7/32" in written.read_text()
        assert stat.S_IMODE(written.stat().st_mode) == 0o644
        # The destination is remembered for the workload when coming back to it.
        assert screen.analysis.checked[target] == "198.51.100.7:443"


async def test_export_trace_json_matches_the_cli_contract(tmp_path: Path) -> None:
    async with running(SnapshotSource([SHOP]), settings=UiSettings(export_dir=str(tmp_path))) as (app, pilot):
        screen = app.main
        screen.analysis.show(t.Target(t.URL, name="http://admin.example.com/"))
        await until(pilot, lambda: screen.analysis.trace is not None)
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, ChooseScreen))
        await pilot.press("enter")
        await until(pilot, lambda: any(tmp_path.iterdir()))
        doc = json.loads(next(tmp_path.iterdir()).read_text())
        assert doc["url"] == "http://admin.example.com/"
        assert doc["verdict"] == "broken"
        assert doc["hops"][doc["first_failure"]]["kind"] == "service"


async def test_policy_view_describes_rules_and_selected_pods() -> None:
    async with running(SnapshotSource([SHOP])) as (app, pilot):
        screen = app.main
        screen.analysis.show(t.Target(t.POLICY, "payments", "allow-db"))
        await until(pilot, lambda: screen.analysis.analysis is not None)
        text = widget_text(screen.analysis)
        assert "egress rule 0: allow to 10.20.0.0/16, on [5432/TCP]" in text
        assert "selects 2 pods" in text
