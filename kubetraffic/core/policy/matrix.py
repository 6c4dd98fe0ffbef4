"""The connectivity matrix: which workloads may reach which, on which ports, and which
external address ranges each workload may reach and be reached from.

It answers exactly what ``evaluate_connection`` answers for every pair of pods (with no
port given), without asking it a million times: pods that policies cannot tell apart —
same workload, labels and named ports — form one class, each rule peer is matched once
per class, and port sets are merged per class pair. Pairs a pod forms with itself are left
out (a pod cannot block itself); host-network pods are node traffic, and traffic between a
pod and its own node is always allowed, as in single verdicts. External ranges leave out
that node exception, and pod addresses inside a range are judged as pods, not as the range.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from kubetraffic.core.ipset import IPSet
from kubetraffic.core.objects import Pod
from kubetraffic.core.policy.connection import endpoint_of, node_ips
from kubetraffic.core.policy.index import CompiledPeer, CompiledPolicy, CompiledRule, PolicyIndex, policy_index
from kubetraffic.core.policy.model import PodPeer
from kubetraffic.core.policy.peers import Endpoint, NamespaceLabels, peer_matches
from kubetraffic.core.policy.portmatch import rule_ports
from kubetraffic.core.ports import PortSet
from kubetraffic.core.state import ClusterState, WorkloadRef

ALL = PortSet.all()


@dataclass(frozen=True, slots=True)
class MatrixWorkload:
    """A workload (the top owner of its pods) and its pods."""

    ref: WorkloadRef
    pods: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MatrixConnection:
    """Allowed traffic from ``src`` to ``dst`` (``ns/name`` or an IP range).

    ``partial`` is True when only some pod pairs get these ports (pods of one workload
    that policies tell apart, or the own-node exception).
    """

    src: str
    dst: str
    ports: PortSet
    partial: bool = False


@dataclass(frozen=True, slots=True)
class Matrix:
    """Workloads and the connections allowed between them and with external ranges."""

    workloads: tuple[MatrixWorkload, ...]
    connections: tuple[MatrixConnection, ...]
    notes: tuple[str, ...] = ()


@dataclass(slots=True)
class _Class:
    """Pods one workload holds that no policy can tell apart."""

    id: int
    workload: WorkloadRef
    rep: Pod
    widx: int
    pods: list[Pod]
    placements: dict[tuple[str, str], Pod] = field(default_factory=dict)
    """(node name, host IP) -> one pod placed there: what the own-node exception needs."""
    end: Endpoint | None = None
    address: str | None = None
    """A host-network pod's address (its node's)."""
    homes: list[tuple[str, frozenset[str]]] = field(default_factory=list)
    """(node name, node addresses) of each placement of a pod-network class."""
    egress: list[CompiledPolicy] = field(default_factory=list)
    ingress: list[CompiledPolicy] = field(default_factory=list)

    @property
    def hostnet(self) -> bool:
        """A host-network pod (its own class: node traffic)."""
        return self.rep.host_network

    @property
    def pairs_with_itself(self) -> bool:
        """Whether two distinct pods of the class exist (a template stands for many)."""
        return len(self.pods) > 1 or self.rep.template


def _class_key(ref: WorkloadRef, pod: Pod) -> tuple[object, ...]:
    if pod.host_network:  # node traffic: its own address and node matter
        return (ref, "hostnet", pod.meta.name)
    return (ref, tuple(sorted(pod.labels.items())), tuple(sorted(pod.named_ports().items())))


@dataclass(slots=True)
class _HostGroup:
    """The host-network classes of one workload, found by node name and by address."""

    classes: list[_Class] = field(default_factory=list)
    by_id: dict[int, _Class] = field(default_factory=dict)
    by_node: dict[str, list[_Class]] = field(default_factory=dict)
    by_address: dict[str, list[_Class]] = field(default_factory=dict)

    def add(self, h: _Class) -> None:
        """Index one host-network class."""
        self.classes.append(h)
        self.by_id[h.id] = h
        if h.rep.node_name:
            self.by_node.setdefault(h.rep.node_name, []).append(h)
        if h.address is not None:
            self.by_address.setdefault(h.address, []).append(h)


class _Union:
    """Port-set unions and intersections, memoised on a canonical key."""

    def __init__(self) -> None:
        self.cache: dict[tuple[object, ...], PortSet] = {}

    @staticmethod
    def key(ps: PortSet) -> tuple[object, ...]:
        """A hashable identity of a port set."""
        return tuple(sorted((p, r) for p, r in ps.by_protocol.items() if r))

    def union(self, a: PortSet | None, b: PortSet) -> PortSet:
        """``a | b`` (``b`` when ``a`` is None)."""
        if a is None or a is b:
            return b
        k = ("|", self.key(a), self.key(b))
        hit = self.cache.get(k)
        if hit is None:
            hit = self.cache[k] = a | b
        return hit

    def inter(self, a: PortSet, b: PortSet) -> PortSet:
        """``a & b``."""
        if a is ALL:
            return b
        if b is ALL or a is b:
            return a
        k = ("&", self.key(a), self.key(b))
        hit = self.cache.get(k)
        if hit is None:
            hit = self.cache[k] = a & b
        return hit


class _Builder:
    def __init__(self, state: ClusterState, index: PolicyIndex, workloads: Sequence[WorkloadRef]) -> None:
        self.state = state
        self.index = index
        self.ns_labels: NamespaceLabels = state.namespace_labels
        self.ports = _Union()
        self.classes: list[_Class] = []
        self.by_workload: dict[WorkloadRef, list[_Class]] = {}
        self.pods: dict[WorkloadRef, list[Pod]] = {}
        keyed: dict[tuple[object, ...], _Class] = {}
        self.refs = sorted(set(workloads))
        self.order = {ref: i for i, ref in enumerate(self.refs)}
        for ref in self.refs:
            pods = state.pods_of(ref)
            self.pods[ref] = pods
            for pod in pods:
                key = _class_key(ref, pod)
                cls = keyed.get(key)
                if cls is None:
                    widx = self.order[ref]
                    cls = keyed[key] = _Class(
                        len(self.classes), ref, pod, widx, [], end=endpoint_of(state, PodPeer(pod))
                    )
                    if not pod.host_network:
                        cls.egress = index.selecting(pod, "egress")
                        cls.ingress = index.selecting(pod, "ingress")
                    elif cls.end is not None and cls.end.ips is not None and cls.end.ips.size() == 1:
                        cls.address = cls.end.ips.cidrs()[0].split("/")[0]
                    self.classes.append(cls)
                    self.by_workload.setdefault(ref, []).append(cls)
                cls.pods.append(pod)
                cls.placements.setdefault((pod.node_name, pod.host_ip), pod)
        self.pod_classes = [c for c in self.classes if not c.hostnet]
        for c in self.pod_classes:  # where the own-node exception applies
            c.homes = [(p.node_name, frozenset(node_ips(state, p))) for p in c.placements.values() if not p.template]
        self.hostnet_classes = [c for c in self.classes if c.hostnet]
        self.by_namespace: dict[str, list[_Class]] = {}
        for c in self.pod_classes:
            self.by_namespace.setdefault(c.rep.meta.namespace, []).append(c)
        self.peer_cache: dict[tuple[object, ...], list[_Class]] = {}
        self.address_ports: dict[tuple[object, ...], PortSet] = {}

    # -- peers ---------------------------------------------------------------------------
    def matching(self, peer: CompiledPeer, policy_ns: str) -> list[_Class]:
        """Pod classes a selector peer matches (computed once per distinct peer)."""
        if peer.kind != "pods":
            return []
        key = (peer.pod_selector, peer.namespace_selector, policy_ns if peer.namespace_selector is None else None)
        hit = self.peer_cache.get(key)
        if hit is not None:
            return hit
        if peer.namespace_selector is None:
            namespaces = [policy_ns] if policy_ns in self.by_namespace else []
        else:
            sel = peer.namespace_selector
            namespaces = [ns for ns in self.by_namespace if sel.matches(self.ns_labels(ns))]
        out = [
            c
            for ns in namespaces
            for c in self.by_namespace[ns]
            if peer.pod_selector is None or peer.pod_selector.matches(c.rep.labels)
        ]
        self.peer_cache[key] = out
        return out

    def side_map(self, policies: list[CompiledPolicy], direction: str, subject: _Class) -> dict[int, PortSet]:
        """Other class id -> ports the subject's rules allow with it (one direction)."""
        out: dict[int, PortSet] = {}
        for cp in policies:
            for rule in cp.rules(direction):
                targets = self.pod_classes if rule.all_peers else self._peer_classes(rule, cp.namespace)
                for other in targets:
                    dst = other.rep if direction == "egress" else subject.rep
                    ports = rule_ports(rule, dst)
                    if ports:
                        out[other.id] = self.ports.union(out.get(other.id), ports)
        return out

    def _peer_classes(self, rule: CompiledRule, policy_ns: str) -> Iterable[_Class]:
        seen: dict[int, _Class] = {}
        for peer in rule.peers:
            for c in self.matching(peer, policy_ns):
                seen[c.id] = c
        return seen.values()

    def ip_ports(self, policies: list[CompiledPolicy], direction: str, end: Endpoint, dst: Pod | None) -> PortSet:
        """Ports the rules allow with an address (a host-network pod's node IP)."""
        out = PortSet()
        for cp in policies:
            for rule in cp.rules(direction):
                if rule.all_peers or any(peer_matches(p, cp.namespace, end, self.ns_labels) for p in rule.peers):
                    out = self.ports.union(out, rule_ports(rule, dst))
        return out

    # -- pairs ---------------------------------------------------------------------------
    def pair_values(self, acc: _Accumulator) -> None:
        """Every class pair with a connection, with the port sets its pod pairs get."""
        emaps = {c.id: self.side_map(c.egress, "egress", c) for c in self.pod_classes if c.egress}
        imaps = {c.id: self.side_map(c.ingress, "ingress", c) for c in self.pod_classes if c.ingress}
        classes = self.classes
        add = acc.add
        for s in self.pod_classes:
            emap = emaps.get(s.id)
            candidates = emap.keys() if emap is not None else [c.id for c in self.pod_classes]
            for d_id in candidates:
                e = ALL if emap is None else emap[d_id]
                imap = imaps.get(d_id)
                if imap is None:
                    ports = e
                else:
                    i = imap.get(s.id)
                    if i is None:
                        continue
                    ports = self.ports.inter(e, i)
                if (ports is ALL or ports) and (d_id != s.id or s.pairs_with_itself):
                    add(s, classes[d_id], ports)
        self.hostnet_values(acc)

    def hostnet_values(self, acc: _Accumulator) -> None:
        """Pairs with host-network pods (node traffic), per host-network workload at once.

        Host-network pods are one class each (their node matters), and a DaemonSet has one
        per node: pairing each with every class one by one is quadratic in the cluster.
        Between host-network pods everything is allowed; with a pod class, what its rules
        allow toward an address does not depend on the address unless a rule has an
        ipBlock, and only the host-network pods on the class's own nodes are special.
        """
        groups: dict[int, _HostGroup] = {}
        for h in self.hostnet_classes:
            groups.setdefault(h.widx, _HostGroup()).add(h)
        for gi in groups.values():
            for gj in groups.values():
                pairs = len(gi.classes) * len(gj.classes) - (len(gi.classes) if gi is gj else 0)
                if pairs:
                    acc.add(gi.classes[0], gj.classes[0], ALL, pairs)
            for c in self.pod_classes:
                self._hostnet_pairs(gi, c, acc)

    def _hostnet_pairs(self, group: _HostGroup, c: _Class, acc: _Accumulator) -> None:
        """Both directions between the host-network pods of one workload and a pod class."""
        near: dict[int, tuple[bool, bool]] = {}  # host class id -> (own node of some / all of c's pods)
        for node, _ in c.homes:
            for h in group.by_node.get(node, ()) if node else ():
                near[h.id] = (False, False)
        for _, ips in c.homes:
            for ip in ips:
                for h in group.by_address.get(ip, ()):
                    near[h.id] = (False, False)
        for h_id in near:
            h = group.by_id[h_id]
            own = [bool(node and node == h.rep.node_name) or h.address in ips for node, ips in c.homes]
            near[h_id] = (any(own), all(own))
        first = group.classes[0]
        for src, dst, policies, direction, named in (
            (first, c, c.ingress, "ingress", c.rep),
            (c, first, c.egress, "egress", None),
        ):
            const = (
                None if self._has_block(c, policies, direction) else self._ip_ports(c, policies, direction, None, named)
            )
            weights: dict[tuple[object, ...], list[Any]] = {}
            # Without an ipBlock every address away from c's nodes gets the same ports.
            hosts = group.classes if const is None else [group.by_id[i] for i in near]
            for h in hosts:
                flags = near.get(h.id)
                value = const if const is not None else self._ip_ports(c, policies, direction, h, named)
                if flags is None:
                    if value:  # nothing allowed from there: no entry (the row is partial)
                        _count(weights, value)
                    continue
                same, every = flags
                values = ([ALL] if same else []) + ([] if every else [value])
                if len(values) == 2 and _Union.key(values[0]) == _Union.key(values[1]):
                    values.pop()
                if any(values):  # an empty value still counts: some pod pairs get nothing (partial)
                    for ports in values:
                        _count(weights, ports)
            far = len(group.classes) - len(near)
            if const is not None and far and const:
                _count(weights, const, far)
            for ports, n in weights.values():
                acc.add(src, dst, ports, n)

    def _has_block(self, c: _Class, policies: list[CompiledPolicy], direction: str) -> bool:
        """Whether some rule of the class names an ipBlock (then addresses differ)."""
        return any(p.kind == "ipblock" for cp in policies for rule in cp.rules(direction) for p in rule.peers)

    def _ip_ports(
        self, c: _Class, policies: list[CompiledPolicy], direction: str, h: _Class | None, named: Pod | None
    ) -> PortSet:
        """What ``c``'s rules allow with a host-network pod's address (memoised by address);
        every port when no policy isolates ``c`` for ``direction``."""
        if not policies:
            return ALL
        key = (c.id, direction, h.address if h is not None else None)
        hit = self.address_ports.get(key)
        if hit is None:
            end = h.end if h is not None and h.end is not None else Endpoint("")
            hit = self.address_ports[key] = self.ip_ports(policies, direction, end, named)
        return hit

    # -- external ranges ------------------------------------------------------------------
    def external(self, c: _Class, direction: str) -> list[tuple[IPSet, PortSet]]:
        """(addresses, ports) the class may reach (egress) or be reached from (ingress)."""
        policies = c.egress if direction == "egress" else c.ingress
        if c.hostnet or not policies:
            return [(IPSet.everything(), ALL)]
        dst = None if direction == "egress" else c.rep
        pieces: list[tuple[IPSet, PortSet]] = []
        for cp in policies:
            for rule in cp.rules(direction):
                ports = rule_ports(rule, dst)
                if not ports:
                    continue
                if rule.all_peers:
                    pieces.append((IPSet.everything(), ports))
                for peer in rule.peers:
                    if peer.kind == "ipblock" and peer.ips:
                        pieces.append((peer.ips, ports))
        return partition(pieces, self.ports)


