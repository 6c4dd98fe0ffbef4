"""What was loaded: the summary and ``get`` listings, as Rich tables and as JSON."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from kubetraffic.adapters.source import LoadReport
from kubetraffic.core.objects import EndpointSlice, Ingress, NetworkPolicy, Pod, Service
from kubetraffic.core.state import ClusterState, WorkloadRef
from kubetraffic.render.text import clean, data

SUMMARY_SCHEMA = "kubetraffic/summary/v1"


def to_data(obj: Any) -> Any:
    """A core object (dataclass) as plain JSON-able data; empty and unset fields left out."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out = {f.name.rstrip("_"): to_data(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
        return {k: v for k, v in out.items() if v not in (None, "", [], {})}
    if isinstance(obj, dict | tuple | list | frozenset | set):
        if isinstance(obj, dict):
            return {str(k): to_data(v) for k, v in obj.items()}
        items = [to_data(v) for v in obj]
        return sorted(items) if isinstance(obj, frozenset | set) else items
    if hasattr(obj, "value") and obj.__class__.__module__.startswith("kubetraffic"):
        return obj.value  # enums
    return obj


def _source(state: ClusterState) -> dict[str, Any]:
    info = state.info
    out: dict[str, Any] = {"mode": info.mode}
    if info.context:
        out["context"] = info.context
    if info.server:
        out["server"] = info.server
    if info.paths:
        out["paths"] = list(info.paths)
    return out


def summary_data(state: ClusterState, report: LoadReport, namespace: str | None = None) -> dict[str, Any]:
    """The ``summary -o json`` document."""
    objects: dict[str, list[str]] = {}
    for kind in state.kinds():
        if kind == "Pod":
            continue
        refs = sorted(o.meta.ref for o in state.objects(kind) if namespace is None or o.meta.namespace == namespace)
        if refs:
            objects[kind] = refs
    pods = [
        {
            "name": p.meta.ref,
            "workload": {"kind": (w := state.workload_of(p)).kind, "name": w.ref},
            "template": p.template,
            "ip": p.ip,
            "phase": p.phase,
            "ready": p.ready,
            "labels": dict(p.labels),
        }
        for p in sorted(state.iter_pods(), key=lambda p: p.key)
        if namespace is None or p.meta.namespace == namespace
    ]
    return {
        "schema": SUMMARY_SCHEMA,
        "source": _source(state),
        "counts": state.counts(),
        "namespaces": [
            {"name": n.meta.name, "synthetic": n.synthetic, "labels": dict(n.meta.labels)}
            for n in state.namespaces()
            if namespace is None or n.meta.name == namespace
        ],
        "workloads": [
            {"name": w.ref, "kind": w.kind, "pods": [p.meta.ref for p in state.pods_of(w)]}
            for w in state.workloads(namespace)
        ],
        "pods": pods,
        "objects": objects,
        "unknown_kinds": report.unknown_kinds,
        "problems": [{"where": p.where, "message": p.message} for p in report.problems],
        "gaps": dict(state.gaps),
    }


def source_line(state: ClusterState) -> Text:
    """``source: live  context prod  server https://...  namespace shop`` (or the snapshot paths)."""
    info = state.info
    line = Text(f"source: {info.mode}")
    if info.paths:
        line.append(f"  {', '.join(info.paths)}")
    for label, value in (("context", info.context), ("server", info.server), ("namespace", info.namespace)):
        if value:
            line.append(f"  {label} ")
            line.append(data(value))
    return line


def summary_view(state: ClusterState, report: LoadReport, namespace: str | None = None) -> RenderableType:
    """The ``summary`` table for people."""
    counts = Table(title="Loaded objects", title_justify="left", show_edge=False, pad_edge=False)
    counts.add_column("kind")
    counts.add_column("count", justify="right")
    for kind, n in state.counts().items():
        counts.add_row(kind, str(n))
    parts: list[RenderableType] = [source_line(state), counts]
    workloads = Table(title="Workloads", title_justify="left", show_edge=False, pad_edge=False)
    for col in ("namespace", "workload", "kind", "pods"):
        workloads.add_column(col)
    for ref in state.workloads(namespace):
        pods = state.pods_of(ref)
        template = " (from template)" if any(p.template for p in pods) else ""
        workloads.add_row(data(ref.namespace), data(ref.name), ref.kind, f"{len(pods)}{template}")
    parts.append(workloads)
    if report.unknown_kinds:
        unknown = ", ".join(f"{k} ×{n}" for k, n in report.unknown_kinds.items())
        parts.append(Text(f"not used (unknown kinds): {clean(unknown)}", style="dim"))
    if report.problems:
        parts.append(Text(f"{len(report.problems)} problem(s) while loading — see stderr", style="yellow"))
    return Group(*parts)


# ------------------------------------------------------------------------------- get
Column = tuple[str, Callable[[Any, ClusterState], str]]


def _ready(p: Pod, _: ClusterState) -> str:
    if p.template:
        return "template"
    total = len(p.containers) or len(p.statuses)
    return f"{sum(s.ready for s in p.statuses)}/{total}"


def _svc_ports(s: Service, _: ClusterState) -> str:
    return ",".join(
        f"{p.port}{':' + str(p.node_port) if p.node_port else ''}/{p.protocol}"
        + (f"→{p.target_port}" if p.target_port is not None and p.target_port != p.port else "")
        for p in s.ports
    )


def _slice_ready(es: EndpointSlice, _: ClusterState) -> str:
    ready = sum(1 for e in es.endpoints if e.conditions.ready is not False)
    return f"{ready}/{len(es.endpoints)}"


