"""Rows of the navigator: a namespace's groups and their children, with health.

Everything here is computed in a worker for one namespace at a time (the navigator loads
a namespace's children when it is expanded), never for the whole cluster at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from kubetraffic.core.diagnose.health import pod_status, pods_status, service_status
from kubetraffic.core.objects import Pod
from kubetraffic.core.state import ClusterState
from kubetraffic.ui import targets as t
from kubetraffic.ui.answers.index import in_namespace, workloads_in
from kubetraffic.ui.palette import worst
from kubetraffic.ui.targets import Target

GROUPS = ("Ingresses", "Gateways", "HTTPRoutes", "Services", "Workloads", "NetworkPolicies")
GROUP_KINDS = {
    "Ingresses": ("Ingress",),
    "Gateways": ("Gateway",),
    "HTTPRoutes": ("HTTPRoute",),
    "Services": ("Service", "EndpointSlice", "Endpoints", "Pod"),
    "Workloads": ("Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"),
    "NetworkPolicies": ("NetworkPolicy",),
}
"""Which kinds' changes can alter each group's rows."""

RouteHealth = Callable[[ClusterState, Target], tuple[str, str]]
"""(state, rule target) -> (status, detail); supplied by the trace adapter."""


@dataclass(slots=True)
class NavRow:
    """One row of the navigator: what it selects, how it reads, and its children."""

    target: Target
    name: str
    detail: str = ""
    status: str = ""
    children: list[NavRow] = field(default_factory=list)

    @property
    def expandable(self) -> bool:
        """Rows with children can be expanded."""
        return bool(self.children)


@dataclass(slots=True)
class NamespaceRows:
    """A namespace's groups (with their children) and its overall health."""

    namespace: str
    groups: list[NavRow]
    status: str
    problems: list[str]


def namespace_pod_counts(state: ClusterState) -> dict[str, int]:
    """Pods per namespace (one pass; for the collapsed namespace rows)."""
    return {ns.meta.name: len(state.pods(ns.meta.name)) for ns in state.namespaces()}


def namespace_rows(state: ClusterState, namespace: str, route_health: RouteHealth | None) -> NamespaceRows:
    """Every group row of ``namespace`` with children and statuses (call under the lock)."""
    groups = [
        _group(namespace, "Ingresses", _ingresses(state, namespace, route_health)),
        _group(namespace, "Gateways", _gateways(state, namespace)),
        _group(namespace, "HTTPRoutes", _routes(state, namespace, route_health)),
        _group(namespace, "Services", _services(state, namespace)),
        _group(namespace, "Workloads", _workloads(state, namespace)),
        _group(namespace, "NetworkPolicies", _policies(state, namespace)),
    ]
    shown = [g for g in groups if g.children]
    problems = [f"{row.target.title()}: {row.detail}" for g in shown for row in _failing(g.children)]
    return NamespaceRows(namespace, shown, worst(*(g.status for g in shown)), problems)


def _failing(rows: list[NavRow]) -> list[NavRow]:
    """The failing rows that say why: a rule rather than its Ingress, a pod rather than its workload."""
    out: list[NavRow] = []
    for row in rows:
        if row.status != "fail":
            continue
        deeper = _failing(row.children)
        out += deeper if deeper and row.target.kind in (t.INGRESS, t.HTTP_ROUTE) else [row]
    return out


def _group(namespace: str, name: str, children: list[NavRow]) -> NavRow:
    status = worst(*(c.status for c in children))
    return NavRow(Target(t.GROUP, namespace, name, detail=name), name, f"{len(children)}", status, children)


def _ingresses(state: ClusterState, namespace: str, route_health: RouteHealth | None) -> list[NavRow]:
    rows = []
    for ing in in_namespace(state, "Ingress", namespace):
        rules = []
        for rule in ing.rules:
            for path in rule.paths:
                target = Target(
                    t.INGRESS_RULE, namespace, ing.meta.name, detail=path.path_type, host=rule.host, path=path.path
                )
                status, detail = route_health(state, target) if route_health else ("unknown", "")
                backend = path.backend.service or path.backend.resource_name or "?"
                rules.append(NavRow(target, f"{rule.host or '*'}{path.path}", detail or f"→ {backend}", status))
        if ing.default_backend is not None:
            target = Target(t.INGRESS_RULE, namespace, ing.meta.name, detail="default", host=None, path=None)
            status, detail = route_health(state, target) if route_health else ("unknown", "")
            rules.append(NavRow(target, "(default backend)", detail or f"→ {ing.default_backend.service}", status))
        target = Target(t.INGRESS, namespace, ing.meta.name)
        rows.append(NavRow(target, ing.meta.name, ing.class_name or "", worst(*(r.status for r in rules)), rules))
    return rows


