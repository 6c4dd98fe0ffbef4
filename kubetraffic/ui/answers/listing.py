"""Rows of the resource list (``:pod``, ``:svc``, ...): one table per kind, like k9s.

Builders return plain cells so the table can be filled in chunks; ``changed_rows``
rebuilds only the rows a change touched, so live updates never rebuild the whole list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from kubetraffic.core.diagnose.health import pod_status, pods_status, service_status
from kubetraffic.core.state import ClusterState, WorkloadRef
from kubetraffic.ui import targets as t
from kubetraffic.ui.answers.index import in_namespace, workloads_in
from kubetraffic.ui.filtering import Filter
from kubetraffic.ui.targets import Target

ALIASES = {
    **dict.fromkeys(("pod", "pods", "po"), "pod"),
    **dict.fromkeys(("svc", "service", "services"), "svc"),
    **dict.fromkeys(("ing", "ingress", "ingresses"), "ing"),
    **dict.fromkeys(("netpol", "netpols", "networkpolicy", "networkpolicies", "np"), "netpol"),
    **dict.fromkeys(("ns", "namespace", "namespaces"), "ns"),
    **dict.fromkeys(("deploy", "deployment", "deployments", "workload", "workloads", "wl"), "workload"),
    **dict.fromkeys(("gw", "gateway", "gateways"), "gateway"),
    **dict.fromkeys(("httproute", "httproutes", "route", "routes"), "httproute"),
}
"""What the user may type after ``:`` -> list name (``ctx`` is handled by the screen)."""


@dataclass(frozen=True, slots=True)
class ListRow:
    """One row: what it selects, its cells, its status; names/labels are what filters see."""

    target: Target
    cells: tuple[str, ...]
    status: str = ""
    names: tuple[str, ...] = field(default=(), compare=False)
    labels: Mapping[str, str] | None = field(default=None, compare=False)

    @property
    def key(self) -> str:
        """The table row key."""
        return row_key(self.target)


def row_key(target: Target) -> str:
    """The table row key of a target."""
    return f"{target.kind}/{target.namespace}/{target.detail}/{target.name}"


Builder = Callable[[ClusterState, str, str], "ListRow | None"]


def _pod(state: ClusterState, ns: str, name: str) -> ListRow | None:
    pod = state.pod(ns, name)
    if pod is None:
        return None
    status, words = pod_status(pod)
    total = len(pod.containers) or len(pod.statuses)
    ready = f"{sum(s.ready for s in pod.statuses)}/{total}" if not pod.template else "-"
    cells = (ns, name, ready, words, str(pod.restarts), pod.ip or "", pod.node_name)
    return ListRow(Target(t.POD, ns, name), cells, status, (name, *pod.pod_ips), pod.labels)


def _svc(state: ClusterState, ns: str, name: str) -> ListRow | None:
    svc = state.service(ns, name)
    if svc is None:
        return None
    status, words = service_status(state, svc)
    ports = ",".join(f"{p.port}/{p.protocol}" for p in svc.ports)
    cells = (ns, name, svc.type, ",".join(svc.cluster_ips), ports, words)
    return ListRow(Target(t.SERVICE, ns, name), cells, status, (name, *svc.cluster_ips), svc.meta.labels)


def _ing(state: ClusterState, ns: str, name: str) -> ListRow | None:
    ing = state.get("Ingress", (ns, name))
    if ing is None:
        return None
    hosts = ",".join(sorted({r.host or "*" for r in ing.rules}))
    paths = sum(len(r.paths) for r in ing.rules)
    cells = (ns, name, ing.class_name or "", hosts, str(paths), ",".join((*ing.lb_ips, *ing.lb_hostnames)))
    names = (name, *(f"{r.host}{p.path}" for r in ing.rules for p in r.paths))
    return ListRow(Target(t.INGRESS, ns, name), cells, "", names, ing.meta.labels)


def _netpol(state: ClusterState, ns: str, name: str) -> ListRow | None:
    pol = state.get("NetworkPolicy", (ns, name))
    if pol is None:
        return None
    cells = (ns, name, pol.pod_selector.describe(), ",".join(pol.policy_types))
    return ListRow(Target(t.POLICY, ns, name), cells, "", (name,), pol.meta.labels)


def _namespace(state: ClusterState, _: str, name: str) -> ListRow | None:
    ns = state.namespace(name)
    if ns is None:
        return None
    note = "referenced only" if ns.synthetic else ns.phase
    return ListRow(Target(t.NAMESPACE, "", name), (name, str(len(state.pods(name))), note), "", (name,), ns.meta.labels)


def _workload(state: ClusterState, ns: str, key: str) -> ListRow | None:
    kind, _, name = key.partition("/")
    ref = WorkloadRef(ns, kind, name)
    pods = state.pods_of(ref)
    wl = state.workload_object(ref)
    if not pods and wl is None:
        return None
    status, words = pods_status(pods)
    labels = wl.meta.labels if wl is not None else None
    return ListRow(Target(t.WORKLOAD, ns, name, detail=kind), (ns, name, kind, words), status, (name,), labels)


def _gateway(state: ClusterState, ns: str, name: str) -> ListRow | None:
    gw = state.get("Gateway", (ns, name))
    if gw is None:
        return None
    listeners = ",".join(f"{ln.hostname or '*'}:{ln.port}/{ln.protocol}" for ln in gw.listeners)
    cells = (ns, name, gw.class_name, listeners, ",".join(gw.status_addresses))
    return ListRow(Target(t.GATEWAY, ns, name), cells, "", (name,), gw.meta.labels)


def _httproute(state: ClusterState, ns: str, name: str) -> ListRow | None:
    route = state.get("HTTPRoute", (ns, name))
    if route is None:
        return None
    parents = ",".join(f"{p.namespace or ns}/{p.name}" for p in route.parent_refs)
    cells = (ns, name, ",".join(route.hostnames) or "*", parents, str(len(route.rules)))
    return ListRow(Target(t.HTTP_ROUTE, ns, name), cells, "", (name, *route.hostnames), route.meta.labels)


def _keys(state: ClusterState, name: str, ns: str | None) -> Iterable[tuple[str, str]]:
    """(namespace, builder key) of every object a listing shows."""
    if name == "pod":
        return ((p.meta.namespace, p.meta.name) for p in (state.pods(ns) if ns else state.iter_pods()))
    if name == "ns":
        return (("", n.meta.name) for n in state.namespaces() if ns in (None, n.meta.name))
    if name == "workload":
        refs = workloads_in(state, ns) if ns else state.workloads()
        return ((r.namespace, f"{r.kind}/{r.name}") for r in refs)
    kind = LISTINGS[name].kind
    objs = in_namespace(state, kind, ns) if ns else state.objects(kind)
    return (o.meta.key for o in objs)


@dataclass(frozen=True, slots=True)
class Listing:
    """How one kind is listed: title, columns, its object kind, the kinds it follows."""

    title: str
    columns: tuple[str, ...]
    kind: str
    follows: frozenset[str]
    build: Builder


_WORKLOAD_KINDS = frozenset({"Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"})

LISTINGS: dict[str, Listing] = {
    "pod": Listing(
        "Pods", ("NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "IP", "NODE"), "Pod", frozenset({"Pod"}), _pod
    ),
    "svc": Listing(
        "Services",
        ("NAMESPACE", "NAME", "TYPE", "CLUSTER-IP", "PORTS", "HEALTH"),
        "Service",
        frozenset({"Service", "EndpointSlice", "Endpoints", "Pod"}),
        _svc,
    ),
    "ing": Listing(
        "Ingresses",
        ("NAMESPACE", "NAME", "CLASS", "HOSTS", "PATHS", "ADDRESS"),
        "Ingress",
        frozenset({"Ingress"}),
        _ing,
    ),
    "netpol": Listing(
        "NetworkPolicies",
        ("NAMESPACE", "NAME", "POD-SELECTOR", "TYPES"),
        "NetworkPolicy",
        frozenset({"NetworkPolicy"}),
        _netpol,
    ),
    "ns": Listing("Namespaces", ("NAME", "PODS", "STATUS"), "Namespace", frozenset({"Namespace", "Pod"}), _namespace),
    "workload": Listing("Workloads", ("NAMESPACE", "NAME", "KIND", "READY"), "Workload", _WORKLOAD_KINDS, _workload),
    "gateway": Listing(
        "Gateways", ("NAMESPACE", "NAME", "CLASS", "LISTENERS", "ADDRESS"), "Gateway", frozenset({"Gateway"}), _gateway
    ),
    "httproute": Listing(
        "HTTPRoutes",
        ("NAMESPACE", "NAME", "HOSTNAMES", "PARENTS", "RULES"),
        "HTTPRoute",
        frozenset({"HTTPRoute"}),
        _httproute,
    ),
}


def build_rows(state: ClusterState, name: str, namespace: str | None, flt: Filter) -> list[ListRow]:
    """Every row of listing ``name`` that passes ``flt``, sorted by namespace then name."""
    build = LISTINGS[name].build
    rows = [row for ns, key in _keys(state, name, namespace) if (row := build(state, ns, key)) is not None]
    rows = [r for r in rows if flt.matches(r.names, r.labels)]
    rows.sort(key=lambda r: (r.target.namespace, r.target.name))
    return rows


@dataclass(slots=True)
class RowChanges:
    """Rows a change touched: key -> new row (None: gone), plus namespaces rebuilt whole.

    For a namespace in ``rebuilt`` every row of that namespace is in ``rows``; rows the
    table still shows there and that are not listed have disappeared.
    """

    rows: dict[str, ListRow | None] = field(default_factory=dict)
    rebuilt: set[str] = field(default_factory=set)


def changed_rows(state: ClusterState, name: str, touched: Mapping[str, Mapping[str, set[str]]]) -> RowChanges:
    """The rows of listing ``name`` that a change touched, rebuilt."""
    listing = LISTINGS[name]
    out = RowChanges()
    for ns, kinds in touched.items():
        if not (kinds.keys() & listing.follows):
            continue
        if name in ("workload", "svc"):
            # Pods and endpoints change what every workload / Service row of the namespace shows.
            out.rebuilt.add(ns)
            for obj_ns, key in _keys(state, name, ns):
                row = listing.build(state, obj_ns, key)
                if row is not None:
                    out.rows[row.key] = row
        elif name == "ns":
            for n in {*kinds.get("Namespace", ()), *([ns] if ns else [])}:
                out.rows[row_key(Target(t.NAMESPACE, "", n))] = _namespace(state, "", n)
        else:
            kind = {
                "pod": t.POD,
                "ing": t.INGRESS,
                "netpol": t.POLICY,
                "gateway": t.GATEWAY,
                "httproute": t.HTTP_ROUTE,
            }[name]
            for obj in kinds.get(listing.kind, ()):
                out.rows[row_key(Target(kind, ns, obj))] = listing.build(state, ns, obj)
    return out
