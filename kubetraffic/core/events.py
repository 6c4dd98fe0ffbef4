"""Change events: the one currency every source (snapshot, live, demo) pays in."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from kubetraffic.core.objects import Key, KubeObject

EventType = Literal["ADDED", "MODIFIED", "DELETED"]


@dataclass(frozen=True, slots=True)
class ChangeEvent:
    """One object added, modified or deleted; ``obj`` is the last known state on delete."""

    type: EventType
    kind: str
    key: Key
    obj: KubeObject | None = None


@dataclass(frozen=True, slots=True)
class ResourceStatus:
    """How one resource kind is being followed by a source.

    ``state`` is one of: static (snapshot/demo), listing, watching, resyncing,
    reconnecting, forbidden, unavailable (the API does not serve the kind).
    """

    kind: str
    state: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """Where the cluster state comes from, for headers and JSON output."""

    mode: Literal["snapshot", "demo", "live"]
    context: str = ""
    server: str = ""
    namespace: str = ""
    paths: tuple[str, ...] = field(default_factory=tuple)
