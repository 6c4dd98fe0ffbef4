"""Discovery of the Gateway API, raw export for ``snapshot save``, and sources that fail."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import pytest

from kubetraffic.adapters.kube import ClusterUnreachable, LiveSource
from kubetraffic.adapters.kube.kubeconfig import load_cluster_config
from tests.adapters.kube.conftest import Follower, namespace_dict
from tests.core.builders import pod_dict
from tests.support.kube_api import KubeAPI


def _gateway(name: str, namespace: str) -> dict[str, Any]:
    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "Gateway",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"gatewayClassName": "eg", "listeners": [{"name": "http", "port": 80, "protocol": "HTTP"}]},
    }


def _route(name: str, namespace: str) -> dict[str, Any]:
    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "parentRefs": [{"name": "gw"}],
            "hostnames": ["shop.example.com"],
            "rules": [{"backendRefs": [{"name": "web", "port": 80}]}],
        },
    }


def test_gateway_kinds_are_followed_only_when_served(kube_api: KubeAPI, live: Callable[..., LiveSource]) -> None:
    source = live()
    source.open()
    statuses = {s.kind: s.state for s in source.statuses()}
    assert statuses["Gateway"] == statuses["HTTPRoute"] == "unavailable"
    assert source.gaps() == {}  # no CRD means no such objects: nothing is missing
    assert kube_api.requests("list", "gateways") == []

    kube_api.install_gateway_api()
    kube_api.create(_gateway("gw", "shop"))
    kube_api.create(_route("web", "shop"))
    source = live()
    f = Follower(source, source.open())
    assert [g.meta.ref for g in f.state.gateways()] == ["shop/gw"]
    assert [r.meta.ref for r in f.state.http_routes()] == ["shop/web"]
    statuses = {s.kind: s.state for s in source.statuses()}
    assert statuses["ReferenceGrant"] == "listing"  # served at v1beta1 here: found by discovery
    assert statuses["ListenerSet"] == "unavailable"
    assert statuses["XListenerSet"] == "listing"
    kube_api.create(_route("api", "shop"))
    assert f.wait(lambda f: len(f.state.http_routes()) == 2)


def test_raw_objects_are_scrubbed_and_never_carry_secret_data(
    kube_api: KubeAPI, live: Callable[..., LiveSource]
) -> None:
    kube_api.create(namespace_dict("shop"))
    pod = pod_dict("web", namespace="shop")
    pod["metadata"]["managedFields"] = [{"manager": "kubectl"}]
    pod["metadata"]["annotations"] = {"kubectl.kubernetes.io/last-applied-configuration": "{...}", "keep": "me"}
    kube_api.create(pod)
    kube_api.create(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "type": "kubernetes.io/tls",
            "metadata": {"name": "shop-tls", "namespace": "shop"},
            "data": {"tls.crt": "Q0VSVA==", "tls.key": "S0VZ"},
        }
    )
    kube_api.create(
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": "shop"}, "data": {"p": "eA=="}}
    )
    objects = list(live().raw_objects())
    by_kind = {(o["kind"], o["metadata"]["name"]): o for o in objects}
    assert set(by_kind) == {("Namespace", "shop"), ("Pod", "web"), ("Secret", "shop-tls"), ("Secret", "db")}
    exported_pod = by_kind["Pod", "web"]
    assert exported_pod["apiVersion"] == "v1"
    assert "managedFields" not in exported_pod["metadata"]
    assert exported_pod["metadata"]["annotations"] == {"keep": "me"}
    secret = by_kind["Secret", "shop-tls"]
    assert secret == {"apiVersion": "v1", "kind": "Secret", "metadata": secret["metadata"]}
    assert "annotations" not in secret["metadata"]  # last-applied-configuration can hold the data
    # The data never left the server: Secrets are only ever asked for as metadata.
    for request in kube_api.requests(plural="secrets"):
        assert "as=PartialObjectMetadata" in request["accept"]
    assert all("Q0VSVA" not in str(o) and "eA==" not in str(o) for o in objects)


def test_a_malformed_object_is_reported_and_the_rest_loads(kube_api: KubeAPI, live: Callable[..., LiveSource]) -> None:
    kube_api.create(pod_dict("good", namespace="shop"))
    bad = pod_dict("bad", namespace="shop")
    bad["spec"]["containers"] = "not-a-list"
    kube_api.create(bad)
    source = live()
    state = source.open()
    assert [p.meta.name for p in state.pods()] == ["good"]
    assert [str(p).split(":")[0] for p in source.report.problems] == ["Pod shop/bad"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_api_server_is_exit_code_3_naming_it(kube_api: KubeAPI, tmp_path) -> None:
    port = _free_port()
    cfg = kube_api.write_kubeconfig(tmp_path / "dead", context="dead")
    cfg.write_text(cfg.read_text().replace(f":{kube_api.port}", f":{port}"))
    source = LiveSource(load_cluster_config(str(cfg), None))
    with pytest.raises(ClusterUnreachable) as exc:
        source.open()
    assert exc.value.exit_code == 3
    assert str(exc.value) == f"cannot reach the API server http://127.0.0.1:{port} (context dead): connection refused"
    source.close()


def test_progress_counts_kinds_and_objects_while_listing(kube_api: KubeAPI, live: Callable[..., LiveSource]) -> None:
    import threading

    kube_api.create(namespace_dict("shop"))
    kube_api.load(pod_dict(f"web-{i}", namespace="shop") for i in range(250))
    kube_api.slow(0.15)  # each page takes a while: pods need three
    source = live(page_size=100)
    assert source.progress().startswith("contacting http")
    lines: list[str] = []
    opened = threading.Event()

    def watch() -> None:
        while not opened.is_set():
            lines.append(source.progress())
            opened.wait(0.02)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        state = source.open()
    finally:
        opened.set()
        watcher.join()
    kube_api.slow(0)
    total = len(source._reflectors)
    listing = [line for line in lines if line.startswith("listing emulated: ")]
    partway = [line for line in listing if "(waiting for " in line and "pods" in line.split("(waiting for ")[1]]
    assert partway, lines
    counts = [int(line.split(" kinds, ")[1].split()[0].replace(",", "")) for line in listing]
    assert counts == sorted(counts)  # grows as pages arrive
    assert any(100 <= c < 251 for c in counts), lines  # seen between pages
    assert source.progress() == f"listing emulated: {total}/{total} kinds, {state.pod_count() + 1} objects"
