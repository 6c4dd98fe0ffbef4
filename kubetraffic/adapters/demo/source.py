"""``DemoSource``: the "shop" scenario played as a live cluster.

``open`` builds the scenario and loads it through ``core.convert`` and change events, the
path every source takes; ``follow`` plays the live timeline from a daemon thread, one
batch of watch-style events per step; ``raw_objects`` gives the objects for
``snapshot save``. Everything derives from (seed, clock), so a test that injects a
ManualClock gets the same cluster and the same events every time, without sleeping.
"""

from __future__ import annotations

import copy
import os
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from kubetraffic.adapters.source import EventSink, LoadProblem, LoadReport, StatusSink, bulk_load, scrub
from kubetraffic.core.convert import convert
from kubetraffic.core.events import ChangeEvent, EventType, ResourceStatus, SourceInfo
from kubetraffic.core.state import ClusterState
from kubetraffic.demo.clock import Clock, SystemClock
from kubetraffic.demo.cluster import KIND_ORDER
from kubetraffic.demo.facts import SEED
from kubetraffic.demo.scenario import Scenario, build
from kubetraffic.demo.timeline import STEPS, Step, loop, play

if TYPE_CHECKING:
    from kubetraffic.adapters.demo.capture import DemoCapture
    from kubetraffic.adapters.demo.metrics import DemoMetrics

DEMO_INFO = SourceInfo(mode="demo", context="demo", server='bundled demo cluster "shop"')


SPEED_VARIABLE = "KUBETRAFFIC_DEMO_SPEED"
"""Play the demo's live changes this many times faster (e.g. 10: one every 1.2–1.5 s)."""


def _speed() -> tuple[float, LoadProblem | None]:
    """The speed asked for in the environment; a bad value is reported and ignored."""
    raw = os.environ.get(SPEED_VARIABLE, "").strip()
    if not raw:
        return 1.0, None
    try:
        speed = float(raw)
    except ValueError:
        speed = 0.0
    if not 0 < speed < 1e6:
        return 1.0, LoadProblem(SPEED_VARIABLE, f"{raw!r} is not a positive number such as 10; playing at normal speed")
    return speed, None


def to_event(change_type: EventType, obj: dict[str, Any]) -> ChangeEvent:
    """One API object change as the ChangeEvent a watch would deliver."""
    kind, converted = convert(obj)
    return ChangeEvent(change_type, kind, converted.meta.key, converted)


class DemoSource:
    """A ClusterSource for the bundled scenario; ``dns_table`` answers its host names."""

    def __init__(self, *, seed: int = SEED, clock: Clock | None = None, steps: tuple[Step, ...] = STEPS) -> None:
        self.seed = seed
        speed, self._speed_problem = _speed() if clock is None else (1.0, None)
        self.clock: Clock = clock or SystemClock(speed)
        self.steps = steps
        self.info = DEMO_INFO
        self.report = LoadReport()
        self.dns_table: dict[str, tuple[str, ...]] = {}
        self._scenario: Scenario | None = None
        self.lock = threading.Lock()
        """Held while the timeline changes the scenario; readers (metrics, packets) take it too."""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def scenario(self) -> Scenario:
        """The scenario as of now (built on first use, then changed only by the timeline)."""
        if self._scenario is None:
            self._scenario = build(self.seed, float(int(self.clock.now())))  # the API counts whole seconds
            self.dns_table = dict(self._scenario.dns_table)
        return self._scenario

    def open(self) -> ClusterState:
        """The scenario's current objects, converted and applied as ADDED events."""
        with self.lock:
            objects = self.scenario.objects()
            state = ClusterState(info=self.info)
            with bulk_load():
                for obj in objects:
                    state.apply(to_event("ADDED", obj))
        self.report = LoadReport(documents=len(objects), objects=len(objects))
        if self._speed_problem is not None:
            self.report.problems.append(self._speed_problem)
        return state

    def progress(self) -> str:
        """How far ``open()`` has got (it is quick: building the bundled scenario)."""
        return "building the bundled demo cluster"

    def follow(self, on_events: EventSink, on_status: StatusSink) -> None:
        """Play the timeline in a daemon thread; each step arrives as one batch of events."""
        if self._thread is not None:
            return
        self.scenario  # noqa: B018 - build before the thread starts, so it never races open()
        for status in self._statuses("watching"):
            on_status(status)
        self._thread = threading.Thread(
            target=self._run, args=(on_events, on_status), name="demo-timeline", daemon=True
        )
        self._thread.start()

    def _run(self, on_events: EventSink, on_status: StatusSink) -> None:
        for step in loop(self.steps):
            if self.clock.wait(step.after, self._stop):
                return
            with self.lock:
                changes = play(self.scenario.cluster, step, self.clock.now())
            events = [to_event(change_type, obj) for change_type, obj in changes]
            if self._stop.is_set():
                return
            try:
                on_events(events)
            except Exception as exc:  # a broken consumer must not end the demo silently
                on_status(ResourceStatus("*", "unavailable", f"demo timeline: {type(exc).__name__}: {exc}"))

    def statuses(self) -> list[ResourceStatus]:
        """Every kind is "watching" once the timeline plays, "static" before."""
        return self._statuses("watching" if self._thread is not None else "static")

    def _statuses(self, state: str) -> list[ResourceStatus]:
        return [ResourceStatus(kind, state, "demo") for kind in KIND_ORDER]

    def close(self) -> None:
        """Stop the timeline at once; safe to call twice."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)

    def metrics_source(self) -> DemoMetrics:
        """The demo's own metrics: what a Prometheus in this cluster would answer.

        Picked by the CLI and the TUI when no ``--prometheus`` URL is given.
        """
        from kubetraffic.adapters.demo.metrics import DemoMetrics

        return DemoMetrics(self)

    def capture_source(
        self,
        pod: str,
        *,
        namespace: str = "default",
        seconds: float | None = None,
        bpf: str | None = None,
        paced: bool = False,
    ) -> DemoCapture:
        """A capture on a demo pod (``ns/name``, or a Deployment: its first ready pod), as a CaptureSource."""
        from kubetraffic.adapters.demo.capture import DemoCapture

        ns, _, name = pod.rpartition("/")
        ns = ns or namespace
        with self.lock:
            dep = self.scenario.cluster.deployments.get((ns, name))
            if dep is not None and dep.pods:  # the ready pod is the one with traffic
                name = sorted(dep.pods, key=lambda run: (not run.ready, run.name))[0].name
        return DemoCapture(self, ns, name, seconds=seconds, bpf=bpf, paced=paced)

    def raw_objects(self) -> Iterator[dict[str, Any]]:
        """The cluster as an API server would list it, status included, for ``snapshot save``.

        Status stays so that ``--snapshot`` on the saved files gives the same answers as
        ``--demo``; ``resourceVersion`` goes, because ``kubectl apply`` refuses to create
        objects that carry one. The objects a user authors carry the label
        ``app.kubernetes.io/part-of=kubetraffic-demo``: ``kubectl apply -l`` with it
        recreates the apps on a test cluster (controllers then make the rest).
        """
        with self.lock:
            objects = copy.deepcopy(self.scenario.objects())
        for obj in objects:
            obj["metadata"].pop("resourceVersion", None)
            yield scrub(obj)
