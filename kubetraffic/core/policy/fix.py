"""The smallest fix for a denied connection: new NetworkPolicies allowing exactly it.

Each denied side gets one policy in its pod's namespace: the source's egress toward the
destination, the destination's ingress from the source. A policy selects the workload
(``selection.select_workload``), names its peer as narrowly as the API allows (the
workload's labels plus ``kubernetes.io/metadata.name`` for another namespace, or an
ipBlock of exactly the address or CIDR asked about) and one port on one protocol. A new
policy rather than an edit of an existing one: it cannot widen what other rules allow.

Every fix is verified: its manifests go through ``core.convert`` (what the API server
would store, defaulting included) into an overlay of the policy index, as ``kubectl apply``
would put them (same name replaces), and the connection is judged again. The neighbouring
ports, the other protocol and the neighbouring addresses must keep their old verdicts.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from kubetraffic.core.convert import convert
from kubetraffic.core.labels import LabelSelector, parse_selector
from kubetraffic.core.objects import NetworkPolicy, Pod
from kubetraffic.core.policy.connection import evaluate_connection, host_network_address
from kubetraffic.core.policy.dns import DNS_LABELS, DNS_NAMESPACE, DNS_PORT
from kubetraffic.core.policy.index import PolicyIndex, policy_index
from kubetraffic.core.policy.model import ConnectionVerdict, DnsCheck, ExternalPeer, Fix, Peer, PodPeer
from kubetraffic.core.policy.selection import Selection, dns_label, select_workload
from kubetraffic.core.state import ClusterState

NS_LABEL = "kubernetes.io/metadata.name"
_OTHER_PROTOCOL = {"TCP": "UDP", "UDP": "TCP", "SCTP": "TCP"}


def _cidr(ip: str) -> str:
    net = ipaddress.ip_network(ip.strip(), strict=False)
    return str(net)


def _short(state: ClusterState, peer: Peer, relative_to: str) -> str:
    if isinstance(peer, ExternalPeer):
        return dns_label(peer.ip.replace(".", "-").replace(":", "-").replace("/", "-"))
    ref = state.workload_of(peer.pod)
    return ref.name if ref.namespace == relative_to else f"{ref.namespace}-{ref.name}"


class _Builder:
    """Collects the policies of one fix and the selections they rely on."""

    def __init__(self, state: ClusterState, index: PolicyIndex) -> None:
        self.state = state
        self.index = index
        self.selections: dict[str, Selection] = {}
        self.policies: list[dict[str, Any]] = []
        self.notes: list[str] = []

    def select(self, peer: PodPeer) -> Selection:
        """The workload selection of a pod (computed once per pod)."""
        key = peer.name
        if key not in self.selections:
            self.selections[key] = select_workload(self.state, peer.pod)
        return self.selections[key]

    def peer_entry(self, peer: Peer, policy_ns: str, *, dns: bool = False) -> dict[str, Any] | None:
        """The ``from``/``to`` entry naming ``peer`` as narrowly as the API allows."""
        if dns:
            return {
                "namespaceSelector": {"matchLabels": {NS_LABEL: DNS_NAMESPACE}},
                "podSelector": {"matchLabels": dict(DNS_LABELS)},
            }
        if isinstance(peer, ExternalPeer):
            return {"ipBlock": {"cidr": _cidr(peer.ip)}}
        if peer.pod.host_network:  # node traffic: only an ipBlock of the node address matches it
            address = host_network_address(self.state, peer.pod)
            if address is None:
                self.notes.append(f"{peer.name} uses the host network and is on no known node: no ipBlock to allow")
                return None
            return {"ipBlock": {"cidr": _cidr(address)}}
        sel = self.select(peer)
        entry: dict[str, Any] = {"podSelector": {"matchLabels": dict(sel.match_labels)}}
        if peer.pod.meta.namespace != policy_ns:
            entry = {"namespaceSelector": {"matchLabels": {NS_LABEL: peer.pod.meta.namespace}}, **entry}
        return entry

    def add(
        self, direction: str, subject: PodPeer, other: Peer, ports: list[tuple[str, int]], *, dns: bool = False
    ) -> None:
        """One policy for ``subject``'s ``direction`` allowing ``other`` on ``ports``."""
        ns = subject.pod.meta.namespace
        entry = self.peer_entry(other, ns, dns=dns)
        if entry is None:
            return
        sel = self.select(subject)
        pod_selector = self.isolated_only(subject, direction, sel)
        proto, port = ports[0]
        me, them = _short(self.state, subject, ns), ("kube-dns" if dns else _short(self.state, other, ns))
        word = "to" if direction == "egress" else "from"
        suffix = "" if dns else f"{proto}-{port}"
        name = self._free_name(ns, dns_label("allow", me, word, them, suffix))
        spec_ports = [{"protocol": p, "port": n} for p, n in ports]
        rule = {"to" if direction == "egress" else "from": [entry], "ports": spec_ports}
        what = ", ".join(f"{p} {n}" for p, n in ports)
        whom = f"{DNS_NAMESPACE} k8s-app=kube-dns" if dns else _who(self.state, other)
        reason = f"allow {direction} {word} {whom} on {what} for {_who(self.state, subject)}"
        self.policies.append(
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "NetworkPolicy",
                "metadata": {"name": name, "namespace": ns, "annotations": {"kubetraffic.io/reason": reason}},
                "spec": {
                    "podSelector": pod_selector,
                    "policyTypes": [direction.capitalize()],
                    direction: [rule],
                },
            }
        )

    def isolated_only(self, subject: PodPeer, direction: str, sel: Selection) -> dict[str, Any]:
        """The fix's podSelector: the workload, narrowed to the pods a policy already
        isolates for ``direction`` when the whole workload is not — a policy that selects a
        pod isolates it ("Pods become isolated by having a NetworkPolicy that selects
        them"), which would cut off everything else those pods send or receive."""
        whole = {"matchLabels": dict(sel.match_labels)}
        selected = [
            p for p in self._pods(subject, sel) if LabelSelector.from_labels(sel.match_labels).matches(p.labels)
        ]
        fresh = [p for p in selected if not self.index.selecting(p, direction)]
        if not fresh:
            return whole
        # Each policy isolating the subject isolates every pod it selects: narrow to one
        # of them (the one keeping most of the workload).
        best = max(
            self.index.selecting(subject.pod, direction),
            key=lambda cp: sum(cp.policy.pod_selector.matches(p.labels) for p in selected),
        )
        own = best.policy.pod_selector.to_dict()
        narrowed: dict[str, Any] = {"matchLabels": {**sel.match_labels, **own.get("matchLabels", {})}}
        if own.get("matchExpressions"):
            narrowed["matchExpressions"] = own["matchExpressions"]
        names = ", ".join(p.meta.ref for p in fresh[:3]) + (f" and {len(fresh) - 3} more" if len(fresh) > 3 else "")
        self.notes.append(
            f"selects only the pods of {_who(self.state, subject)} that {best.ref} already isolates for "
            f"{direction}: selecting the whole workload would isolate {names} for the first time"
        )
        return narrowed

    def _pods(self, subject: PodPeer, sel: Selection) -> list[Pod]:
        """The pods of the subject's namespace policies can select, as they will be once the
        fix's prerequisite label is added."""
        out = []
        for p in self.state.pods(subject.pod.meta.namespace):
            if p.host_network:
                continue
            if p.meta.name in sel.relabel_pods:
                p = replace(p, meta=replace(p.meta, labels={**p.labels, **sel.relabel}))
            out.append(p)
        return out

    def _free_name(self, ns: str, name: str) -> str:
        taken = {cp.policy.meta.name for cp in self.index.in_namespace(ns)}
        taken |= {p["metadata"]["name"] for p in self.policies if p["metadata"]["namespace"] == ns}
        candidate, n = name, 2
        while candidate in taken:
            candidate = dns_label(name, limit=60) + f"-{n}"
            n += 1
        return candidate

    def manifest(self) -> dict[str, Any]:
        """One policy, or a ``v1 List`` of them (``kubectl apply -f`` takes either)."""
        if len(self.policies) == 1:
            return self.policies[0]
        return {"apiVersion": "v1", "kind": "List", "items": list(self.policies)}

    def prerequisites(self) -> tuple[str, ...]:
        """Commands to run before applying (labels the selections rely on)."""
        cmds = [s.prerequisite() for s in self.selections.values()]
        return tuple(dict.fromkeys(c for c in cmds if c))  # two ends of one workload: one command

    def relabelled(self, peer: Peer) -> Peer:
        """A pod as it will be once its prerequisite label is added."""
        if isinstance(peer, PodPeer) and peer.name in self.selections:
            return PodPeer(self.selections[peer.name].labelled_pod)
        return peer

    def overlay(self) -> PolicyIndex:
        """The policy index with this fix applied."""
        return self.index.with_policies(_converted(self.policies))


