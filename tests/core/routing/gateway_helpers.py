"""Gateway API objects for routing tests."""

from __future__ import annotations

from typing import Any

GW = "gateway.networking.k8s.io/v1"


def gateway_class(
    name: str = "eg", controller: str = "gateway.envoyproxy.io/gatewayclass-controller"
) -> dict[str, Any]:
    """A GatewayClass."""
    return {
        "apiVersion": GW,
        "kind": "GatewayClass",
        "metadata": {"name": name},
        "spec": {"controllerName": controller},
    }


def listener(
    name: str, port: int = 80, protocol: str = "HTTP", hostname: str | None = None, **extra: Any
) -> dict[str, Any]:
    """A listener; ``extra`` may hold allowedRoutes or tls."""
    out: dict[str, Any] = {"name": name, "port": port, "protocol": protocol, **extra}
    if hostname:
        out["hostname"] = hostname
    return out


def gateway(name: str, listeners: list[dict[str, Any]], namespace: str = "infra", **spec: Any) -> dict[str, Any]:
    """A Gateway with an address in its status."""
    return {
        "apiVersion": GW,
        "kind": "Gateway",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"gatewayClassName": "eg", "listeners": listeners, **spec},
        "status": {"addresses": [{"type": "IPAddress", "value": "198.51.100.20"}]},
    }


def backend(name: str, port: int | None = 8080, **extra: Any) -> dict[str, Any]:
    """A backendRef."""
    out: dict[str, Any] = {"name": name, **extra}
    if port is not None:
        out["port"] = port
    return out


def rule(
    *backends: dict[str, Any], matches: list[dict[str, Any]] | None = None, filters: list[str] | None = None
) -> dict[str, Any]:
    """An HTTPRoute rule."""
    out: dict[str, Any] = {"backendRefs": list(backends)}
    if matches is not None:
        out["matches"] = matches
    if filters:
        out["filters"] = [{"type": f} for f in filters]
    return out


def prefix(value: str, **extra: Any) -> dict[str, Any]:
    """A PathPrefix match (plus headers/method/queryParams)."""
    return {"path": {"type": "PathPrefix", "value": value}, **extra}


def http_route(
    name: str,
    rules: list[dict[str, Any]],
    *,
    namespace: str = "infra",
    parents: list[dict[str, Any]] | None = None,
    hostnames: list[str] | None = None,
    created: str | None = None,
    status: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """An HTTPRoute attached to infra/gw unless ``parents`` says otherwise."""
    md: dict[str, Any] = {"name": name, "namespace": namespace}
    if created:
        md["creationTimestamp"] = created
    obj: dict[str, Any] = {
        "apiVersion": GW,
        "kind": "HTTPRoute",
        "metadata": md,
        "spec": {"parentRefs": parents or [{"name": "gw", "namespace": "infra"}], "rules": rules},
    }
    if hostnames:
        obj["spec"]["hostnames"] = hostnames
    if status:
        obj["status"] = {"parents": status}
    return obj


def reference_grant(namespace: str, from_ns: str, to_kind: str = "Service", name: str | None = None) -> dict[str, Any]:
    """A ReferenceGrant in ``namespace`` for HTTPRoutes of ``from_ns``."""
    to: dict[str, Any] = {"group": "", "kind": to_kind}
    if name:
        to["name"] = name
    return {
        "apiVersion": "gateway.networking.k8s.io/v1beta1",
        "kind": "ReferenceGrant",
        "metadata": {"name": "grant", "namespace": namespace},
        "spec": {
            "from": [{"group": "gateway.networking.k8s.io", "kind": "HTTPRoute", "namespace": from_ns}],
            "to": [to],
        },
    }
