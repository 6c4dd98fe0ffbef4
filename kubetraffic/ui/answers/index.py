"""Per-namespace groupings of the objects the navigator lists, cached on the state.

``ClusterState.objects(kind, ns)`` scans every object of a kind; the navigator asks for
one namespace at a time, hundreds of times a second under live change. These groupings
are rebuilt only when their kind changes (``ClusterState.derived``), so a stream of pod
updates never re-groups Services, Ingresses or policies.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from kubetraffic.core.state import ClusterState, WorkloadRef


def in_namespace(state: ClusterState, kind: str, namespace: str) -> list[Any]:
    """Objects of ``kind`` in ``namespace``, sorted by name."""

    def build() -> dict[str, list[Any]]:
        grouped: dict[str, list[Any]] = defaultdict(list)
        for obj in state.objects(kind):
            grouped[obj.meta.namespace].append(obj)
        for objs in grouped.values():
            objs.sort(key=lambda o: o.meta.name)
        return dict(grouped)

    return state.derived(f"ui.by-namespace.{kind}", (kind,), build).get(namespace, [])


def workloads_in(state: ClusterState, namespace: str) -> list[WorkloadRef]:
    """Workloads with pods in ``namespace`` (from that namespace's pods only)."""
    return sorted({state.workload_of(p) for p in state.pods(namespace)})
