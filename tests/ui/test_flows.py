"""The TUI's flows, driven as a user would (keys and mouse), asserting on messages and screen."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
from textual.widgets import ContentSwitcher

from kubetraffic.adapters.snapshot import SnapshotSource
from kubetraffic.core.events import ChangeEvent, ResourceStatus
from kubetraffic.ui import targets as t
from kubetraffic.ui.app import KubetrafficApp
from kubetraffic.ui.feeds import ClusterFeed
from kubetraffic.ui.screens.help import HelpScreen
from kubetraffic.ui.screens.yaml_view import TextScreen
from kubetraffic.ui.settings import UiSettings
from kubetraffic.ui.widgets.analysis import AnalysisPane
from kubetraffic.ui.widgets.navigator import Navigator

from .support import SHOP, Recorder, ScriptedSource, notices, running, settle, until, widget_text


def labels(nav: Navigator) -> list[str]:
    """Visible navigator lines, as plain text."""
    return [str(node.label) for node in nav._walk()]


async def test_navigator_loads_a_namespace_when_expanded_and_shows_health() -> None:
    async with running(SnapshotSource([SHOP])) as (app, pilot):
        nav = app.main.navigator
        assert [n.split()[1] for n in labels(nav)] == ["ingress-nginx", "kube-system", "payments", "shop"]
        # Health of collapsed namespaces comes from the background scan: shop has a broken Service.
        shop = nav._ns_nodes["shop"]
        assert shop.data.status == "fail"
        assert not shop.children  # nothing loaded until expanded
        nav.move_cursor(shop)
        await pilot.press("right")
        await settle(pilot)
        groups = [str(c.label) for c in shop.children]
        assert groups == ["✖ Ingresses (2)", "✖ Services (4)", "▲ Workloads (4)", "  NetworkPolicies (4)"]


async def test_it_opens_on_the_first_failing_namespace() -> None:
    async with running(SnapshotSource([SHOP])) as (app, _pilot):
        nav = app.main.navigator
        assert nav.namespaces()[0] == "ingress-nginx"  # first in the list, healthy
        assert nav.current == t.Target(t.NAMESPACE, "", "shop")
        assert app.main.analysis.target == t.Target(t.NAMESPACE, "", "shop")
        assert "Service shop/admin: selects no pods" in widget_text(app.main.analysis)


async def test_a_user_who_moved_first_keeps_the_cursor(monkeypatch: pytest.MonkeyPatch) -> None:
    import kubetraffic.ui.widgets.navigator as navigator

    release = threading.Event()
    scanned: list[str] = []
    scan = navigator.namespace_rows

    def recorded(state, namespace, route_health):  # type: ignore[no-untyped-def]
        scanned.append(namespace)
        return scan(state, namespace, route_health)

    class Clock:
        """The scan's pause between namespaces; after the broken one it lasts until released."""

        @staticmethod
        def perf_counter() -> float:
            return time.perf_counter()

        @staticmethod
        def sleep(seconds: float) -> None:
            if scanned[-1:] == ["shop"]:
                release.wait(10)  # outside the model's lock: the rest of the app carries on
            time.sleep(seconds)

    monkeypatch.setattr(navigator, "namespace_rows", recorded)
    monkeypatch.setattr(navigator, "time", Clock)
    monkeypatch.setattr(navigator, "SCAN_CHUNK", 1)  # each namespace's health is posted on its own
    app = KubetrafficApp(SnapshotSource([SHOP]), UiSettings())
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            nav = app.main.navigator
            await until(pilot, lambda: nav.current is not None, what="the first row", ignore=("health",))
            await pilot.press("down")
            release.set()
            await until(pilot, lambda: all(ns in nav._health for ns in nav.namespaces()), what="the scan")
            await settle(pilot)
            assert nav.current == t.Target(t.NAMESPACE, "", "kube-system")
            assert app.main.analysis.target == t.Target(t.NAMESPACE, "", "kube-system")
    finally:
        release.set()


