"""What the wire showed about one destination, as a ``wire`` hop for trace and egress.

``trace --capture`` and ``egress --capture`` put this hop beside the policy verdict: the
policy engine says what *should* happen, the capture what *did*. A disagreement (policy
allows, wire shows a silent drop) is the interesting case, so the hop never guesses: no
packets to the destination means ``unknown``, not ``ok``.
"""

from __future__ import annotations

from collections.abc import Sequence

from kubetraffic.core.capture.summary import CaptureSummary, DnsRecord, FlowRecord
from kubetraffic.core.diagnose.egress import EgressAnswer
from kubetraffic.core.diagnose.model import Hop, Status, Trace
from kubetraffic.core.policy.model import PodPeer
from kubetraffic.core.state import ClusterState

_FAILED = ("no-reply", "reset", "icmp-unreachable")
_WORKED = ("established", "closed", "partial")
_EVIDENCE_LINES = 4


Target = tuple[str, "int | None"]
"""(destination IP, port or None for any port)."""


def matching_flows(
    summary: CaptureSummary, targets: Sequence[Target], protocol: str = "TCP", host: str | None = None
) -> list[FlowRecord]:
    """Flows to any of ``targets`` (or, with no targets, to addresses the capture named ``host``)."""
    wanted = {(ip, port) for ip, port in targets}
    any_port = {ip for ip, port in targets if port is None}
    found = []
    for flow in summary.flows:
        if flow.protocol != protocol:
            continue
        if (
            (flow.dst_ip, flow.dport) in wanted
            or flow.dst_ip in any_port
            or (not targets and host is not None and flow.dst_name == host)
        ):
            found.append(flow)
    return found


def egress_targets(answer: EgressAnswer, state: ClusterState) -> list[Target]:
    """Where an egress answer's traffic goes on the wire, as seen from the source pod.

    The verdicts name the final addresses (a Service's backend pods on the target port);
    from inside the source pod the packets still carry the Service's cluster IP and port,
    because kube-proxy rewrites them on the node, so both are looked for.
    """
    targets: list[Target] = []
    for verdict in answer.verdicts:
        peer = verdict.destination
        ip = peer.pod.ip if isinstance(peer, PodPeer) else peer.ip
        if ip and "/" not in ip:
            targets.append((ip, verdict.port))
    dest = answer.destination
    if dest.kind == "service":
        svc = state.service(dest.namespace, dest.name)
        if svc is not None:
            sp = svc.port(dest.port) if dest.port is not None else None
            for ip in svc.cluster_ips:
                targets.append((ip, sp.port if sp is not None else None))
    if dest.kind == "host":
        port = dest.port if isinstance(dest.port, int) else None
        targets += [(ip, port) for ip in answer.addresses]
    return list(dict.fromkeys(targets))


def trace_targets(trace: Trace, state: ClusterState) -> tuple[list[str], list[Target]]:
    """(backend pods as ``ns/name``, wire targets) of a trace's route, for a capture at the backend.

    The targets are the endpoints' addresses on the port the EndpointSlice names for the
    Service port (EndpointSlice ports carry the Service port's name), plus the Service's
    cluster IPs on the Service port.
    """
    route = trace.route
    if route is None:
        return [], []
    namespace, _, name = route.backend_service.partition("/")
    svc = state.service(namespace, name)
    if svc is None:
        return [], []
    sp = svc.port(route.backend_port) if route.backend_port is not None else None
    targets: list[Target] = [(ip, sp.port if sp is not None else None) for ip in svc.cluster_ips]
    pods: list[str] = []
    for slice_ in state.endpoint_slices(namespace, name):
        ports = [p.port for p in slice_.ports if sp is None or p.name == sp.name]
        port = ports[0] if len(ports) == 1 else None
        for endpoint in slice_.endpoints:
            if endpoint.conditions.ready is False:
                continue
            targets += [(ip, port) for ip in endpoint.addresses]
            if endpoint.target_kind == "Pod" and endpoint.target_name:
                pods.append(f"{endpoint.target_namespace or namespace}/{endpoint.target_name}")
    return list(dict.fromkeys(pods)), list(dict.fromkeys(targets))