def _gateways(state: ClusterState, namespace: str) -> list[NavRow]:
    rows = []
    for gw in in_namespace(state, "Gateway", namespace):
        programmed = next((c for c in gw.conditions if c.type == "Programmed"), None)
        status = "unknown" if programmed is None else ("ok" if programmed.status == "True" else "fail")
        listeners = ", ".join(f"{ln.protocol}/{ln.port}" for ln in gw.listeners)
        rows.append(NavRow(Target(t.GATEWAY, namespace, gw.meta.name), gw.meta.name, listeners, status))
    return rows


def _routes(state: ClusterState, namespace: str, route_health: RouteHealth | None) -> list[NavRow]:
    rows = []
    for route in in_namespace(state, "HTTPRoute", namespace):
        rules = []
        hosts = route.hostnames or ("",)
        for host in hosts:
            for rule in route.rules:
                for match in rule.matches or ():
                    target = Target(
                        t.ROUTE_RULE,
                        namespace,
                        route.meta.name,
                        detail=match.path_type,
                        host=host or None,
                        path=match.path_value,
                    )
                    status, detail = route_health(state, target) if route_health else ("unknown", "")
                    rules.append(NavRow(target, f"{host or '*'}{match.path_value}", detail, status))
                if not rule.matches:
                    target = Target(
                        t.ROUTE_RULE, namespace, route.meta.name, detail="PathPrefix", host=host or None, path="/"
                    )
                    status, detail = route_health(state, target) if route_health else ("unknown", "")
                    rules.append(NavRow(target, f"{host or '*'}/", detail, status))
        target = Target(t.HTTP_ROUTE, namespace, route.meta.name)
        rows.append(NavRow(target, route.meta.name, "", worst(*(r.status for r in rules)), rules))
    return rows


def _services(state: ClusterState, namespace: str) -> list[NavRow]:
    rows = []
    for svc in in_namespace(state, "Service", namespace):
        status, detail = service_status(state, svc)
        rows.append(NavRow(Target(t.SERVICE, namespace, svc.meta.name), svc.meta.name, detail, status))
    return rows


def _workloads(state: ClusterState, namespace: str) -> list[NavRow]:
    rows = []
    for ref in workloads_in(state, namespace):
        pods = state.pods_of(ref)
        status, detail = pods_status(pods)
        children = [pod_row(p) for p in pods] if ref.kind != "Pod" else []
        target = Target(t.WORKLOAD, namespace, ref.name, detail=ref.kind)
        if ref.kind == "Pod":
            target = Target(t.POD, namespace, ref.name)
            status, detail = pod_status(pods[0]) if pods else ("unknown", "")
        rows.append(NavRow(target, ref.name, f"{ref.kind} {detail}" if ref.kind != "Pod" else detail, status, children))
    return rows


def pod_row(pod: Pod) -> NavRow:
    """The row of one pod under its workload."""
    status, detail = pod_status(pod)
    restarts = f" ↻{pod.restarts}" if pod.restarts else ""
    return NavRow(Target(t.POD, pod.meta.namespace, pod.meta.name), pod.meta.name, f"{detail}{restarts}", status)


def _policies(state: ClusterState, namespace: str) -> list[NavRow]:
    rows = []
    for pol in in_namespace(state, "NetworkPolicy", namespace):
        selected = len(state.pods_matching(namespace, pol.pod_selector))
        types = "+".join(p[0] for p in pol.policy_types)  # I / E / I+E
        rows.append(NavRow(Target(t.POLICY, namespace, pol.meta.name), pol.meta.name, f"{types} · {selected} pods", ""))
    return rows
