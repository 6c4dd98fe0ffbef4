"""SVG snapshots of each screen at a fixed size (blink off), compared with tests/ui/snapshots.

The plain-text screen is compared first (a readable diff), then the SVG (colours and
styles). After an intended change, regenerate with::

    KUBETRAFFIC_UPDATE_SNAPSHOTS=1 python -m pytest tests/ui/test_snapshots.py
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from kubetraffic.adapters.demo import DemoSource
from kubetraffic.adapters.snapshot import SnapshotSource
from kubetraffic.demo.clock import DEMO_EPOCH, ManualClock
from kubetraffic.ui import targets as t
from kubetraffic.ui.svg import preserve_spaces, steady_cursors

from .support import running, screen_text, settle, until

ROOT = Path(__file__).resolve().parent.parent.parent
SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
UPDATE = os.environ.get("KUBETRAFFIC_UPDATE_SNAPSHOTS") == "1"
SIZE = (100, 30)


async def expand(pilot: Pilot[Any], namespace: str, *groups: str) -> None:
    nav = pilot.app.main.navigator
    node = nav._ns_nodes[namespace]
    node.expand()
    await until(pilot, lambda: any(c.data is not None and c.data.target.kind == t.GROUP for c in node.children))
    for child in node.children:
        if child.data is not None and child.data.name in groups:
            child.expand()
    await settle(pilot)


async def select(pilot: Pilot[Any], target: t.Target) -> None:
    screen = pilot.app.main
    assert screen.navigator.select_target(target)
    await until(pilot, lambda: screen.analysis.target == target and screen.analysis.analysis is not None)


async def navigator(pilot: Pilot[Any]) -> None:
    await settle(pilot)


async def broken_service(pilot: Pilot[Any]) -> None:
    await expand(pilot, "shop", "Services")
    await select(pilot, t.Target(t.SERVICE, "shop", "admin"))


async def broken_route(pilot: Pilot[Any]) -> None:
    await expand(pilot, "shop", "Ingresses")
    nav = pilot.app.main.navigator
    for node in nav._walk():
        if node.data is not None and node.data.target == t.Target(t.INGRESS, "shop", "admin"):
            node.expand()
    await settle(pilot)
    await select(pilot, t.Target(t.INGRESS_RULE, "shop", "admin", detail="Prefix", host="admin.example.com", path="/"))


async def egress(pilot: Pilot[Any]) -> None:
    await expand(pilot, "payments", "Workloads")
    target = t.Target(t.WORKLOAD, "payments", "payments-api", detail="Deployment")
    await select(pilot, target)
    pilot.app.main.analysis.show(target, destination="198.51.100.7:443")
    await until(pilot, lambda: getattr(pilot.app.main.analysis.analysis.main, "checked", None) is not None)
    if pilot.app.main.header.prometheus[0] == "ok" or pilot.app.main.source.info.mode == "demo":
        await until(pilot, lambda: bool(pilot.app.main.analysis.figures))


async def policy(pilot: Pilot[Any]) -> None:
    await expand(pilot, "payments", "NetworkPolicies")
    await select(pilot, t.Target(t.POLICY, "payments", "allow-db"))


async def pods(pilot: Pilot[Any]) -> None:
    await pilot.press("colon", *"pod", "enter")
    await until(pilot, lambda: pilot.app.main.resource_list.row_count == 15)
    await pilot.press("slash", *"cart", "enter")
    await until(pilot, lambda: pilot.app.main.resource_list.row_count == 3)


async def help_screen(pilot: Pilot[Any]) -> None:
    await pilot.press("question_mark")
    await settle(pilot)


async def trace_prompt(pilot: Pilot[Any]) -> None:
    await pilot.press("t")
    await settle(pilot)
    pilot.app.screen.query_one(Input).value = "https://shop.example.com/api/cart"
    await settle(pilot)


async def yaml_view(pilot: Pilot[Any]) -> None:
    await expand(pilot, "shop", "Services")
    await select(pilot, t.Target(t.SERVICE, "shop", "cart"))
    await pilot.press("y")
    await until(pilot, lambda: bool(pilot.app.screen.query(TextArea)))


CASES: dict[str, tuple[Callable[[Pilot[Any]], Awaitable[None]], dict[str, Any]]] = {
    "navigator": (navigator, {}),
    "broken-service": (broken_service, {}),
    "broken-route": (broken_route, {}),
    "broken-route-light": (broken_route, {"theme": "textual-light"}),
    "broken-route-80x24": (broken_route, {"size": (80, 24)}),
    "egress": (egress, {}),
    "policy": (policy, {}),
    "pods": (pods, {}),
    "help": (help_screen, {}),
    "trace-prompt": (trace_prompt, {}),
    "yaml": (yaml_view, {}),
    "demo-broken-route": (broken_route, {"demo": True}),
    "demo-egress": (egress, {"demo": True}),
}


@pytest.mark.parametrize("name", sorted(CASES))
async def test_screen_matches_snapshot(name: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(ROOT)  # the header shows the snapshot path as given: keep it relative
    drive, options = CASES[name]
    if options.get("demo"):  # the demo on a clock that stands still: its times and figures are fixed
        source: Any = DemoSource(clock=ManualClock(DEMO_EPOCH))
    else:
        source = SnapshotSource(["tests/fixtures/shop"])
    async with running(source, size=options.get("size", SIZE)) as (app, pilot):
        if "theme" in options:
            app.theme = options["theme"]
        await drive(pilot)
        steady_cursors(app)
        await pilot.pause(0.05)
        await settle(pilot)
        text = screen_text(app)
        svg = preserve_spaces(app.export_screenshot(title=name))
    txt_path, svg_path = SNAPSHOTS / f"{name}.txt", SNAPSHOTS / f"{name}.svg"
    if UPDATE or not svg_path.exists():
        if not UPDATE and os.environ.get("CI") == "true":
            pytest.fail(f"missing snapshot {svg_path.name}: regenerate with KUBETRAFFIC_UPDATE_SNAPSHOTS=1")
        SNAPSHOTS.mkdir(exist_ok=True)
        txt_path.write_text(text, encoding="utf-8")
        svg_path.write_text(svg, encoding="utf-8")
        return
    expected = txt_path.read_text(encoding="utf-8")
    if text != expected:
        diff = "\n".join(
            difflib.unified_diff(expected.splitlines(), text.splitlines(), "expected", "actual", lineterm="")
        )
        (tmp_path / f"{name}.svg").write_text(svg, encoding="utf-8")
        pytest.fail(f"{name}: the screen changed (actual SVG in {tmp_path}):\n{diff}")
    if svg != svg_path.read_text(encoding="utf-8"):
        (tmp_path / f"{name}.svg").write_text(svg, encoding="utf-8")
        pytest.fail(f"{name}: same text, different styles or colours; compare {svg_path} with {tmp_path / name}.svg")