def _dns_for(summary: CaptureSummary, host: str | None) -> list[DnsRecord]:
    if not host:
        return []
    name = host.rstrip(".").lower()
    return [d for d in summary.dns if d.query.rstrip(".").lower() == name]


def wire_hop(
    summary: CaptureSummary, targets: Sequence[Target], *, protocol: str = "TCP", host: str | None = None
) -> Hop:
    """The ``wire`` hop for traffic to ``targets`` (or to ``host``) seen in ``summary``."""
    first = targets[0] if targets else (None, None)
    target = f"{host or first[0] or '?'}" + (f":{first[1]}" if first[1] is not None else "")
    name = f"capture of {summary.source}"
    dns = _dns_for(summary, host)
    failed_dns = [d for d in dns if d.rcode not in ("NOERROR", None)]
    flows = matching_flows(summary, targets, protocol, host)
    evidence = [f"{f.src} → {f.dst} {f.state}: {f.diagnosis}" for f in flows[:_EVIDENCE_LINES]]
    if len(flows) > _EVIDENCE_LINES:
        evidence.append(f"… and {len(flows) - _EVIDENCE_LINES} more flows")
    evidence += [f"DNS {d.query} {d.type}: {d.rcode or 'no answer'} from {d.server}" for d in dns[:2]]
    if summary.sampled:
        evidence.append("the capture was sampled: some flows are not in it")
    if not flows:
        if failed_dns and len(failed_dns) == len(dns):
            d = failed_dns[0]
            return Hop("wire", name, "fail", f"DNS query for {d.query}: {d.rcode} from {d.server}", tuple(evidence),
                       f"the name {d.query} does not resolve from here; check the spelling and the DNS server")  # fmt: skip
        return Hop(
            "wire",
            name,
            "unknown",
            f"no {protocol} packets to {target} in the capture ({summary.packets} packets)",
            tuple(evidence),
        )
    worked = [f for f in flows if f.state in _WORKED or (f.state == "udp" and "back" in f.diagnosis)]
    failed = [f for f in flows if f.state in _FAILED]
    status: Status
    if failed and not worked:
        status, line = "fail", _failure_summary(failed)
    elif failed:
        status, line = "warn", f"{len(failed)} of {len(flows)} flows to {target} failed: {_failure_summary(failed)}"
    elif worked:
        rtts = sorted(f.handshake_rtt_ms for f in worked if f.handshake_rtt_ms is not None)
        timing = f", handshake {rtts[len(rtts) // 2]:.1f} ms" if rtts else ""
        status, line = "ok", f"{len(worked)} {'flow' if len(worked) == 1 else 'flows'} to {target} got answers{timing}"
    else:
        status, line = "unknown", f"{len(flows)} flows to {target}, no reply seen yet"
    return Hop("wire", name, status, line, tuple(evidence), _fix(failed) if failed else None)


def _failure_summary(failed: list[FlowRecord]) -> str:
    """The most telling failure: a silent drop, then an ICMP error, then a reset."""
    drops = [f for f in failed if f.silently_dropped]
    if drops:
        syns = max(f.syn_retransmits for f in drops) + 1
        return f"{syns} SYNs, no reply (silent drop)"
    for state in ("icmp-unreachable", "reset", "no-reply"):
        for flow in failed:
            if flow.state == state:
                return flow.diagnosis
    return failed[0].diagnosis


def _fix(failed: list[FlowRecord]) -> str:
    if any(f.silently_dropped for f in failed):
        return "something on the path drops these packets: a NetworkPolicy, a node firewall or a cloud security group"
    if any(f.state == "reset" for f in failed):
        return "the destination refuses the connection: is the service listening on that port?"
    if any(f.state == "icmp-unreachable" for f in failed):
        return "a router or firewall on the path rejects the packets (see the ICMP error)"
    return "the SYN got no answer; capture longer to see whether it is retransmitted"
