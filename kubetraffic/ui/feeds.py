"""Workers that bring the outside world onto the UI: cluster events, metric polls, packets.

Each feed is a non-visual widget owning its workers; it posts small messages up to the
screen. Threads never touch widgets: they post messages, and high-rate data is batched
(cluster changes are merged into one ``ChangeSummary`` until the UI has taken the last
one) or coalesced (a status message replaces an older one). Every buffer is bounded.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TypeVar

from textual import work
from textual.message import Message
from textual.timer import Timer
from textual.widget import Widget
from textual.worker import get_current_worker

from kubetraffic.adapters.metrics import MetricsSource, MetricsStatus
from kubetraffic.adapters.metrics_feed import fetch_figures
from kubetraffic.adapters.source import ClusterSource, LoadReport, SourceError
from kubetraffic.core.events import ChangeEvent, ResourceStatus
from kubetraffic.core.metrics import HopMetrics, MetricsTarget
from kubetraffic.core.state import ClusterState
from kubetraffic.ui.model import ChangeSummary, ClusterModel


T = TypeVar("T")


class Abandoned(Exception):
    """The worker was cancelled (the app is quitting) while a blocking call was running."""


def interruptible(fn: Callable[..., T], *args: object, poll: float = 0.05) -> T:
    """Run a blocking call (a list, a query, a handshake) so that quitting never waits for it.

    The call runs in a daemon thread; the calling worker waits for it but gives up with
    ``Abandoned`` as soon as it is cancelled. Worker threads are joined when the app exits,
    daemon threads are not: a stalled server can delay nothing.
    """
    worker = get_current_worker()
    box: dict[str, object] = {}
    done = threading.Event()

    def run() -> None:
        try:
            box["value"] = fn(*args)
        except BaseException as exc:
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=run, name=f"blocking {getattr(fn, '__name__', 'call')}", daemon=True).start()
    while not done.wait(poll):
        if worker.is_cancelled:
            raise Abandoned
    error = box.get("error")
    if isinstance(error, BaseException):
        raise error
    return box["value"]  # type: ignore[return-value]


BATCH_SECONDS = 0.1
"""How long change events are gathered before one summary goes to the UI."""
MAX_PENDING_EVENTS = 50_000
"""Events buffered before the source's thread is made to wait (backpressure, no loss)."""


class EventBuffer:
    """A bounded hand-off of change events from source threads to the applier thread.

    ``put`` blocks (in short waits, so closing is prompt) when the buffer is full: events
    are never dropped, the watch simply reads more slowly.
    """

    def __init__(self, limit: int = MAX_PENDING_EVENTS) -> None:
        self._events: deque[ChangeEvent] = deque()
        self._limit = limit
        self._cond = threading.Condition()
        self.closed = False

    def put(self, events: list[ChangeEvent]) -> None:
        """Add a batch (called from the source's threads)."""
        with self._cond:
            while len(self._events) >= self._limit and not self.closed:
                self._cond.wait(0.1)
            if self.closed:
                return
            self._events.extend(events)
            self._cond.notify_all()

    def take(self, timeout: float) -> list[ChangeEvent]:
        """Everything buffered, waiting up to ``timeout`` for the first event."""
        with self._cond:
            if not self._events and not self.closed:
                self._cond.wait(timeout)
            batch = list(self._events)
            self._events.clear()
            self._cond.notify_all()
            return batch

    def close(self) -> None:
        """Release every waiter; later puts are ignored."""
        with self._cond:
            self.closed = True
            self._cond.notify_all()


