"""Services, EndpointSlices, legacy Endpoints, and Secrets (existence only)."""

from __future__ import annotations

from kubetraffic.core.convert.base import (
    Obj,
    _int,
    _labels,
    _list,
    _map,
    _port_ref,
    _protocol,
    _str,
    convert_meta,
)
from kubetraffic.core.objects import (
    Endpoint,
    EndpointConditions,
    EndpointPort,
    EndpointSlice,
    SecretRef,
    Service,
    ServicePort,
)


# ----------------------------------------------------------------------------- services
def convert_service(obj: Obj) -> Service:
    """A Service; ``selector`` None when absent or empty (no endpoints are managed)."""
    meta = convert_meta(obj)
    spec = _map(obj.get("spec"), "spec")
    status = _map(obj.get("status"), "status")
    svc_type = _str(spec.get("type")) or "ClusterIP"
    ports = []
    for i, p in enumerate(_list(spec.get("ports"), "spec.ports")):
        p = _map(p, f"spec.ports[{i}]")
        ports.append(
            ServicePort(
                port=_int(p.get("port"), f"spec.ports[{i}].port"),
                protocol=_protocol(p.get("protocol"), f"spec.ports[{i}].protocol"),
                name=_str(p.get("name")),
                target_port=_port_ref(p["targetPort"], f"spec.ports[{i}].targetPort")
                if p.get("targetPort") not in (None, "", 0)
                else None,
                node_port=_int(p["nodePort"], f"spec.ports[{i}].nodePort") if p.get("nodePort") else None,
                app_protocol=_str(p.get("appProtocol")),
            )
        )
    cluster_ips = [_str(ip) for ip in _list(spec.get("clusterIPs"), "spec.clusterIPs")]
    if not cluster_ips and spec.get("clusterIP"):
        cluster_ips = [_str(spec.get("clusterIP"))]
    headless = any(ip == "None" for ip in cluster_ips)
    lb = _list(_map(status.get("loadBalancer"), "status.loadBalancer").get("ingress"), "status.loadBalancer.ingress")
    selector = _labels(spec.get("selector"), "spec.selector") or None
    return Service(
        meta=meta,
        type=svc_type,
        cluster_ips=tuple(ip for ip in cluster_ips if ip and ip != "None"),
        headless=headless,
        selector=selector,
        ports=tuple(ports),
        external_name=_str(spec.get("externalName")),
        external_ips=tuple(_str(ip) for ip in _list(spec.get("externalIPs"), "spec.externalIPs")),
        lb_ips=tuple(_str(_map(e, "lb").get("ip")) for e in lb if _map(e, "lb").get("ip")),
        lb_hostnames=tuple(_str(_map(e, "lb").get("hostname")) for e in lb if _map(e, "lb").get("hostname")),
        publish_not_ready=bool(spec.get("publishNotReadyAddresses")),
    )


def convert_endpointslice(obj: Obj) -> EndpointSlice:
    """A discovery.k8s.io/v1 EndpointSlice."""
    meta = convert_meta(obj)
    endpoints = []
    for i, e in enumerate(_list(obj.get("endpoints"), "endpoints")):
        e = _map(e, f"endpoints[{i}]")
        cond = _map(e.get("conditions"), f"endpoints[{i}].conditions")
        target = _map(e.get("targetRef"), f"endpoints[{i}].targetRef")
        endpoints.append(
            Endpoint(
                addresses=tuple(_str(a) for a in _list(e.get("addresses"), f"endpoints[{i}].addresses")),
                conditions=EndpointConditions(
                    ready=cond.get("ready"), serving=cond.get("serving"), terminating=cond.get("terminating")
                ),
                target_kind=_str(target.get("kind")),
                target_namespace=_str(target.get("namespace")) or meta.namespace,
                target_name=_str(target.get("name")),
                node_name=_str(e.get("nodeName")),
            )
        )
    ports = tuple(
        EndpointPort(
            port=None if p.get("port") is None else _int(p.get("port"), "ports[].port"),
            protocol=_protocol(p.get("protocol"), "ports[].protocol"),
            name=_str(p.get("name")),
        )
        for p in (_map(p, "ports[]") for p in _list(obj.get("ports"), "ports"))
    )
    return EndpointSlice(
        meta=meta,
        service=meta.labels.get("kubernetes.io/service-name", ""),
        address_type=_str(obj.get("addressType")) or "IPv4",
        endpoints=tuple(endpoints),
        ports=ports,
    )


def convert_endpoints(obj: Obj) -> EndpointSlice:
    """A legacy core/v1 Endpoints object, expressed as one EndpointSlice (``legacy``)."""
    meta = convert_meta(obj)
    endpoints: list[Endpoint] = []
    ports: dict[tuple[str, int | None, str], EndpointPort] = {}
    for i, subset in enumerate(_list(obj.get("subsets"), "subsets")):
        subset = _map(subset, f"subsets[{i}]")
        for field_name, ready in (("addresses", True), ("notReadyAddresses", False)):
            for a in _list(subset.get(field_name), f"subsets[{i}].{field_name}"):
                a = _map(a, f"subsets[{i}].{field_name}[]")
                target = _map(a.get("targetRef"), "targetRef")
                endpoints.append(
                    Endpoint(
                        addresses=(_str(a.get("ip")),),
                        conditions=EndpointConditions(ready=ready, serving=ready, terminating=False),
                        target_kind=_str(target.get("kind")),
                        target_namespace=_str(target.get("namespace")) or meta.namespace,
                        target_name=_str(target.get("name")),
                        node_name=_str(a.get("nodeName")),
                    )
                )
        for p in _list(subset.get("ports"), f"subsets[{i}].ports"):
            p = _map(p, "ports[]")
            ep = EndpointPort(
                port=_int(p.get("port"), "ports[].port"),
                protocol=_protocol(p.get("protocol"), "ports[].protocol"),
                name=_str(p.get("name")),
            )
            ports[(ep.name, ep.port, ep.protocol)] = ep
    return EndpointSlice(
        meta=meta,
        service=meta.name,
        endpoints=tuple(endpoints),
        ports=tuple(ports.values()),
        legacy=True,
    )


def convert_secret(obj: Obj) -> SecretRef:
    """Only that the Secret exists and its type; ``data`` is never read."""
    return SecretRef(meta=convert_meta(obj), type=_str(obj.get("type")))
