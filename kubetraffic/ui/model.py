"""The cluster state shared by the UI thread and the workers, and what each change touched.

``ClusterState`` is not thread-safe: one feed thread applies change events while analysis
workers and the UI read. Everyone goes through ``ClusterModel.lock`` (held for one batch
or one answer, i.e. milliseconds). ``ChangeSummary`` is the small, bounded description of
a batch that travels to the UI instead of the events themselves.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from kubetraffic.core.events import ChangeEvent
from kubetraffic.core.state import ClusterState, storage_kind

SUMMARY_LIMIT = 5_000
"""Distinct objects a summary lists before it degrades to "everything changed"."""


@dataclass(slots=True)
class ChangeSummary:
    """Objects touched by one or more batches: namespace -> kind -> names (bounded)."""

    events: int = 0
    kinds: set[str] = field(default_factory=set)
    touched: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    namespaces_changed: bool = False
    overflow: bool = False
    """Too many objects to list: every view should refresh what it shows."""
    problems: list[str] = field(default_factory=list)
    _size: int = 0

    def add(self, event: ChangeEvent) -> None:
        """Record one applied event."""
        kind = storage_kind(event.kind)
        self.events += 1
        self.kinds.add(kind)
        if kind == "Namespace":
            self.namespaces_changed = True
        if self.overflow:
            return
        names = self.touched.setdefault(event.key[0], {}).setdefault(kind, set())
        if event.key[1] not in names:
            names.add(event.key[1])
            self._size += 1
            if self._size > SUMMARY_LIMIT:
                self.overflow = True
                self.touched.clear()

    def merge(self, other: ChangeSummary) -> None:
        """Fold a later summary into this one."""
        self.events += other.events
        self.kinds |= other.kinds
        self.namespaces_changed |= other.namespaces_changed
        self.problems.extend(other.problems[: max(0, 20 - len(self.problems))])
        if other.overflow:
            self.overflow = True
            self.touched.clear()
        if self.overflow:
            return
        for ns, kinds in other.touched.items():
            for kind, names in kinds.items():
                mine = self.touched.setdefault(ns, {}).setdefault(kind, set())
                before = len(mine)
                mine |= names
                self._size += len(mine) - before
        if self._size > SUMMARY_LIMIT:
            self.overflow = True
            self.touched.clear()

    def namespaces(self) -> set[str]:
        """Namespaces with a touched object ("" for cluster-scoped ones)."""
        return set(self.touched)

    def names(self, namespace: str, kind: str) -> set[str]:
        """Touched names of ``kind`` in ``namespace``."""
        return self.touched.get(namespace, {}).get(kind, set())

    def touches(self, kinds: Iterable[str], namespaces: Iterable[str] | None = None) -> bool:
        """Whether any of ``kinds`` changed (in one of ``namespaces`` when given)."""
        wanted = set(kinds)
        if not (self.kinds & wanted):
            return False
        if namespaces is None or self.overflow:
            return True
        return any(wanted & set(self.touched.get(ns, {})) for ns in namespaces)


class ClusterModel:
    """One ``ClusterState`` plus the lock every reader and the one writer take."""

    def __init__(self, state: ClusterState) -> None:
        self.state = state
        self.lock = threading.RLock()

    @contextmanager
    def read(self) -> Iterator[ClusterState]:
        """Hold the lock while reading the state (keep it short: no I/O inside)."""
        with self.lock:
            yield self.state

    def apply(self, events: Iterable[ChangeEvent]) -> ChangeSummary:
        """Apply a batch under the lock; a malformed event is reported, never fatal."""
        summary = ChangeSummary()
        with self.lock:
            ns_version = self.state.kind_version("Namespace")
            for event in events:
                try:
                    self.state.apply(event)
                except (ValueError, TypeError, AttributeError) as exc:
                    if len(summary.problems) < 20:
                        summary.problems.append(f"{event.type} {event.kind} {event.key}: {exc}")
                    continue
                summary.add(event)
            if self.state.kind_version("Namespace") != ns_version:
                summary.namespaces_changed = True
        return summary
