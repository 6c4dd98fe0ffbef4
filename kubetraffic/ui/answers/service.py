"""The Service view: selector, ports, endpoints and who routes to it, from core lookups."""

from __future__ import annotations

from dataclasses import dataclass, field

from kubetraffic.core.diagnose.health import service_status
from kubetraffic.core.labels import LabelSelector
from kubetraffic.core.objects import Pod, Service
from kubetraffic.core.ports import resolve_named
from kubetraffic.core.state import ClusterState

MAX_PODS = 50
"""Selected pods listed by name (the count is always exact)."""


@dataclass(frozen=True, slots=True)
class PortRow:
    """One Service port and where it lands on the selected pods."""

    port: str
    target: str
    resolved: str


@dataclass(frozen=True, slots=True)
class EndpointRow:
    """One endpoint address of the Service's EndpointSlices."""

    address: str
    pod: str
    node: str
    ready: bool | None
    serving: bool | None
    terminating: bool | None


@dataclass(slots=True)
class ServiceAnswer:
    """Everything the Service view shows."""

    service: Service
    status: str
    summary: str
    selector: str
    pods: list[str] = field(default_factory=list)
    pod_count: int = 0
    ports: list[PortRow] = field(default_factory=list)
    endpoints: list[EndpointRow] = field(default_factory=list)
    slices: int = 0
    routed_by: list[str] = field(default_factory=list)


def service_answer(state: ClusterState, namespace: str, name: str) -> ServiceAnswer | None:
    """Describe one Service (None when it no longer exists)."""
    svc = state.service(namespace, name)
    if svc is None:
        return None
    status, summary = service_status(state, svc)
    pods: list[Pod] = []
    if svc.selector:
        pods = state.pods_matching(namespace, LabelSelector.from_labels(svc.selector))
    selector = ",".join(f"{k}={v}" for k, v in sorted(svc.selector.items())) if svc.selector else "(none)"
    answer = ServiceAnswer(svc, status, summary, selector, [p.meta.name for p in pods[:MAX_PODS]], len(pods))
    for port in svc.ports:
        answer.ports.append(_port_row(port.port, port.protocol, port.name, port.target, pods))
    slices = state.endpoint_slices(namespace, name)
    answer.slices = len(slices)
    for es in slices:
        for ep in es.endpoints:
            answer.endpoints.append(
                EndpointRow(
                    ", ".join(ep.addresses),
                    ep.target_name,
                    ep.node_name,
                    ep.conditions.ready,
                    ep.conditions.serving,
                    ep.conditions.terminating,
                )
            )
    for ing in state.ingresses(namespace):
        for rule in ing.rules:
            for path in rule.paths:
                if path.backend.service == name:
                    answer.routed_by.append(f"Ingress {ing.meta.name}  {rule.host or '*'}{path.path}")
        if ing.default_backend is not None and ing.default_backend.service == name:
            answer.routed_by.append(f"Ingress {ing.meta.name}  (default backend)")
    for route in state.http_routes():
        for route_rule in route.rules:
            refs = route_rule.backend_refs
            if any(b.name == name and (b.namespace or route.meta.namespace) == namespace for b in refs):
                answer.routed_by.append(f"HTTPRoute {route.meta.ref}")
                break
    return answer


def _port_row(port: int, protocol: str, name: str, target: int | str, pods: list[Pod]) -> PortRow:
    label = f"{port}/{protocol}" + (f" ({name})" if name else "")
    if isinstance(target, int):
        return PortRow(label, str(target), "")
    # A named targetPort is looked up in each selected pod's container ports.
    numbers = {resolve_named(target, protocol, p.named_ports()) for p in pods}
    found = sorted(n for n in numbers if n is not None)
    missing = sum(1 for p in pods if resolve_named(target, protocol, p.named_ports()) is None)
    resolved = ", ".join(str(n) for n in found) or "not defined"
    if missing and found:
        resolved += f" ({missing} pods do not define it)"
    return PortRow(label, target, resolved if pods else "")
