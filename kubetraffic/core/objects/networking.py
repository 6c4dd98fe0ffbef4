"""Ingress, IngressClass and NetworkPolicy (networking.k8s.io/v1)."""

from __future__ import annotations

from dataclasses import dataclass, field

from kubetraffic.core.labels import LabelSelector
from kubetraffic.core.objects.meta import Key, Meta
from kubetraffic.core.ports import PortRef


@dataclass(frozen=True, slots=True)
class IngressBackend:
    """A Service backend (name + port number or name) or a Resource backend."""

    service: str = ""
    port: PortRef | None = None
    resource_kind: str = ""
    resource_group: str = ""
    resource_name: str = ""

    @property
    def is_resource(self) -> bool:
        """True for a ``resource`` backend."""
        return bool(self.resource_kind)


@dataclass(frozen=True, slots=True)
class IngressPath:
    """One HTTPIngressPath; ``path_type`` is Exact, Prefix or ImplementationSpecific."""

    path: str
    path_type: str
    backend: IngressBackend


@dataclass(frozen=True, slots=True)
class IngressRule:
    """A rule; ``host`` is "" when the rule has no host (matches every host)."""

    host: str
    paths: tuple[IngressPath, ...] = ()


@dataclass(frozen=True, slots=True)
class IngressTLS:
    """A TLS entry: the hosts it covers and the Secret holding the certificate."""

    hosts: tuple[str, ...] = ()
    secret_name: str = ""


@dataclass(frozen=True, slots=True)
class Ingress:
    """networking.k8s.io/v1 Ingress."""

    meta: Meta
    class_name: str | None = None
    default_backend: IngressBackend | None = None
    rules: tuple[IngressRule, ...] = ()
    tls: tuple[IngressTLS, ...] = ()
    lb_ips: tuple[str, ...] = ()
    lb_hostnames: tuple[str, ...] = ()

    @property
    def key(self) -> Key:
        """(namespace, name)."""
        return self.meta.key


@dataclass(frozen=True, slots=True)
class IngressClass:
    """An IngressClass; ``default`` from ingressclass.kubernetes.io/is-default-class."""

    meta: Meta
    controller: str = ""
    default: bool = False


# ------------------------------------------------------------------------ network policy
@dataclass(frozen=True, slots=True)
class IPBlock:
    """``ipBlock``: a CIDR minus ``except`` CIDRs."""

    cidr: str
    excepts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PolicyPeer:
    """One ``from``/``to`` entry.

    ``pod_selector`` None + ``namespace_selector`` None cannot happen for a pod peer;
    the API requires at least one field. None means "field absent".
    """

    pod_selector: LabelSelector | None = None
    namespace_selector: LabelSelector | None = None
    ip_block: IPBlock | None = None


@dataclass(frozen=True, slots=True)
class PolicyPort:
    """One ``ports`` entry: protocol, optional port (number or name) and ``endPort``."""

    protocol: str = "TCP"
    port: PortRef | None = None
    end_port: int | None = None


@dataclass(frozen=True, slots=True)
class PolicyRule:
    """An ingress or egress rule; empty ``peers``/``ports`` mean "all" per the API."""

    peers: tuple[PolicyPeer, ...] = ()
    ports: tuple[PolicyPort, ...] = ()


@dataclass(frozen=True, slots=True)
class NetworkPolicy:
    """networking.k8s.io/v1 NetworkPolicy, with ``policy_types`` already defaulted."""

    meta: Meta
    pod_selector: LabelSelector = field(default_factory=LabelSelector)
    policy_types: tuple[str, ...] = ("Ingress",)
    ingress: tuple[PolicyRule, ...] = ()
    egress: tuple[PolicyRule, ...] = ()
    policy_types_explicit: bool = False

    @property
    def key(self) -> Key:
        """(namespace, name)."""
        return self.meta.key

    def affects(self, direction: str) -> bool:
        """True when ``direction`` ("Ingress"/"Egress") is in policyTypes."""
        return direction in self.policy_types
