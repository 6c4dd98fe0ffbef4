"""Helpers for live-source tests: a fast-retrying LiveSource on the emulated API server,
a follower that applies events under a condition (tests wait on it, never sleep), and the
server's own objects converted, to compare the model with."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from kubetraffic.adapters.kube import LiveSource, Settings
from kubetraffic.adapters.kube.kubeconfig import load_cluster_config
from kubetraffic.core.convert import convert
from kubetraffic.core.events import ChangeEvent, ResourceStatus
from kubetraffic.core.state import ClusterState
from tests.support.kube_api import KubeAPI

FAST = Settings(
    page_size=100,
    watch_timeout=(30, 30),
    backoff_base=0.05,
    backoff_cap=0.3,
    denied_retry=0.3,
    poll_interval=0.3,
    connect_timeout=2.0,
    read_timeout=10.0,
)
FOLLOWED = (
    "Namespace",
    "Node",
    "Pod",
    "Service",
    "EndpointSlice",
    "Ingress",
    "IngressClass",
    "NetworkPolicy",
    "Secret",
)


class Follower:
    """Applies a source's batches to its state; tests wait for conditions on it."""

    def __init__(self, source: LiveSource, state: ClusterState) -> None:
        self.source = source
        self.state = state
        self.events: list[ChangeEvent] = []
        self.batches = 0
        self.statuses: list[ResourceStatus] = []
        self.cond = threading.Condition()
        source.follow(self._on_events, self._on_status)

    def _on_events(self, events: list[ChangeEvent]) -> None:
        with self.cond:
            self.state.apply_all(events)
            self.events.extend(events)
            self.batches += 1
            self.cond.notify_all()

    def _on_status(self, status: ResourceStatus) -> None:
        with self.cond:
            self.statuses.append(status)
            self.cond.notify_all()

    def wait(self, predicate: Callable[[Follower], bool], timeout: float = 5.0) -> bool:
        """Block until ``predicate(self)`` holds (checked under the lock) or time runs out."""
        with self.cond:
            return self.cond.wait_for(lambda: predicate(self), timeout)

    def status(self, kind: str) -> ResourceStatus | None:
        """The latest status of a kind."""
        return next((s for s in reversed(self.statuses) if s.kind == kind), None)

    def now(self, kind: str) -> str:
        """The latest state of a kind ("" before any was reported)."""
        status = self.status(kind)
        return status.state if status else ""

    def saw(self, kind: str, state: str, detail: str = "") -> bool:
        """Whether a status (state, detail containing ``detail``) was ever reported."""
        return any(s.kind == kind and s.state == state and detail in s.detail for s in self.statuses)

    def events_for(self, kind: str, key: tuple[str, str]) -> list[str]:
        """The event types delivered for one object, in order."""
        return [e.type for e in self.events if e.kind == kind and e.key == key]


def contents(state: ClusterState, kinds: tuple[str, ...] = FOLLOWED) -> dict[str, dict[Any, Any]]:
    """Every stored object by kind and key (frozen dataclasses compare by value)."""
    return {kind: {o.meta.key: o for o in state.objects(kind)} for kind in kinds}


def server_view(api: KubeAPI, kinds: tuple[str, ...] = FOLLOWED) -> dict[str, dict[Any, Any]]:
    """What the live source should hold: the server's objects, converted."""
    out: dict[str, dict[Any, Any]] = {}
    for kind in kinds:
        objs = api.objects(kind)
        if kind == "Secret":  # only their metadata is ever asked for
            objs = [{"apiVersion": "v1", "kind": "Secret", "metadata": o["metadata"]} for o in objs]
        converted = (convert(o)[1] for o in objs)
        out[kind] = {o.meta.key: o for o in converted}
    return out


@pytest.fixture
def live(kube_api: KubeAPI) -> Iterator[Callable[..., LiveSource]]:
    """A factory of LiveSources on ``kube_api`` (closed after the test)."""
    made: list[LiveSource] = []

    def make(*, namespace: str | None = None, context: str | None = None, **settings: Any) -> LiveSource:
        cluster = load_cluster_config(str(kube_api.kubeconfig), context)
        source = LiveSource(cluster, namespace=namespace, settings=dataclasses.replace(FAST, **settings))
        made.append(source)
        return source

    yield make
    for source in made:
        source.close()


def namespace_dict(name: str, **labels: str) -> dict[str, Any]:
    """A Namespace manifest."""
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}


def policy_dict(name: str, namespace: str, pod_labels: dict[str, str] | None = None) -> dict[str, Any]:
    """A NetworkPolicy denying ingress to the selected pods."""
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"podSelector": {"matchLabels": pod_labels or {}}, "policyTypes": ["Ingress"]},
    }
