"""Policies compiled for evaluation: per-namespace lists, ipBlocks as IP sets, numeric ports
pre-merged. Built once per change of the NetworkPolicy kind (``ClusterState.derived``).

``PolicyIndex.with_policies`` is the overlay the smallest fix is verified on: the index as
it would be after ``kubectl apply`` of extra policies (same namespace/name replaces).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from kubetraffic.core.ipset import IPParseError, IPSet
from kubetraffic.core.labels import LabelSelector
from kubetraffic.core.objects import NetworkPolicy, Pod, PolicyPeer, PolicyPort, PolicyRule
from kubetraffic.core.ports import PortRange, PortSet
from kubetraffic.core.state import ClusterState


@dataclass(frozen=True, slots=True)
class CompiledPeer:
    """One ``from``/``to`` entry, classified.

    ``kind`` is ``pods`` (podSelector and/or namespaceSelector), ``ipblock``, or
    ``invalid`` (no field set, or an ipBlock mixed with selectors: the API server rejects
    both, so such a peer matches nothing).
    """

    index: int
    kind: str
    pod_selector: LabelSelector | None = None
    namespace_selector: LabelSelector | None = None
    cidr: str = ""
    excepts: tuple[str, ...] = ()
    ips: IPSet = field(default_factory=IPSet)
    block: IPSet = field(default_factory=IPSet)
    """The CIDR without its excepts removed (to tell "in an except" from "outside")."""
    problem: str = ""


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """One ingress or egress rule with its peers classified and numeric ports merged.

    ``numeric`` is the rule's port set when it has no named port (or all ports when the
    rule has no ``ports``); None when named ports must be resolved per destination pod.
    """

    index: int
    rule: PolicyRule
    peers: tuple[CompiledPeer, ...]
    ports: tuple[PolicyPort, ...]
    numeric: PortSet | None

    @property
    def all_peers(self) -> bool:
        """An empty or missing ``from``/``to``: every source or destination."""
        return not self.peers


@dataclass(frozen=True, slots=True)
class CompiledPolicy:
    """A NetworkPolicy ready to evaluate."""

    policy: NetworkPolicy
    ref: str
    namespace: str
    ingress: tuple[CompiledRule, ...]
    egress: tuple[CompiledRule, ...]

    def affects(self, direction: str) -> bool:
        """True when ``direction`` ("ingress"/"egress") is in the (defaulted) policyTypes."""
        return self.policy.affects(direction.capitalize())

    def rules(self, direction: str) -> tuple[CompiledRule, ...]:
        """The rules of one direction."""
        return self.ingress if direction == "ingress" else self.egress

    def selects(self, pod: Pod) -> bool:
        """``spec.podSelector`` selects the pod (same namespace; host-network pods never)."""
        return (
            not pod.host_network
            and pod.meta.namespace == self.namespace
            and self.policy.pod_selector.matches(pod.labels)
        )


def port_ranges(ports: Iterable[PolicyPort]) -> list[PortRange]:
    """The numeric ranges of ``ports``: a port alone, ``port..endPort``, or a protocol alone.

    Named ports are skipped: they only mean something against a destination pod.
    """
    out: list[PortRange] = []
    for p in ports:
        if p.port is None:  # NetworkPolicyPort.port unset: every port of the protocol
            out.append(PortRange(p.protocol, 1, 65535))
        elif isinstance(p.port, int):
            out.append(PortRange(p.protocol, p.port, p.end_port if p.end_port is not None else p.port))
    return out


def compile_peer(index: int, peer: PolicyPeer) -> CompiledPeer:
    """Classify one peer as the API defines it (NetworkPolicyPeer)."""
    has_selectors = peer.pod_selector is not None or peer.namespace_selector is not None
    if peer.ip_block is not None:
        if has_selectors:
            return CompiledPeer(index, "invalid", problem="ipBlock together with a selector (the API rejects it)")
        try:
            block = IPSet.from_cidr(peer.ip_block.cidr)
            ips = IPSet.from_block(peer.ip_block.cidr, peer.ip_block.excepts)
        except IPParseError as exc:
            return CompiledPeer(index, "invalid", problem=f"ipBlock: {exc}")
        return CompiledPeer(
            index, "ipblock", cidr=peer.ip_block.cidr, excepts=peer.ip_block.excepts, ips=ips, block=block
        )
    if not has_selectors:
        return CompiledPeer(index, "invalid", problem="a peer with no podSelector, namespaceSelector or ipBlock")
    return CompiledPeer(index, "pods", pod_selector=peer.pod_selector, namespace_selector=peer.namespace_selector)


def compile_rule(index: int, rule: PolicyRule) -> CompiledRule:
    """Compile one rule; numeric ports are merged once here."""
    named = any(isinstance(p.port, str) for p in rule.ports)
    numeric = None if named else (PortSet.of(port_ranges(rule.ports)) if rule.ports else PortSet.all())
    peers = tuple(compile_peer(i, p) for i, p in enumerate(rule.peers))
    return CompiledRule(index, rule, peers, rule.ports, numeric)


def compile_policy(policy: NetworkPolicy) -> CompiledPolicy:
    """Compile a NetworkPolicy."""
    return CompiledPolicy(
        policy=policy,
        ref=policy.meta.ref,
        namespace=policy.meta.namespace,
        ingress=tuple(compile_rule(i, r) for i, r in enumerate(policy.ingress)),
        egress=tuple(compile_rule(i, r) for i, r in enumerate(policy.egress)),
    )


class PolicyIndex:
    """Compiled NetworkPolicies by namespace, sorted by name (a stable, greppable order)."""

    def __init__(self, policies: Iterable[CompiledPolicy]) -> None:
        by_ns: dict[str, list[CompiledPolicy]] = {}
        for cp in policies:
            by_ns.setdefault(cp.namespace, []).append(cp)
        self.by_namespace: dict[str, tuple[CompiledPolicy, ...]] = {
            ns: tuple(sorted(group, key=lambda c: c.policy.meta.name)) for ns, group in by_ns.items()
        }

    @classmethod
    def build(cls, policies: Iterable[NetworkPolicy]) -> PolicyIndex:
        """Compile every policy."""
        return cls(compile_policy(p) for p in policies)

    def in_namespace(self, namespace: str) -> tuple[CompiledPolicy, ...]:
        """The policies of one namespace."""
        return self.by_namespace.get(namespace, ())

    def selecting(self, pod: Pod, direction: str) -> list[CompiledPolicy]:
        """Policies that select ``pod`` and list ``direction`` in policyTypes: its isolation."""
        return [cp for cp in self.in_namespace(pod.meta.namespace) if cp.affects(direction) and cp.selects(pod)]

    def all(self) -> list[CompiledPolicy]:
        """Every compiled policy."""
        return [cp for group in self.by_namespace.values() for cp in group]

    def with_policies(self, policies: Iterable[NetworkPolicy]) -> PolicyIndex:
        """This index after applying ``policies`` (a policy with the same key replaces)."""
        extra = {p.meta.key: compile_policy(p) for p in policies}
        kept = [cp for cp in self.all() if cp.policy.meta.key not in extra]
        return PolicyIndex([*kept, *extra.values()])


def policy_index(state: ClusterState) -> PolicyIndex:
    """The state's compiled policies, rebuilt only after a NetworkPolicy changes."""
    return state.derived("policy.index", ("NetworkPolicy",), lambda: PolicyIndex.build(state.network_policies()))