def _converted(docs: Iterable[dict[str, Any]]) -> list[NetworkPolicy]:
    """Manifests as the API server would store them (defaulting included)."""
    out: list[NetworkPolicy] = []
    for doc in docs:
        _, obj = convert(doc)
        assert isinstance(obj, NetworkPolicy)
        out.append(obj)
    return out


def smallest_fix(state: ClusterState, verdict: ConnectionVerdict, *, index: PolicyIndex | None = None) -> Fix | None:
    """New NetworkPolicies that allow exactly ``verdict``'s connection; None when it is
    already allowed, or when no port was asked (a fix names one port)."""
    if verdict.allowed or verdict.port is None:
        return None
    index = index or policy_index(state)
    b = _Builder(state, index)
    ports = [(verdict.protocol, verdict.port)]
    if verdict.egress is not None and not verdict.egress.allowed and isinstance(verdict.source, PodPeer):
        b.add("egress", verdict.source, verdict.destination, ports)
    if verdict.ingress is not None and not verdict.ingress.allowed and isinstance(verdict.destination, PodPeer):
        b.add("ingress", verdict.destination, verdict.source, ports)
    if not b.policies:
        return None
    checks = [(verdict.source, verdict.destination, verdict.port, verdict.protocol)]
    what = f"{_who(state, verdict.source)} → {_who(state, verdict.destination)} {verdict.protocol} {verdict.port}"
    return _finish(state, index, b, checks, what)


