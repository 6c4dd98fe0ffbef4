"""The Service, EndpointSlice and pod hops of a trace.

Service: it exists, the backend's port (number or name) is one of its ports, its selector
selects pods (else the nearest pods and the labels that differ). Endpoints: how many are
ready / serving / terminating for that port, and where a named targetPort resolves. Pods:
their health, and whether a container listens on the target port.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import get_close_matches

from kubetraffic.core.diagnose.endpoints import PortEndpoints, port_endpoints, resolve_target, selected_pods
from kubetraffic.core.diagnose.model import Hop, Status
from kubetraffic.core.diagnose.nearest import nearest_pods, selector_fix
from kubetraffic.core.diagnose.pod_health import check_port, pod_problems, suggest_fix
from kubetraffic.core.metrics import MetricsTarget
from kubetraffic.core.objects import Pod, Service, ServicePort
from kubetraffic.core.routing.answer import Backend
from kubetraffic.core.state import ClusterState


@dataclass(frozen=True, slots=True)
class BackendContext:
    """What the backend hops share: the Service, its port, endpoints and selected pods."""

    backend: Backend
    service: Service | None = None
    port: ServicePort | None = None
    endpoints: PortEndpoints | None = None
    pods: tuple[Pod, ...] = ()

    @property
    def ref(self) -> str:
        """``namespace/service``."""
        return f"{self.backend.namespace}/{self.backend.service}"


def _selector(svc: Service) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted((svc.selector or {}).items()))


def _ports(svc: Service) -> str:
    return ", ".join(
        f"{p.port}/{p.protocol}" + (f" (name {p.name})" if p.name else "") + f"→{p.target}" for p in svc.ports
    )


def service_hop(state: ClusterState, backend: Backend, owner: str) -> tuple[Hop, BackendContext]:
    """Check the backend Service and its port; ``owner`` names the rule that refers to it."""
    ctx = BackendContext(backend)
    name = ctx.ref
    target = MetricsTarget("service", backend.namespace, backend.service, service=backend.service, port=backend.port)
    svc = state.service(backend.namespace, backend.service)
    if svc is None:
        others = [s.meta.name for s in state.services(backend.namespace)]
        close = get_close_matches(backend.service, others, n=3, cutoff=0.6)
        evidence = [f"similar Services in {backend.namespace}: {', '.join(close)}"] if close else []
        fix = f"create Service {name}, or point {owner} at an existing Service"
        return Hop("service", name, "fail", f"Service {name} not found", tuple(evidence), fix, target), ctx
    ctx = BackendContext(backend, svc)
    evidence = [f"ports: {_ports(svc) or 'none'}"]
    if svc.type == "ExternalName":
        summary = f"ExternalName → {svc.external_name}: no endpoints in the cluster; the proxy resolves that name"
        return Hop("service", name, "ok", summary, tuple(evidence), None, target), ctx
    port = svc.port(backend.port) if backend.port is not None else (svc.ports[0] if len(svc.ports) == 1 else None)
    if port is None:
        return _port_mismatch(svc, backend, owner, evidence, target), ctx
    pods = tuple(selected_pods(state, svc))
    ctx = BackendContext(backend, svc, port, port_endpoints(state, svc, port), pods)
    mapping = f"{port.port}→{port.target}"
    if svc.selector is None:
        evidence.append("no selector: its EndpointSlices are managed by hand")
        return Hop(
            "service", name, "ok", f"{name} {svc.type} {mapping} (no selector)", tuple(evidence), None, target
        ), ctx
    evidence.append(f"selector {_selector(svc)}")
    if not pods:
        near = nearest_pods(state, backend.namespace, svc.selector)
        evidence.extend(("nearest pods: " if i == 0 else "              ") + n.describe() for i, n in enumerate(near))
        if not near:
            evidence.append(f"namespace {backend.namespace} has no pod with any of these labels")
        fix = selector_fix(svc.selector, near[0]) if near else f"deploy pods labelled {_selector(svc)}"
        summary = f"selector {_selector(svc)} matches no pods"
        return Hop("service", name, "fail", summary, tuple(evidence), fix, target), ctx
    real = [p for p in pods if not p.template]
    count = f"{len(real)} pod{'s' if len(real) != 1 else ''}" if real else f"{len(pods)} pod template(s)"
    return Hop(
        "service", name, "ok", f"{name} {svc.type} {mapping} selects {count}", tuple(evidence), None, target
    ), ctx


def _port_mismatch(svc: Service, backend: Backend, owner: str, evidence: list[str], target: MetricsTarget) -> Hop:
    ref = backend.port
    kind = "name" if isinstance(ref, str) else "number"
    evidence.insert(0, f"{owner} asks for port {kind} {ref!r}" if ref is not None else f"{owner} names no port")
    fix = f"use one of the Service's ports in {owner}, or add port {ref} to the Service"
    if isinstance(ref, int):
        by_target = next((p for p in svc.ports if p.target == ref), None)
        if by_target is not None:
            fix = f"use the Service port {by_target.port} (not its targetPort {ref}) in {owner}"
    elif isinstance(ref, str):
        close = get_close_matches(ref, [p.name for p in svc.ports if p.name], n=1)
        if close:
            fix = f"use port name {close[0]!r} in {owner}, or rename the Service port to {ref!r}"
    summary = f"port mismatch: Service {svc.meta.ref} has no port {ref}"
    return Hop("service", svc.meta.ref, "fail", summary, tuple(evidence), fix, target)


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'s' if n != 1 else ''}"


def endpoints_hop(ctx: BackendContext) -> Hop:
    """Ready / serving / terminating endpoints of the Service port, and targetPort resolution."""
    svc, port, eps = ctx.service, ctx.port, ctx.endpoints
    name = ctx.ref
    if svc is None or port is None or eps is None:
        return Hop("endpoints", name, "unknown", "not evaluated: no usable Service port")
    target = MetricsTarget("endpoints", svc.meta.namespace, svc.meta.name, service=svc.meta.name, port=port.port)
    evidence: list[str] = []
    if eps.derived:
        evidence.append("no EndpointSlice for this Service was loaded: endpoints derived from the selected pods")
    else:
        evidence.append(f"EndpointSlices: {', '.join(eps.slices)}")
    if isinstance(port.target, str) and eps.endpoints:
        resolved = sorted({e.port for e in eps.endpoints if e.port is not None})
        shown = ", ".join(str(p) for p in resolved) or "nothing"
        evidence.append(f"targetPort {port.target!r} resolves to {shown} on the pods")
    for pod in eps.unresolved[:3]:
        names = ", ".join(f"{n}/{p}" for (n, _), p in sorted(pod.named_ports().items())) or "none"
        evidence.append(f"{pod.meta.ref} has no container port named {port.target!r} (named ports: {names})")
    if eps.templates and not eps.endpoints:
        return _template_only(ctx, eps, evidence, target)
    if eps.port_missing or (isinstance(port.target, str) and eps.unresolved and not eps.endpoints):
        fix = f"name a container port {port.target!r} in the pods, or set the Service targetPort to the port number"
        summary = f"targetPort {port.target!r} matches no container port of the selected pods"
        return Hop("endpoints", name, "fail", summary, tuple(evidence), fix, target)
    total = len(eps.endpoints)
    ready = len(eps.ready)
    terminating = sum(1 for e in eps.endpoints if e.terminating)
    serving = sum(1 for e in eps.endpoints if e.serving)
    evidence.append(f"{ready} ready, {serving} serving, {terminating} terminating of {total}")
    evidence.extend(_not_ready_reasons(eps))
    if total == 0:
        if not ctx.pods:
            fix = "the Service selects no pods: fix its selector (see the Service hop)"
        else:
            fix = "the selected pods have no IP yet: " + (
                _not_ready_fix(eps, ctx.pods) or "check why they are not running"
            )
        return Hop("endpoints", name, "fail", "no endpoints", tuple(evidence), fix, target)
    if terminating == total:
        fix = "all pods are shutting down: check the rollout (new pods not created or not ready) and stuck finalizers"
        return Hop("endpoints", name, "fail", f"all {total} endpoints terminating", tuple(evidence), fix, target)
    if ready == 0:
        fix = _not_ready_fix(eps, ctx.pods) or "make the pods ready (check readiness probes and pod events)"
        return Hop("endpoints", name, "fail", f"no ready endpoints (0/{total} ready)", tuple(evidence), fix, target)
    status: Status = "warn" if ready < total else "ok"
    summary = f"{ready}/{total} endpoints ready on port {_ports_of(eps)}"
    return Hop("endpoints", name, status, summary, tuple(evidence), None, target)


def _ports_of(eps: PortEndpoints) -> str:
    return ", ".join(str(p) for p in sorted({e.port for e in eps.endpoints if e.port is not None})) or "?"


def _template_only(ctx: BackendContext, eps: PortEndpoints, evidence: list[str], target: MetricsTarget) -> Hop:
    port = ctx.port
    assert port is not None
    if eps.unresolved:
        fix = f"name a container port {port.target!r} in the pod template"
        return Hop(
            "endpoints",
            ctx.ref,
            "fail",
            f"targetPort {port.target!r} matches no container port",
            tuple(evidence),
            fix,
            target,
        )
    ports = sorted({p for t in eps.templates if (p := resolve_target(t, port)) is not None})
    evidence.append(f"{_count(len(eps.templates), 'workload template')} would serve port {', '.join(map(str, ports))}")
    summary = "no running pods yet: endpoints expected from workload templates once they run"
    return Hop("endpoints", ctx.ref, "unknown", summary, tuple(evidence), None, target)


def _not_ready_reasons(eps: PortEndpoints) -> list[str]:
    out = []
    for e in eps.endpoints:
        if e.ready or e.pod is None:
            continue
        problems = pod_problems(e.pod)
        if problems:
            out.append(f"{e.pod.meta.ref}: {'; '.join(problems)}")
        if len(out) == 3:
            break
    return out


def _not_ready_fix(eps: PortEndpoints, pods: tuple[Pod, ...]) -> str | None:
    candidates = [e.pod for e in eps.endpoints if e.pod is not None and not e.ready] or list(pods)
    for pod in candidates:
        fix = suggest_fix(pod)
        if fix:
            return fix
    return None


def pods_hop(state: ClusterState, ctx: BackendContext) -> Hop:
    """Health of the backend pods and whether they listen on the target port."""
    svc, port, eps = ctx.service, ctx.port, ctx.endpoints
    if svc is None or port is None or eps is None:
        return Hop("pods", ctx.ref, "unknown", "not evaluated: no usable Service port")
    pods = [p for p in ctx.pods if not p.template] or [e.pod for e in eps.endpoints if e.pod is not None]
    if not pods:
        return Hop("pods", ctx.ref, "unknown", "no running pods to inspect")
    workload = state.workload_of(pods[0])
    name = workload.ref if all(state.workload_of(p) == workload for p in pods) else ctx.ref
    target = MetricsTarget(
        "pods", svc.meta.namespace, name.split("/", 1)[1], service=svc.meta.name, pods=tuple(p.meta.name for p in pods)
    )
    evidence: list[str] = []
    unhealthy = 0
    for pod in pods:
        problems = pod_problems(pod)
        if problems:
            unhealthy += 1
            if len(evidence) < 5:
                evidence.append(f"{pod.meta.name}: {'; '.join(problems)}")
    not_listening: list[str] = []
    for pod in pods:
        number = resolve_target(pod, port)
        if number is None:
            continue
        check = check_port(pod, number, port.protocol)
        if check.listens is False:
            not_listening.append(f"{pod.meta.name}: {check.evidence}")
        elif check.listens is None and len(evidence) < 6:
            evidence.append(f"{pod.meta.name}: {check.evidence}")
    ready = sum(1 for p in pods if p.ready)
    restarts = sum(p.restarts for p in pods)
    summary = f"{ready}/{len(pods)} ready, {_count(restarts, 'restart')}"
    if not_listening and len(not_listening) == len(pods):
        number = resolve_target(pods[0], port)
        evidence[:0] = not_listening[:3]
        fix = (
            f"make the container listen on {number} (and declare it), or set the Service targetPort to the port it uses"
        )
        return Hop(
            "pods", name, "fail", f"container does not listen on the target port {number}", tuple(evidence), fix, target
        )
    evidence.extend(not_listening[:3])
    if ready == 0:
        fix = next((f for p in pods if (f := suggest_fix(p))), "check the pods' events and logs")
        return Hop("pods", name, "fail", f"no pod ready (0/{len(pods)})", tuple(evidence), fix, target)
    status: Status = "warn" if unhealthy or not_listening else "ok"
    return Hop("pods", name, status, summary, tuple(evidence), None, target)
