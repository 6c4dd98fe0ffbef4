"""Kubernetes API dictionaries (YAML/JSON/API server) -> typed core objects.

One converter per kind, shared by the snapshot, live and demo sources, so every source
produces identical objects. Defaulting follows the API server where it matters to the
analysis (policyTypes, protocols, targetPort, pathType); fields that do not matter are
dropped here, which is also what keeps memory small. Secret data never passes this point.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from kubetraffic.core.labels import LabelSelector, SelectorError, parse_selector
from kubetraffic.core.objects import (
    AllowedRoutes,
    BackendRef,
    Condition,
    Container,
    ContainerPort,
    ContainerStatus,
    Endpoint,
    EndpointConditions,
    EndpointPort,
    EndpointSlice,
    Gateway,
    GatewayClass,
    GrantFrom,
    GrantTo,
    HeaderMatch,
    HTTPRoute,
    Ingress,
    IngressBackend,
    IngressClass,
    IngressPath,
    IngressRule,
    IngressTLS,
    IPBlock,
    KubeObject,
    Listener,
    ListenerSet,
    Meta,
    Namespace,
    NetworkPolicy,
    Node,
    OwnerRef,
    ParentRef,
    Pod,
    PodCondition,
    PolicyPeer,
    PolicyPort,
    PolicyRule,
    Probe,
    ReferenceGrant,
    RouteMatch,
    RouteParentStatus,
    RouteRule,
    SecretRef,
    Service,
    ServicePort,
    Workload,
)
from kubetraffic.core.ports import PortParseError, normalise_protocol, parse_port_ref

Obj = Mapping[str, Any]

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob")
LISTENER_SET_KINDS = ("ListenerSet", "XListenerSet")

# Annotations worth keeping: routing behaviour and class selection. Everything else
# (notably last-applied-configuration) is dropped to keep objects small.
_KEPT_ANNOTATION_PREFIXES = (
    "nginx.ingress.kubernetes.io/",
    "kubernetes.io/ingress.class",
    "ingressclass.kubernetes.io/",
    "service.kubernetes.io/",
    "service.beta.kubernetes.io/",
    "cert-manager.io/",
    "kubetraffic.io/",
)


class ConversionError(ValueError):
    """An object whose shape the API server would reject; names the field."""


def _map(value: Any, where: str) -> Obj:
    if value.__class__ is dict:  # the common case, without an ABC isinstance check
        return value
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConversionError(f"{where}: expected a mapping, got {type(value).__name__}")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if value.__class__ is list:
        return value
    if value is None:
        return []
    if not isinstance(value, list):
        raise ConversionError(f"{where}: expected a list, got {type(value).__name__}")
    return value


def _str(value: Any) -> str:
    return "" if value is None else str(value)


def _int(value: Any, where: str) -> int:
    if isinstance(value, bool):
        raise ConversionError(f"{where}: expected an integer")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ConversionError(f"{where}: expected an integer, got {value!r}") from None


def _labels(value: Any, where: str) -> dict[str, str]:
    raw = _map(value, where)
    out: dict[str, str] = {}
    for k, v in raw.items():
        if isinstance(v, bool):
            v = "true" if v else "false"
        out[str(k)] = "" if v is None else str(v)
    return out


def _selector(value: Any, where: str) -> LabelSelector:
    try:
        return parse_selector(value, where=where)
    except SelectorError as exc:
        raise ConversionError(str(exc)) from None


def _port_ref(value: Any, where: str) -> int | str:
    try:
        return parse_port_ref(value)
    except PortParseError as exc:
        raise ConversionError(f"{where}: {exc}") from None


def _protocol(value: Any, where: str) -> str:
    try:
        return normalise_protocol(value)
    except PortParseError as exc:
        raise ConversionError(f"{where}: {exc}") from None


def convert_meta(obj: Obj, *, namespaced: bool = True, default_namespace: str = "default") -> Meta:
    """metadata -> Meta; a namespaced object without a namespace gets ``default_namespace``."""
    md = _map(obj.get("metadata"), "metadata")
    name = _str(md.get("name"))
    if not name:
        raise ConversionError("metadata.name is missing")
    namespace = _str(md.get("namespace")) if namespaced else ""
    if namespaced and not namespace:
        namespace = default_namespace
    annotations = {
        k: _str(v)
        for k, v in _map(md.get("annotations"), "metadata.annotations").items()
        if str(k).startswith(_KEPT_ANNOTATION_PREFIXES)
    }
    owner = None
    for ref in _list(md.get("ownerReferences"), "metadata.ownerReferences"):
        ref = _map(ref, "metadata.ownerReferences[]")
        candidate = OwnerRef(
            kind=_str(ref.get("kind")),
            name=_str(ref.get("name")),
            api_version=_str(ref.get("apiVersion")),
            uid=_str(ref.get("uid")),
        )
        if ref.get("controller") or owner is None:
            owner = candidate
    return Meta(
        name=name,
        namespace=namespace,
        uid=_str(md.get("uid")),
        labels=_labels(md.get("labels"), "metadata.labels"),
        annotations=annotations,
        owner=owner,
        created=_str(md.get("creationTimestamp")) or None,
        resource_version=_str(md.get("resourceVersion")),
        deleting=md.get("deletionTimestamp") is not None,
        generation=_int(md.get("generation") or 0, "metadata.generation"),
    )


# ----------------------------------------------------------------------- cluster scoped
def convert_namespace(obj: Obj) -> Namespace:
    """A Namespace; the API server always sets kubernetes.io/metadata.name."""
    meta = convert_meta(obj, namespaced=False)
    labels = dict(meta.labels)
    labels["kubernetes.io/metadata.name"] = meta.name
    meta = Meta(**{**_meta_fields(meta), "labels": labels})
    phase = _str(_map(obj.get("status"), "status").get("phase")) or "Active"
    return Namespace(meta=meta, phase=phase)


def _meta_fields(meta: Meta) -> dict[str, Any]:
    return {s: getattr(meta, s) for s in Meta.__slots__}


def convert_node(obj: Obj) -> Node:
    """A Node: addresses, pod CIDRs and the Ready condition."""
    meta = convert_meta(obj, namespaced=False)
    spec = _map(obj.get("spec"), "spec")
    status = _map(obj.get("status"), "status")
    internal, external = [], []
    for addr in _list(status.get("addresses"), "status.addresses"):
        addr = _map(addr, "status.addresses[]")
        if addr.get("type") == "InternalIP":
            internal.append(_str(addr.get("address")))
        elif addr.get("type") == "ExternalIP":
            external.append(_str(addr.get("address")))
    cidrs = [_str(c) for c in _list(spec.get("podCIDRs"), "spec.podCIDRs")]
    if not cidrs and spec.get("podCIDR"):
        cidrs = [_str(spec.get("podCIDR"))]
    ready = None
    for cond in _list(status.get("conditions"), "status.conditions"):
        cond = _map(cond, "status.conditions[]")
        if cond.get("type") == "Ready":
            ready = cond.get("status") == "True"
    return Node(meta, tuple(internal), tuple(external), tuple(cidrs), ready)


# --------------------------------------------------------------------------------- pods
def _probe(value: Any, where: str) -> Probe | None:
    if not value:
        return None
    raw = _map(value, where)
    for kind in ("httpGet", "tcpSocket", "grpc"):
        if kind in raw:
            h = _map(raw[kind], f"{where}.{kind}")
            port = _port_ref(h["port"], f"{where}.{kind}.port") if "port" in h else None
            return Probe(kind=kind, port=port, path=_str(h.get("path")) or None)
    return Probe(kind="exec")


def _containers(value: Any, where: str) -> tuple[Container, ...]:
    out = []
    for i, c in enumerate(_list(value, where)):
        c = _map(c, f"{where}[{i}]")
        ports = []
        for j, p in enumerate(_list(c.get("ports"), f"{where}[{i}].ports")):
            p = _map(p, f"{where}[{i}].ports[{j}]")
            ports.append(
                ContainerPort(
                    port=_int(p.get("containerPort"), f"{where}[{i}].ports[{j}].containerPort"),
                    protocol=_protocol(p.get("protocol"), f"{where}[{i}].ports[{j}].protocol"),
                    name=_str(p.get("name")),
                )
            )
        out.append(
            Container(
                name=_str(c.get("name")),
                image=_str(c.get("image")),
                ports=tuple(ports),
                readiness_probe=_probe(c.get("readinessProbe"), f"{where}[{i}].readinessProbe"),
                liveness_probe=_probe(c.get("livenessProbe"), f"{where}[{i}].livenessProbe"),
            )
        )
    return tuple(out)


def _statuses(value: Any) -> tuple[ContainerStatus, ...]:
    out = []
    for s in _list(value, "status.containerStatuses"):
        s = _map(s, "status.containerStatuses[]")
        state_raw = _map(s.get("state"), "state")
        state, reason, message = "unknown", "", ""
        for name in ("running", "waiting", "terminated"):
            if name in state_raw:
                state = name
                detail = _map(state_raw[name], name)
                reason, message = _str(detail.get("reason")), _str(detail.get("message"))
        last = _map(_map(s.get("lastState"), "lastState").get("terminated"), "lastState.terminated")
        exit_code = last.get("exitCode")
        out.append(
            ContainerStatus(
                name=_str(s.get("name")),
                ready=bool(s.get("ready")),
                started=s.get("started"),
                restart_count=_int(s.get("restartCount") or 0, "restartCount"),
                state=state,
                reason=reason,
                message=message[:500],
                last_termination_reason=_str(last.get("reason")),
                last_exit_code=None if exit_code is None else _int(exit_code, "exitCode"),
            )
        )
    return tuple(out)


def convert_pod(obj: Obj) -> Pod:
    """A Pod with its IPs, readiness, containers and restarts."""
    meta = convert_meta(obj)
    spec = _map(obj.get("spec"), "spec")
    status = _map(obj.get("status"), "status")
    ips = [_str(_map(p, "status.podIPs[]").get("ip")) for p in _list(status.get("podIPs"), "status.podIPs")]
    if not ips and status.get("podIP"):
        ips = [_str(status.get("podIP"))]
    conditions = tuple(
        PodCondition(
            type=_str(c.get("type")),
            status=_str(c.get("status")),
            reason=_str(c.get("reason")),
            message=_str(c.get("message"))[:500],
        )
        for c in (_map(c, "status.conditions[]") for c in _list(status.get("conditions"), "status.conditions"))
    )
    return Pod(
        meta=meta,
        node_name=_str(spec.get("nodeName")),
        host_network=bool(spec.get("hostNetwork")),
        pod_ips=tuple(ip for ip in ips if ip),
        host_ip=_str(status.get("hostIP")),
        phase=_str(status.get("phase")) or "Unknown",
        conditions=conditions,
        containers=_containers(spec.get("containers"), "spec.containers"),
        init_containers=_containers(spec.get("initContainers"), "spec.initContainers"),
        statuses=_statuses(status.get("containerStatuses")),
        service_account=_str(spec.get("serviceAccountName") or spec.get("serviceAccount")),
    )


def template_pod(workload: Workload, template: Obj) -> Pod:
    """The stand-in pod for a workload's pod template (``template=True``, no IP)."""
    tmeta = _map(template.get("metadata"), "spec.template.metadata")
    spec = _map(template.get("spec"), "spec.template.spec")
    meta = Meta(
        name=f"{workload.meta.name}-template",
        namespace=workload.meta.namespace,
        labels=_labels(tmeta.get("labels"), "spec.template.metadata.labels"),
        owner=OwnerRef(kind=workload.kind, name=workload.meta.name),
        created=workload.meta.created,
    )
    return Pod(
        meta=meta,
        host_network=bool(spec.get("hostNetwork")),
        phase="Template",
        containers=_containers(spec.get("containers"), "spec.template.spec.containers"),
        init_containers=_containers(spec.get("initContainers"), "spec.template.spec.initContainers"),
        service_account=_str(spec.get("serviceAccountName")),
        template=True,
        template_of=(workload.kind, workload.meta.name),
    )