async def test_an_asked_for_namespace_is_where_it_opens() -> None:
    async with running(SnapshotSource([SHOP]), settings=UiSettings(namespace="payments")) as (app, _pilot):
        assert app.main.navigator.current == t.Target(t.NAMESPACE, "", "payments")
        assert app.main.analysis.target == t.Target(t.NAMESPACE, "", "payments")


async def test_select_broken_service_shows_why() -> None:
    recorder = Recorder()
    async with running(SnapshotSource([SHOP]), recorder=recorder) as (app, pilot):
        screen = app.main
        assert screen.navigator.select_target(t.Target(t.SERVICE, "shop", "admin")) is False  # not loaded yet
        screen.navigator.move_cursor(screen.navigator._ns_nodes["shop"])
        await pilot.press("enter")
        await settle(pilot)
        assert screen.navigator.select_target(t.Target(t.SERVICE, "shop", "admin"))
        await until(
            pilot, lambda: screen.analysis.analysis is not None and screen.analysis.analysis.target.name == "admin"
        )
        selected = [m.target for m in recorder.of(Navigator.Selected)]
        assert t.Target(t.SERVICE, "shop", "admin") in selected
        ready = recorder.of(AnalysisPane.Ready)[-1].analysis
        assert ready.main.status == "fail"
        assert ready.main.summary == "selects no pods"
        body = widget_text(screen.analysis)
        assert "selector    app=admin-v2  → 0 pods" in body
        assert "no endpoints" in body
        assert screen.analysis.has_class("-fail")


async def test_filter_regex_negation_and_labels() -> None:
    async with running(SnapshotSource([SHOP])) as (app, pilot):
        screen = app.main
        await pilot.press("slash", *"pay")
        await until(pilot, lambda: screen.navigator.namespaces() == ["payments"], what="regex filter")
        await pilot.press("enter")
        assert screen.navigator.has_focus
        await pilot.press("slash")
        screen.filter_bar.input.value = "!cart"
        await until(pilot, lambda: len(screen.navigator.namespaces()) == 4, what="negated filter")
        shop = screen.navigator._ns_nodes["shop"]
        await until(pilot, lambda: any("Services" in str(c.label) for c in shop.children), what="shop expanded")
        services = next(c for c in shop.children if "Services" in str(c.label))
        assert [c.data.name for c in services.children] == ["admin", "api", "frontend"]
        screen.filter_bar.input.value = "-l app=cart"
        await until(pilot, lambda: screen.navigator.namespaces() == ["shop"], what="label filter")
        node = screen.navigator._ns_nodes["shop"]
        await until(pilot, lambda: any("Workloads" in str(c.label) for c in node.children), what="shop expanded")
        shown = [str(n.label) for n in screen.navigator._walk()]
        assert any("cart" in s for s in shown)
        assert not any("frontend" in s for s in shown)
        screen.filter_bar.input.value = "([bad"
        await until(pilot, lambda: screen.filter_bar.has_class("-error"), what="a bad regex to be reported")
        assert screen.navigator.namespaces() == ["shop"]  # the last good filter stays
        await pilot.press("escape")
        await until(pilot, lambda: len(screen.navigator.namespaces()) == 4, what="the filter to clear")
        assert not screen.filter_bar.display


async def test_jump_lists_pods_and_filter_applies_to_the_list() -> None:
    async with running(SnapshotSource([SHOP])) as (app, pilot):
        screen = app.main
        await pilot.press("colon", *"pod shop", "enter")
        await until(pilot, lambda: screen.showing_list and screen.resource_list.row_count == 9, what="9 shop pods")
        await pilot.press("slash", *"cart", "enter")
        await until(pilot, lambda: screen.resource_list.row_count == 3, what="3 cart pods")
        await pilot.press("down")
        await settle(pilot)
        assert screen.resource_list.current is not None
        assert screen.resource_list.current.name.startswith("cart-")
        await pilot.press("escape")  # clears the filter
        await pilot.press("escape")  # back to the navigator
        await settle(pilot)
        assert screen.query_one("#left-switcher", ContentSwitcher).current == "navigator"


