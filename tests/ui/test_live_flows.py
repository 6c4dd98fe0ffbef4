"""The TUI on a live (emulated) cluster: the real kubernetes client over HTTP on 127.0.0.1,
watches feeding the navigator, a forbidden resource, switching context, quitting."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

import yaml

from kubetraffic.adapters.kube import LiveSource
from kubetraffic.adapters.kube.kubeconfig import load_cluster_config
from kubetraffic.cli.options import GlobalOptions
from kubetraffic.ui.app import KubetrafficApp
from kubetraffic.ui.feeds import ClusterFeed
from kubetraffic.ui.screens.choose import ChooseScreen
from kubetraffic.ui.settings import UiSettings
from tests.adapters.kube.conftest import FAST
from tests.core.builders import pod_dict
from tests.support.kube_api import KubeAPI

from .support import FIXTURES, Recorder, notices, running, settle, until


def load_shop(api: KubeAPI) -> None:
    """The shop scenario's objects, created on the emulated API server."""
    docs = list(yaml.safe_load_all((FIXTURES / "shop" / "cluster.yaml").read_text()))
    api.load(d for d in docs if d)


def live(api: KubeAPI, context: str | None = None) -> LiveSource:
    return LiveSource(load_cluster_config(str(api.kubeconfig), context), settings=FAST)


def header(app: Any) -> str:
    return str(app.main.header.render())


async def test_live_changes_reach_the_navigator(kube_api: KubeAPI) -> None:
    load_shop(kube_api)
    recorder = Recorder()
    async with running(live(kube_api), recorder=recorder) as (app, pilot):
        screen = app.main
        nav = screen.navigator
        await until(pilot, lambda: "watching" in header(app), what="watches to be open")
        assert "ctx emulated" in header(app) or "emulated" in header(app)
        assert "SNAPSHOT" not in header(app)
        assert "DEMO" not in header(app)
        assert nav._ns_nodes["shop"].data.detail == "9 pods"
        nav.move_cursor(nav._ns_nodes["shop"])
        await pilot.press("enter")
        await settle(pilot)
        services = next(c for c in nav._ns_nodes["shop"].children if c.data.name == "Services")
        services.expand()
        await settle(pilot)
        admin = next(c for c in services.children if c.data.name == "admin")
        assert admin.data.detail == "selects no pods"
        # Someone deploys a pod with the label the admin Service wants.
        pod = pod_dict("admin-v2-abc", namespace="shop", labels={"app": "admin-v2"}, ip="10.244.9.9")
        kube_api.create(pod)
        await until(pilot, lambda: nav._ns_nodes["shop"].data.detail == "10 pods", what="the new pod", timeout=15)
        await until(pilot, lambda: admin.data.detail != "selects no pods", what="the admin row to update", timeout=15)
        assert nav.flasher.active(admin.id) or admin.data.detail.startswith("selects 1")
        changed = recorder.of(ClusterFeed.Changed)
        assert any("admin-v2-abc" in m.summary.names("shop", "Pod") for m in changed)
        kube_api.delete("Pod", "shop", "admin-v2-abc")
        await until(pilot, lambda: nav._ns_nodes["shop"].data.detail == "9 pods", what="the deletion", timeout=15)


async def test_a_forbidden_resource_is_a_header_state_and_a_notice(kube_api: KubeAPI) -> None:
    load_shop(kube_api)
    kube_api.forbid("list", "networkpolicies")
    recorder = Recorder()
    async with running(live(kube_api), recorder=recorder) as (app, pilot):
        await until(pilot, lambda: "forbidden" in header(app), what="the forbidden state", timeout=15)
        assert "networkpolicy forbidden" in header(app).lower()
        await until(pilot, lambda: any("NetworkPolicy not visible" in n for n in notices(recorder)))
        # Everything else still works: the shop namespace and its routes are there.
        assert "shop" in app.main.navigator.namespaces()


def two_contexts(first: KubeAPI, second: KubeAPI, path: Path) -> Path:
    """One kubeconfig whose contexts "emulated" and "other" point at the two servers."""
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": n, "cluster": {"server": a.url}} for n, a in (("emulated", first), ("other", second))],
        "users": [{"name": "tester", "user": {"token": "test-token"}}],
        "contexts": [
            {"name": n, "context": {"cluster": n, "user": "tester", "namespace": ns}}
            for n, ns in (("emulated", "shop"), ("other", "team-b"))
        ],
        "current-context": "emulated",
    }
    path.write_text(yaml.safe_dump(config))
    return path


async def test_switch_context_with_colon_ctx(kube_api: KubeAPI, tmp_path: Path) -> None:
    load_shop(kube_api)
    other = KubeAPI(tmp_path / "other" / "kubeconfig", namespace="team-b", context="other").start()
    try:
        other.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-b"}})
        other.create(pod_dict("web-1", namespace="team-b", labels={"app": "web"}, ip="10.9.0.1"))
        config = two_contexts(kube_api, other, tmp_path / "kubeconfig")
        opts = GlobalOptions(kubeconfig=str(config))
        source = LiveSource.from_options(opts)
        settings = UiSettings.from_options(opts)
        async with running(source, settings=settings) as (app, pilot):
            screen = app.main
            assert "shop" in screen.navigator.namespaces()
            await pilot.press("colon", *"ctx", "enter")
            await until(pilot, lambda: isinstance(app.screen, ChooseScreen), what="the context list")
            assert [oid for oid, _ in app.screen.options] == ["emulated", "other"]
            assert app.screen.current == "emulated"
            await pilot.press("down", "enter")
            await until(pilot, lambda: screen.source.info.context == "other", what="the switch")
            await until(
                pilot, lambda: screen.model is not None and screen.navigator.namespaces() == ["team-b"], timeout=15
            )
            assert "other" in header(app)
            assert screen.navigator._ns_nodes["team-b"].data.detail == "1 pods"
            # The first cluster's source was closed, not left watching.
            assert source._stop.is_set()
    finally:
        other.close()


async def test_quit_is_instant_with_watches_open(kube_api: KubeAPI) -> None:
    load_shop(kube_api)
    source = live(kube_api)
    app = KubetrafficApp(source, UiSettings())
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.screen_stack and getattr(app.screen, "model", None) is not None)
        await until(pilot, lambda: kube_api.open_watches() > 0, what="open watches", timeout=15)
        started = time.monotonic()
        await pilot.press("q")
    assert time.monotonic() - started < 3
    assert app.return_code == 0


def test_settings_follow_the_flags() -> None:
    opts = GlobalOptions(namespace="shop", selector="app=web", at="-15m", window="1h", prometheus="http://p:9090")
    settings = UiSettings.from_options(dataclasses.replace(opts))
    assert (settings.namespace, settings.selector, settings.at, settings.metrics_window) == (
        "shop",
        "app=web",
        "-15m",
        "1h",
    )
    assert settings.prometheus == "http://p:9090"