def _count(weights: dict[tuple[object, ...], list[Any]], ports: PortSet, n: int = 1) -> None:
    """Add ``n`` class pairs getting ``ports`` (grouped by value)."""
    entry = weights.setdefault(_Union.key(ports), [ports, 0])
    entry[1] += n


def partition(pieces: list[tuple[IPSet, PortSet]], ports: _Union | None = None) -> list[tuple[IPSet, PortSet]]:
    """Split overlapping (addresses, ports) pieces into disjoint ones, one per distinct port
    set, each address getting the union of the ports of every piece holding it."""
    ports = ports or _Union()
    groups: dict[tuple[object, ...], tuple[list[tuple[int, int, int]], PortSet]] = {}
    for family in (4, 6):
        bounds: set[int] = set()
        spans = [(p.v4 if family == 4 else p.v6, ps) for p, ps in pieces]
        for intervals, _ in spans:
            for lo, hi in intervals:
                bounds.update((lo, hi + 1))
        edges = sorted(bounds)
        for lo, nxt in pairwise(edges):
            acc: PortSet | None = None
            for intervals, ps in spans:
                if any(a <= lo <= b for a, b in intervals):
                    acc = ports.union(acc, ps)
            if acc:
                key = _Union.key(acc)
                groups.setdefault(key, ([], acc))[0].append((family, lo, nxt - 1))
    out = []
    for segments, ps in groups.values():
        v4 = tuple((lo, hi) for fam, lo, hi in segments if fam == 4)
        v6 = tuple((lo, hi) for fam, lo, hi in segments if fam == 6)
        out.append((IPSet(v4, v6) | IPSet(), ps))
    return out


