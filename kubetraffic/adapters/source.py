"""The one interface every cluster source implements: live, snapshot and demo.

Like hubble's ``--input-file`` twin of its live client, every live feed has an offline
twin behind this Protocol, so the CLI, the TUI and the tests never care which they got.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from kubetraffic.core.events import ChangeEvent, ResourceStatus, SourceInfo
from kubetraffic.core.state import ClusterState

EventSink = Callable[[list[ChangeEvent]], None]
StatusSink = Callable[[ResourceStatus], None]


@dataclass(frozen=True, slots=True)
class LoadProblem:
    """Something in the input that could not be loaded; never fatal for the rest."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass(slots=True)
class LoadReport:
    """What a source read: files, documents, objects, unknown kinds and problems."""

    files: int = 0
    documents: int = 0
    objects: int = 0
    unknown_kinds: dict[str, int] = field(default_factory=dict)
    problems: list[LoadProblem] = field(default_factory=list)
    reading: str = ""  # the input being read right now (empty when not loading)


class SourceError(Exception):
    """The cluster source itself cannot be used (exit code 3 for live, 2 for input)."""

    exit_code = 2


class ClusterSource(Protocol):
    """Initial state, then (for live and demo) change events from a background thread."""

    info: SourceInfo
    report: LoadReport

    def open(self) -> ClusterState:
        """Load the initial state (blocking); raises SourceError when impossible."""
        ...

    def progress(self) -> str:
        """One line on how far ``open()`` has got; called from other threads while it runs."""
        ...

    def follow(self, on_events: EventSink, on_status: StatusSink) -> None:
        """Start delivering batched change events and status changes; returns at once."""
        ...

    def statuses(self) -> list[ResourceStatus]:
        """Current per-resource status (static sources report "static")."""
        ...

    def close(self) -> None:
        """Stop background work promptly; safe to call twice."""
        ...

    def raw_objects(self) -> Iterator[dict[str, Any]]:
        """The API objects behind the state, as API dictionaries (for ``snapshot save``).

        Secrets come without ``data``/``stringData``; ``managedFields`` and the
        last-applied annotation are dropped.
        """
        ...


@contextmanager
def bulk_load() -> Iterator[None]:
    """Build many long-lived objects without the cyclic GC rescanning them all.

    Loading 10,000 pods allocates a few hundred thousand objects; with the collector on,
    each generation-2 pass rescans everything built so far and triples the load time.
    Afterwards the survivors are frozen into the permanent generation so later
    collections (while the TUI runs) do not walk them either.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
        gc.freeze()


_NOISE_ANNOTATIONS = ("kubectl.kubernetes.io/last-applied-configuration",)


def scrub(obj: dict[str, Any]) -> dict[str, Any]:
    """An API object fit to be written out: no Secret data, no managedFields, no noise."""
    out = dict(obj)
    if out.get("kind") == "Secret":
        out.pop("data", None)
        out.pop("stringData", None)
    md = out.get("metadata")
    if isinstance(md, dict):
        md = {k: v for k, v in md.items() if k != "managedFields"}
        annotations = md.get("annotations")
        if isinstance(annotations, dict):
            kept = {k: v for k, v in annotations.items() if k not in _NOISE_ANNOTATIONS}
            if kept:
                md["annotations"] = kept
            else:
                md.pop("annotations")
        out["metadata"] = md
    return out


def raw_object(source: ClusterSource, kind: str, key: tuple[str, str]) -> dict[str, Any] | None:
    """One API object of ``source`` by kind and (namespace, name), scrubbed; never a Secret.

    Uses the source's own ``raw_object`` when it has one (a live source can GET just that
    object); otherwise scans ``raw_objects()``. Objects without a namespace in a snapshot
    belong to the source's default namespace, as they did when loaded.
    """
    if kind == "Secret":
        return None  # Secrets are never shown, not even scrubbed
    direct = getattr(source, "raw_object", None)
    if callable(direct):
        found = direct(kind, key)
        return scrub(found) if isinstance(found, dict) else None
    default_ns = getattr(source, "default_namespace", "default")
    namespace, name = key
    for obj in source.raw_objects():
        if obj.get("kind") != kind:
            continue
        md = obj.get("metadata")
        if not isinstance(md, dict) or md.get("name") != name:
            continue
        obj_ns = md.get("namespace") or (default_ns if namespace else "")
        if obj_ns == namespace:
            return scrub(obj)
    return None
