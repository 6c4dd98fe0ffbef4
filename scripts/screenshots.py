"""Regenerate the TUI screenshots in screenshots/: SVG (Textual's export) and PNG.

Each shot drives the real app (headless, fixed size, dark theme unless named -light, cursor
blink off) on the bundled demo — or, in a build without the demo, on the shop fixture that
mirrors it — then exports the screen. PNGs come from ``rsvg-convert`` (Debian package
librsvg2-bin); without it only SVGs are written.

    python scripts/screenshots.py            # every shot
    python scripts/screenshots.py main help  # some
"""

from __future__ import annotations

import argparse
import asyncio
import faulthandler
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "screenshots"
SIZE = (120, 36)
SHOT_TIMEOUT = 120.0
"""Seconds one shot may take before the script gives up (it never hangs silently)."""
sys.path.insert(0, str(ROOT))

from textual.pilot import Pilot  # noqa: E402
from textual.widgets import Input  # noqa: E402
from textual.worker import WorkerCancelled  # noqa: E402

from kubetraffic.ui import targets as t  # noqa: E402
from kubetraffic.ui.app import KubetrafficApp  # noqa: E402
from kubetraffic.ui.settings import UiSettings  # noqa: E402
from kubetraffic.ui.svg import preserve_spaces, steady_cursors  # noqa: E402


def make_source() -> Any:
    """The demo source, or the fixture that mirrors it (paths relative to the repo)."""
    try:
        from kubetraffic.adapters.demo import DemoSource

        return DemoSource()
    except ImportError:
        from kubetraffic.adapters.snapshot import SnapshotSource

        return SnapshotSource(["tests/fixtures/shop"])


async def settle(pilot: Pilot[Any], timeout: float = 15.0) -> None:
    """Wait for every short-lived worker, then for the screen to catch up."""
    app = pilot.app
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        await pilot.pause()
        busy = [w for w in app.workers if w.group != "cluster" and w.is_running]
        if not busy:
            await pilot.pause(0.05)
            if not [w for w in app.workers if w.group != "cluster" and w.is_running]:
                return
        try:  # bounded: a worker that never ends must not wedge the script
            await asyncio.wait_for(app.workers.wait_for_complete(busy), max(0.1, deadline - time.monotonic()))
        except TimeoutError:
            break
        except WorkerCancelled:
            continue  # superseded by a newer worker (an exclusive group): look again
    busy = [w.name or w.group for w in app.workers if w.group != "cluster" and w.is_running]
    print(f"warning: workers still running after {timeout:.0f} s: {busy}", file=sys.stderr)


async def loaded(pilot: Pilot[Any]) -> None:
    """The cluster is shown, its health scanned, and the app has opened on the first trouble."""
    app = pilot.app
    while not (app.screen_stack and getattr(app.screen, "model", None) is not None):
        await asyncio.sleep(0.02)
    await settle(pilot)
    screen = app.screen
    nav = screen.navigator
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        health = {ns: nav._health.get(ns) for ns in nav.namespaces()}
        if all(health.values()):
            failing = [ns for ns, rows in health.items() if rows.status == "fail"]
            where = t.Target(t.NAMESPACE, "", (failing or list(health))[0])
            if screen.analysis.target == where and screen.analysis.analysis is not None:
                break
        await pilot.pause(0.05)
    else:
        print(
            f"warning: the app never settled on its opening namespace: {health}, {screen.analysis.target}",
            file=sys.stderr,
        )
    await settle(pilot)


async def open_target(pilot: Pilot[Any], target: t.Target, *, expand: tuple[str, ...] = ()) -> None:
    """Expand a namespace (and groups) and put the cursor on ``target``."""
    nav = pilot.app.main.navigator
    node = nav._ns_nodes[target.namespace or target.name]
    node.expand()
    await settle(pilot)
    for group in expand:
        for child in node.children:
            if child.data is not None and child.data.name == group:
                child.expand()
    await settle(pilot)
    nav.select_target(target)
    await settle(pilot)


async def shot_main(pilot: Pilot[Any]) -> None:
    """The broken admin route: its trace, with the failing hop in view."""
    rule = t.Target(t.INGRESS_RULE, "shop", "admin", detail="Prefix", host="admin.example.com", path="/")
    await open_target(pilot, rule, expand=("Ingresses",))
    nav = pilot.app.main.navigator
    for node in nav._walk():
        if node.data is not None and node.data.target == t.Target(t.INGRESS, "shop", "admin"):
            node.expand()
    await settle(pilot)
    nav.select_target(rule)
    await settle(pilot)


async def shot_trace(pilot: Pilot[Any]) -> None:
    """``t`` with a typed URL: the degraded cart route."""
    await pilot.press("t")
    await settle(pilot)
    pilot.app.screen.query_one(Input).value = "https://shop.example.com/api/cart"
    await pilot.press("enter")
    await settle(pilot)


