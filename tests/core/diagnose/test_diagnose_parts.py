"""The parts the trace is built from: derived endpoints, nearest pods, port checks, controllers."""

from __future__ import annotations

from typing import Any

from kubetraffic.core.diagnose.controllers import find_gateway_controller, find_ingress_controller
from kubetraffic.core.diagnose.endpoints import derive, port_endpoints
from kubetraffic.core.diagnose.nearest import nearest_pods, selector_fix
from kubetraffic.core.diagnose.pod_health import check_port, pod_problems, suggest_fix
from kubetraffic.core.objects import Service
from kubetraffic.core.routing.ingress_index import ingress_index
from tests.core.builders import make_pod, pod_dict
from tests.core.routing.helpers import ingress, ingress_class, path, service, state_of


def _pod(
    name: str, ip: str | None, *, ready: bool = True, phase: str = "Running", ports: list | None = None, **extra: Any
) -> dict:
    d = pod_dict(
        name,
        "shop",
        {"app": "cart"},
        ip,
        ready=ready,
        phase=phase,
        ports=ports or [{"name": "http", "containerPort": 8080}],
    )
    d["metadata"].update(extra)
    return d


def test_derived_endpoints_follow_the_endpointslice_controller() -> None:
    state = state_of(
        service("cart", ports=[{"name": "web", "port": 80, "targetPort": "http"}]),
        _pod("ready", "10.0.0.1"),
        _pod("not-ready", "10.0.0.2", ready=False),
        _pod("pending", None, phase="Pending"),
        _pod("done", "10.0.0.4", phase="Succeeded"),
        _pod("terminating", "10.0.0.5", deletionTimestamp="2026-01-01T00:00:00Z"),
        _pod("other-port", "10.0.0.6", ports=[{"name": "metrics", "containerPort": 9090}]),
    )
    svc: Service = state.service("shop", "cart")  # type: ignore[assignment]
    eps = derive(state, svc, svc.ports[0])
    by_addr = {e.address: e for e in eps.endpoints}
    assert sorted(by_addr) == ["10.0.0.1", "10.0.0.2", "10.0.0.5"]  # no IP, completed, unresolvable port: out
    assert by_addr["10.0.0.1"].ready
    assert not by_addr["10.0.0.2"].ready
    assert by_addr["10.0.0.5"].terminating
    assert not by_addr["10.0.0.5"].ready
    assert by_addr["10.0.0.5"].serving
    assert {e.port for e in eps.endpoints} == {8080}
    assert [p.meta.name for p in eps.unresolved] == ["other-port"]
    assert eps.derived
    assert port_endpoints(state, svc, svc.ports[0]).derived  # no slice loaded


def test_publish_not_ready_addresses() -> None:
    state = state_of(service("cart", publishNotReadyAddresses=True), _pod("not-ready", "10.0.0.2", ready=False))
    svc: Service = state.service("shop", "cart")  # type: ignore[assignment]
    assert derive(state, svc, svc.ports[0]).endpoints[0].ready


def test_nearest_pods_one_per_workload_closest_first() -> None:
    admin = {"app": "admin", "tier": "web"}
    state = state_of(
        pod_dict(
            "admin-1", "shop", {**admin, "pod-template-hash": "7d9f"}, "10.0.0.1", owner=("ReplicaSet", "admin-7d9f")
        ),
        pod_dict(
            "admin-2", "shop", {**admin, "pod-template-hash": "7d9f"}, "10.0.0.2", owner=("ReplicaSet", "admin-7d9f")
        ),
        pod_dict("web-1", "shop", {"app": "web", "tier": "web"}, "10.0.0.3"),
        pod_dict("far", "shop", {"x": "y"}, "10.0.0.4"),
    )
    near = nearest_pods(state, "shop", {"app": "admin-v2", "tier": "web"})
    assert [n.pod.meta.name for n in near] == ["admin-1", "web-1"]
    assert near[0].differing == ("app",)
    assert near[0].describe() == "shop/admin-1 (Deployment shop/admin) has app=admin (differs: app)"
    assert selector_fix({"app": "admin-v2", "tier": "web"}, near[0]).startswith(
        "set the Service selector to app=admin,tier=web"
    )


def test_port_checks() -> None:
    declared = make_pod("p", "shop", {}, "10.0.0.1", ports=[{"containerPort": 8081}])
    assert check_port(declared, 8081).listens is True
    assert check_port(declared, 8080).listens is False
    none_declared = make_pod("p", "shop", {}, "10.0.0.1", ports=[])
    assert check_port(none_declared, 8080).listens is None
    probed = pod_dict("p", "shop", {}, "10.0.0.1", ports=[{"containerPort": 9000}])
    probed["spec"]["containers"][0]["readinessProbe"] = {"tcpSocket": {"port": 8080}}
    state = state_of(probed)
    assert check_port(state.pod("shop", "p"), 8080).listens is True  # type: ignore[arg-type]


def test_pod_problems_and_fixes() -> None:
    d = pod_dict("p", "shop", {}, "10.0.0.1", ready=False)
    d["status"]["containerStatuses"] = [
        {
            "name": "main",
            "ready": False,
            "restartCount": 7,
            "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            "lastState": {"terminated": {"reason": "OOMKilled", "exitCode": 137}},
        }
    ]
    pod = state_of(d).pod("shop", "p")
    assert pod is not None
    problems = pod_problems(pod)
    assert "container main waiting: CrashLoopBackOff, last exit: OOMKilled" in problems
    assert "container main restarted 7 times (last: OOMKilled)" in problems
    assert suggest_fix(pod) == "the container keeps crashing: read kubectl logs --previous shop/p"


def _controller_objects(**svc: Any) -> list[dict]:
    labels = {"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller"}
    return [
        ingress_class("nginx"),
        pod_dict("ctrl-1", "ingress-nginx", labels, "10.1.0.1"),
        {
            **service("ctrl", "ingress-nginx", [{"port": 443}], selector=labels, type="LoadBalancer"),
            "status": {"loadBalancer": {"ingress": [{"ip": "203.0.113.10"}]}},
            **svc,
        },
    ]


def test_ingress_controller_by_status_address_then_labels() -> None:
    ing = ingress("i", [("a.com", [path("/", "web")])])
    ing["status"] = {"loadBalancer": {"ingress": [{"ip": "203.0.113.10"}]}}
    state = state_of(*_controller_objects(), ing)
    info = find_ingress_controller(state, ingress_index(state).classes["nginx"], "a.com")
    assert info.how == "Service owning the Ingress status address 203.0.113.10"
    assert [p.meta.name for p in info.pods] == ["ctrl-1"]
    assert info.addresses == ("203.0.113.10",)
    plain = state_of(*_controller_objects(), ingress("i", [("a.com", [path("/", "web")])]))
    info = find_ingress_controller(plain, ingress_index(plain).classes["nginx"], "a.com")
    assert info.how.startswith("pods labelled app.kubernetes.io/name=ingress-nginx")
    assert info.service is not None
    assert info.service.meta.name == "ctrl"


def test_gateway_controller_by_gateway_name_label() -> None:
    gw = {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "Gateway",
        "metadata": {"name": "web", "namespace": "infra"},
        "spec": {"gatewayClassName": "eg", "listeners": [{"name": "h", "port": 80, "protocol": "HTTP"}]},
    }
    state = state_of(
        gw, pod_dict("envoy-1", "envoy-system", {"gateway.networking.k8s.io/gateway-name": "web"}, "10.2.0.1")
    )
    info = find_gateway_controller(state, state.gateways()[0])
    assert [p.meta.name for p in info.pods] == ["envoy-1"]