def convert_workload(obj: Obj) -> Workload:
    """Deployment, StatefulSet, DaemonSet, ReplicaSet, Job or CronJob with its template pod."""
    kind = _str(obj.get("kind"))
    meta = convert_meta(obj)
    spec = _map(obj.get("spec"), "spec")
    status = _map(obj.get("status"), "status")
    template_raw: Any = spec.get("template")
    if kind == "CronJob":
        job_spec = _map(_map(spec.get("jobTemplate"), "spec.jobTemplate").get("spec"), "spec.jobTemplate.spec")
        template_raw = job_spec.get("template")
    replicas: int | None = None
    if kind in ("Deployment", "StatefulSet", "ReplicaSet"):
        replicas = _int(spec.get("replicas", 1), "spec.replicas")
    elif kind == "Job":
        replicas = _int(spec.get("parallelism", 1), "spec.parallelism")
    selector = _selector(spec["selector"], "spec.selector") if spec.get("selector") else None
    ready = status.get("readyReplicas")
    workload = Workload(
        kind=kind,
        meta=meta,
        replicas=replicas,
        ready_replicas=None if ready is None else _int(ready, "status.readyReplicas"),
        selector=selector,
    )
    # A ReplicaSet or Job run by a controller (Deployment, CronJob) never stands in for
    # its pods itself, so its template is not converted at all.
    owned = kind in ("ReplicaSet", "Job") and meta.owner is not None
    if template_raw and not owned:
        tpl = template_pod(workload, _map(template_raw, "spec.template"))
        workload = Workload(kind, meta, replicas, workload.ready_replicas, selector, tpl)
    return workload


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