def _ingress_rules(i: Ingress, _: ClusterState) -> str:
    parts = [f"{r.host or '*'}{p.path}" for r in i.rules for p in r.paths]
    return ", ".join(parts) + (" (+default)" if i.default_backend else "")


def _policy_types(p: NetworkPolicy, _: ClusterState) -> str:
    return ",".join(p.policy_types)


KIND_ALIASES: dict[str, str] = {
    **dict.fromkeys(("ns", "namespace", "namespaces"), "Namespace"),
    **dict.fromkeys(("no", "node", "nodes"), "Node"),
    **dict.fromkeys(("po", "pod", "pods"), "Pod"),
    **dict.fromkeys(("workload", "workloads", "wl"), "Workload"),
    **dict.fromkeys(("svc", "service", "services"), "Service"),
    **dict.fromkeys(("ep", "eps", "endpointslice", "endpointslices", "endpoints"), "EndpointSlice"),
    **dict.fromkeys(("ing", "ingress", "ingresses"), "Ingress"),
    **dict.fromkeys(("ingressclass", "ingressclasses"), "IngressClass"),
    **dict.fromkeys(("netpol", "networkpolicy", "networkpolicies", "np"), "NetworkPolicy"),
    **dict.fromkeys(("gtw", "gw", "gateway", "gateways"), "Gateway"),
    **dict.fromkeys(("gc", "gatewayclass", "gatewayclasses"), "GatewayClass"),
    **dict.fromkeys(("httproute", "httproutes", "route", "routes"), "HTTPRoute"),
    **dict.fromkeys(("referencegrant", "referencegrants", "refgrant"), "ReferenceGrant"),
    **dict.fromkeys(("listenerset", "listenersets", "ls"), "ListenerSet"),
}

COLUMNS: dict[str, list[Column]] = {
    "Namespace": [("labels", lambda n, _: ",".join(f"{k}={v}" for k, v in sorted(n.meta.labels.items())))],
    "Node": [
        ("ready", lambda n, _: {True: "Ready", False: "NotReady", None: "?"}[n.ready]),
        ("internal-ip", lambda n, _: ",".join(n.internal_ips)),
    ],
    "Pod": [
        ("ready", _ready),
        ("status", lambda p, _: "Terminating" if p.terminating else p.phase),
        ("restarts", lambda p, _: str(p.restarts)),
        ("ip", lambda p, _: p.ip or ""),
        ("workload", lambda p, s: str(s.workload_of(p))),
    ],
    "Service": [
        ("type", lambda s, _: s.type),
        ("cluster-ip", lambda s, _: "None" if s.headless else ",".join(s.cluster_ips)),
        ("external", lambda s, _: ",".join((*s.lb_ips, *s.lb_hostnames, *s.external_ips)) or s.external_name),
        ("ports", _svc_ports),
        ("selector", lambda s, _: ",".join(f"{k}={v}" for k, v in (s.selector or {}).items()) or "<none>"),
    ],
    "EndpointSlice": [("service", lambda e, _: e.service), ("ready", _slice_ready)],
    "Ingress": [("class", lambda i, _: i.class_name or "<default>"), ("rules", _ingress_rules)],
    "IngressClass": [("controller", lambda c, _: c.controller), ("default", lambda c, _: str(c.default).lower())],
    "NetworkPolicy": [
        ("pod-selector", lambda p, _: p.pod_selector.describe()),
        ("types", _policy_types),
    ],
    "Gateway": [
        ("class", lambda g, _: g.class_name),
        ("listeners", lambda g, _: ",".join(f"{ls.name}:{ls.port}/{ls.protocol}" for ls in g.listeners)),
    ],
    "HTTPRoute": [
        ("hostnames", lambda r, _: ",".join(r.hostnames) or "*"),
        ("parents", lambda r, _: ",".join(p.name for p in r.parent_refs)),
    ],
}


def get_rows(state: ClusterState, kind: str, namespace: str | None) -> Sequence[Any]:
    """The objects ``get`` lists, sorted by namespace and name."""
    if kind == "Pod":
        items: Sequence[Any] = state.pods(namespace) if namespace else state.pods()
    elif kind == "Workload":
        return state.workloads(namespace)
    else:
        items = state.objects(kind, namespace)
    return sorted(items, key=lambda o: o.meta.key)


def get_view(state: ClusterState, kind: str, rows: Sequence[Any]) -> RenderableType:
    """A kubectl-like table."""
    table = Table(show_edge=False, pad_edge=False, box=None, header_style="bold")
    if kind == "Workload":
        for col in ("namespace", "name", "kind", "pods"):
            table.add_column(col)
        for ref in rows:
            assert isinstance(ref, WorkloadRef)
            table.add_row(data(ref.namespace), data(ref.name), ref.kind, str(len(state.pods_of(ref))))
        return table
    cluster_scoped = kind in ("Namespace", "Node", "IngressClass", "GatewayClass")
    if not cluster_scoped:
        table.add_column("namespace")
    table.add_column("name")
    cols = COLUMNS.get(kind, [])
    for name, _ in cols:
        table.add_column(name)
    for obj in rows:
        cells = [data(obj.meta.namespace)] if not cluster_scoped else []
        cells.append(data(obj.meta.name))
        cells += [data(fn(obj, state)) for _, fn in cols]
        table.add_row(*cells)
    return table


def get_data(state: ClusterState, kind: str, rows: Sequence[Any]) -> dict[str, Any]:
    """``get -o json``: kubetraffic's view of each object (not the raw API object)."""
    if kind == "Workload":
        items = [{"name": r.ref, "kind": r.kind, "pods": [p.meta.ref for p in state.pods_of(r)]} for r in rows]
    else:
        items = [to_data(o) for o in rows]
    return {"kind": kind, "items": items}