def dns_fix(state: ClusterState, check: DnsCheck, *, index: PolicyIndex | None = None) -> Fix | None:
    """The fix for a pod that cannot reach the cluster DNS: UDP and TCP 53 to the DNS pods."""
    if check.allowed:
        return None
    index = index or policy_index(state)
    b = _Builder(state, index)
    ports = [("UDP", DNS_PORT), ("TCP", DNS_PORT)]
    source, server = check.udp.source, check.udp.destination
    if any(v.egress is not None and not v.egress.allowed for v in (check.udp, check.tcp)):
        assert isinstance(source, PodPeer)
        b.add("egress", source, server, ports, dns=True)
    for v in (check.udp, check.tcp):
        if v.ingress is not None and not v.ingress.allowed and isinstance(v.destination, PodPeer):
            b.add("ingress", v.destination, source, ports)
            break
    if not b.policies:
        return None
    checks = [(source, server, DNS_PORT, "UDP"), (source, server, DNS_PORT, "TCP")]
    what = f"DNS from {_who(state, source)} (UDP/TCP 53 to {DNS_NAMESPACE} k8s-app=kube-dns)"
    return _finish(state, index, b, checks, what)


def _who(state: ClusterState, peer: Peer) -> str:
    """A pod by its workload (what the fix selects), an address as itself."""
    if isinstance(peer, PodPeer) and not peer.pod.host_network:
        ref = state.workload_of(peer.pod)
        return f"pod {peer.name}" if ref.kind == "Pod" else str(ref)
    return peer.name


Check = tuple[Peer, Peer, int, str]