# --------------------------------------------------------------------------- gateway api
def _conditions(value: Any, where: str) -> tuple[Condition, ...]:
    return tuple(
        Condition(_str(c.get("type")), _str(c.get("status")), _str(c.get("reason")), _str(c.get("message"))[:300])
        for c in (_map(c, f"{where}[]") for c in _list(value, where))
    )


def _listeners(value: Any, where: str, namespace: str) -> tuple[Listener, ...]:
    out = []
    for i, lst in enumerate(_list(value, where)):
        lst = _map(lst, f"{where}[{i}]")
        ar = _map(lst.get("allowedRoutes"), f"{where}[{i}].allowedRoutes")
        ns = _map(ar.get("namespaces"), f"{where}[{i}].allowedRoutes.namespaces")
        sel = ns.get("selector")
        tls = _map(lst.get("tls"), f"{where}[{i}].tls")
        refs = tuple(
            (_str(r.get("namespace")) or namespace, _str(r.get("name")))
            for r in (_map(r, "certificateRefs[]") for r in _list(tls.get("certificateRefs"), "tls.certificateRefs"))
        )
        out.append(
            Listener(
                name=_str(lst.get("name")),
                port=_int(lst.get("port"), f"{where}[{i}].port"),
                protocol=_str(lst.get("protocol")) or "HTTP",
                hostname=_str(lst.get("hostname")) or None,
                allowed_routes=AllowedRoutes(
                    namespaces_from=_str(ns.get("from")) or "Same",
                    selector=None if sel is None else _selector(sel, f"{where}[{i}].allowedRoutes.namespaces.selector"),
                    kinds=tuple(_str(_map(k, "kinds[]").get("kind")) for k in _list(ar.get("kinds"), "kinds")),
                ),
                tls_mode=_str(tls.get("mode")),
                certificate_refs=refs,
            )
        )
    return tuple(out)


