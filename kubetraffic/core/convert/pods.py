"""Namespaces, nodes, pods and workload controllers (whose templates stand in for pods)."""

from __future__ import annotations

from typing import Any

from kubetraffic.core.convert.base import (
    Obj,
    _int,
    _labels,
    _list,
    _map,
    _meta_fields,
    _port_ref,
    _protocol,
    _selector,
    _str,
    convert_meta,
)
from kubetraffic.core.objects import (
    Container,
    ContainerPort,
    ContainerStatus,
    Meta,
    Namespace,
    Node,
    OwnerRef,
    Pod,
    PodCondition,
    Probe,
    Workload,
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
