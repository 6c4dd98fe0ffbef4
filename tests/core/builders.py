"""Small builders for core objects in tests (API-shaped dicts through the real converter)."""

from __future__ import annotations

from typing import Any

from kubetraffic.core.convert import convert
from kubetraffic.core.objects import Pod


def pod_dict(
    name: str,
    namespace: str = "default",
    labels: dict[str, str] | None = None,
    ip: str | None = None,
    *,
    owner: tuple[str, str] | None = None,
    ports: list[dict[str, Any]] | None = None,
    phase: str = "Running",
    ready: bool = True,
    host_network: bool = False,
    node: str = "node-1",
) -> dict[str, Any]:
    """A Pod as the API server returns it."""
    md: dict[str, Any] = {"name": name, "namespace": namespace, "labels": labels or {}}
    if owner:
        md["ownerReferences"] = [{"kind": owner[0], "name": owner[1], "controller": True, "apiVersion": "apps/v1"}]
    status: dict[str, Any] = {
        "phase": phase,
        "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
    }
    if ip:
        status["podIP"] = ip
        status["podIPs"] = [{"ip": ip}]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": md,
        "spec": {
            "nodeName": node,
            "hostNetwork": host_network,
            "containers": [{"name": "main", "image": "img", "ports": ports or []}],
        },
        "status": status,
    }


def make_pod(*args: Any, **kwargs: Any) -> Pod:
    """A converted Pod."""
    _, obj = convert(pod_dict(*args, **kwargs))
    assert isinstance(obj, Pod)
    return obj


def deployment_dict(name: str, namespace: str, labels: dict[str, str], replicas: int = 1) -> dict[str, Any]:
    """A Deployment manifest with a simple template."""
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "containers": [{"name": "c", "image": "i", "ports": [{"name": "http", "containerPort": 8080}]}]
                },
            },
        },
    }
