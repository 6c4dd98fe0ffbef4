"""The egress answer: can these pods reach that destination, why, and the smallest fix.

Built from ``diagnose.targets`` (what the user named, resolved to pods, addresses and
target ports) and the policy engine. One answer may hold several verdicts: a workload has
several pods, a Service several endpoints, a host name several addresses. The answer is
allowed only when every one of them is — a Service that denies one endpoint in three
fails one request in three. For a host name, DNS must be allowed too.
"""

from __future__ import annotations

from dataclasses import dataclass

from kubetraffic.core.diagnose.gaps import policy_gaps
from kubetraffic.core.diagnose.targets import Spec, Target, TargetError, resolve, source_pods
from kubetraffic.core.policy import (
    ConnectionVerdict,
    DnsCheck,
    ExternalPeer,
    Fix,
    Peer,
    PodPeer,
    PortNameError,
    check_dns,
    evaluate_connection,
    policy_index,
)
from kubetraffic.core.policy.fix import apply_fix, dns_fix, merge_fixes, smallest_fix
from kubetraffic.core.state import ClusterState

MAX_PAIRS = 500
MAX_FIXES = 5


@dataclass(frozen=True, slots=True)
class EgressAnswer:
    """Every verdict between the named source and destination, with DNS and the fix."""

    source: Spec
    destination: Spec
    protocol: str
    verdicts: tuple[ConnectionVerdict, ...]
    vias: tuple[str | None, ...]
    addresses: tuple[str, ...] = ()
    dns: DnsCheck | None = None
    fix: Fix | None = None
    dns_fix: Fix | None = None
    notes: tuple[str, ...] = ()

    @property
    def dns_blocks(self) -> bool:
        """DNS is denied and the destination is a name that needs it."""
        return self.dns is not None and not self.dns.allowed and self.destination.kind == "host"

    @property
    def allowed(self) -> bool:
        """Every verdict allows (and there is at least one), and a host name can be resolved."""
        return bool(self.verdicts) and all(v.allowed for v in self.verdicts) and not self.dns_blocks

    @property
    def verdict(self) -> ConnectionVerdict | None:
        """The verdict to show first: the first denied one, else the first."""
        for v in self.verdicts:
            if not v.allowed:
                return v
        return self.verdicts[0] if self.verdicts else None

    @property
    def via(self) -> str | None:
        """How the shown verdict's destination was reached (a Service and its target port)."""
        v = self.verdict
        return self.vias[self.verdicts.index(v)] if v is not None else None


def _sources(state: ClusterState, spec: Spec) -> list[Peer]:
    if spec.kind in ("ip", "cidr"):
        return [ExternalPeer(spec.host)]
    if spec.kind == "host":
        raise TargetError(f"{spec.text!r}: give the source as a pod, a workload or an IP address")
    pods = source_pods(state, spec)
    if not pods:
        raise TargetError(f"{spec.ref} has no pods to send from")
    return [PodPeer(p) for p in pods]


def build_answer(
    state: ClusterState,
    source: Spec,
    destination: Spec,
    protocol: str = "TCP",
    *,
    addresses: tuple[str, ...] = (),
    notes: tuple[str, ...] = (),
) -> EgressAnswer:
    """Judge every (source pod, destination target) pair; DNS and the fix when relevant.

    Raises ``TargetError`` for input that names nothing usable.
    """
    index = policy_index(state)
    senders = _sources(state, source)
    targets: list[Target] = resolve(state, destination, protocol, addresses)
    out_notes = [*notes, *policy_gaps(state)]  # said with the verdict, which may be wrong
    if not targets:
        if destination.kind == "service":
            out_notes.append(f"Service {destination.ref} has no endpoints and its selector matches no pods")
        elif destination.kind == "workload":
            out_notes.append(f"{destination.ref} has no pods")
    verdicts: list[ConnectionVerdict] = []
    vias: list[str | None] = []
    pairs = [(s, t) for s in senders for t in targets]
    if len(pairs) > MAX_PAIRS:
        out_notes.append(f"judged the first {MAX_PAIRS} of {len(pairs)} pod pairs")
        pairs = pairs[:MAX_PAIRS]
    unresolved: dict[str, str] = {}
    for sender, target in pairs:
        try:
            v = evaluate_connection(state, sender, target.peer, target.port, target.protocol, index=index)
        except PortNameError as exc:
            if destination.kind not in ("service", "workload"):
                raise TargetError(str(exc)) from None
            # A Service sends a pod without its named targetPort nothing on that port (the
            # EndpointSlice controller resolves the name per pod); a workload mid-rollout
            # may have pods that do not define the name yet.
            unresolved.setdefault(target.peer.name, str(exc))
            continue
        verdicts.append(v)
        vias.append(target.via)
    if unresolved and not verdicts:
        raise TargetError(next(iter(unresolved.values())))
    for why in unresolved.values():
        out_notes.append(f"{why}: left out (it gets no traffic on that port)")
    dns = None
    first_pod = next((s.pod for s in senders if isinstance(s, PodPeer)), None)
    if first_pod is not None and (
        destination.kind == "host" or any(v.egress is not None and v.egress.isolated for v in verdicts)
    ):
        dns = check_dns(state, first_pod, index=index)
    return EgressAnswer(
        source=source,
        destination=destination,
        protocol=destination.protocol or protocol,
        verdicts=tuple(verdicts),
        vias=tuple(vias),
        addresses=addresses,
        dns=dns,
        fix=_fix_all(state, verdicts),
        dns_fix=dns_fix(state, dns, index=index) if dns is not None else None,
        notes=tuple(out_notes),
    )


def _fix_all(state: ClusterState, verdicts: list[ConnectionVerdict]) -> Fix | None:
    """Fixes for every denied verdict, each judged with the previous ones applied."""
    index = policy_index(state)
    fixes: list[Fix] = []
    for v in verdicts:
        if v.allowed or v.port is None:
            continue
        again = evaluate_connection(state, v.source, v.destination, v.port, v.protocol, index=index)
        if again.allowed:
            continue
        if len(fixes) == MAX_FIXES:
            break
        fix = smallest_fix(state, again, index=index)
        if fix is None:
            continue
        fixes.append(fix)
        index = apply_fix(state, fix, index=index)
    return merge_fixes(fixes)