class ClusterFeed(Widget):
    """Opens the cluster source, then applies its change events off the UI thread."""

    DEFAULT_CSS = "ClusterFeed { display: none; }"

    class Loaded(Message):
        """The initial state is in: the model to share, what was read, how long it took."""

        def __init__(self, model: ClusterModel, report: LoadReport, seconds: float) -> None:
            super().__init__()
            self.model, self.report, self.seconds = model, report, seconds

    class LoadFailed(Message):
        """The source cannot be used at all (unreachable API server, unreadable path)."""

        def __init__(self, error: str, exit_code: int) -> None:
            super().__init__()
            self.error, self.exit_code = error, exit_code

    class Changed(Message):
        """Objects changed; the summary says which (merged while the UI was busy)."""

        def __init__(self, summary: ChangeSummary) -> None:
            super().__init__()
            self.summary = summary

    class StatusChanged(Message):
        """Per-resource source states (the full current set: a newer one replaces it)."""

        def __init__(self, statuses: dict[str, ResourceStatus]) -> None:
            super().__init__()
            self.statuses = statuses

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, ClusterFeed.StatusChanged)

    def __init__(self, source: ClusterSource, *, name: str | None = None) -> None:
        super().__init__(name=name)
        self.source = source
        self.model: ClusterModel | None = None
        self._buffer = EventBuffer()
        self._taken = threading.Event()
        self._taken.set()
        self._statuses: dict[str, ResourceStatus] = {}
        self._status_lock = threading.Lock()

    def on_mount(self) -> None:
        self._run()

    def acknowledge(self) -> None:
        """The UI has handled the last ``Changed``: the next summary may be posted."""
        self._taken.set()

    def stop(self) -> None:
        """Stop following: release waiting threads and close the source (returns at once)."""
        self._buffer.close()
        threading.Thread(target=_close_quietly, args=(self.source,), name="close-source", daemon=True).start()

    def _on_status(self, status: ResourceStatus) -> None:
        with self._status_lock:
            self._statuses[status.kind] = status
            snapshot = dict(self._statuses)
        self.post_message(self.StatusChanged(snapshot))

    @work(thread=True, group="cluster", exit_on_error=False, name="cluster feed")
    def _run(self) -> None:
        worker = get_current_worker()
        started = time.perf_counter()
        try:
            # open() may block for seconds (a big snapshot, a slow API server).
            state: ClusterState = interruptible(self.source.open)
        except Abandoned:
            return
        except SourceError as exc:
            self.post_message(self.LoadFailed(str(exc), exc.exit_code))
            return
        except Exception as exc:  # a source bug must not take the app down with a traceback
            self.post_message(self.LoadFailed(f"cannot open the cluster source: {exc}", 3))
            return
        if worker.is_cancelled or self._buffer.closed:
            return
        self.model = ClusterModel(state)
        for status in self.source.statuses():
            self._statuses[status.kind] = status
        self.post_message(self.Loaded(self.model, self.source.report, time.perf_counter() - started))
        self.post_message(self.StatusChanged(dict(self._statuses)))
        try:
            self.source.follow(self._buffer.put, self._on_status)
        except Exception as exc:
            self._on_status(ResourceStatus("*", "unavailable", f"cannot follow changes: {exc}"))
        self._apply_loop(self.model, lambda: worker.is_cancelled or self._buffer.closed)

    def _apply_loop(self, model: ClusterModel, stopped: Callable[[], bool]) -> None:
        """Apply batches as they come; post one merged summary whenever the UI is ready."""
        pending = ChangeSummary()
        while not stopped():
            batch = self._buffer.take(BATCH_SECONDS)
            if batch:
                pending.merge(model.apply(batch))
                deadline = time.monotonic() + BATCH_SECONDS  # gather the rest of this burst
                while not stopped() and time.monotonic() < deadline:
                    more = self._buffer.take(deadline - time.monotonic())
                    if more:
                        pending.merge(model.apply(more))
            if pending.events and self._taken.is_set():
                self._taken.clear()
                self.post_message(self.Changed(pending))
                pending = ChangeSummary()


def _close_quietly(source: ClusterSource | MetricsSource) -> None:
    try:
        source.close()
    except Exception:  # closing is best effort; the process is leaving anyway
        return


METRICS_INTERVAL = 15.0
"""Seconds between the end of one metrics poll and the start of the next."""


class MetricsFeed(Widget):
    """Polls the metrics source for the hops on screen: fetch, post, then arm the next poll.

    Polls never overlap: the next one is armed only when the last has returned, so a slow
    Prometheus stretches the interval instead of piling up requests. New targets (another
    trace on screen) or another window start a poll at once — after the running one.
    """

    DEFAULT_CSS = "MetricsFeed { display: none; }"

    class Updated(Message):
        """Figures for the watched targets, and how the source is doing."""

        def __init__(self, figures: dict[MetricsTarget, HopMetrics], status: MetricsStatus, generation: int) -> None:
            super().__init__()
            self.figures, self.status, self.generation = figures, status, generation

    def __init__(
        self, source: MetricsSource, *, at: datetime | None, window: str, interval: float = METRICS_INTERVAL
    ) -> None:
        super().__init__()
        self.source = source
        self.at = at
        self.window = window
        self.interval = interval
        self.targets: tuple[MetricsTarget, ...] = ()
        self.generation = 0
        self._busy = False
        self._again = False
        self._timer: Timer | None = None

    @property
    def status(self) -> MetricsStatus:
        """The source's state after its last exchange (no I/O)."""
        return self.source.status()

    def watch(self, targets: Iterable[MetricsTarget]) -> None:
        """Measure these targets from now on (a poll starts as soon as possible)."""
        wanted = tuple(dict.fromkeys(targets))
        if wanted != self.targets:
            self.targets = wanted
            self.poll_now()

    def set_window(self, window: str) -> None:
        """Change the rate window and poll again."""
        self.window = window
        self.poll_now()

    def poll_now(self) -> None:
        """Poll at once, or right after the poll in flight."""
        self.generation += 1
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self._busy:
            self._again = True
            return
        if self.targets and self.source.status().state != "not-configured":
            self._busy = True
            self._poll(self.targets, self.window, self.generation)

    @work(thread=True, group="metrics", exit_on_error=False, name="metrics poll")
    def _poll(self, targets: tuple[MetricsTarget, ...], window: str, generation: int) -> None:
        try:
            figures = interruptible(
                lambda: fetch_figures(self.source, targets, at=self.at, window=window, sparklines=True)
            )
        except Abandoned:
            return
        except Exception as exc:  # a metrics bug must not take the app down; say so in the header
            figures = {}
            status = MetricsStatus("down", f"{type(exc).__name__}: {exc}", self.source.status().name)
        else:
            status = self.source.status()
        self.post_message(self.Updated(figures, status, generation))

    def on_metrics_feed_updated(self, message: Updated) -> None:
        """The poll is back: arm the next one (the message goes on up to the screen)."""
        self._busy = False
        if self._again:
            self._again = False
            self.poll_now()
        elif self.targets and self.at is None:  # a fixed --at moment does not change
            self._timer = self.set_timer(self.interval, self.poll_now, name="metrics poll")

    def stop(self) -> None:
        """Stop polling and release the source's connections in the background."""
        if self._timer is not None:
            self._timer.stop()
        threading.Thread(target=_close_quietly, args=(self.source,), name="close-metrics", daemon=True).start()