async def shot_egress(pilot: Pilot[Any]) -> None:
    """``e`` from payments-api to api.stripe.com:443."""
    await open_target(
        pilot, t.Target(t.WORKLOAD, "payments", "payments-api", detail="Deployment"), expand=("Workloads",)
    )
    await pilot.press("e")
    await settle(pilot)
    pilot.app.screen.query_one(Input).value = "api.stripe.com:443"
    await pilot.press("enter")
    await settle(pilot)


async def shot_capture(pilot: Pilot[Any]) -> None:
    """``c`` on a payments-api pod: the plan, then a few seconds of its packets (demo only)."""
    from kubetraffic.ui.feeds import PacketFeed
    from kubetraffic.ui.screens.confirm import ConfirmScreen

    app = pilot.app
    with app.main.model.read() as state:
        pod = sorted(p.meta.name for p in state.pods("payments"))[0]
    await open_target(
        pilot, t.Target(t.WORKLOAD, "payments", "payments-api", detail="Deployment"), expand=("Workloads",)
    )
    nav = app.main.navigator
    for node in nav._walk():
        if node.data is not None and node.data.target.name == "payments-api":
            node.expand()
    await settle(pilot)
    nav.select_target(t.Target(t.POD, "payments", pod))
    await settle(pilot)
    await pilot.press("c")
    while not isinstance(app.screen, ConfirmScreen):
        await pilot.pause(0.05)
    await pilot.press("y")
    feed = app.main.query_one(PacketFeed)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and (app.main.packets.summary is None or app.main.packets.summary.packets < 12):
        await pilot.pause(0.2)
    assert feed.running or app.main.packets.summary is not None
    await settle(pilot, timeout=60)  # the capture runs its course


async def shot_pods(pilot: Pilot[Any]) -> None:
    """``:pod`` filtered with ``/cart``."""
    await pilot.press("colon", *"pod", "enter")
    await settle(pilot)
    await pilot.press("slash", *"cart", "enter")
    await settle(pilot)
    await pilot.press("down")
    await settle(pilot)


async def shot_filter(pilot: Pilot[Any]) -> None:
    """``/-l app=cart`` on the navigator."""
    await pilot.press("slash", *"-l app=cart")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def shot_help(pilot: Pilot[Any]) -> None:
    """``?``."""
    await pilot.press("question_mark")
    await settle(pilot)


async def shot_yaml(pilot: Pilot[Any]) -> None:
    """``y`` on a Service."""
    await open_target(pilot, t.Target(t.SERVICE, "shop", "cart"), expand=("Services",))
    await pilot.press("y")
    await settle(pilot)


async def shot_small(pilot: Pilot[Any]) -> None:
    """The main screen at 80×24."""
    await shot_main(pilot)


SHOTS: dict[str, tuple[Callable[[Pilot[Any]], Awaitable[None]], dict[str, Any]]] = {
    "main": (shot_main, {}),
    "trace": (shot_trace, {}),
    "egress": (shot_egress, {}),
    "capture": (shot_capture, {"needs": "capture_source"}),
    "pods": (shot_pods, {}),
    "filter": (shot_filter, {}),
    "yaml": (shot_yaml, {}),
    "help": (shot_help, {}),
    "main-light": (shot_main, {"theme": "textual-light"}),
    "main-80x24": (shot_small, {"size": (80, 24)}),
}


async def take(name: str) -> Path:
    """Drive one shot and write screenshots/NAME.svg (and .png)."""
    drive, options = SHOTS[name]
    source = make_source()
    if "needs" in options and not hasattr(source, options["needs"]):
        print(f"skipped {name}: the {source.info.mode} source has no {options['needs']}", file=sys.stderr)
        return OUT / f"{name}.svg"
    app = KubetrafficApp(source, UiSettings())
    size = options.get("size", SIZE)
    async with app.run_test(size=size) as pilot:
        if "theme" in options:
            app.theme = options["theme"]
        await loaded(pilot)
        await drive(pilot)
        steady_cursors(app)
        await pilot.pause(0.1)
        svg = preserve_spaces(app.export_screenshot(title=f"kubetraffic — {name}"))
    path = OUT / f"{name}.svg"
    path.write_text(svg, encoding="utf-8")
    converter = shutil.which("rsvg-convert")
    if converter:
        subprocess.run([converter, str(path), "-o", str(path.with_suffix(".png"))], check=True)
    return path


def main() -> int:
    """Regenerate the named shots (all by default)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", choices=[[], *SHOTS], help="shots to take (default: all)")
    args = parser.parse_args()
    os.chdir(ROOT)  # the source names its paths relative to the repository
    OUT.mkdir(exist_ok=True)
    if not shutil.which("rsvg-convert"):
        print("rsvg-convert not found (Debian: apt-get install librsvg2-bin): writing SVG only", file=sys.stderr)
    for name in args.names or SHOTS:
        # If a shot ever wedges the event loop itself, say where instead of hanging silently.
        faulthandler.dump_traceback_later(SHOT_TIMEOUT + 30, exit=True)
        path = asyncio.run(asyncio.wait_for(take(name), SHOT_TIMEOUT))
        faulthandler.cancel_dump_traceback_later()
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
