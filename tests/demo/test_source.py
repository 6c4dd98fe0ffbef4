"""DemoSource: the same interface as a live source, its timeline played without sleeping."""

from __future__ import annotations

import dataclasses
import json
import queue
import threading
from pathlib import Path

import pytest

from kubetraffic.adapters.demo import DemoSource
from kubetraffic.adapters.snapshot import SnapshotSource
from kubetraffic.core.events import ChangeEvent, ResourceStatus
from kubetraffic.core.labels import parse_selector
from kubetraffic.core.state import ClusterState
from kubetraffic.demo.clock import DEMO_EPOCH, ManualClock
from kubetraffic.demo.timeline import STEPS


def _ready_endpoints(state: ClusterState, ns: str, svc: str) -> int:
    return sum(1 for s in state.endpoint_slices(ns, svc) for e in s.endpoints if e.conditions.ready)


class Recorder:
    """Collects batches delivered by the source's thread; ``next`` awaits one."""

    def __init__(self) -> None:
        self.batches: queue.Queue[list[ChangeEvent]] = queue.Queue()
        self.statuses: list[ResourceStatus] = []

    def on_events(self, events: list[ChangeEvent]) -> None:
        self.batches.put(events)

    def next(self) -> list[ChangeEvent]:
        return self.batches.get(timeout=10)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(DEMO_EPOCH)


@pytest.fixture
def source(clock: ManualClock):
    src = DemoSource(clock=clock)
    yield src
    src.close()


def test_open_is_marked_demo_and_complete(source: DemoSource) -> None:
    state = source.open()
    assert state.info.mode == "demo"
    assert state.info.context == "demo"
    assert state.pod_count() == 15
    assert source.report.objects == 67
    assert source.dns_table["api.stripe.com"] == ("198.51.100.7",)
    assert _ready_endpoints(state, "shop", "cart") == 1
    assert [s.state for s in source.statuses()][:1] == ["static"]


def test_the_timeline_plays_as_watch_events_when_the_clock_moves(source: DemoSource, clock: ManualClock) -> None:
    state = source.open()
    rec = Recorder()
    source.follow(rec.on_events, rec.statuses.append)
    assert {s.state for s in rec.statuses} == {"watching"}
    assert rec.batches.empty()

    clock.advance(STEPS[0].after)  # a second cart pod becomes ready
    batch = rec.next()
    assert {(e.type, e.kind) for e in batch} == {
        ("MODIFIED", "Pod"), ("MODIFIED", "EndpointSlice"), ("MODIFIED", "ReplicaSet"), ("MODIFIED", "Deployment")
    }  # fmt: skip
    state.apply_all(batch)
    assert _ready_endpoints(state, "shop", "cart") == 2

    clock.advance(STEPS[1].after)  # an api pod is OOM-killed
    state.apply_all(rec.next())
    api = state.pods_matching("shop", parse_selector({"matchLabels": {"app": "api"}}))
    assert sorted(p.restarts for p in api) == [1, 1]
    assert sum(p.ready for p in api) == 1
    assert _ready_endpoints(state, "shop", "api") == 1

    clock.advance(STEPS[2].after)
    state.apply_all(rec.next())
    assert _ready_endpoints(state, "shop", "api") == 2

    clock.advance(STEPS[3].after)  # a policy is added ...
    batch = rec.next()
    assert [(e.type, e.kind, e.key) for e in batch] == [("ADDED", "NetworkPolicy", ("payments", "allow-stripe-egress"))]
    state.apply_all(batch)
    assert "allow-stripe-egress" in {p.meta.name for p in state.network_policies("payments")}

    clock.advance(STEPS[4].after)
    state.apply_all(rec.next())
    assert _ready_endpoints(state, "shop", "cart") == 1

    clock.advance(STEPS[5].after)  # ... and removed again
    batch = rec.next()
    assert [(e.type, e.kind) for e in batch] == [("DELETED", "NetworkPolicy")]
    state.apply_all(batch)
    assert "allow-stripe-egress" not in {p.meta.name for p in state.network_policies("payments")}

    clock.advance(STEPS[0].after)  # the loop starts over
    state.apply_all(rec.next())
    assert _ready_endpoints(state, "shop", "cart") == 2


def test_close_stops_the_timeline_at_once(source: DemoSource, clock: ManualClock) -> None:
    source.open()
    rec = Recorder()
    source.follow(rec.on_events, rec.statuses.append)
    thread = next(t for t in threading.enumerate() if t.name == "demo-timeline")
    source.close()
    thread.join(timeout=2)
    assert not thread.is_alive()
    clock.advance(1000)
    assert rec.batches.empty()
    source.close()  # twice is fine


def test_a_failing_consumer_is_reported_not_fatal(source: DemoSource, clock: ManualClock) -> None:
    source.open()
    statuses: queue.Queue[ResourceStatus] = queue.Queue()
    delivered: queue.Queue[int] = queue.Queue()

    def explode(events: list[ChangeEvent]) -> None:
        delivered.put(len(events))
        raise RuntimeError("consumer bug")

    source.follow(explode, statuses.put)
    clock.advance(STEPS[0].after)
    assert delivered.get(timeout=10) > 0
    problem = next(s for s in iter(lambda: statuses.get(timeout=10), None) if s.state == "unavailable")
    assert "consumer bug" in problem.detail
    clock.advance(STEPS[1].after)
    assert delivered.get(timeout=10) > 0  # still playing


def test_same_clock_same_cluster() -> None:
    a = DemoSource(clock=ManualClock(DEMO_EPOCH))
    b = DemoSource(clock=ManualClock(DEMO_EPOCH))
    assert json.dumps(list(a.raw_objects())) == json.dumps(list(b.raw_objects()))


def test_raw_objects_round_trip_through_a_snapshot(source: DemoSource, tmp_path: Path) -> None:
    demo_state = source.open()
    raw = list(source.raw_objects())
    assert all("resourceVersion" not in o["metadata"] for o in raw)
    (tmp_path / "cluster.json").write_text(json.dumps(raw))
    snap_state = SnapshotSource([str(tmp_path)]).open()
    for kind in demo_state.kinds():
        demo = sorted((_strip_rv(o) for o in demo_state.objects(kind)), key=repr)
        snap = sorted((_strip_rv(o) for o in snap_state.objects(kind)), key=repr)
        assert demo == snap, kind
    assert sorted(p.meta.ref for p in demo_state.pods()) == sorted(p.meta.ref for p in snap_state.pods())


def _strip_rv(obj):
    return dataclasses.replace(obj, meta=dataclasses.replace(obj.meta, resource_version=""))


def test_the_speed_variable_plays_the_timeline_faster(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUBETRAFFIC_DEMO_SPEED", "1000")
    source = DemoSource()
    state = source.open()
    rec = Recorder()
    source.follow(rec.on_events, rec.statuses.append)
    try:
        state.apply_all(rec.next())  # 12 s of demo time: 12 ms
        assert _ready_endpoints(state, "shop", "cart") == 2
    finally:
        source.close()


def test_a_bad_speed_is_reported_and_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUBETRAFFIC_DEMO_SPEED", "fast")
    source = DemoSource()
    source.open()
    assert [str(p) for p in source.report.problems] == [
        "KUBETRAFFIC_DEMO_SPEED: 'fast' is not a positive number such as 10; playing at normal speed"
    ]
    assert source.clock.speed == 1.0
