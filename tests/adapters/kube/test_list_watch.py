"""The live source against the emulated API server: list, watch, bookmarks, 410, restarts."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from kubetraffic.adapters.kube import LiveSource
from kubetraffic.adapters.snapshot import load_paths
from tests.adapters.kube.conftest import Follower, contents, namespace_dict, policy_dict, server_view
from tests.core.builders import pod_dict
from tests.support.kube_api import KubeAPI

SHOP = ("shop", "web-1")


def _seed(api: KubeAPI, pods: int = 5) -> None:
    api.create(namespace_dict("shop", team="web"))
    for i in range(pods):
        api.create(pod_dict(f"web-{i}", namespace="shop", labels={"app": "web"}, ip=f"10.0.0.{i + 1}"))
    api.create(policy_dict("deny", "shop"))


def test_initial_list_is_paginated_and_objects_match_the_snapshot_source(
    kube_api: KubeAPI, live: Callable[..., LiveSource], tmp_path
) -> None:
    _seed(kube_api, pods=25)
    source = live(page_size=10)
    state = source.open()
    assert state.pod_count() == 25
    pod_lists = kube_api.requests("list", "pods")
    assert [r["params"].get("limit") for r in pod_lists] == ["10", "10", "10"]
    assert [bool(r["params"].get("continue")) for r in pod_lists] == [False, True, True]
    # The same objects read from files convert to equal core objects.
    dump = tmp_path / "dump.yaml"
    import yaml

    dump.write_text(yaml.safe_dump_all(kube_api.objects("Pod") + kube_api.objects("Namespace")))
    offline, _ = load_paths([str(dump)])
    assert contents(state, ("Pod", "Namespace")) == contents(offline, ("Pod", "Namespace"))
    assert state.info.mode == "live"
    assert state.info.context == "emulated"
    assert state.info.server == kube_api.url
    assert state.info.namespace == "default"


def test_watch_changes_reach_the_model_within_a_second(kube_api: KubeAPI, live: Callable[..., LiveSource]) -> None:
    _seed(kube_api)
    source = live()
    f = Follower(source, source.open())
    assert f.wait(lambda f: f.status("Pod") is not None and f.now("Pod") == "watching")

    t0 = time.monotonic()
    kube_api.create(pod_dict("web-new", namespace="shop", labels={"app": "web"}))
    assert f.wait(lambda f: f.state.pod("shop", "web-new") is not None, timeout=1.0)
    kube_api.patch("Pod", "shop", "web-1", {"metadata": {"labels": {"app": "web", "track": "canary"}}})
    assert f.wait(lambda f: f.state.pod(*SHOP).labels.get("track") == "canary", timeout=1.0)
    kube_api.delete("Pod", "shop", "web-2")
    assert f.wait(lambda f: f.state.pod("shop", "web-2") is None, timeout=1.0)
    assert time.monotonic() - t0 < 3.0
    assert f.events_for("Pod", ("shop", "web-new")) == ["ADDED"]
    assert f.events_for("Pod", SHOP) == ["MODIFIED"]
    assert f.events_for("Pod", ("shop", "web-2")) == ["DELETED"]
    assert f.wait(lambda f: contents(f.state) == server_view(kube_api))
    # Nothing listed was replayed by the watch.
    assert not f.events_for("Pod", ("shop", "web-0"))


def test_a_bookmark_lets_a_dropped_watch_resume_without_relisting(
    kube_api: KubeAPI, live: Callable[..., LiveSource]
) -> None:
    _seed(kube_api)
    source = live()
    f = Follower(source, source.open())
    assert f.wait(lambda f: kube_api.open_watches("pods") == 1 or f.saw("Pod", "watching"))
    for i in range(3):  # other kinds move the cluster's resourceVersion on
        kube_api.create(policy_dict(f"p{i}", "shop"))
    bookmark = kube_api.bookmark()
    assert f.wait(lambda f: len(f.state.network_policies("shop")) == 4)
    kube_api.compact()  # history before the bookmark is gone: an older resume would be 410
    watches_before = len(kube_api.requests("watch", "pods"))
    kube_api.drop_connections()
    resumed = kube_api.wait_requests("watch", "pods", watches_before + 1)[-1]
    assert resumed["params"]["resourceVersion"] == str(bookmark)
    kube_api.create(pod_dict("after-blip", namespace="shop"))
    assert f.wait(lambda f: f.state.pod("shop", "after-blip") is not None)
    assert len(kube_api.requests("list", "pods")) == 1  # the initial list only
    assert not f.saw("Pod", "resyncing")


def test_410_gone_relists_and_emits_only_the_differences(kube_api: KubeAPI, live: Callable[..., LiveSource]) -> None:
    _seed(kube_api)
    source = live()
    f = Follower(source, source.open())
    assert f.wait(lambda f: f.saw("Pod", "watching"))
    kube_api.stop()  # the client misses what happens next...
    kube_api.create(pod_dict("new-a", namespace="shop"))
    kube_api.create(pod_dict("new-b", namespace="shop"))
    kube_api.patch("Pod", "shop", "web-1", {"metadata": {"labels": {"moved": "yes"}}})
    kube_api.delete("Pod", "shop", "web-3")
    kube_api.create(pod_dict("born-and-gone", namespace="shop"))
    kube_api.delete("Pod", "shop", "born-and-gone")
    kube_api.compact()  # ...and can no longer catch up from history
    kube_api.start()
    assert f.wait(lambda f: f.saw("Pod", "resyncing", "410"))
    assert f.wait(lambda f: contents(f.state) == server_view(kube_api))
    pods = [(e.type, e.key[1]) for e in f.events if e.kind == "Pod"]
    assert sorted(pods) == [("ADDED", "new-a"), ("ADDED", "new-b"), ("DELETED", "web-3"), ("MODIFIED", "web-1")]


def test_a_410_error_event_on_an_open_watch_loses_and_duplicates_nothing(
    kube_api: KubeAPI, live: Callable[..., LiveSource]
) -> None:
    _seed(kube_api)
    source = live()
    f = Follower(source, source.open())
    assert f.wait(lambda f: f.saw("Pod", "watching"))
    kube_api.create(pod_dict("before-expiry", namespace="shop"))
    kube_api.expire()
    kube_api.create(pod_dict("after-expiry", namespace="shop"))
    assert f.wait(lambda f: f.saw("Pod", "resyncing", "410"))
    assert f.wait(lambda f: contents(f.state) == server_view(kube_api))
    assert f.events_for("Pod", ("shop", "before-expiry")) == ["ADDED"]
    assert f.events_for("Pod", ("shop", "after-expiry")) == ["ADDED"]
    assert len(f.events) == 2


def test_the_server_dying_and_coming_back(kube_api: KubeAPI, live: Callable[..., LiveSource]) -> None:
    _seed(kube_api)
    source = live()
    f = Follower(source, source.open())
    assert f.wait(lambda f: f.saw("Pod", "watching"))
    kube_api.stop()
    assert f.wait(lambda f: f.now("Pod") == "reconnecting")
    assert "retrying in" in f.status("Pod").detail
    kube_api.create(pod_dict("while-down", namespace="shop"))
    kube_api.delete("NetworkPolicy", "shop", "deny")
    kube_api.start()
    assert f.wait(lambda f: all(f.now(k) == "watching" for k in ("Pod", "NetworkPolicy", "Namespace")))
    assert f.wait(lambda f: contents(f.state) == server_view(kube_api))
    assert not f.saw("Pod", "resyncing")  # history was kept: resumed, no relist


def test_5xx_on_watch_backs_off_and_recovers(kube_api: KubeAPI, live: Callable[..., LiveSource]) -> None:
    _seed(kube_api)
    kube_api.fail(500, verb="watch", plural="pods", times=3)
    source = live()
    f = Follower(source, source.open())
    assert f.wait(lambda f: f.saw("Pod", "reconnecting", "500"))
    assert f.wait(lambda f: f.now("Pod") == "watching")
    kube_api.create(pod_dict("late", namespace="shop"))
    assert f.wait(lambda f: f.state.pod("shop", "late") is not None)
    delays = [float(s.detail.split("retrying in ")[1].split()[0]) for s in f.statuses if s.state == "reconnecting"]
    assert delays
    assert all(d <= 0.3 for d in delays)
    assert len(kube_api.requests("watch", "pods")) == 4  # three refused, then the one that works


def test_watches_closed_at_once_back_off_instead_of_spinning(
    kube_api: KubeAPI, live: Callable[..., LiveSource]
) -> None:
    _seed(kube_api)
    kube_api.close_watches()
    source = live()
    f = Follower(source, source.open())
    assert f.wait(lambda f: f.saw("Pod", "reconnecting", "the server closed the watch at once"))
    first = len(kube_api.requests("watch", "pods"))
    f.wait(lambda f: False, timeout=1.0)  # a second of a misbehaving server
    assert len(kube_api.requests("watch", "pods")) - first < 15  # backoff (cap 0.3 s), not a spin
    kube_api.close_watches(False)
    kube_api.create(pod_dict("eventually", namespace="shop"))
    assert f.wait(lambda f: f.state.pod("shop", "eventually") is not None)


def test_a_slow_server_still_syncs_and_close_does_not_wait_for_it(
    kube_api: KubeAPI, live: Callable[..., LiveSource]
) -> None:
    _seed(kube_api, pods=12)
    kube_api.slow(0.15)
    source = live(page_size=5)
    t0 = time.monotonic()
    state = source.open()
    assert time.monotonic() - t0 >= 0.45  # three pages of pods, each delayed
    assert state.pod_count() == 12
    f = Follower(source, state)
    kube_api.create(pod_dict("slowpoke", namespace="shop"))
    assert f.wait(lambda f: f.state.pod("shop", "slowpoke") is not None)
    t0 = time.monotonic()
    source.close()
    assert time.monotonic() - t0 < 1.5


def test_close_stops_every_thread_promptly_and_twice_is_fine(
    kube_api: KubeAPI, live: Callable[..., LiveSource]
) -> None:
    _seed(kube_api)
    source = live()
    f = Follower(source, source.open())
    assert f.wait(lambda f: kube_api.open_watches() >= 9)
    t0 = time.monotonic()
    source.close()
    source.close()
    assert time.monotonic() - t0 < 1.0
    leftover = [t.name for t in threading.enumerate() if t.name.startswith("kube-")]
    assert leftover == []
    assert f.wait(lambda f: kube_api.open_watches() == 0)


def test_a_source_never_followed_closes_without_watching(kube_api: KubeAPI, live: Callable[..., LiveSource]) -> None:
    _seed(kube_api)
    source = live()
    source.open()
    source.close()
    assert kube_api.requests("watch") == []
    assert [t.name for t in threading.enumerate() if t.name.startswith("kube-")] == []
