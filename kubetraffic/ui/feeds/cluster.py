"""The cluster feed: open the source, then apply its change events off the UI thread.

Events from the source's threads go through a bounded ``EventBuffer`` (backpressure, never
loss) to one applier thread, which merges what they touched into a ``ChangeSummary`` and
posts it when the UI has taken the previous one.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from textual import work
from textual.message import Message
from textual.widget import Widget
from textual.worker import get_current_worker

from kubetraffic.adapters.source import ClusterSource, LoadReport, SourceError
from kubetraffic.core.events import ChangeEvent, ResourceStatus
from kubetraffic.core.state import ClusterState
from kubetraffic.ui.feeds.base import Abandoned, close_quietly, interruptible
from kubetraffic.ui.model import ChangeSummary, ClusterModel

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
        close_quietly(self.source)

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
