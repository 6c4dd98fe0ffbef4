"""The NetworkPolicy hop: may the controller's pods open a connection to the backend pods on
the target port? Judged by the policy engine (source egress AND destination ingress).

Pods with the same labels get the same verdict, so one backend pod per label set is asked.
"""

from __future__ import annotations

from dataclasses import replace

from kubetraffic.core.diagnose.backend_hops import BackendContext
from kubetraffic.core.diagnose.controllers import ControllerInfo
from kubetraffic.core.diagnose.endpoints import resolve_target
from kubetraffic.core.diagnose.gaps import policy_gaps
from kubetraffic.core.diagnose.model import Hop, Status
from kubetraffic.core.diagnose.nearest import nearest_pods
from kubetraffic.core.metrics import MetricsTarget
from kubetraffic.core.objects import Pod
from kubetraffic.core.policy import ConnectionVerdict, PodPeer, evaluate_connection, policies_selecting, smallest_fix
from kubetraffic.core.state import ClusterState

MAX_DESTINATIONS = 4


def _destinations(ctx: BackendContext) -> list[Pod]:
    pods = [p for p in ctx.pods if not p.template] or list(ctx.pods)
    if not pods and ctx.endpoints is not None:
        pods = [e.pod for e in ctx.endpoints.endpoints if e.pod is not None]
    seen: set[tuple[tuple[str, str], ...]] = set()
    out = []
    for pod in pods:
        key = tuple(sorted(pod.labels.items()))
        if key not in seen:
            seen.add(key)
            out.append(pod)
    return out[:MAX_DESTINATIONS]


def policy_hop(state: ClusterState, info: ControllerInfo, ctx: BackendContext) -> Hop:
    """Evaluate controller → backend on the resolved target port."""
    name = ctx.ref
    port = ctx.port
    if port is None:
        return Hop("policy", name, "unknown", "not evaluated: no usable Service port")
    sources = [p for p in info.pods if p.ready and not p.terminating] or list(info.pods)
    if not sources:
        return Hop("policy", name, "unknown", "the controller's pods are unknown: NetworkPolicy not evaluated")
    source = sources[0]
    destinations = _destinations(ctx)
    if not destinations:
        return _would(state, info, ctx, source)
    target = MetricsTarget(
        "pods",
        ctx.backend.namespace,
        ctx.backend.service,
        service=ctx.backend.service,
        pods=tuple(p.meta.name for p in destinations),
    )
    evidence: list[str] = []
    denied = []
    allowed_by: list[str] = []
    for dest in destinations:
        number = resolve_target(dest, port)
        if number is None:
            continue
        verdict = evaluate_connection(state, PodPeer(source), PodPeer(dest), number, port.protocol)
        for side in (verdict.egress, verdict.ingress):
            if side is None:
                continue
            if side.allowed and side.matched is not None:
                allowed_by.append(f"{side.direction} of {side.pod} allowed by {side.matched}")
            elif side.allowed and not side.isolated:
                allowed_by.append(f"{side.direction} of {side.pod}: no policy isolates it")
            elif not side.allowed:
                reasons = [
                    f"{m.policy} rule {m.rule}: {m.reason}" if m.rule >= 0 else f"{m.policy}: {m.reason}"
                    for m in side.misses[:3]
                ]
                evidence.append(f"{side.direction} of {side.pod} denied; isolated by {', '.join(side.policies)}")
                evidence.extend(f"  nearest: {r}" for r in reasons)
        evidence.extend(verdict.notes[:2])
        if not verdict.allowed:
            denied.append((dest, number, verdict))
    evidence[:0] = list(dict.fromkeys(allowed_by))[:4]
    label = f"{source.meta.ref} → {name}"
    # Objects the source could not see: the visible ones decide nothing for sure.
    hidden = policy_gaps(state)
    evidence[:0] = hidden
    if not denied:
        return Hop(
            "policy",
            name,
            "unknown" if hidden else "ok",
            f"{label} allowed on {port.protocol} {_ports(ctx, destinations)}"
            + (" by the visible policies" if hidden else ""),
            tuple(evidence),
            None,
            target,
        )
    dest, number, verdict = denied[0]
    if verdict.ingress is not None and not verdict.ingress.allowed:
        others = policies_selecting(state, dest).others[:2]
        evidence.extend(f"  not selecting {dest.meta.ref}: {ref} — {why}" for ref, why in others)
    fix = _fix(state, verdict, source, dest, number) or (
        f"allow ingress to {dest.meta.namespace} pods {_labels(dest)} from namespace {source.meta.namespace} "
        f"on {port.protocol} {number}"
    )
    status: Status = "fail" if len(denied) == len(destinations) else "warn"
    summary = f"NetworkPolicy denies the controller: {label} {port.protocol} {number}"
    if hidden:
        status, summary = "unknown", summary + " (by the visible policies)"
    return Hop("policy", name, status, summary, tuple(evidence), fix, target)


def _would(state: ClusterState, info: ControllerInfo, ctx: BackendContext, source: Pod) -> Hop:
    """Not reached: the Service selects no pod. Judge the pods its selector nearly selects (the
    ones the selector fix would pick up), so a second fault behind the first is named now."""
    name = ctx.ref
    unknown = Hop("policy", name, "unknown", "not reached: no backend pods to evaluate NetworkPolicy for")
    if ctx.service is None or not ctx.service.selector or ctx.port is None:
        return unknown
    near = nearest_pods(state, ctx.backend.namespace, ctx.service.selector, limit=1)
    if not near:
        return unknown
    pod = near[0].pod
    hop = policy_hop(state, info, replace(ctx, pods=(pod,), endpoints=None))
    if hop.summary.startswith("not ") or hop.status == "unknown":
        return unknown
    nearly = f"{pod.meta.ref}, which the Service nearly selects"
    if hop.status == "ok":
        summary = f"would be allowed to {nearly}"
        return Hop("policy", name, "unknown", summary, hop.evidence, None, hop.target)
    summary = f"would deny too: {hop.summary} ({nearly})"
    return Hop("policy", name, "fail", summary, hop.evidence, hop.fix, hop.target)


def _ports(ctx: BackendContext, pods: list[Pod]) -> str:
    assert ctx.port is not None
    port = ctx.port
    numbers = sorted({n for p in pods if (n := resolve_target(p, port)) is not None})
    return ", ".join(map(str, numbers)) or str(ctx.port.target)


def _labels(pod: Pod) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(pod.labels.items())) or "(no labels)"


def _fix(state: ClusterState, verdict: ConnectionVerdict, source: Pod, dest: Pod, number: int) -> str | None:
    fix = smallest_fix(state, verdict)
    if fix is None:
        return None
    how = f"kubetraffic explain --from {source.meta.ref} --to {dest.meta.ref} --port {number} prints the manifest"
    return f"{fix.summary} ({how})"
