"""Find the pods and the entry Service of the controller behind an IngressClass or a Gateway.

Nothing in the API links an IngressClass to its pods, so this follows evidence in order:
the Ingresses' ``status.loadBalancer`` address and the Service owning it; the labels the
common controllers' charts put on their pods; and finally workloads named like the
controller in a namespace named like it. Gateways: the ``gateway.networking.k8s.io/gateway-name``
label implementations put on the pods they run for a Gateway.
"""

from __future__ import annotations

from dataclasses import dataclass

from kubetraffic.core.labels import LabelSelector
from kubetraffic.core.objects import Gateway, Pod, Service
from kubetraffic.core.routing.ingress_index import ClassRoutes
from kubetraffic.core.state import ClusterState, WorkloadRef

KNOWN_LABELS: dict[str, tuple[dict[str, str], ...]] = {
    "k8s.io/ingress-nginx": (
        {"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller"},
        {"app": "ingress-nginx"},
    ),
    "traefik.io/ingress-controller": ({"app.kubernetes.io/name": "traefik"},),
    "haproxy-ingress.github.io/controller": ({"app.kubernetes.io/name": "haproxy-ingress"},),
    "ingress-controller.konghq.com/kong": ({"app.kubernetes.io/name": "kong"},),
    "nginx.org/ingress-controller": ({"app.kubernetes.io/name": "nginx-ingress"},),
    "projectcontour.io/ingress-controller": ({"app.kubernetes.io/component": "envoy"}, {"app": "envoy"}),
}
GATEWAY_POD_LABELS = ("gateway.networking.k8s.io/gateway-name", "gateway.envoyproxy.io/owning-gateway-name")
_ENTRY_TYPES = ("LoadBalancer", "NodePort")


@dataclass(frozen=True, slots=True)
class ControllerInfo:
    """The controller's pods, its entry Service, the addresses clients reach, and how we know."""

    pods: tuple[Pod, ...] = ()
    service: Service | None = None
    addresses: tuple[str, ...] = ()
    how: str = ""
    workload: WorkloadRef | None = None

    @property
    def found(self) -> bool:
        """Pods or an entry Service were identified."""
        return bool(self.pods) or self.service is not None


def service_addresses(svc: Service) -> tuple[str, ...]:
    """External addresses of an entry Service: load-balancer IPs/hostnames, then externalIPs."""
    return tuple(dict.fromkeys((*svc.lb_ips, *svc.lb_hostnames, *svc.external_ips)))


def _selected(state: ClusterState, svc: Service) -> list[Pod]:
    if not svc.selector:
        return []
    return state.pods_matching(svc.meta.namespace, LabelSelector.from_labels(svc.selector))


def _entry_service(state: ClusterState, pods: list[Pod]) -> Service | None:
    if not pods:
        return None
    ns = pods[0].meta.namespace
    for svc in sorted(state.services(ns), key=lambda s: (s.type != "LoadBalancer", s.meta.name)):
        if (
            svc.type in _ENTRY_TYPES
            and svc.selector
            and all(pods[0].labels.get(k) == v for k, v in svc.selector.items())
        ):
            return svc
    return None


def _pods_with(state: ClusterState, labels: dict[str, str]) -> list[Pod]:
    selector = LabelSelector.from_labels(labels)
    out: list[Pod] = []
    for ns in state.namespaces():
        out.extend(state.pods_matching(ns.meta.name, selector))
    return out


def _info(
    state: ClusterState, pods: list[Pod], svc: Service | None, fallback: tuple[str, ...], how: str
) -> ControllerInfo:
    svc = svc or _entry_service(state, pods)
    addresses = service_addresses(svc) if svc is not None else ()
    if svc is None and pods and all(p.host_network for p in pods):
        addresses = tuple(dict.fromkeys(p.host_ip or (p.ip or "") for p in pods if p.host_ip or p.ip))
        how += " (host network: clients reach the nodes directly)"
    workload = state.workload_of(pods[0]) if pods else None
    return ControllerInfo(tuple(pods), svc, addresses or fallback, how, workload)


_CACHE_KINDS = ("Pod", "Service", "Ingress", "IngressClass", "Namespace", "Deployment", "DaemonSet", "StatefulSet")


def find_ingress_controller(state: ClusterState, routes: ClassRoutes, host: str) -> ControllerInfo:
    """The controller serving an IngressClass (its pods and LoadBalancer/NodePort Service).

    Cached per class until pods, Services, Ingresses or workloads change; the addresses the
    Ingresses of ``host`` report come first.
    """
    info = state.derived(
        f"diagnose.ingress-controller.{routes.name}", _CACHE_KINDS, lambda: _discover_ingress(state, routes)
    )
    exact, wild = routes.rules_for(host)
    own = tuple(a for ing, _ in exact + wild for a in (*ing.lb_ips, *ing.lb_hostnames))
    if not own or set(own) <= set(info.addresses):
        return info
    return ControllerInfo(info.pods, info.service, tuple(dict.fromkeys(own + info.addresses)), info.how, info.workload)


def _discover_ingress(state: ClusterState, routes: ClassRoutes) -> ControllerInfo:
    status = tuple(dict.fromkeys(a for ing in routes.ingresses for a in (*ing.lb_ips, *ing.lb_hostnames)))
    for ip in status:
        svc = state.service_by_ip(ip)
        if svc is not None:
            return _info(state, _selected(state, svc), svc, status, f"Service owning the Ingress status address {ip}")
    controller = routes.ingress_class.controller
    for labels in KNOWN_LABELS.get(controller, ()):
        pods = _pods_with(state, labels)
        if pods:
            how = "pods labelled " + ",".join(f"{k}={v}" for k, v in labels.items())
            return _info(state, pods, None, status, how)
    token = controller.rsplit("/", 1)[-1]
    for ns in state.namespaces():
        name = ns.meta.name
        if token not in name and routes.name not in name:
            continue
        for ref in state.workloads(name):
            if "controller" in ref.name or token in ref.name:
                return _info(state, state.pods_of(ref), None, status, f"{ref} in namespace {name}")
    return ControllerInfo(addresses=status, how="")


def find_gateway_controller(state: ClusterState, gateway: Gateway) -> ControllerInfo:
    """The pods running a Gateway's data plane and the Service exposing them (cached)."""
    return state.derived(
        f"diagnose.gateway-controller.{gateway.meta.ref}",
        (*_CACHE_KINDS, "Gateway"),
        lambda: _discover_gateway(state, gateway),
    )


def _discover_gateway(state: ClusterState, gateway: Gateway) -> ControllerInfo:
    addresses = gateway.status_addresses or gateway.addresses
    for label in GATEWAY_POD_LABELS:
        pods = _pods_with(state, {label: gateway.meta.name})
        if pods:
            same_ns = [p for p in pods if p.meta.namespace == gateway.meta.namespace]
            return _info(state, same_ns or pods, None, addresses, f"pods labelled {label}={gateway.meta.name}")
    for ip in addresses:
        svc = state.service_by_ip(ip)
        if svc is not None:
            return _info(state, _selected(state, svc), svc, addresses, f"Service owning the Gateway address {ip}")
    return ControllerInfo(addresses=addresses, how="")
