"""Matching the remote end of a connection against a rule's peers, with the evidence.

Semantics (networking.k8s.io/v1 NetworkPolicyPeer):

- ``podSelector`` alone selects pods in the *policy's own* namespace; ``namespaceSelector``
  alone selects every pod of the matching namespaces; both in one peer is an AND (pods
  matching podSelector inside namespaces matching namespaceSelector). Separate peers OR.
  An empty selector (``{}``) matches everything in its scope.
- Namespaces are matched by their labels, which always include
  ``kubernetes.io/metadata.name`` (the API server sets it).
- ``ipBlock`` (a CIDR minus its ``except`` CIDRs) is matched only against addresses outside
  the cluster's pods. The documentation says ipBlock is meant for cluster-external IPs,
  since pod IPs are ephemeral; plugins differ (some also match pod IPs), so when a pod's IP
  happens to fall inside a block the miss says so.
- Host-network pods are node traffic (the most common implementation, as the
  documentation describes): selectors never match them, their address is the node's,
  and an ipBlock may match it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from kubetraffic.core.ipset import IPSet
from kubetraffic.core.labels import LabelSelector, Requirement
from kubetraffic.core.objects import Pod
from kubetraffic.core.policy.index import CompiledPeer

NamespaceLabels = Callable[[str], Mapping[str, str]]

# A selector peer against an address, or an ipBlock against a pod: a different kind of
# peer altogether, which ranks behind misses of a term or two.
KIND_MISMATCH = 3


@dataclass(frozen=True, slots=True)
class Endpoint:
    """The remote end as rules see it: a pod-network pod, or addresses.

    ``pod`` is set only for pods NetworkPolicy selectors can match (not host-network);
    ``ips`` is set for addresses (external, or a host-network pod's node IP); both unset
    means a host-network pod whose address is not known yet.
    """

    text: str
    pod: Pod | None = None
    ips: IPSet | None = None
    hostnet: Pod | None = None

    @property
    def is_pod(self) -> bool:
        """A pod that selectors can match."""
        return self.pod is not None


@dataclass(frozen=True, slots=True)
class PeerMatch:
    """Whether one peer matches, and if not why (``failed`` is peer, except or invalid)."""

    matched: bool
    reason: str = ""
    distance: int = 0
    failed: str = "peer"


MATCH = PeerMatch(True)


def term_reason(req: Requirement, labels: Mapping[str, str]) -> str:
    """One failing selector term with what the object has instead."""
    if req.key in labels:
        return f"{req.describe()} (has {req.key}={labels[req.key]})"
    return f"{req.describe()} (no {req.key} label)"


def _failing(selector: LabelSelector, labels: Mapping[str, str]) -> list[str]:
    return [term_reason(r, labels) for r in selector.failing_terms(labels)]


def match_peer(peer: CompiledPeer, policy_ns: str, end: Endpoint, ns_labels: NamespaceLabels) -> PeerMatch:
    """Match one peer against the remote end, explaining a miss (``peer_matches`` decides)."""
    if peer_matches(peer, policy_ns, end, ns_labels):
        return MATCH
    if peer.kind == "invalid":
        return PeerMatch(False, f"invalid peer: {peer.problem}; it matches nothing", KIND_MISMATCH + 1, "invalid")
    if peer.kind == "ipblock":
        return _match_block(peer, end)
    pod = end.pod
    if pod is None:
        if end.hostnet is not None:
            why = f"{end.text} uses the host network: its traffic is node traffic, which selectors never match"
        else:
            why = f"{end.text} is outside the cluster's pods; podSelector/namespaceSelector match only pods"
        return PeerMatch(False, why, KIND_MISMATCH)
    parts: list[str] = []
    distance = 0
    ns = pod.meta.namespace
    if peer.namespace_selector is None:
        if ns != policy_ns:
            parts.append(f"pod is in namespace {ns}, a podSelector without namespaceSelector means {policy_ns}")
            distance += 1
    else:
        failing = _failing(peer.namespace_selector, ns_labels(ns))
        if failing:
            parts.append(f"namespace {ns} lacks {', '.join(failing)}")
            distance += len(failing)
    if peer.pod_selector is not None:
        failing = _failing(peer.pod_selector, pod.labels)
        if failing:
            parts.append(f"pod lacks {', '.join(failing)}")
            distance += len(failing)
    return PeerMatch(False, "; ".join(parts), distance)


def _match_block(peer: CompiledPeer, end: Endpoint) -> PeerMatch:
    block = describe_block(peer.cidr, peer.excepts)
    if end.pod is not None:
        inside = [ip for ip in end.pod.pod_ips if ip in peer.ips]
        if inside:
            return PeerMatch(
                False,
                f"{end.text} is a pod: ipBlock {block} is matched only against addresses outside the cluster's "
                f"pods, though its IP {inside[0]} is inside it (some network plugins match pod IPs too)",
                1,  # the nearest of misses: plugins that match pod IPs would allow it
            )
        why = f"{end.text} is a pod; ipBlock {block} matches only addresses outside the cluster"
        excepted = [ip for ip in end.pod.pod_ips if ip in peer.block]
        if excepted:
            hit = next(e for e in peer.excepts if excepted[0] in IPSet.from_cidr(e))
            why += f" (and its IP {excepted[0]} is inside except {hit})"
        return PeerMatch(False, why, KIND_MISMATCH)
    if end.ips is None:
        return PeerMatch(False, f"the address of {end.text} is not known, so ipBlock {block} cannot match", 1)
    inside_block = end.ips & peer.block
    if inside_block:
        excluded = inside_block - peer.ips
        if excluded and not (end.ips - peer.block):
            hit = next((e for e in peer.excepts if IPSet.from_cidr(e) & end.ips), peer.excepts[0])
            return PeerMatch(False, f"{end.text} is inside except {hit} of ipBlock {peer.cidr}", 1, "except")
        return PeerMatch(False, f"only part of {end.text} is in ipBlock {block}", 1)
    return PeerMatch(False, f"{end.text} not in {block}", 1)


def describe_block(cidr: str, excepts: tuple[str, ...]) -> str:
    """``10.0.0.0/8 except 10.96.0.0/12``."""
    return f"{cidr} except {', '.join(excepts)}" if excepts else cidr


def peer_matches(peer: CompiledPeer, policy_ns: str, end: Endpoint, ns_labels: NamespaceLabels) -> bool:
    """Whether one peer matches the remote end: the one decision verdicts (``match_peer``)
    and the matrix share."""
    if peer.kind == "pods":
        pod = end.pod
        if pod is None:
            return False
        if peer.namespace_selector is None:
            if pod.meta.namespace != policy_ns:
                return False
        elif not peer.namespace_selector.matches(ns_labels(pod.meta.namespace)):
            return False
        return peer.pod_selector is None or peer.pod_selector.matches(pod.labels)
    if peer.kind == "ipblock":
        return end.pod is None and end.ips is not None and end.ips.issubset(peer.ips)
    return False
