"""Keys and metadata shared by every object."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

Key = tuple[str, str]
"""(namespace, name); namespace is "" for cluster-scoped objects."""

EMPTY: Mapping[str, str] = {}


def key_str(key: Key) -> str:
    """``namespace/name`` (or just ``name`` when cluster-scoped)."""
    return f"{key[0]}/{key[1]}" if key[0] else key[1]


@dataclass(frozen=True, slots=True)
class OwnerRef:
    """The controller ownerReference of an object."""

    kind: str
    name: str
    api_version: str = ""
    uid: str = ""


@dataclass(frozen=True, slots=True)
class Meta:
    """The metadata fields that matter; ``annotations`` keeps only the meaningful ones."""

    name: str
    namespace: str = ""
    uid: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    owner: OwnerRef | None = None
    created: str | None = None
    resource_version: str = ""
    deleting: bool = False
    generation: int = 0

    @property
    def key(self) -> Key:
        """(namespace, name)."""
        return (self.namespace, self.name)

    @property
    def ref(self) -> str:
        """``namespace/name``."""
        return key_str(self.key)
