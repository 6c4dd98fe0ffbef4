"""Finding the cluster's Prometheus Service and reaching it through the API server's proxy."""

from __future__ import annotations

from typing import Any

from kubernetes.client import Configuration

from kubetraffic.adapters.prometheus.discovery import discover_prometheus, proxy_config, service_proxy_url
from kubetraffic.core.convert import convert
from kubetraffic.core.state import ClusterState


def _svc(ns: str, name: str, ports: list[dict[str, Any]], **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"ports": ports, **spec},
    }


def _state(*services: dict[str, Any]) -> ClusterState:
    state = ClusterState()
    for obj in services:
        kind, converted = convert(obj)
        state.put(kind, converted)
    return state


WEB = [{"name": "web", "port": 9090, "targetPort": 9090}]


def test_nothing_that_looks_like_prometheus() -> None:
    state = _state(
        _svc("monitoring", "prometheus-operator", [{"name": "https", "port": 8443}]),
        _svc("monitoring", "prometheus-node-exporter", [{"port": 9100}]),
        _svc("kube-system", "kube-prometheus-stack-kubelet", [{"port": 10250}]),
        _svc("monitoring", "alertmanager-operated", [{"port": 9093}]),
        _svc("shop", "web", WEB),
    )
    assert discover_prometheus(state) is None


def test_kube_prometheus_stack_service_is_preferred_and_the_others_are_named() -> None:
    state = _state(
        _svc("monitoring", "prometheus-operated", WEB, clusterIP="None"),
        _svc(
            "monitoring",
            "kps-kube-prometheus-prometheus",
            [{"name": "http-web", "port": 9090}, {"name": "reloader-web", "port": 8080}],
        ),
        _svc("monitoring", "kps-kube-prometheus-operator", [{"name": "https", "port": 443}]),
        _svc("team-a", "my-prometheus-thing", [{"port": 80}]),
    )
    found = discover_prometheus(state)
    assert found is not None
    assert (found.namespace, found.name, found.port, found.scheme) == (
        "monitoring",
        "kps-kube-prometheus-prometheus",
        "http-web",
        "http",
    )
    assert found.others == ("monitoring/prometheus-operated", "team-a/my-prometheus-thing")
    assert found.describe() == (
        "auto-discovered monitoring/kps-kube-prometheus-prometheus:http-web via the API server's service proxy "
        "(also found monitoring/prometheus-operated, team-a/my-prometheus-thing; pass --prometheus URL to choose)"
    )


def test_operator_headless_service_and_unnamed_ports() -> None:
    found = discover_prometheus(_state(_svc("obs", "prometheus-operated", WEB, clusterIP="None")))
    assert found is not None
    assert found.ref == "obs/prometheus-operated:web"
    found = discover_prometheus(_state(_svc("default", "prometheus-server", [{"port": 8080}, {"port": 9090}])))
    assert found is not None
    assert found.port == 9090
    found = discover_prometheus(_state(_svc("mon", "prometheus", [{"name": "https", "port": 9091}])))
    assert found is not None
    assert found.scheme == "https"


def test_service_proxy_url() -> None:
    found = discover_prometheus(_state(_svc("monitoring", "prometheus-k8s", WEB)))
    assert found is not None
    assert service_proxy_url("https://10.0.0.1:6443/", found) == (
        "https://10.0.0.1:6443/api/v1/namespaces/monitoring/services/prometheus-k8s:web/proxy"
    )
    tls = discover_prometheus(_state(_svc("monitoring", "prometheus", [{"name": "https", "port": 443}])))
    assert tls is not None
    assert service_proxy_url("https://k8s", tls).endswith("/services/https:prometheus:https/proxy")


def test_proxy_config_carries_the_kubeconfig_credentials() -> None:
    found = discover_prometheus(_state(_svc("monitoring", "prometheus-k8s", WEB)))
    assert found is not None
    kube = Configuration()
    kube.host = "https://api.example:6443"
    kube.api_key = {"authorization": "Bearer sa-token"}
    kube.ssl_ca_cert = "/etc/kube/ca.crt"
    kube.cert_file, kube.key_file = "/etc/kube/me.crt", "/etc/kube/me.key"
    cfg = proxy_config(found, kube, timeout=3)
    assert cfg.url == "https://api.example:6443/api/v1/namespaces/monitoring/services/prometheus-k8s:web/proxy"
    assert cfg.headers == {"Authorization": "Bearer sa-token"}
    assert cfg.verify == "/etc/kube/ca.crt"
    assert cfg.client_cert == ("/etc/kube/me.crt", "/etc/kube/me.key")
    assert cfg.timeout == 3
    assert cfg.where == "monitoring/prometheus-k8s:web via the API server's service proxy"
    assert "sa-token" not in repr(cfg)
    kube.verify_ssl = False
    assert proxy_config(found, kube).verify is False