def _finish(state: ClusterState, index: PolicyIndex, b: _Builder, checks: list[Check], what: str) -> Fix:
    overlay = b.overlay()
    notes = list(b.notes)
    verified = True

    def judge(idx: PolicyIndex, src: Peer, dst: Peer, port: int, proto: str) -> bool:
        """Allowed under ``idx``?"""
        return evaluate_connection(state, src, dst, port, proto, index=idx).allowed

    asked = {(dst.name, port, proto) for _, dst, port, proto in checks}
    for src, dst, port, proto in checks:
        src, dst = b.relabelled(src), b.relabelled(dst)
        if not judge(overlay, src, dst, port, proto):
            verified = False
            notes.append(f"re-evaluated with the fix applied, {src.name} → {dst.name} {proto} {port} is still denied")
            continue
        unchanged = _neighbours_unchanged(judge, index, overlay, src, dst, port, proto, asked)
        if unchanged is not None:
            verified = False
            notes.append(f"the fix would also change {unchanged}")
    if verified:
        notes.append("verified: re-evaluated with the fix applied, allowed; neighbouring ports and addresses unchanged")
    fresh = _newly_isolated(state, index, b)
    if fresh:
        verified = False
        notes += fresh
    for sel in b.selections.values():
        if sel.shared_with:
            notes.append(
                f"{', '.join(sel.shared_with)} carry every label of {sel.pod.meta.ref}'s workload: "
                f"the fix selects the label {_label_text(sel)} instead"
            )
    names = ", ".join(f"{p['metadata']['namespace']}/{p['metadata']['name']}" for p in b.policies)
    count = "1 new NetworkPolicy" if len(b.policies) == 1 else f"{len(b.policies)} new NetworkPolicies"
    summary = f"allow exactly {what}: {count} ({names})"
    return Fix(summary, b.manifest(), tuple(b.policies), verified, tuple(notes), b.prerequisites())


def _label_text(sel: Selection) -> str:
    """``key=value`` of the label a selection asks to add."""
    return ", ".join(f"{k}={v}" for k, v in sel.relabel.items())


def _neighbours_unchanged(
    judge: Callable[[PolicyIndex, Peer, Peer, int, str], bool],
    before: PolicyIndex,
    after: PolicyIndex,
    src: Peer,
    dst: Peer,
    port: int,
    proto: str,
    asked: set[tuple[str, int, str]],
) -> str | None:
    """The first neighbouring connection whose verdict the fix changes, or None (the
    connections the fix is for, in ``asked``, are not neighbours)."""
    probes: list[tuple[Peer, int, str]] = [(dst, p, proto) for p in (port - 1, port + 1) if 1 <= p <= 65535]
    probes.append((dst, port, _OTHER_PROTOCOL[proto]))
    if isinstance(dst, ExternalPeer):
        net = ipaddress.ip_network(dst.ip, strict=False)
        family = ipaddress.IPv4Address if net.version == 4 else ipaddress.IPv6Address
        for addr in (int(net.network_address) - 1, int(net.broadcast_address) + 1):
            if 0 <= addr < (1 << net.max_prefixlen):
                probes.append((ExternalPeer(str(family(addr))), port, proto))
    for target, p, pr in probes:
        if (target.name, p, pr) in asked:
            continue
        if judge(before, src, target, p, pr) != judge(after, src, target, p, pr):
            return f"{src.name} → {target.name} {pr} {p}"
    return None


def _newly_isolated(state: ClusterState, index: PolicyIndex, b: _Builder) -> list[str]:
    """Pods a new policy would isolate for the first time (their other traffic would stop)."""
    out = []
    for doc in b.policies:
        ns = doc["metadata"]["namespace"]
        direction = doc["spec"]["policyTypes"][0].lower()
        selector = parse_selector(doc["spec"]["podSelector"])
        for pod in state.pods(ns):
            if pod.host_network or not selector.matches(pod.labels):
                continue
            if not index.selecting(pod, direction):
                out.append(f"{pod.meta.ref} is not isolated for {direction} yet: this policy would isolate it")
    return out


def apply_fix(state: ClusterState, fix: Fix, *, index: PolicyIndex | None = None) -> PolicyIndex:
    """The policy index as it would be after ``kubectl apply`` of ``fix``'s manifests."""
    return (index or policy_index(state)).with_policies(_converted(fix.policies))


def merge_fixes(fixes: list[Fix]) -> Fix | None:
    """Several fixes as one manifest (a ``v1 List`` when there is more than one policy)."""
    if not fixes:
        return None
    if len(fixes) == 1:
        return fixes[0]
    policies = tuple(p for f in fixes for p in f.policies)
    manifest: dict[str, Any] = {"apiVersion": "v1", "kind": "List", "items": list(policies)}
    notes = tuple(dict.fromkeys(n for f in fixes for n in f.notes))
    prereq = tuple(dict.fromkeys(c for f in fixes for c in f.prerequisites))
    summary = "; ".join(f.summary for f in fixes)
    return Fix(summary, manifest, policies, all(f.verified for f in fixes), notes, prereq)