def _parent_ref(value: Any, where: str, namespace: str) -> ParentRef:
    raw = _map(value, where)
    return ParentRef(
        name=_str(raw.get("name")),
        namespace=_str(raw.get("namespace")) or namespace,
        group=_str(raw.get("group")) if raw.get("group") is not None else "gateway.networking.k8s.io",
        kind=_str(raw.get("kind")) or "Gateway",
        section_name=_str(raw.get("sectionName")) or None,
        port=_int(raw["port"], f"{where}.port") if raw.get("port") is not None else None,
    )


def convert_gatewayclass(obj: Obj) -> GatewayClass:
    """A GatewayClass."""
    meta = convert_meta(obj, namespaced=False)
    accepted = None
    for c in _conditions(_map(obj.get("status"), "status").get("conditions"), "status.conditions"):
        if c.type == "Accepted":
            accepted = c.status == "True"
    return GatewayClass(meta, _str(_map(obj.get("spec"), "spec").get("controllerName")), accepted)


def convert_gateway(obj: Obj) -> Gateway:
    """A Gateway with its listeners and addresses (spec and status)."""
    meta = convert_meta(obj)
    spec = _map(obj.get("spec"), "spec")
    status = _map(obj.get("status"), "status")
    allowed_listeners = None
    if spec.get("allowedListeners") is not None:
        ns = _map(_map(spec.get("allowedListeners"), "spec.allowedListeners").get("namespaces"), "namespaces")
        sel = ns.get("selector")
        allowed_listeners = AllowedRoutes(
            namespaces_from=_str(ns.get("from")) or "None",
            selector=None if sel is None else _selector(sel, "spec.allowedListeners.namespaces.selector"),
        )
    return Gateway(
        meta=meta,
        allowed_listeners=allowed_listeners,
        class_name=_str(spec.get("gatewayClassName")),
        listeners=_listeners(spec.get("listeners"), "spec.listeners", meta.namespace),
        addresses=tuple(_str(_map(a, "addr").get("value")) for a in _list(spec.get("addresses"), "spec.addresses")),
        status_addresses=tuple(
            _str(_map(a, "addr").get("value")) for a in _list(status.get("addresses"), "status.addresses")
        ),
        conditions=_conditions(status.get("conditions"), "status.conditions"),
    )


