"""One side of a connection: is the pod isolated for the direction, which rule allows the
traffic, and — for a deny — why each rule of each selecting policy misses, nearest first.

A pod is isolated for a direction only when a policy of its own namespace selects it and
lists the direction in ``policyTypes`` (defaulted by the API server: Ingress always, Egress
when ``egress`` rules exist). An isolated pod allows exactly the union of the rules of the
policies that apply to it (policies are additive; order never matters). A policy that
lists a direction but has no rules for it allows nothing in that direction.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from kubetraffic.core.ipset import IPSet
from kubetraffic.core.objects import Pod
from kubetraffic.core.policy.index import CompiledPolicy, CompiledRule, PolicyIndex
from kubetraffic.core.policy.model import NO_RULES, Direction, Miss, RuleRef, SideVerdict
from kubetraffic.core.policy.peers import Endpoint, NamespaceLabels, PeerMatch, match_peer
from kubetraffic.core.policy.portmatch import match_port, rule_ports, unresolved_names
from kubetraffic.core.ports import PortRange, PortSet

_NO_RULES_DISTANCE = 100
_MAX_PEERS_SHOWN = 3


@dataclass(frozen=True, slots=True)
class Question:
    """What is asked of one side: the remote end, the port (None: any), the protocol, and
    the destination pod named ports resolve against (None for an address)."""

    remote: Endpoint
    port: int | None
    protocol: str
    dst_pod: Pod | None
    dst_text: str


def evaluate_side(
    index: PolicyIndex, ns_labels: NamespaceLabels, direction: Direction, subject: Pod, q: Question
) -> SideVerdict:
    """Judge ``direction`` for ``subject`` (egress of a source, ingress of a destination)."""
    policies = index.selecting(subject, direction)
    refs = tuple(cp.ref for cp in policies)
    if not policies:
        return SideVerdict(
            direction,
            subject.meta.ref,
            allowed=True,
            isolated=False,
            notes=(f"not isolated for {direction}: no NetworkPolicy selects it with {direction.capitalize()}",),
            ports=PortSet.all() if q.port is None else None,
        )
    matched: list[RuleRef] = []
    misses: list[Miss] = []
    allowed_ports = PortSet()
    for cp in policies:
        rules = cp.rules(direction)
        if not rules:
            misses.append(
                Miss(
                    cp.ref,
                    NO_RULES,
                    f"no {direction} rules: it isolates the pod for {direction} and allows nothing",
                    ("rules",),
                    _NO_RULES_DISTANCE,
                )
            )
            continue
        for rule in rules:
            ok, miss, ports = _judge_rule(cp, rule, direction, q, ns_labels)
            if ok:
                matched.append(RuleRef(cp.ref, rule.index, direction))
            elif miss is not None:
                misses.append(miss)
            if ports is not None:
                allowed_ports = allowed_ports | ports
    misses.sort(key=lambda m: (m.distance, m.policy, m.rule))
    notes: list[str] = []
    jointly = False
    if _is_range(q.remote):  # no one rule may hold the whole range, several together may
        range_ports = _range_ports(policies, direction, q)
        if q.port is None:
            allowed_ports = range_ports
        elif not matched and range_ports.contains(q.port, q.protocol):
            jointly = True
            notes.append(f"{q.remote.text} is allowed by several rules together, each covering part of it")
    allowed = (bool(matched) or jointly) if q.port is not None else bool(allowed_ports)
    first = matched[0] if matched else None
    return SideVerdict(
        direction,
        subject.meta.ref,
        allowed=allowed,
        isolated=True,
        policies=refs,
        matched=first,
        also_matched=tuple(matched[1:]),
        misses=tuple(misses),
        notes=tuple(notes),
        ports=allowed_ports if q.port is None else None,
    )


def _judge_rule(
    cp: CompiledPolicy, rule: CompiledRule, direction: Direction, q: Question, ns_labels: NamespaceLabels
) -> tuple[bool, Miss | None, PortSet | None]:
    """(allowed, miss, ports allowed for an any-port question)."""
    peer_miss: PeerMatch | None = None
    reasons: list[str] = []
    failed: list[str] = []
    if not rule.all_peers:
        results = [(peer.index, match_peer(peer, cp.namespace, q.remote, ns_labels)) for peer in rule.peers]
        if not any(m.matched for _, m in results):
            peer_miss = min((m for _, m in results), key=lambda m: m.distance)
            reasons.append(_peer_reason(results, direction))
            failed.append(peer_miss.failed)
    if q.port is None:
        ports = rule_ports(rule, q.dst_pod)
        if peer_miss is None and ports:
            return True, None, ports
        if not ports:
            names = unresolved_names(rule, q.dst_pod)
            where = q.dst_text if q.dst_pod is not None else "an address outside the cluster's pods"
            reasons.insert(0, f"named port {', '.join(names)} matches nothing on {where}")
            failed.insert(0, "port")
        distance = (peer_miss.distance if peer_miss else 0) + (0 if ports else 1)
        return False, Miss(cp.ref, rule.index, "; ".join(reasons), tuple(failed), distance), None
    port_match = match_port(rule, q.port, q.protocol, q.dst_pod, q.dst_text)
    if peer_miss is None and port_match.matched:
        return True, None, None
    if not port_match.matched:
        reasons.insert(0, port_match.reason)
        failed.insert(0, port_match.failed)
    distance = (peer_miss.distance if peer_miss else 0) + (0 if port_match.matched else 1)
    return False, Miss(cp.ref, rule.index, "; ".join(reasons), tuple(failed), distance), None


def _peer_reason(results: list[tuple[int, PeerMatch]], direction: Direction) -> str:
    if len(results) == 1:
        return results[0][1].reason
    label = "from" if direction == "ingress" else "to"
    ranked = sorted(results, key=lambda r: r[1].distance)
    shown = [f"{label}[{i}]: {m.reason}" for i, m in ranked[:_MAX_PEERS_SHOWN]]
    more = f"; and {len(ranked) - _MAX_PEERS_SHOWN} more" if len(ranked) > _MAX_PEERS_SHOWN else ""
    return f"none of {len(results)} peers matches — " + "; ".join(shown) + more


def _is_range(remote: Endpoint) -> bool:
    """A remote end of several addresses (a CIDR asked about)."""
    return remote.pod is None and remote.ips is not None and remote.ips.size() > 1


def _range_ports(policies: list[CompiledPolicy], direction: Direction, q: Question) -> PortSet:
    """The ports allowed to *every* address of a range: each address gets the ports of
    the rules whose peers hold it (several rules may each cover a part), the range what
    all of its addresses get — as the port question's "jointly" does, port by port."""
    assert q.remote.ips is not None
    whole = q.remote.ips
    pieces: list[tuple[IPSet, PortSet]] = []
    for cp in policies:
        for rule in cp.rules(direction):
            ports = rule_ports(rule, q.dst_pod)
            if not ports:
                continue
            covered = whole if rule.all_peers else IPSet()
            for peer in rule.peers:
                if peer.kind == "ipblock":
                    covered = covered | (whole & peer.ips)
            if covered:
                pieces.append((covered, ports))
    ranges: list[PortRange] = []
    for protocol in sorted({p for _, ports in pieces for p in ports.by_protocol}):
        bounds = sorted(
            {b for _, ports in pieces for lo, hi in ports.by_protocol.get(protocol, ()) for b in (lo, hi + 1)}
        )
        for lo, nxt in pairwise(bounds):
            cover = IPSet()
            for ips, ports in pieces:
                if ports.contains(lo, protocol):
                    cover = cover | ips
            if whole.issubset(cover):
                ranges.append(PortRange(protocol, lo, nxt - 1))
    return PortSet.of(ranges)
