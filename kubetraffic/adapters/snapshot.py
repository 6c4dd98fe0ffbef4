"""The snapshot source: manifests and dumps from files, directories or stdin.

Accepts multi-document YAML, JSON (object, array, JSON lines), ``kind: List`` as printed
by ``kubectl get -o yaml|json``, and workload manifests whose pod templates stand in for
pods. Unknown kinds are counted; malformed documents are reported by file and line and
the rest still loads.
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from kubetraffic.adapters.manifests import Document, parse_json, parse_text
from kubetraffic.adapters.source import (
    EventSink,
    LoadProblem,
    LoadReport,
    SourceError,
    StatusSink,
    bulk_load,
    scrub,
)
from kubetraffic.core.convert import CONVERTERS, ConversionError, convert, iter_items
from kubetraffic.core.events import ChangeEvent, ResourceStatus, SourceInfo
from kubetraffic.core.state import ClusterState

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")


class SnapshotError(SourceError):
    """A snapshot path that cannot be read at all."""


def _files(paths: Iterable[str]) -> Iterator[str]:
    for raw in paths:
        if raw == "-":
            yield raw
            continue
        path = Path(raw)
        if path.is_dir():
            found = sorted(
                str(p)
                for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in MANIFEST_SUFFIXES and not p.name.startswith(".")
            )
            yield from found
        elif path.is_file():
            yield str(path)
        elif not path.exists():
            raise SnapshotError(f"{raw}: no such file or directory")
        else:
            raise SnapshotError(f"{raw}: not a regular file or directory")


def read_documents(path: str) -> Iterable[Document]:
    """Parse one file (or ``-`` for stdin) into documents."""
    if path == "-":
        data = sys.stdin.buffer.read()
        return parse_text(data.decode("utf-8", "replace"))
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise SnapshotError(f"{path}: {exc.strerror or exc}") from None
    if path.lower().endswith(".json"):
        return parse_json(raw)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return [Document(line=1, error=f"not UTF-8 text (byte {exc.start})")]
    return parse_text(text)


def load_paths(
    paths: Iterable[str],
    *,
    state: ClusterState | None = None,
    default_namespace: str = "default",
    report: LoadReport | None = None,
) -> tuple[ClusterState, LoadReport]:
    """Load every manifest under ``paths`` into a (new) ClusterState with template pods.

    ``report`` (a new one by default) is filled in as the files are read, so another thread
    may show its counts while a big snapshot loads.
    """
    state = state or ClusterState(template_pods=True)
    report = report if report is not None else LoadReport()
    unknown: Counter[str] = Counter()
    for path in _files(paths):
        report.files += 1
        shown = "<stdin>" if path == "-" else path
        report.reading = shown
        for doc in read_documents(path):
            report.documents += 1
            if doc.error is not None:
                report.problems.append(LoadProblem(f"{shown}:{doc.line}", doc.error))
                continue
            for obj in _objects(doc.data):
                _load_object(state, report, unknown, obj, shown, doc, default_namespace)
    report.unknown_kinds = dict(sorted(unknown.items()))
    report.reading = ""
    return state, report


def _objects(data: Any) -> Iterator[Any]:
    if isinstance(data, list):
        for item in data:
            yield from iter_items(item)
    else:
        yield from iter_items(data)


def _load_object(
    state: ClusterState,
    report: LoadReport,
    unknown: Counter[str],
    obj: Any,
    path: str,
    doc: Document,
    default_namespace: str,
) -> None:
    kind = str(obj.get("kind") or "")
    if not kind:
        report.problems.append(LoadProblem(f"{path}:{doc.line}", "document has no kind"))
        return
    if kind not in CONVERTERS:
        unknown[kind] += 1
        return
    try:
        kind, converted = convert(obj, default_namespace=default_namespace)
    except ConversionError as exc:
        name = (obj.get("metadata") or {}).get("name", "?") if isinstance(obj.get("metadata"), dict) else "?"
        report.problems.append(LoadProblem(f"{path}:{doc.line}", f"{kind} {name}: {exc}"))
        return
    state.apply(ChangeEvent("ADDED", kind, converted.meta.key, converted))
    report.objects += 1


SAVED_MARKER = ".kubetraffic-snapshot.json"
"""Written by ``snapshot save`` next to its files: what was saved and what could not be seen."""


def saved_gaps(paths: Iterable[str]) -> dict[str, str]:
    """Kinds a ``snapshot save`` could not read (e.g. forbidden), so answers still say so."""
    gaps: dict[str, str] = {}
    for raw in paths:
        marker = Path(raw) / SAVED_MARKER
        if raw == "-" or not marker.is_file():
            continue
        try:
            recorded = parse_json(marker.read_bytes())
        except OSError:
            continue
        for doc in recorded:
            found = doc.data.get("gaps") if isinstance(doc.data, dict) else None
            if isinstance(found, dict):
                gaps.update({str(k): str(v) for k, v in found.items()})
    return gaps


class SnapshotSource:
    """A static cluster read from files: ``open`` loads, ``follow`` has nothing to send."""

    def __init__(self, paths: Iterable[str], *, default_namespace: str = "default") -> None:
        self.paths = tuple(paths)
        self.default_namespace = default_namespace
        self.info = SourceInfo(mode="snapshot", paths=tuple(os.path.normpath(p) if p != "-" else p for p in self.paths))
        self.report = LoadReport()

    def open(self) -> ClusterState:
        """Read every path; raises SnapshotError only when a path cannot be read at all."""
        state = ClusterState(template_pods=True, info=self.info)
        self.report = LoadReport()
        with bulk_load():
            load_paths(self.paths, state=state, default_namespace=self.default_namespace, report=self.report)
        state.gaps.update(saved_gaps(self.paths))
        return state

    def progress(self) -> str:
        """How far ``open()`` has got, for a progress display (safe from any thread)."""
        report = self.report
        if not report.reading:
            return f"reading {', '.join(self.info.paths)}"
        files = "1 file" if report.files == 1 else f"{report.files:,} files"
        return f"{report.objects:,} objects from {files}, reading {report.reading}"  # counts first: paths get cut

    def follow(self, on_events: EventSink, on_status: StatusSink) -> None:
        """A snapshot never changes."""

    def statuses(self) -> list[ResourceStatus]:
        """Every kind is static."""
        return [ResourceStatus(kind="*", state="static", detail="snapshot")]

    def close(self) -> None:
        """Nothing to stop."""

    def raw_objects(self) -> Iterator[dict[str, Any]]:
        """The documents read, scrubbed (kinds kubetraffic does not use are kept too)."""
        for path in _files(self.paths):
            if path == "-":
                continue  # stdin was consumed by open()
            for doc in read_documents(path):
                if doc.error is None:
                    for obj in _objects(doc.data):
                        yield scrub(dict(obj))
