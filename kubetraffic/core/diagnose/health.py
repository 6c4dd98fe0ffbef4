"""Health at a glance: what a pod, a workload or a Service looks like, in one status and a line.

Statuses are ok / warn / fail / unknown, the same as a trace hop's. The TUI colours its
navigator with these; routes take their status from the trace itself.
"""

from __future__ import annotations

from collections.abc import Iterable

from kubetraffic.core.labels import LabelSelector
from kubetraffic.core.objects import Pod, Service
from kubetraffic.core.state import ClusterState

_BROKEN_WAITING = frozenset(
    {"CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "CreateContainerConfigError", "InvalidImageName"}
)


def pod_status(pod: Pod) -> tuple[str, str]:
    """(status, short text) for one pod, as ``kubectl get pods`` would summarise it."""
    if pod.template:
        return "unknown", "from template"
    waiting = next((s.reason for s in pod.statuses if s.state == "waiting" and s.reason), "")
    if pod.terminating:
        return "warn", "Terminating"
    if waiting in _BROKEN_WAITING:
        return "fail", waiting
    if pod.phase == "Succeeded":
        return "ok", "Completed"
    if pod.phase == "Failed":
        return "fail", "Failed"
    if pod.phase == "Running":
        return ("ok", "Running") if pod.ready else ("warn", "Running, not ready")
    if pod.phase == "Pending":
        return "warn", waiting or "Pending"
    return "unknown", pod.phase or "Unknown"


def pods_status(pods: Iterable[Pod]) -> tuple[str, str]:
    """(status, "ready/total") for a set of pods (a workload)."""
    pods = list(pods)
    if not pods:
        return "warn", "no pods"
    if all(p.template for p in pods):
        return "unknown", "from template"
    real = [p for p in pods if not p.template]
    ready = sum(1 for p in real if p.ready or p.phase == "Succeeded")
    text = f"{ready}/{len(real)} ready"
    if ready == len(real):
        return "ok", text
    return ("fail" if ready == 0 else "warn"), text


def service_status(state: ClusterState, svc: Service) -> tuple[str, str]:
    """(status, detail) of a Service from what core indexes: selected pods and endpoints."""
    if svc.type == "ExternalName":
        return "ok", f"→ {svc.external_name}"
    slices = state.endpoint_slices(svc.meta.namespace, svc.meta.name)
    endpoints = [e for s in slices for e in s.endpoints]
    # EndpointConditions: ready None means unknown, which consumers treat as ready.
    ready = sum(1 for e in endpoints if e.conditions.ready is not False)
    if svc.selector is None:
        if not slices:
            return "unknown", "no selector, no endpoints"
        return ("ok" if ready else "fail"), f"{ready}/{len(endpoints)} endpoints (manual)"
    pods = state.pods_matching(svc.meta.namespace, LabelSelector.from_labels(svc.selector))
    if not pods:
        return "fail", "selects no pods"
    if all(p.template for p in pods):
        return "unknown", f"selects {len(pods)} (templates)"
    if not slices:
        return "unknown", f"selects {len(pods)} pods, no EndpointSlice"
    if ready == 0:
        return "fail", f"0/{len(endpoints)} endpoints ready"
    if ready < len(endpoints):
        return "warn", f"{ready}/{len(endpoints)} endpoints ready"
    return "ok", f"{ready} endpoints"
