"""The egress view of a pod or workload, from the NetworkPolicy engine.

For the selected pods: which policies isolate them and their rules in words, whether DNS
works, which workloads and external ranges they may reach (the engine's matrix over the
namespace, the DNS servers and the destinations the user checked), and — for a
destination typed with ``e`` — the full verdict with nearest misses and the smallest fix.
Host names are resolved outside the model lock (I/O), everything else under it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kubetraffic.core.capture import CaptureSummary, FlowRecord
from kubetraffic.core.diagnose.egress import EgressAnswer, build_answer
from kubetraffic.core.diagnose.targets import Spec, TargetError, parse_spec, source_pods
from kubetraffic.core.policy import DnsCheck, Fix, PodPolicies, build_matrix, check_dns, dns_fix, policies_selecting
from kubetraffic.core.policy.dns import dns_pods
from kubetraffic.core.policy.matrix import MatrixConnection
from kubetraffic.core.state import ClusterState, WorkloadRef
from kubetraffic.ui import targets as t
from kubetraffic.ui.answers import Problem
from kubetraffic.ui.answers.index import workloads_in
from kubetraffic.ui.model import ClusterModel
from kubetraffic.ui.targets import Target

MAX_MATRIX_WORKLOADS = 60
"""Workloads the reachability table is computed over (the namespace first)."""


@dataclass(frozen=True, slots=True)
class Reach:
    """One destination the pods may (or may not) reach, with the ports policy allows."""

    destination: str
    ports: str
    allowed: bool
    partial: bool = False
    why: str = ""


@dataclass(frozen=True, slots=True)
class WireRow:
    """A destination the capture saw the pods talk to, what the wire showed, what policy says."""

    destination: str
    protocol: str
    state: str
    diagnosis: str
    allowed: bool | None
    """The policy verdict for that destination and port (None: not judged, e.g. ICMP)."""
    why: str = ""


MAX_WIRE_ROWS = 20


@dataclass(slots=True)
class EgressView:
    """Everything the egress pane shows for one pod or workload."""

    source: str
    pods: int
    policies: PodPolicies | None
    dns: DnsCheck | None = None
    dns_fix: Fix | None = None
    reach: list[Reach] = field(default_factory=list)
    checked: EgressAnswer | None = None
    wire: list[WireRow] = field(default_factory=list)
    problem: Problem | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        """fail when the checked destination or DNS is denied, else ok."""
        if self.checked is not None:
            return "ok" if self.checked.allowed else "fail"
        if self.dns is not None and not self.dns.allowed:
            return "fail"
        return "ok"


def source_spec(state: ClusterState, target: Target) -> Spec:
    """The engine's spec for the selected pod or workload."""
    if target.kind == t.POD:
        return parse_spec(state, f"{target.namespace}/{target.name}", target.namespace, source=True)
    return parse_spec(state, f"{target.namespace}/{target.detail.lower()}/{target.name}", target.namespace, source=True)


def egress_view(
    model: ClusterModel,
    target: Target,
    destination: str | None,
    resolver: object = None,
    wire: CaptureSummary | None = None,
) -> EgressView | Problem:
    """Compute the egress view (resolving a typed host name outside the lock)."""
    dest_spec: Spec | None = None
    addresses: tuple[str, ...] = ()
    notes: list[str] = []
    problem: Problem | None = None
    with model.read() as state:
        try:
            src = source_spec(state, target)
        except TargetError as exc:
            return Problem(str(exc))
        if destination:
            try:
                dest_spec = parse_spec(state, destination, target.namespace)
            except TargetError as exc:
                problem = Problem(f"{destination}: {exc}")
        host = _host_to_resolve(state, dest_spec)
    if host and resolver is not None:
        res = resolver.resolve(host)  # type: ignore[attr-defined]
        if res.addresses:
            addresses = tuple(res.addresses)
            how = {"override": "--resolve", "table": "the source's table", "system": "this machine's resolver"}
            notes.append(f"{host} resolved to {', '.join(res.addresses)} by {how.get(res.how, res.how)}")
        else:
            hint = "" if "--resolve" in (res.error or "") else f" (start with --resolve {host}=IP)"
            problem = Problem(f"cannot resolve {host}: {res.error or 'no addresses'}{hint}")
            dest_spec = None
    with model.read() as state:
        view = _view(state, src)
        if wire is not None:
            view.wire = wire_rows(state, src, wire)
        if dest_spec is not None:
            try:
                view.checked = build_answer(state, src, dest_spec, addresses=addresses, notes=tuple(notes))
            except TargetError as exc:
                problem = Problem(f"{destination}: {exc}")
        view.problem = problem
    return view


