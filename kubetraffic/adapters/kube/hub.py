"""Where the watch threads' events meet: coalesced per object, delivered in batches.

Reflector threads ``put`` events at any rate; one dispatcher thread hands them to the
consumer in batches (after a short gathering window), so callbacks never run concurrently
and a burst of changes to one object arrives as its final state. Pending events are keyed by
object, so the buffer is bounded by the number of objects, never by the event rate.
"""

from __future__ import annotations

import sys
import threading
import time
import traceback
from collections.abc import Iterable

from kubetraffic.adapters.source import EventSink, StatusSink
from kubetraffic.core.events import ChangeEvent, ResourceStatus
from kubetraffic.core.objects import Key

Slot = tuple[str, Key]


def coalesce(old: ChangeEvent, new: ChangeEvent) -> ChangeEvent | None:
    """Two undelivered events of one object as one (None: they cancel out)."""
    if old.type == "ADDED":
        if new.type == "DELETED":
            return None  # the consumer never saw it
        return ChangeEvent("ADDED", new.kind, new.key, new.obj)
    if old.type == "DELETED" and new.type != "DELETED":
        return ChangeEvent("MODIFIED", new.kind, new.key, new.obj)  # the consumer still has the old one
    return new


class EventHub:
    """Collects events and statuses from many threads; one thread delivers them."""

    def __init__(self, *, window: float = 0.05) -> None:
        self.window = window
        self._cond = threading.Condition(threading.Lock())
        self._pending: dict[Slot, ChangeEvent] = {}
        self._statuses: dict[str, ResourceStatus] = {}
        self._changed_statuses: list[ResourceStatus] = []
        self._stopped = False
        self._thread: threading.Thread | None = None
        self.delivered = 0

    def put(self, events: Iterable[ChangeEvent]) -> None:
        """Queue events (from any thread)."""
        with self._cond:
            pending = self._pending
            for ev in events:
                slot = (ev.kind, ev.key)
                old = pending.pop(slot, None)
                merged = ev if old is None else coalesce(old, ev)
                if merged is not None:
                    pending[slot] = merged
            self._cond.notify()

    def status(self, status: ResourceStatus) -> None:
        """Record a resource's status; delivered only when it changed."""
        with self._cond:
            if self._statuses.get(status.kind) == status:
                return
            self._statuses[status.kind] = status
            self._changed_statuses.append(status)
            self._cond.notify()

    def statuses(self) -> list[ResourceStatus]:
        """The latest status of every resource, by kind."""
        with self._cond:
            return [self._statuses[k] for k in sorted(self._statuses)]

    def start(self, on_events: EventSink, on_status: StatusSink) -> None:
        """Start delivering (events queued so far included); once."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(
            target=self._deliver, args=(on_events, on_status), name="kube-events", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 1.0) -> None:
        """Stop delivering; undelivered events are dropped."""
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _deliver(self, on_events: EventSink, on_status: StatusSink) -> None:
        while True:
            with self._cond:
                while not (self._pending or self._changed_statuses or self._stopped):
                    self._cond.wait()
                if self._stopped:
                    return
                deadline = time.monotonic() + self.window  # gather a batch: later events join it
                while not self._stopped and (remaining := deadline - time.monotonic()) > 0:
                    self._cond.wait(remaining)
                if self._stopped:
                    return
                events = list(self._pending.values())
                self._pending = {}
                statuses, self._changed_statuses = self._changed_statuses, []
            try:
                for status in statuses:
                    on_status(status)
                if events:
                    on_events(events)
                    self.delivered += len(events)
            except Exception:  # a consumer bug must not stop the feed
                sys.stderr.write("kubetraffic: error in a change-event consumer:\n" + traceback.format_exc())
