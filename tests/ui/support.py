"""Helpers for driving the TUI in tests: start it on a source, wait for its workers, record
messages, and a scripted source that plays change events like a live cluster would."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from textual.message import Message
from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from kubetraffic.adapters.snapshot import SnapshotSource
from kubetraffic.adapters.source import EventSink, LoadReport, StatusSink
from kubetraffic.core.events import ChangeEvent, ResourceStatus, SourceInfo
from kubetraffic.core.state import ClusterState
from kubetraffic.ui.app import KubetrafficApp
from kubetraffic.ui.screens.main import MainScreen
from kubetraffic.ui.settings import UiSettings

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SHOP = str(FIXTURES / "shop")
SIZE = (100, 32)
LONG_LIVED = {"cluster"}
"""Worker groups that run for the app's lifetime (never waited for)."""


class Recorder:
    """Every message the app's pumps handle, for assertions on what was posted."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    def __call__(self, message: Message) -> None:
        self.messages.append(message)

    def of(self, kind: type[Message]) -> list[Any]:
        """Messages of one class, in order (once each, though a message visits every pump it bubbles to)."""
        seen: set[int] = set()
        out = []
        for m in self.messages:
            if isinstance(m, kind) and id(m) not in seen:
                seen.add(id(m))
                out.append(m)
        return out


async def settle(pilot: Pilot[Any], *, timeout: float = 10.0, ignore: tuple[str, ...] = ()) -> None:
    """Wait until no short-lived worker runs and the screen has processed what they posted.

    ``ignore`` names more worker groups not to wait for (e.g. a metrics poll held up on purpose).
    """
    app = pilot.app
    deadline = time.monotonic() + timeout
    skip = LONG_LIVED | set(ignore)
    while True:
        await pilot.pause()
        busy = [w for w in app.workers if w.group not in skip and w.is_running]
        if not busy:
            await pilot.pause()
            if not [w for w in app.workers if w.group not in skip and w.is_running]:
                return
        if time.monotonic() > deadline:
            raise TimeoutError(f"workers still running: {[w.name or w.group for w in busy]}")
        # Bounded, so a worker that never ends fails the test by name instead of hanging it;
        # one superseded by a newer worker (an exclusive group) is cancelled: look again.
        with contextlib.suppress(TimeoutError, WorkerCancelled):
            await asyncio.wait_for(app.workers.wait_for_complete(busy), max(0.05, deadline - time.monotonic()))


async def until(
    pilot: Pilot[Any],
    condition: Callable[[], bool],
    *,
    timeout: float = 10.0,
    what: str = "",
    ignore: tuple[str, ...] = (),
) -> None:
    """Wait (settling workers between checks) until ``condition()`` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what or condition}")
        await settle(pilot, timeout=max(0.1, deadline - time.monotonic()), ignore=ignore)
        await asyncio.sleep(0.01)  # let feed threads post what they hold
    await settle(pilot, ignore=ignore)  # and let the screen catch up with what made it true


def notices(recorder: Recorder) -> list[str]:
    """The notifications the app showed (their messages), in order."""
    from textual.notifications import Notify

    return [str(m.notification.message) for m in recorder.of(Notify)]


def screen_text(app: KubetrafficApp) -> str:
    """The whole screen as plain text, line by line (what a user reads)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text for strip in strips)


def widget_text(widget: Any) -> str:
    """The plain text a widget shows in its region of the screen."""
    region = widget.region
    lines = screen_text(widget.app).splitlines()[region.y : region.y + region.height]
    return "\n".join(line[region.x : region.x + region.width] for line in lines)


def flat_text(widget: Any) -> str:
    """A widget's text as one line: borders and scrollbars removed, wrapped lines joined."""
    import re

    lines = [re.sub(r"[│╭╮╰╯─▁▂▃▄▅▆▇█▊▎]", " ", line) for line in widget_text(widget).splitlines()]
    return re.sub(r"\s+", " ", " ".join(lines)).strip()


def main_screen(app: KubetrafficApp) -> MainScreen:
    """The main screen of a running app."""
    return app.main


@asynccontextmanager
async def running(
    source: Any, *, settings: UiSettings | None = None, size: tuple[int, int] = SIZE, recorder: Recorder | None = None
) -> Iterator[tuple[KubetrafficApp, Pilot[Any]]]:  # type: ignore[misc]
    """Run the app on ``source`` until the cluster is loaded and the first answers are in."""
    app = KubetrafficApp(source, settings or UiSettings())
    async with app.run_test(size=size, message_hook=recorder) as pilot:
        await until(
            pilot,
            lambda: app.screen_stack and isinstance(app.screen, MainScreen) and app.main.model is not None,
            what="the cluster to load",
        )
        await settle(pilot)
        await until(pilot, lambda: landed(app), what="the health scan and the landing on trouble")
        yield app, pilot


def landed(app: KubetrafficApp) -> bool:
    """The health scan is done and the app shows where it opens: the first failing namespace
    (or, with none failing, the first namespace), its answer computed."""
    from kubetraffic.ui import targets as t

    screen = app.main
    nav = screen.navigator
    names = nav.namespaces()
    if not names or not all(ns in nav._health for ns in names):
        return False
    focus = screen.settings.namespace or screen.source.info.namespace  # opened there, expanded
    failing = [ns for ns in names if nav._health[ns].status == "fail"]
    where = focus if focus in names else failing[0] if failing else names[0]
    analysis = screen.analysis
    return analysis.target == t.Target(t.NAMESPACE, "", where) and analysis.analysis is not None


class ScriptedSource(SnapshotSource):
    """A snapshot that, once followed, plays change events the test pushes (like a watch).

    Events go through the same ``follow`` callbacks a live source uses, from a thread the
    source owns; ``close`` stops that thread promptly.
    """

    def __init__(self, paths: list[str], *, mode: str = "live") -> None:
        super().__init__(paths)
        self.info = SourceInfo(mode=mode, context="test-context", namespace="shop")  # type: ignore[arg-type]
        self._queue: list[list[ChangeEvent] | ResourceStatus] = []
        self._cond = threading.Condition()
        self._closed = False
        self.closed = threading.Event()
        self.state: ClusterState | None = None
        self.report = LoadReport()

    def open(self) -> ClusterState:
        self.state = super().open()
        self.state.info = self.info
        return self.state

    def statuses(self) -> list[ResourceStatus]:
        return [ResourceStatus(kind=k, state="watching") for k in ("Pod", "Service", "Ingress", "NetworkPolicy")]

    def follow(self, on_events: EventSink, on_status: StatusSink) -> None:
        def play() -> None:
            while True:
                with self._cond:
                    while not self._queue and not self._closed:
                        self._cond.wait(0.5)
                    if self._closed:
                        return
                    item = self._queue.pop(0)
                if isinstance(item, ResourceStatus):
                    on_status(item)
                else:
                    on_events(item)

        threading.Thread(target=play, name="scripted-watch", daemon=True).start()

    def push(self, item: list[ChangeEvent] | ResourceStatus) -> None:
        """Deliver a batch of events (or a status) from the source's thread."""
        with self._cond:
            self._queue.append(item)
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self.closed.set()