async def test_yaml_of_a_pod_is_scrubbed_and_secrets_are_never_shown() -> None:
    async with running(SnapshotSource([SHOP])) as (app, pilot):
        screen = app.main
        await pilot.press("colon", *"pod kube-system", "enter")
        await until(pilot, lambda: screen.resource_list.row_count == 2)
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, TextScreen), what="the YAML dialog")
        text = app.screen.text
        assert "kind: Pod" in text
        assert "namespace: kube-system" in text
        await pilot.press("escape")
        from kubetraffic.adapters.source import raw_object

        assert raw_object(screen.source, "Secret", ("shop", "shop-tls")) is None


async def test_help_lists_every_key() -> None:
    async with running(SnapshotSource([SHOP])) as (app, pilot):
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        keys = {k for k, _ in app.screen.rows}
        assert {"t", "e", "c", "/", ":", "y", "x", "m", "?", "q", "escape"} <= keys
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, HelpScreen)


async def test_live_change_updates_the_navigator_and_flashes() -> None:
    source = ScriptedSource([SHOP])
    recorder = Recorder()
    async with running(source, recorder=recorder) as (app, pilot):
        screen = app.main
        nav = screen.navigator
        nav.move_cursor(nav._ns_nodes["shop"])
        await pilot.press("enter")
        await settle(pilot)
        state = source.state
        assert state is not None
        # A new pod of the admin workload with the label the admin Service wants, as a watch would deliver it.
        admin = next(p for p in state.pods("shop") if p.meta.name.startswith("admin-"))
        new = replace(admin, meta=replace(admin.meta, name="admin-v2-xyz", labels={"app": "admin-v2"}))
        source.push([ChangeEvent("ADDED", "Pod", new.key, new)])
        await until(pilot, lambda: nav._ns_nodes["shop"].data.detail == "10 pods", what="pod count to change")
        changed = recorder.of(ClusterFeed.Changed)
        assert changed
        assert "admin-v2-xyz" in changed[-1].summary.names("shop", "Pod")
        services = next(c for c in nav._ns_nodes["shop"].children if c.data.name == "Services")
        await until(
            pilot,
            lambda: next(c for c in services.children if c.data.name == "admin").data.detail != "selects no pods",
            what="admin Service row to update",
        )
        admin_row = next(c for c in services.children if c.data.name == "admin")
        assert nav.flasher.active(admin_row.id)
        source.push(ResourceStatus("NetworkPolicy", "forbidden", "list networkpolicies"))
        await until(
            pilot, lambda: "networkpolicy forbidden" in str(screen.header.render()), what="header to show forbidden"
        )


async def test_many_change_events_arrive_batched() -> None:
    source = ScriptedSource([SHOP])
    recorder = Recorder()
    async with running(source, recorder=recorder) as (app, pilot):
        state = source.state
        assert state is not None
        pod = state.pods("shop")[0]
        for i in range(200):
            p = replace(pod, meta=replace(pod.meta, name=f"burst-{i}"))
            source.push([ChangeEvent("ADDED", "Pod", p.key, p)])
        await until(pilot, lambda: app.main.navigator._ns_nodes["shop"].data.detail == "209 pods", what="all 200 pods")
        batches = recorder.of(ClusterFeed.Changed)
        assert sum(m.summary.events for m in batches) == 200
        assert len(batches) < 50  # batched, not one message per event


