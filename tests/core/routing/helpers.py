"""Builders for routing tests: API-shaped dicts through the real converter into a ClusterState."""

from __future__ import annotations

from typing import Any

from kubetraffic.core.convert import convert
from kubetraffic.core.state import ClusterState


def state_of(*objects: dict[str, Any]) -> ClusterState:
    """A ClusterState holding the converted ``objects``."""
    state = ClusterState()
    for obj in objects:
        kind, converted = convert(obj)
        state.put(kind, converted)
    return state


def path(p: str, service: str, port: int | str = 80, path_type: str = "Prefix") -> dict[str, Any]:
    """One HTTPIngressPath."""
    key = "number" if isinstance(port, int) else "name"
    return {"path": p, "pathType": path_type, "backend": {"service": {"name": service, "port": {key: port}}}}


def ingress(
    name: str,
    rules: list[tuple[str, list[dict[str, Any]]]],
    *,
    namespace: str = "shop",
    class_name: str | None = "nginx",
    annotations: dict[str, str] | None = None,
    created: str | None = None,
    default_backend: tuple[str, int] | None = None,
    tls: list[tuple[list[str], str]] | None = None,
) -> dict[str, Any]:
    """An Ingress; ``rules`` is [(host, [path, ...])] with "" for a rule without host."""
    md: dict[str, Any] = {"name": name, "namespace": namespace, "annotations": annotations or {}}
    if created:
        md["creationTimestamp"] = created
    spec: dict[str, Any] = {
        "rules": [({"host": h} if h else {}) | {"http": {"paths": paths}} for h, paths in rules],
    }
    if class_name:
        spec["ingressClassName"] = class_name
    if default_backend:
        spec["defaultBackend"] = {"service": {"name": default_backend[0], "port": {"number": default_backend[1]}}}
    if tls:
        spec["tls"] = [{"hosts": hosts, "secretName": secret} for hosts, secret in tls]
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": md, "spec": spec}


def ingress_class(name: str, controller: str = "k8s.io/ingress-nginx", *, default: bool = False) -> dict[str, Any]:
    """An IngressClass."""
    annotations = {"ingressclass.kubernetes.io/is-default-class": "true"} if default else {}
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "IngressClass",
        "metadata": {"name": name, "annotations": annotations},
        "spec": {"controller": controller},
    }


def service(
    name: str, namespace: str = "shop", ports: list[dict[str, Any]] | None = None, **spec: Any
) -> dict[str, Any]:
    """A Service (selector app=<name> unless given)."""
    body = {"selector": {"app": name}, "ports": ports or [{"name": "http", "port": 80, "targetPort": 8080}]}
    body.update(spec)
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": namespace}, "spec": body}


def namespace(name: str, **labels: str) -> dict[str, Any]:
    """A Namespace."""
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}


def secret(name: str, namespace: str = "shop") -> dict[str, Any]:
    """A TLS Secret (no data: kubetraffic never reads it)."""
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "kubernetes.io/tls",
        "metadata": {"name": name, "namespace": namespace},
    }
