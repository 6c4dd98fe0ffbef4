"""The event hub: per-object coalescing, batches from one thread, a bounded buffer."""

from __future__ import annotations

import threading

import pytest

from kubetraffic.adapters.kube.hub import EventHub, coalesce
from kubetraffic.core.events import ChangeEvent, ResourceStatus
from tests.core.builders import make_pod

A = make_pod("a", "shop")
A2 = make_pod("a", "shop", labels={"v": "2"})
KEY = ("shop", "a")


def ev(kind: str, obj=A) -> ChangeEvent:
    return ChangeEvent(kind, "Pod", KEY, obj)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("old", "new", "merged"),
    [
        (ev("ADDED"), ev("MODIFIED", A2), ev("ADDED", A2)),  # never seen: still an addition
        (ev("ADDED"), ev("DELETED"), None),  # never seen, already gone: nothing to say
        (ev("MODIFIED"), ev("MODIFIED", A2), ev("MODIFIED", A2)),
        (ev("MODIFIED"), ev("DELETED"), ev("DELETED")),
        (ev("DELETED"), ev("ADDED", A2), ev("MODIFIED", A2)),  # the consumer still holds the old one
    ],
)
def test_coalescing_keeps_the_consumer_exact(old: ChangeEvent, new: ChangeEvent, merged: ChangeEvent | None) -> None:
    assert coalesce(old, new) == merged


def test_batches_arrive_from_one_thread_with_statuses_first() -> None:
    hub = EventHub(window=0.02)
    got: list[tuple[str, object]] = []
    threads: set[str] = set()
    done = threading.Event()

    def on_events(events: list[ChangeEvent]) -> None:
        threads.add(threading.current_thread().name)
        got.append(("events", len(events)))
        if sum(n for what, n in got if what == "events") == 400:  # type: ignore[misc]
            done.set()

    def on_status(status: ResourceStatus) -> None:
        threads.add(threading.current_thread().name)
        got.append(("status", status.state))

    hub.status(ResourceStatus("Pod", "listing"))
    hub.status(ResourceStatus("Pod", "listing"))  # unchanged: not repeated
    hub.status(ResourceStatus("Pod", "watching"))

    def producer(n: int) -> None:
        for i in range(100):
            hub.put([ChangeEvent("ADDED", "Pod", (f"ns{n}", f"p{i}"), A)])

    workers = [threading.Thread(target=producer, args=(n,)) for n in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    hub.start(on_events, on_status)
    assert done.wait(5)
    hub.stop()
    assert threads == {"kube-events"}
    assert got[:2] == [("status", "listing"), ("status", "watching")]
    assert len([g for g in got if g[0] == "events"]) < 400  # batched, not one call per event
    assert hub.statuses() == [ResourceStatus("Pod", "watching")]


def test_the_buffer_is_bounded_by_objects_not_events() -> None:
    hub = EventHub()
    for i in range(10_000):
        hub.put([ChangeEvent("MODIFIED", "Pod", KEY, make_pod("a", "shop", labels={"i": str(i % 7)}))])
    assert len(hub._pending) == 1


def test_a_failing_consumer_does_not_stop_the_feed(capsys: pytest.CaptureFixture[str]) -> None:
    hub = EventHub(window=0.0)
    failed, seen = threading.Event(), threading.Event()

    def on_events(events: list[ChangeEvent]) -> None:
        if not failed.is_set():
            failed.set()
            raise RuntimeError("consumer bug")
        seen.set()

    hub.start(on_events, lambda s: None)
    hub.put([ev("ADDED")])
    assert failed.wait(5)
    hub.put([ChangeEvent("ADDED", "Pod", ("shop", "b"), A)])
    assert seen.wait(5)
    hub.stop()
    assert "consumer bug" in capsys.readouterr().err