async def test_quit_is_instant_while_the_source_is_still_opening() -> None:
    release = threading.Event()

    class Stuck(SnapshotSource):
        def open(self):  # type: ignore[no-untyped-def]
            release.wait(30)  # an API server that never answers
            return super().open()

    app = KubetrafficApp(Stuck([SHOP]), UiSettings())
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert "loading" in str(app.main.header.render())
            await asyncio.wait_for(pilot.press("q"), 5)
        assert app.return_code == 0
    finally:
        release.set()


async def test_the_header_says_how_far_a_slow_open_has_got() -> None:
    release = threading.Event()
    step = ["contacting the server"]

    class Slow(SnapshotSource):
        def open(self):  # type: ignore[no-untyped-def]
            release.wait(30)
            return super().open()

        def progress(self) -> str:
            return step[0]

    app = KubetrafficApp(Slow([SHOP]), UiSettings())
    try:
        async with app.run_test(size=(120, 24)) as pilot:
            header = app.main.header
            await until(pilot, lambda: "contacting the server…" in str(header.render()), what="first progress")
            step[0] = "listing [ctx]: 3/9 kinds, 1,200 objects"
            await until(pilot, lambda: "listing [ctx]: 3/9 kinds, 1,200 objects…" in str(header.render()), what="more")
            release.set()
            await until(pilot, lambda: app.main.model is not None, what="loaded")
            await settle(pilot)
            assert header.load_state == ""
            assert app.main._progress_timer is None  # stopped once loaded
            step[0] = "should never show"
            await pilot.pause(0.4)
            assert "should never show" not in str(header.render())
    finally:
        release.set()


async def test_quit_closes_the_source_with_watches_open() -> None:
    source = ScriptedSource([SHOP])
    async with running(source) as (_app, pilot):
        await pilot.press("q")
    assert await asyncio.to_thread(source.closed.wait, 5)


async def test_mouse_click_expands_and_selects() -> None:
    recorder = Recorder()
    async with running(SnapshotSource([SHOP]), recorder=recorder) as (app, pilot):
        nav = app.main.navigator
        line = nav._ns_nodes["payments"].line
        await pilot.click(Navigator, offset=(6, line + 1))
        await settle(pilot)
        assert any(
            m.target == t.Target(t.NAMESPACE, "", "payments") and m.chosen for m in recorder.of(Navigator.Selected)
        )
        assert nav._ns_nodes["payments"].is_expanded


async def test_load_failure_exits_with_the_source_exit_code() -> None:
    app = KubetrafficApp(SnapshotSource(["/nonexistent/manifests"]), UiSettings())
    async with app.run_test() as pilot:
        await until(pilot, lambda: app.return_code is not None, what="exit")
    assert app.return_code == 2
    assert "no such file" in (app.failure or "")


@pytest.mark.parametrize(("width", "height"), [(80, 24), (160, 48)])
async def test_layout_fits_small_and_large_terminals(width: int, height: int) -> None:
    async with running(SnapshotSource([SHOP]), size=(width, height)) as (app, _pilot):
        screen = app.main
        assert screen.navigator.outer_size.width >= 28
        assert screen.analysis.outer_size.height >= 10
        assert screen.packets.outer_size.height >= 4
        assert screen.header.outer_size.width == width
        # nothing overlaps and everything is on screen
        right = screen.analysis.region
        assert screen.navigator.region.right <= right.x
        assert screen.packets.region.bottom <= height - 1


async def test_namespace_list_choice_returns_to_the_navigator_on_it() -> None:
    async with running(SnapshotSource([SHOP])) as (app, pilot):
        screen = app.main
        await pilot.press("colon", *"ns", "enter")
        await until(pilot, lambda: screen.showing_list and screen.resource_list.row_count == 4)
        await pilot.press("down", "down", "enter")  # the third namespace: payments
        await until(pilot, lambda: not screen.showing_list, what="the navigator to come back")
        await until(pilot, lambda: screen.navigator.current == t.Target(t.NAMESPACE, "", "payments"))
        assert screen.navigator.has_focus


