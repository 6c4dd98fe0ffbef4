"""The answers of the NetworkPolicy engine: peers, per-direction verdicts, misses, fixes.

A connection is judged twice (networking.k8s.io/v1): the source pod's *egress* and the
destination pod's *ingress* must both allow it. Each side says whether the pod is
isolated for that direction, which policies select it, which rule allowed the traffic,
and — for a deny — every selecting policy's rules with the reason each one misses,
nearest first. Renderers and the TUI read these objects; they never re-evaluate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from kubetraffic.core.objects import Pod
from kubetraffic.core.ports import PortSet

Direction = Literal["ingress", "egress"]


@dataclass(frozen=True, slots=True)
class PodPeer:
    """One end of a connection that is a pod of the cluster (real or a template stand-in)."""

    pod: Pod

    @property
    def name(self) -> str:
        """``namespace/name`` of the pod."""
        return self.pod.meta.ref

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class ExternalPeer:
    """One end of a connection outside the cluster's pods: an address or a CIDR.

    ``host`` is the name it was resolved from, when the user gave one (for display).
    """

    ip: str
    host: str | None = None

    @property
    def name(self) -> str:
        """The address (with its host name, when known)."""
        return f"{self.host} ({self.ip})" if self.host else self.ip

    def __str__(self) -> str:
        return self.name


Peer = PodPeer | ExternalPeer


@dataclass(frozen=True, slots=True)
class RuleRef:
    """One rule of one policy: ``policy`` is ``namespace/name``, ``rule`` its index."""

    policy: str
    rule: int
    direction: Direction = "egress"

    def __str__(self) -> str:
        return f"{self.policy} {self.direction} rule {self.rule}"


NO_RULES = -1
"""The rule index of a miss that is about the policy as a whole: it has no rules for the
direction, so it isolates the pod and allows nothing."""


@dataclass(frozen=True, slots=True)
class Miss:
    """Why one rule (or a rule-less policy) does not allow the connection.

    ``failed`` names the parts that failed: ``peer``, ``except``, ``port``, ``protocol``,
    ``rules`` (no rules at all), ``invalid`` (a peer the API server would reject).
    ``distance`` orders misses: the number of things that would have to change.
    """

    policy: str
    rule: int
    reason: str
    failed: tuple[str, ...] = ()
    distance: int = 0


@dataclass(frozen=True, slots=True)
class SideVerdict:
    """The verdict of one direction for one pod: isolation, selecting policies, rule, misses.

    ``ports`` is set only for an any-port question (no port asked): the ports this side
    allows toward the peer. ``exempt`` says why policy does not apply at all (the pod
    itself, its own node, a host-network pod).
    """

    direction: Direction
    pod: str
    allowed: bool
    isolated: bool
    policies: tuple[str, ...] = ()
    matched: RuleRef | None = None
    also_matched: tuple[RuleRef, ...] = ()
    misses: tuple[Miss, ...] = ()
    notes: tuple[str, ...] = ()
    exempt: str | None = None
    ports: PortSet | None = None


@dataclass(frozen=True, slots=True)
class ConnectionVerdict:
    """Whether ``source`` may open a connection to ``destination`` on ``port``/``protocol``.

    ``egress`` is None when the source is outside the cluster, ``ingress`` when the
    destination is. ``port`` None asks about any port: ``ports`` then holds what both
    sides allow. ``port_name`` keeps a named port the caller asked for.
    """

    source: Peer
    destination: Peer
    port: int | None
    protocol: str
    allowed: bool
    egress: SideVerdict | None
    ingress: SideVerdict | None
    notes: tuple[str, ...] = ()
    port_name: str | None = None
    ports: PortSet | None = None

    @property
    def denied_sides(self) -> tuple[SideVerdict, ...]:
        """The sides that deny (egress first)."""
        return tuple(s for s in (self.egress, self.ingress) if s is not None and not s.allowed)


@dataclass(frozen=True, slots=True)
class DnsCheck:
    """Whether a pod may reach the cluster DNS pods on UDP and TCP 53.

    ``servers`` are the DNS pods checked; ``assumed`` is True when none were loaded and a
    stand-in with the usual labels (kube-system, ``k8s-app: kube-dns``) was used.
    """

    pod: str
    allowed: bool
    udp: ConnectionVerdict
    tcp: ConnectionVerdict
    servers: tuple[str, ...]
    assumed: bool = False
    denied_servers: tuple[str, ...] = ()

    @property
    def summary(self) -> str:
        """One line: allowed by which rule, or what is missing."""
        if self.allowed:
            rules = {str(v.egress.matched.policy) for v in (self.udp, self.tcp) if v.egress and v.egress.matched}
            if rules:
                return f"allowed by {', '.join(sorted(rules))} (UDP/TCP 53 to kube-system k8s-app=kube-dns)"
            return "allowed (UDP/TCP 53 to kube-system k8s-app=kube-dns)"
        bad = [p for p, v in (("UDP", self.udp), ("TCP", self.tcp)) if not v.allowed]
        return f"DNS {'/'.join(bad)} 53 to kube-system k8s-app=kube-dns is denied"


@dataclass(frozen=True, slots=True)
class Fix:
    """The smallest change that allows a denied connection: NetworkPolicy manifest(s).

    ``manifest`` is one NetworkPolicy, or a ``v1 List`` of them when both sides deny;
    ``policies`` lists them one by one. ``verified`` is True when re-evaluating with the
    manifest applied (as ``kubectl apply`` would) allows the connection and leaves the
    neighbouring port and address as they were. ``prerequisites`` are commands to run
    first (labelling a pod that has no labels to select it by).
    """

    summary: str
    manifest: dict[str, Any]
    policies: tuple[dict[str, Any], ...]
    verified: bool
    notes: tuple[str, ...] = ()
    prerequisites: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PodPolicies:
    """Which policies select a pod, per direction, and which in its namespace do not (and why)."""

    pod: str
    ingress: tuple[str, ...]
    egress: tuple[str, ...]
    rules: dict[str, list[str]] = field(default_factory=dict)
    """policy ref -> its rules in words (``describe_policy``)."""
    others: tuple[tuple[str, str], ...] = ()
    """(policy ref, why it does not select the pod) for the namespace's other policies."""
    notes: tuple[str, ...] = ()

    @property
    def ingress_isolated(self) -> bool:
        """Some policy selects the pod for ingress."""
        return bool(self.ingress)

    @property
    def egress_isolated(self) -> bool:
        """Some policy selects the pod for egress."""
        return bool(self.egress)
