"""Plain facts about a namespace, workload or pod, for when no engine answer applies."""

from __future__ import annotations

from dataclasses import dataclass, field

from kubetraffic.core.diagnose.health import pod_status, pods_status
from kubetraffic.core.objects import Pod
from kubetraffic.core.state import ClusterState, WorkloadRef


@dataclass(slots=True)
class Facts:
    """A titled list of (label, value, status) lines and optional sections of lines."""

    title: str
    status: str = ""
    lines: list[tuple[str, str, str]] = field(default_factory=list)
    sections: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


def pod_facts(state: ClusterState, namespace: str, name: str) -> Facts | None:
    """Phase, addresses, containers and the Services that select a pod."""
    pod = state.pod(namespace, name)
    if pod is None:
        return None
    status, words = pod_status(pod)
    facts = Facts(f"Pod {pod.meta.ref}", status)
    facts.lines += [
        ("status", words, status),
        ("workload", str(state.workload_of(pod)), ""),
        ("IP", ", ".join(pod.pod_ips) or "(none)", ""),
        ("node", pod.node_name or "(unscheduled)", ""),
        ("labels", ", ".join(f"{k}={v}" for k, v in sorted(pod.labels.items())) or "(none)", ""),
    ]
    if pod.host_network:
        facts.lines.append(("network", "hostNetwork", "warn"))
    facts.sections["containers"] = _containers(pod)
    facts.sections["selected by Services"] = [(s.meta.name, "") for s in state.services_selecting(pod)]
    return facts


def _containers(pod: Pod) -> list[tuple[str, str]]:
    out = []
    statuses = {s.name: s for s in pod.statuses}
    for c in pod.containers:
        s = statuses.get(c.name)
        ports = ", ".join(f"{p.port}/{p.protocol}" + (f" ({p.name})" if p.name else "") for p in c.ports)
        state = (
            ""
            if s is None
            else f"{s.state}{' ' + s.reason if s.reason else ''}, ready={s.ready}, restarts={s.restart_count}"
        )
        out.append((c.name, " · ".join(x for x in (c.image, ports, state) if x)))
    return out


def workload_facts(state: ClusterState, namespace: str, kind: str, name: str) -> Facts | None:
    """A workload's pods and their states."""
    ref = WorkloadRef(namespace, kind, name)
    pods = state.pods_of(ref)
    wl = state.workload_object(ref)
    if not pods and wl is None:
        return None
    status, words = pods_status(pods)
    facts = Facts(f"{kind} {namespace}/{name}", status)
    facts.lines.append(("pods", words, status))
    if wl is not None and wl.replicas is not None:
        facts.lines.append(("replicas", f"{wl.ready_replicas or 0}/{wl.replicas} ready (status)", ""))
    if wl is not None and wl.selector is not None:
        facts.lines.append(("selector", wl.selector.describe(), ""))
    facts.sections["pods"] = [(p.meta.name, pod_status(p)[1] + (f" ↻{p.restarts}" if p.restarts else "")) for p in pods]
    return facts