async def test_command_palette_lists_and_runs_the_actions() -> None:
    from textual.command import CommandPalette

    async with running(SnapshotSource([SHOP])) as (app, pilot):
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette), what="the palette")
        titles = {c.title for c in app.get_system_commands(app.main)}
        assert {
            "Trace a URL",
            "Egress check",
            "Capture packets",
            "Filter",
            "Show YAML",
            "Export",
            "Keys",
            "Quit",
        } <= titles
        assert {"List Pods", "List Services", "List Ingresses", "List NetworkPolicies", "Switch context"} <= titles
        await pilot.press(*"list pods")
        await settle(pilot)
        await pilot.press("enter")
        await until(
            pilot, lambda: app.main.showing_list and app.main.resource_list.row_count == 15, what="the pod list"
        )


async def test_light_theme_recolours_statuses() -> None:
    async with running(SnapshotSource([SHOP])) as (app, pilot):
        from kubetraffic.ui.palette import palette

        dark = palette(app).status("fail").color
        app.theme = "textual-light"
        await settle(pilot)
        light = palette(app).status("fail").color
        assert dark != light  # colours come from the theme, not from the code


async def test_context_switch_needs_a_live_cluster() -> None:
    recorder = Recorder()
    async with running(SnapshotSource([SHOP]), recorder=recorder) as (app, pilot):
        await pilot.press("colon", *"ctx", "enter")
        await until(pilot, lambda: any("needs a live cluster" in n for n in notices(recorder)))
        assert app.main.source.info.mode == "snapshot"  # nothing was switched


async def test_a_large_cluster_lists_lazily_and_filters_off_the_ui_thread(tmp_path: Path) -> None:
    from bench.synth import Shape, generate, write

    path = write(generate(Shape(pods=3_000, namespaces=120, policies=300, ingresses=150, nodes=10)), tmp_path, "json")
    recorder = Recorder()
    async with running(SnapshotSource([str(path)]), recorder=recorder) as (app, pilot):
        screen = app.main
        nav = screen.navigator
        assert len(nav.namespaces()) >= 120
        # Collapsed namespaces hold no rows: nothing is built per pod until asked for.
        assert sum(1 for _ in nav._walk()) == len(nav.namespaces())
        await pilot.press("colon", *"pod", "enter")
        await until(pilot, lambda: screen.resource_list.row_count >= 3_000, what="every pod in the one table")
        assert screen.resource_list.table.row_count == screen.resource_list.row_count
        await pilot.press("slash", *"-l app=api", "enter")
        await until(pilot, lambda: 0 < screen.resource_list.row_count < 3_000, what="the label filter")
        from textual.worker import Worker

        built = [m.worker for m in recorder.of(Worker.StateChanged) if m.worker.group == "resource-list"]
        assert built  # rows were built in thread workers, not on the UI thread
        assert all(w._thread_worker for w in built)
        await pilot.press("escape", "escape")  # clear the filter, back to the navigator
        await until(pilot, lambda: not screen.showing_list)
        total = len(nav.namespaces())
        await pilot.press("slash", *"-l app=api", "enter")
        await until(pilot, lambda: 0 < len(nav.namespaces()) < total, what="the tree filter")
        filters = [m.worker for m in recorder.of(Worker.StateChanged) if m.worker.group == "filter"]
        assert filters
        assert all(w._thread_worker for w in filters)


def test_workers_never_wait_on_the_ui_thread() -> None:
    """``App.call_from_thread`` blocks its worker until the UI runs the call: during quitting
    that is forever, and the process cannot exit (its executor waits for the worker). The UI's
    workers post messages instead; this guards against the blocking call coming back."""
    import kubetraffic.ui

    root = Path(kubetraffic.ui.__file__).parent
    offenders = [
        f"{path.relative_to(root)}:{number}"
        for path in root.rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "call_from_thread(" in line and not line.lstrip().startswith(("#", '"', "``"))
    ]
    assert offenders == []