class _Accumulator:
    """Folds class pairs into workload pairs: the union of their ports, and whether every
    pod pair of the two workloads gets the same ports (else the row is partial)."""

    def __init__(self, b: _Builder) -> None:
        self.ports = b.ports
        self.rows: list[dict[int, list[Any]]] = [{} for _ in b.refs]

    def add(self, s: _Class, d: _Class, ports: PortSet, pairs: int = 1) -> None:
        """One class pair's ports (called once per distinct value of a class pair), or the
        same ports for ``pairs`` class pairs of the same two workloads at once."""
        group = self.rows[s.widx]
        row = group.get(d.widx)
        if row is None:
            group[d.widx] = [ports, pairs, True]
            return
        row[1] += pairs
        if ports is not row[0]:
            if row[2] and _Union.key(ports) != _Union.key(row[0]):
                row[2] = False  # while uniform, row[0] is the one value seen so far
            row[0] = self.ports.union(row[0], ports)


def build_matrix(state: ClusterState, workloads: Sequence[WorkloadRef], *, index: PolicyIndex | None = None) -> Matrix:
    """Connections between ``workloads`` and with external ranges, as single verdicts give them."""
    b = _Builder(state, index or policy_index(state), workloads)
    refs = [ref for ref in b.refs if ref in b.by_workload]
    acc = _Accumulator(b)
    b.pair_values(acc)
    # How many (class pair, value) entries a workload pair must collect to be uniform.
    sizes = [len(b.by_workload.get(ref, ())) for ref in b.refs]
    loners = [sum(1 for c in b.by_workload.get(ref, ()) if not c.pairs_with_itself) for ref in b.refs]
    names = [ref.ref for ref in b.refs]
    connections: list[MatrixConnection] = []
    append = connections.append
    for i, group in enumerate(acc.rows):
        for j in sorted(group):
            union, count, uniform = group[j]
            expected = sizes[i] * sizes[j] - (loners[i] if i == j else 0)
            append(MatrixConnection(names[i], names[j], union, not (uniform and count == expected)))
    for ref in refs:
        for direction in ("egress", "ingress"):
            connections += _external_rows(b, ref, direction)
    listed = tuple(MatrixWorkload(ref, tuple(p.meta.ref for p in b.pods[ref])) for ref in workloads if b.pods.get(ref))
    notes = (
        "pairs of a pod with itself are left out: a pod cannot block traffic to itself",
        "external ranges are addresses outside the cluster's pods; the always-allowed traffic between a pod and "
        "its own node is not listed there",
    )
    return Matrix(listed, tuple(connections), notes)


def _external_rows(b: _Builder, ref: WorkloadRef, direction: str) -> list[MatrixConnection]:
    per_class = [b.external(c, direction) for c in b.by_workload[ref]]
    merged = partition([piece for rows in per_class for piece in rows], b.ports)
    uniform = all(_same(rows, merged) for rows in per_class)
    out = []
    for ips, ports in sorted(merged, key=lambda r: r[0].ranges()):
        for text in ips.ranges():
            src, dst = (ref.ref, text) if direction == "egress" else (text, ref.ref)
            out.append(MatrixConnection(src, dst, ports, not uniform))
    return out


def _same(a: list[tuple[IPSet, PortSet]], b: list[tuple[IPSet, PortSet]]) -> bool:
    def norm(rows: list[tuple[IPSet, PortSet]]) -> set[tuple[object, ...]]:
        return {(ips.v4, ips.v6, _Union.key(ps)) for ips, ps in rows}

    return norm(a) == norm(b)