def convert_listenerset(obj: Obj) -> ListenerSet:
    """A ListenerSet (or experimental XListenerSet)."""
    meta = convert_meta(obj)
    spec = _map(obj.get("spec"), "spec")
    return ListenerSet(
        meta=meta,
        parent=_parent_ref(spec.get("parentRef"), "spec.parentRef", meta.namespace),
        listeners=_listeners(spec.get("listeners"), "spec.listeners", meta.namespace),
    )


def _matches(value: Any, where: str) -> tuple[RouteMatch, ...]:
    out = []
    for i, m in enumerate(_list(value, where)):
        m = _map(m, f"{where}[{i}]")
        path = _map(m.get("path"), f"{where}[{i}].path")
        out.append(
            RouteMatch(
                path_type=_str(path.get("type")) or "PathPrefix",
                path_value=_str(path.get("value")) or "/",
                method=_str(m.get("method")) or None,
                headers=tuple(
                    HeaderMatch(_str(h.get("name")), _str(h.get("value")), _str(h.get("type")) or "Exact")
                    for h in (_map(h, "headers[]") for h in _list(m.get("headers"), f"{where}[{i}].headers"))
                ),
                query_params=tuple(
                    HeaderMatch(_str(q.get("name")), _str(q.get("value")), _str(q.get("type")) or "Exact")
                    for q in (
                        _map(q, "queryParams[]") for q in _list(m.get("queryParams"), f"{where}[{i}].queryParams")
                    )
                ),
            )
        )
    return tuple(out)


def convert_httproute(obj: Obj) -> HTTPRoute:
    """An HTTPRoute with parentRefs, hostnames, rules and status."""
    meta = convert_meta(obj)
    spec = _map(obj.get("spec"), "spec")
    rules = []
    for i, r in enumerate(_list(spec.get("rules"), "spec.rules")):
        r = _map(r, f"spec.rules[{i}]")
        backends = tuple(
            BackendRef(
                name=_str(b.get("name")),
                namespace=_str(b.get("namespace")) or meta.namespace,
                port=_int(b["port"], "backendRefs[].port") if b.get("port") is not None else None,
                weight=_int(b.get("weight", 1), "backendRefs[].weight"),
                group=_str(b.get("group")),
                kind=_str(b.get("kind")) or "Service",
            )
            for b in (_map(b, "backendRefs[]") for b in _list(r.get("backendRefs"), f"spec.rules[{i}].backendRefs"))
        )
        rules.append(
            RouteRule(
                matches=_matches(r.get("matches"), f"spec.rules[{i}].matches"),
                backend_refs=backends,
                filters=tuple(_str(_map(f, "filters[]").get("type")) for f in _list(r.get("filters"), "filters")),
                name=_str(r.get("name")),
            )
        )
    status = tuple(
        RouteParentStatus(
            parent=_parent_ref(p.get("parentRef"), "status.parents[].parentRef", meta.namespace),
            controller=_str(p.get("controllerName")),
            conditions=_conditions(p.get("conditions"), "status.parents[].conditions"),
        )
        for p in (
            _map(p, "status.parents[]")
            for p in _list(_map(obj.get("status"), "status").get("parents"), "status.parents")
        )
    )
    return HTTPRoute(
        meta=meta,
        parent_refs=tuple(
            _parent_ref(p, f"spec.parentRefs[{i}]", meta.namespace)
            for i, p in enumerate(_list(spec.get("parentRefs"), "spec.parentRefs"))
        ),
        hostnames=tuple(_str(h) for h in _list(spec.get("hostnames"), "spec.hostnames")),
        rules=tuple(rules),
        status=status,
    )