def wire_rows(state: ClusterState, src: Spec, summary: CaptureSummary) -> list[WireRow]:
    """Destinations the capture saw the source's pods open, each judged by the policy engine."""
    ips = {ip for pod in source_pods(state, src) for ip in pod.pod_ips}
    seen: dict[tuple[str, int, str], FlowRecord] = {}
    for flow in summary.flows:
        if flow.src_ip in ips and flow.protocol in ("TCP", "UDP", "SCTP"):
            seen.setdefault((flow.dst_ip, flow.dport, flow.protocol), flow)
    rows = []
    for (ip, port, protocol), flow in list(seen.items())[:MAX_WIRE_ROWS]:
        label = f"{flow.dst_name} ({ip}:{port})" if flow.dst_name else f"{ip}:{port}"
        try:
            answer = build_answer(state, src, parse_spec(state, f"{ip}:{port}/{protocol.lower()}", src.namespace))
        except TargetError as exc:
            rows.append(WireRow(label, protocol, flow.state, flow.diagnosis, None, str(exc)))
            continue
        verdict = answer.verdict
        why = ""
        if verdict is not None and not answer.allowed:
            why = "denied by " + " and ".join(sorted({s.direction for s in verdict.denied_sides}))
        rows.append(WireRow(label, protocol, flow.state, flow.diagnosis, answer.allowed, why))
    return rows


def _host_to_resolve(state: ClusterState, spec: Spec | None) -> str:
    if spec is None:
        return ""
    if spec.kind == "host":
        return spec.host
    if spec.kind == "service":
        svc = state.service(spec.namespace, spec.name)
        if svc is not None and svc.type == "ExternalName":
            return svc.external_name
    return ""


def _view(state: ClusterState, src: Spec) -> EgressView:
    pods = source_pods(state, src)
    name = src.ref if src.workload is None else str(src.workload)
    if not pods:
        return EgressView(name, 0, None, notes=[f"{src.ref} has no pods"])
    pod = pods[0]
    view = EgressView(name, len(pods), policies_selecting(state, pod))
    if len(pods) > 1:
        view.notes.append(f"policies and DNS judged for {pod.meta.name}; the table covers all {len(pods)} pods")
    if not pod.host_network:
        view.dns = check_dns(state, pod)
        view.dns_fix = dns_fix(state, view.dns) if not view.dns.allowed else None
    view.reach = _reach(state, state.workload_of(pod))
    return view


def _reach(state: ClusterState, ref: WorkloadRef) -> list[Reach]:
    """The workload's allowed egress: to the namespace's workloads, DNS, external ranges."""
    others = [w for w in workloads_in(state, ref.namespace) if w != ref][:MAX_MATRIX_WORKLOADS]
    servers, assumed = dns_pods(state)
    dns = [] if assumed else sorted({state.workload_of(p) for p in servers} - {ref})
    names = {w.ref for w in (ref, *others, *dns)}
    matrix = build_matrix(state, [ref, *others, *dns])
    rows: list[Reach] = []
    reached: set[str] = set()
    external = False
    for conn in matrix.connections:
        if conn.src != ref.ref or conn.dst == ref.ref:
            continue
        in_cluster = conn.dst in names  # otherwise an address range outside the cluster's pods
        external |= not in_cluster
        reached.add(conn.dst)
        rows.append(_row(conn, in_cluster))
    for other in (*others, *dns):
        if other.ref not in reached:
            rows.append(Reach(other.ref, "", False, why="no port allowed by policy"))
    if not external:
        rows.append(Reach("any address outside the cluster", "", False, why="no external range allowed"))
    return rows


def _row(conn: MatrixConnection, in_cluster: bool) -> Reach:
    ports = "all ports" if conn.ports.is_all() else str(conn.ports)
    why = "some pods only" if conn.partial else ("" if in_cluster else "outside the cluster")
    return Reach(conn.dst, ports, True, conn.partial, why)
