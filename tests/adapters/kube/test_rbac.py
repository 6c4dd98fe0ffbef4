"""RBAC: a 403 marks one kind forbidden (verb and resource named), degrades, never breaks."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kubetraffic.adapters.kube import LiveSource
from tests.adapters.kube.conftest import Follower, contents, namespace_dict, policy_dict, server_view
from tests.core.builders import pod_dict
from tests.support.kube_api import KubeAPI


def _seed(api: KubeAPI) -> None:
    api.create(namespace_dict("shop"))
    api.create(namespace_dict("other"))
    for ns in ("shop", "other"):
        api.create(pod_dict("web", namespace=ns, labels={"app": "web"}))
        api.create(policy_dict("deny", ns))


@pytest.mark.parametrize("reviews", [True, False], ids=["access-reviews", "no-access-reviews"])
def test_forbidden_networkpolicies_are_a_gap_not_a_failure(
    kube_api: KubeAPI, live: Callable[..., LiveSource], reviews: bool
) -> None:
    _seed(kube_api)
    kube_api.set_access_reviews(reviews)
    kube_api.forbid("list", "networkpolicies")
    source = live()
    state = source.open()
    assert state.network_policies() == []
    assert state.pod_count() == 2  # everything else is there
    gap = state.gaps["NetworkPolicy"]
    assert gap.startswith("NetworkPolicies not visible (forbidden: cannot list networkpolicies.networking.k8s.io")
    assert gap.endswith("verdict may be wrong")
    status = {s.kind: s for s in source.statuses()}["NetworkPolicy"]
    assert status.state == "forbidden"
    assert "cannot list networkpolicies" in status.detail
    # With access reviews the forbidden list is never even tried.
    assert bool(kube_api.requests("list", "networkpolicies")) != reviews


def test_access_granted_later_is_picked_up_and_the_gap_closes(
    kube_api: KubeAPI, live: Callable[..., LiveSource]
) -> None:
    _seed(kube_api)
    kube_api.forbid("list", "networkpolicies")
    source = live()
    f = Follower(source, source.open())
    assert "NetworkPolicy" in source.gaps()
    kube_api.wait_requests("list", "networkpolicies", 2)  # retried cluster-wide, then in its namespace
    kube_api.allow("list", "networkpolicies")
    ok = f.wait(lambda f: f.now("NetworkPolicy") == "watching")
    assert ok, [s for s in f.statuses if s.kind == "NetworkPolicy"]
    assert "NetworkPolicy" not in source.gaps()
    assert f.wait(lambda f: contents(f.state) == server_view(kube_api))  # both namespaces' policies


def test_namespace_level_access_reads_the_scoped_namespace_and_says_so(
    kube_api: KubeAPI, live: Callable[..., LiveSource]
) -> None:
    _seed(kube_api)
    for verb in ("list", "watch"):
        kube_api.forbid(verb, "pods", "")  # no cluster-wide pods...
        kube_api.forbid(verb, "pods", "other")  # ...nor in other namespaces: a RoleBinding in shop
    source = live(namespace="shop")
    f = Follower(source, source.open())
    assert [p.meta.ref for p in f.state.pods()] == ["shop/web"]
    assert source.gaps()["Pod"].startswith("Pods visible only in namespace shop (cannot list them at cluster scope)")
    assert {s.kind: s for s in source.statuses()}["Pod"].detail == "namespace shop only"
    kube_api.create(pod_dict("web-2", namespace="shop"))
    kube_api.create(pod_dict("web-2", namespace="other"))
    assert f.wait(lambda f: f.state.pod("shop", "web-2") is not None)
    assert f.state.pod("other", "web-2") is None
    watches = kube_api.requests("watch", "pods")
    assert watches
    assert all(w["namespace"] == "shop" for w in watches)


def test_a_forbidden_watch_falls_back_to_relisting(kube_api: KubeAPI, live: Callable[..., LiveSource]) -> None:
    _seed(kube_api)
    kube_api.forbid("watch", "networkpolicies")
    source = live()
    f = Follower(source, source.open())
    assert "NetworkPolicy" not in source.gaps()  # the list is fresh: nothing is missing yet
    assert f.wait(lambda f: f.saw("NetworkPolicy", "forbidden", "cannot watch networkpolicies"))
    assert "re-listing every" in f.status("NetworkPolicy").detail
    kube_api.create(policy_dict("late", "shop"))
    assert f.wait(lambda f: len(f.state.network_policies("shop")) == 2)
    assert kube_api.requests("watch", "networkpolicies") == []


def test_reviews_do_not_hide_what_the_real_request_would_allow(
    kube_api: KubeAPI, live: Callable[..., LiveSource]
) -> None:
    """An access review error (e.g. a webhook authorizer timing out) is not a denial."""
    _seed(kube_api)
    kube_api.fail(500, plural="selfsubjectaccessreviews", times=100)
    state = live().open()
    assert len(state.network_policies()) == 2
    assert state.gaps == {}
