"""networking.k8s.io/v1: Ingress, IngressClass and NetworkPolicy (with the API server's defaulting)."""

from __future__ import annotations

from typing import Any

from kubetraffic.core.convert.base import (
    ConversionError,
    Obj,
    _int,
    _list,
    _map,
    _port_ref,
    _protocol,
    _selector,
    _str,
    convert_meta,
)
from kubetraffic.core.objects import (
    Ingress,
    IngressBackend,
    IngressClass,
    IngressPath,
    IngressRule,
    IngressTLS,
    IPBlock,
    NetworkPolicy,
    PolicyPeer,
    PolicyPort,
    PolicyRule,
)


# ------------------------------------------------------------------------------ ingress
def _ingress_backend(value: Any, where: str) -> IngressBackend:
    raw = _map(value, where)
    if "serviceName" in raw:  # extensions/v1beta1 and networking.k8s.io/v1beta1 shape
        return IngressBackend(
            service=_str(raw.get("serviceName")),
            port=_port_ref(raw.get("servicePort"), f"{where}.servicePort"),
        )
    if "resource" in raw:
        res = _map(raw["resource"], f"{where}.resource")
        return IngressBackend(
            resource_kind=_str(res.get("kind")),
            resource_group=_str(res.get("apiGroup")),
            resource_name=_str(res.get("name")),
        )
    svc = _map(raw.get("service"), f"{where}.service")
    if not svc:
        raise ConversionError(f"{where}: needs a service or a resource")
    port = _map(svc.get("port"), f"{where}.service.port")
    ref: int | str | None = None
    if port.get("number") is not None:
        ref = _int(port.get("number"), f"{where}.service.port.number")
    elif port.get("name"):
        ref = _str(port.get("name"))
    return IngressBackend(service=_str(svc.get("name")), port=ref)


def convert_ingress(obj: Obj) -> Ingress:
    """networking.k8s.io/v1 Ingress (v1beta1 backends are accepted too)."""
    meta = convert_meta(obj)
    spec = _map(obj.get("spec"), "spec")
    rules = []
    for i, r in enumerate(_list(spec.get("rules"), "spec.rules")):
        r = _map(r, f"spec.rules[{i}]")
        http = _map(r.get("http"), f"spec.rules[{i}].http")
        paths = []
        for j, p in enumerate(_list(http.get("paths"), f"spec.rules[{i}].http.paths")):
            where = f"spec.rules[{i}].http.paths[{j}]"
            p = _map(p, where)
            paths.append(
                IngressPath(
                    path=_str(p.get("path")) or "/",
                    path_type=_str(p.get("pathType")) or "ImplementationSpecific",
                    backend=_ingress_backend(p.get("backend"), f"{where}.backend"),
                )
            )
        rules.append(IngressRule(host=_str(r.get("host")), paths=tuple(paths)))
    default = spec.get("defaultBackend") or spec.get("backend")
    tls = tuple(
        IngressTLS(
            hosts=tuple(_str(h) for h in _list(t.get("hosts"), "spec.tls[].hosts")),
            secret_name=_str(t.get("secretName")),
        )
        for t in (_map(t, "spec.tls[]") for t in _list(spec.get("tls"), "spec.tls"))
    )
    lb = _list(
        _map(_map(obj.get("status"), "status").get("loadBalancer"), "status.loadBalancer").get("ingress"),
        "status.loadBalancer.ingress",
    )
    class_name = spec.get("ingressClassName")
    if class_name is None and meta.annotations.get("kubernetes.io/ingress.class"):
        class_name = meta.annotations["kubernetes.io/ingress.class"]
    return Ingress(
        meta=meta,
        class_name=_str(class_name) or None,
        default_backend=_ingress_backend(default, "spec.defaultBackend") if default else None,
        rules=tuple(rules),
        tls=tls,
        lb_ips=tuple(_str(_map(e, "lb").get("ip")) for e in lb if _map(e, "lb").get("ip")),
        lb_hostnames=tuple(_str(_map(e, "lb").get("hostname")) for e in lb if _map(e, "lb").get("hostname")),
    )