def convert_referencegrant(obj: Obj) -> ReferenceGrant:
    """A ReferenceGrant."""
    meta = convert_meta(obj)
    spec = _map(obj.get("spec"), "spec")
    return ReferenceGrant(
        meta=meta,
        from_=tuple(
            GrantFrom(_str(f.get("group")), _str(f.get("kind")), _str(f.get("namespace")))
            for f in (_map(f, "spec.from[]") for f in _list(spec.get("from"), "spec.from"))
        ),
        to=tuple(
            GrantTo(_str(t.get("group")), _str(t.get("kind")), _str(t.get("name")) or None)
            for t in (_map(t, "spec.to[]") for t in _list(spec.get("to"), "spec.to"))
        ),
    )


def convert_secret(obj: Obj) -> SecretRef:
    """Only that the Secret exists and its type; ``data`` is never read."""
    return SecretRef(meta=convert_meta(obj), type=_str(obj.get("type")))


CONVERTERS: Mapping[str, Callable[[Obj], KubeObject]] = {
    "Namespace": convert_namespace,
    "Node": convert_node,
    "Pod": convert_pod,
    **dict.fromkeys(WORKLOAD_KINDS, convert_workload),
    "Service": convert_service,
    "EndpointSlice": convert_endpointslice,
    "Endpoints": convert_endpoints,
    "Ingress": convert_ingress,
    "IngressClass": convert_ingressclass,
    "NetworkPolicy": convert_networkpolicy,
    "GatewayClass": convert_gatewayclass,
    "Gateway": convert_gateway,
    **dict.fromkeys(LISTENER_SET_KINDS, convert_listenerset),
    "HTTPRoute": convert_httproute,
    "ReferenceGrant": convert_referencegrant,
    "Secret": convert_secret,
}
"""Kinds kubetraffic understands, keyed by ``kind``."""


def convert(obj: Obj, *, default_namespace: str = "default") -> tuple[str, KubeObject]:
    """Convert one API object; returns (kind, object). Raises ConversionError or KeyError."""
    kind = _str(obj.get("kind"))
    converter = CONVERTERS[kind]
    if default_namespace != "default" and not _map(obj.get("metadata"), "metadata").get("namespace"):
        md = dict(_map(obj.get("metadata"), "metadata"))
        md["namespace"] = default_namespace
        obj = {**obj, "metadata": md}
    try:
        return kind, converter(obj)
    except ConversionError:
        raise
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        raise ConversionError(f"{kind}: malformed object ({type(exc).__name__}: {exc})") from None


def iter_items(doc: Any) -> Iterator[Obj]:
    """Flatten ``kind: List`` / ``*List`` documents into their items."""
    if not isinstance(doc, Mapping):
        return
    kind = _str(doc.get("kind"))
    if (kind == "List" or kind.endswith("List")) and isinstance(doc.get("items"), list):
        item_kind = kind[: -len("List")] if kind != "List" else ""
        api_version = doc.get("apiVersion")
        for item in doc["items"]:
            if isinstance(item, Mapping):
                if item_kind and not item.get("kind"):  # API server lists omit item kinds
                    item = {**item, "kind": item_kind, "apiVersion": api_version}
                yield from iter_items(item)
        return
    yield doc
