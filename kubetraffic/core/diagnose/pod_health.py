"""Why a pod does or does not serve: phase, container states, readiness probes, restarts, ports.

Declaring container ports is informational in Kubernetes, so "does not declare the target
port" is evidence, not proof: a Ready pod whose readiness probe checks that very port proves
the process listens there.
"""

from __future__ import annotations

from dataclasses import dataclass

from kubetraffic.core.objects import Container, Pod, Probe
from kubetraffic.core.ports import PortRef

RESTART_WARNING = 5


def describe_probe(probe: Probe) -> str:
    """``httpGet /healthz on port http``."""
    parts = [probe.kind]
    if probe.path:
        parts.append(probe.path)
    if probe.port is not None:
        parts.append(f"on port {probe.port}")
    return " ".join(parts)


def _probe_port(pod: Pod, container: Container, port: PortRef | None) -> int | None:
    if isinstance(port, int):
        return port
    if port is None:
        return None
    for p in container.ports:
        if p.name == port:
            return p.port
    return pod.named_ports().get((port, "TCP"))


def pod_problems(pod: Pod) -> list[str]:
    """Short reasons this pod is not (fully) serving; empty when it is healthy."""
    if pod.template:
        return []
    out: list[str] = []
    if pod.terminating:
        out.append("terminating")
    if pod.phase != "Running":
        cond = next((c for c in pod.conditions if c.status == "False" and (c.reason or c.message)), None)
        detail = f": {cond.reason} {cond.message}".rstrip() if cond else ""
        out.append(f"phase {pod.phase}{detail}")
    containers = {c.name: c for c in pod.containers}
    for status in pod.statuses:
        spec = containers.get(status.name)
        if status.state == "waiting":
            last = (
                f", last exit: {status.last_termination_reason or status.last_exit_code}"
                if status.restart_count
                else ""
            )
            out.append(f"container {status.name} waiting: {status.reason or 'unknown reason'}{last}")
        elif status.state == "terminated":
            out.append(f"container {status.name} terminated: {status.reason or 'exited'}")
        elif status.state == "running" and not status.ready:
            probe = spec.readiness_probe if spec else None
            what = f"readiness probe ({describe_probe(probe)}) failing" if probe else "not ready"
            out.append(f"container {status.name} running but {what}")
        if status.restart_count >= RESTART_WARNING:
            why = status.last_termination_reason or (
                f"exit {status.last_exit_code}" if status.last_exit_code is not None else ""
            )
            out.append(
                f"container {status.name} restarted {status.restart_count} times" + (f" (last: {why})" if why else "")
            )
    if not pod.statuses and pod.phase == "Running" and not pod.ready:
        out.append("not ready")
    return out


@dataclass(frozen=True, slots=True)
class PortCheck:
    """Does the pod serve on the target port? ``listens`` None = cannot tell."""

    listens: bool | None
    evidence: str


def check_port(pod: Pod, number: int, protocol: str = "TCP") -> PortCheck:
    """Evidence that a container of ``pod`` listens on ``number``."""
    declared = pod.exposes(number, protocol)
    if declared:
        return PortCheck(True, f"container port {number}/{protocol} declared")
    for c in pod.containers:
        probe = c.readiness_probe
        checks_port = probe is not None and probe.kind in ("httpGet", "tcpSocket", "grpc")
        if checks_port and probe is not None and _probe_port(pod, c, probe.port) == number and pod.ready:
            return PortCheck(True, f"readiness probe of {c.name} succeeds on {number}")
    if declared is None:
        return PortCheck(None, "containers declare no ports (declaring is optional)")
    ports = ", ".join(
        f"{p.port}/{p.protocol}" + (f" ({p.name})" if p.name else "") for c in pod.containers for p in c.ports
    )
    return PortCheck(False, f"no container declares port {number}/{protocol}; declared: {ports}")


_WAITING_FIXES = {
    "CrashLoopBackOff": "the container keeps crashing: read kubectl logs --previous {pod}",
    "ImagePullBackOff": "the image cannot be pulled: check the image name, tag and imagePullSecrets",
    "ErrImagePull": "the image cannot be pulled: check the image name, tag and imagePullSecrets",
    "CreateContainerConfigError": "a ConfigMap or Secret the container needs is missing: kubectl describe pod {pod}",
}


def suggest_fix(pod: Pod) -> str | None:
    """What to look at first for an unhealthy pod, from its most telling problem."""
    containers = {c.name: c for c in pod.containers}
    for status in pod.statuses:
        template = _WAITING_FIXES.get(status.reason) if status.state == "waiting" else None
        if template:
            return template.format(pod=pod.meta.ref)
        spec = containers.get(status.name)
        if status.state == "running" and not status.ready and spec and spec.readiness_probe:
            probe = describe_probe(spec.readiness_probe)
            return f"find out why the readiness probe ({probe}) of {pod.meta.ref} fails: the app's health endpoint, its logs, the probe's port and path"
        if status.last_termination_reason == "OOMKilled":
            return f"{pod.meta.ref} is killed for memory (OOMKilled): raise its memory limit or fix the leak"
    if pod.phase == "Pending":
        return f"{pod.meta.ref} is not scheduled or started: kubectl describe pod {pod.meta.ref} (resources, node selectors, taints, volumes)"
    if pod.terminating:
        return "the pods are shutting down: check the rollout and stuck finalizers"
    if not pod.ready and not pod.template:
        return f"{pod.meta.ref} is not ready: kubectl describe pod {pod.meta.ref}"
    return None