def convert_ingressclass(obj: Obj) -> IngressClass:
    """An IngressClass and whether it is the cluster default."""
    meta = convert_meta(obj, namespaced=False)
    spec = _map(obj.get("spec"), "spec")
    default = meta.annotations.get("ingressclass.kubernetes.io/is-default-class", "").lower() == "true"
    return IngressClass(meta=meta, controller=_str(spec.get("controller")), default=default)


# ------------------------------------------------------------------------ network policy
def _peers(value: Any, where: str) -> tuple[PolicyPeer, ...]:
    out = []
    for i, p in enumerate(_list(value, where)):
        p = _map(p, f"{where}[{i}]")
        block = None
        if p.get("ipBlock") is not None:
            b = _map(p.get("ipBlock"), f"{where}[{i}].ipBlock")
            if not b.get("cidr"):
                raise ConversionError(f"{where}[{i}].ipBlock.cidr is required")
            block = IPBlock(
                cidr=_str(b.get("cidr")),
                excepts=tuple(_str(e) for e in _list(b.get("except"), f"{where}[{i}].ipBlock.except")),
            )
        pod_sel = p.get("podSelector")
        ns_sel = p.get("namespaceSelector")
        out.append(
            PolicyPeer(
                pod_selector=None if pod_sel is None else _selector(pod_sel, f"{where}[{i}].podSelector"),
                namespace_selector=None if ns_sel is None else _selector(ns_sel, f"{where}[{i}].namespaceSelector"),
                ip_block=block,
            )
        )
    return tuple(out)


def _policy_ports(value: Any, where: str) -> tuple[PolicyPort, ...]:
    out = []
    for i, p in enumerate(_list(value, where)):
        p = _map(p, f"{where}[{i}]")
        port = _port_ref(p["port"], f"{where}[{i}].port") if p.get("port") is not None else None
        end = _int(p["endPort"], f"{where}[{i}].endPort") if p.get("endPort") is not None else None
        if end is not None and not isinstance(port, int):
            raise ConversionError(f"{where}[{i}].endPort requires a numeric port")
        if end is not None and isinstance(port, int) and end < port:
            raise ConversionError(f"{where}[{i}].endPort {end} is below port {port}")
        out.append(PolicyPort(protocol=_protocol(p.get("protocol"), f"{where}[{i}].protocol"), port=port, end_port=end))
    return tuple(out)


def _rules(value: Any, where: str, peer_field: str) -> tuple[PolicyRule, ...]:
    out = []
    for i, r in enumerate(_list(value, where)):
        r = _map(r, f"{where}[{i}]")
        out.append(
            PolicyRule(
                peers=_peers(r.get(peer_field), f"{where}[{i}].{peer_field}"),
                ports=_policy_ports(r.get("ports"), f"{where}[{i}].ports"),
            )
        )
    return tuple(out)


def convert_networkpolicy(obj: Obj) -> NetworkPolicy:
    """A NetworkPolicy with policyTypes defaulted exactly as the API server does.

    Defaulting (pkg/apis/networking/v1/defaults.go): with no policyTypes, Ingress is
    always set and Egress only when ``spec.egress`` has at least one rule.
    """
    meta = convert_meta(obj)
    spec = _map(obj.get("spec"), "spec")
    ingress = _rules(spec.get("ingress"), "spec.ingress", "from")
    egress = _rules(spec.get("egress"), "spec.egress", "to")
    raw_types = [_str(t) for t in _list(spec.get("policyTypes"), "spec.policyTypes")]
    for t in raw_types:
        if t not in ("Ingress", "Egress"):
            raise ConversionError(f"spec.policyTypes: unknown type {t!r}")
    if raw_types:
        types = tuple(t for t in ("Ingress", "Egress") if t in raw_types)
    else:
        types = ("Ingress", "Egress") if egress else ("Ingress",)
    return NetworkPolicy(
        meta=meta,
        # "This field is optional. If it is not specified, it defaults to an empty
        # selector" — every pod of the namespace (networking/v1 NetworkPolicySpec).
        pod_selector=_selector(spec.get("podSelector") or {}, "spec.podSelector"),
        policy_types=types,
        ingress=ingress,
        egress=egress,
        policy_types_explicit=bool(raw_types),
    )
