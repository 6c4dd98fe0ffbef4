"""Services, EndpointSlices, and Secrets (existence only)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kubetraffic.core.objects.meta import Key, Meta
from kubetraffic.core.ports import PortRef


@dataclass(frozen=True, slots=True)
class ServicePort:
    """One entry of ``spec.ports``; ``target_port`` defaults to ``port``."""

    port: int
    protocol: str = "TCP"
    name: str = ""
    target_port: PortRef | None = None
    node_port: int | None = None
    app_protocol: str = ""

    @property
    def target(self) -> PortRef:
        """The effective targetPort (number or container port name)."""
        return self.port if self.target_port is None else self.target_port


@dataclass(frozen=True, slots=True)
class Service:
    """A Service of any type; ``selector`` is None when the Service has none."""

    meta: Meta
    type: str = "ClusterIP"  # ClusterIP | NodePort | LoadBalancer | ExternalName
    cluster_ips: tuple[str, ...] = ()
    headless: bool = False
    selector: Mapping[str, str] | None = None
    ports: tuple[ServicePort, ...] = ()
    external_name: str = ""
    external_ips: tuple[str, ...] = ()
    lb_ips: tuple[str, ...] = ()
    lb_hostnames: tuple[str, ...] = ()
    publish_not_ready: bool = False

    @property
    def key(self) -> Key:
        """(namespace, name)."""
        return self.meta.key

    def port(self, ref: PortRef) -> ServicePort | None:
        """The port a backend refers to, by number or by name."""
        for p in self.ports:
            if (isinstance(ref, int) and p.port == ref) or (isinstance(ref, str) and p.name == ref):
                return p
        return None


@dataclass(frozen=True, slots=True)
class EndpointConditions:
    """discovery.k8s.io/v1 endpoint conditions; None means unknown (treated as ready)."""

    ready: bool | None = None
    serving: bool | None = None
    terminating: bool | None = None


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One endpoint of an EndpointSlice."""

    addresses: tuple[str, ...]
    conditions: EndpointConditions = EndpointConditions()
    target_kind: str = ""
    target_namespace: str = ""
    target_name: str = ""
    node_name: str = ""


@dataclass(frozen=True, slots=True)
class EndpointPort:
    """A port of an EndpointSlice (already resolved to a number by the controller)."""

    port: int | None
    protocol: str = "TCP"
    name: str = ""


@dataclass(frozen=True, slots=True)
class EndpointSlice:
    """An EndpointSlice; ``service`` comes from the kubernetes.io/service-name label."""

    meta: Meta
    service: str = ""
    address_type: str = "IPv4"
    endpoints: tuple[Endpoint, ...] = ()
    ports: tuple[EndpointPort, ...] = ()
    legacy: bool = False
    """Converted from a core/v1 Endpoints object (used only when no real slice exists)."""

    @property
    def key(self) -> Key:
        """(namespace, name)."""
        return self.meta.key


@dataclass(frozen=True, slots=True)
class SecretRef:
    """That a Secret exists, and its type — never its data."""

    meta: Meta
    type: str = ""
