"""A Service port's endpoints: from its EndpointSlices, or derived from pods when none exist.

EndpointSlice (discovery.k8s.io/v1): ports are named after the Service port; conditions
``ready``/``serving``/``terminating`` left unset mean ready/serving/not terminating. When a
snapshot holds no EndpointSlice for a Service, the expected endpoints are derived as the
EndpointSlice controller would: every selected pod not Succeeded/Failed with an IP, ready
when its Ready condition is True (or the Service publishes not-ready addresses), the
targetPort resolved per pod (a named port the pod lacks leaves the pod out of that port).
"""

from __future__ import annotations

from dataclasses import dataclass

from kubetraffic.core.labels import LabelSelector
from kubetraffic.core.objects import EndpointSlice, Pod, Service, ServicePort
from kubetraffic.core.state import ClusterState

_DONE = ("Succeeded", "Failed")


@dataclass(frozen=True, slots=True)
class EndpointView:
    """One endpoint of the Service port the route uses."""

    address: str
    port: int | None
    ready: bool
    serving: bool
    terminating: bool
    pod: Pod | None = None


@dataclass(frozen=True, slots=True)
class PortEndpoints:
    """The endpoints for one Service port, and where they came from."""

    endpoints: tuple[EndpointView, ...]
    derived: bool
    """True when computed from pods (no EndpointSlice for the Service was loaded)."""
    slices: tuple[str, ...] = ()
    port_missing: bool = False
    """Slices exist but none carries this Service port (its targetPort resolved on no pod)."""
    unresolved: tuple[Pod, ...] = ()
    """Selected pods on which a named targetPort does not resolve."""
    templates: tuple[Pod, ...] = ()
    """Workload-template stand-ins that would become endpoints once running."""

    @property
    def ready(self) -> list[EndpointView]:
        """Endpoints that receive traffic."""
        return [e for e in self.endpoints if e.ready]


def resolve_target(pod: Pod, port: ServicePort) -> int | None:
    """The container port a Service targetPort means on ``pod`` (named ports per protocol)."""
    target = port.target
    if isinstance(target, int):
        return target
    return pod.named_ports().get((target, port.protocol))


def selected_pods(state: ClusterState, svc: Service) -> list[Pod]:
    """Pods the Service's selector selects (none without a selector)."""
    if not svc.selector:
        return []
    return state.pods_matching(svc.meta.namespace, LabelSelector.from_labels(svc.selector))


def from_slices(state: ClusterState, slices: list[EndpointSlice], port: ServicePort) -> PortEndpoints:
    """Endpoints of one Service port as the EndpointSlices list them."""
    views: list[EndpointView] = []
    carried = False
    for es in slices:
        ep_port = next((p for p in es.ports if p.name == port.name and p.protocol == port.protocol), None)
        if ep_port is None and not (es.legacy and len(es.ports) == 1 and not port.name):
            continue
        carried = True
        number = ep_port.port if ep_port is not None else es.ports[0].port
        for ep in es.endpoints:
            ready = ep.conditions.ready is not False
            serving = ep.conditions.serving if ep.conditions.serving is not None else ready
            pod = state.pod(ep.target_namespace, ep.target_name) if ep.target_kind == "Pod" else None
            for address in ep.addresses[:1]:
                views.append(EndpointView(address, number, ready, serving, ep.conditions.terminating is True, pod))
    names = tuple(s.meta.name for s in slices)
    # A Service that selects no pod still gets one EndpointSlice from the controller: a
    # placeholder with no endpoints and no ports. Only slices with endpoints can show that
    # the port itself is missing.
    listed = any(s.endpoints for s in slices)
    return PortEndpoints(tuple(views), derived=False, slices=names, port_missing=listed and not carried)


def derive(state: ClusterState, svc: Service, port: ServicePort) -> PortEndpoints:
    """Endpoints the EndpointSlice controller would publish for one Service port."""
    views: list[EndpointView] = []
    unresolved: list[Pod] = []
    templates: list[Pod] = []
    for pod in selected_pods(state, svc):
        if pod.template:
            templates.append(pod)
            if resolve_target(pod, port) is None:
                unresolved.append(pod)
            continue
        if pod.phase in _DONE or not pod.ip:
            continue
        number = resolve_target(pod, port)
        if number is None:
            unresolved.append(pod)
            continue
        terminating = pod.terminating
        serving = pod.ready or svc.publish_not_ready
        ready = serving and not terminating
        views.append(EndpointView(pod.ip, number, ready, serving, terminating, pod))
    return PortEndpoints(tuple(views), derived=True, unresolved=tuple(unresolved), templates=tuple(templates))


def port_endpoints(state: ClusterState, svc: Service, port: ServicePort) -> PortEndpoints:
    """The endpoints of ``port``: from EndpointSlices when the Service has any, else derived."""
    slices = state.endpoint_slices(svc.meta.namespace, svc.meta.name)
    if slices:
        found = from_slices(state, slices, port)
        unresolved = tuple(p for p in selected_pods(state, svc) if not p.template and resolve_target(p, port) is None)
        return PortEndpoints(found.endpoints, False, found.slices, found.port_missing, unresolved)
    return derive(state, svc, port)
