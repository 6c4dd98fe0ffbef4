"""Typed, immutable views of the Kubernetes objects kubetraffic reasons about.

Only the fields the analysis needs are kept (the live source strips the rest to keep
10,000 pods well under the memory budget). Secret data is never represented at all.
Construction from API dictionaries lives in ``core.convert``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from kubetraffic.core.labels import LabelSelector
from kubetraffic.core.ports import PortRef

Key = tuple[str, str]
"""(namespace, name); namespace is "" for cluster-scoped objects."""

EMPTY: Mapping[str, str] = {}


def key_str(key: Key) -> str:
    """``namespace/name`` (or just ``name`` when cluster-scoped)."""
    return f"{key[0]}/{key[1]}" if key[0] else key[1]


@dataclass(frozen=True, slots=True)
class OwnerRef:
    """The controller ownerReference of an object."""

    kind: str
    name: str
    api_version: str = ""
    uid: str = ""


@dataclass(frozen=True, slots=True)
class Meta:
    """The metadata fields that matter; ``annotations`` keeps only the meaningful ones."""

    name: str
    namespace: str = ""
    uid: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    owner: OwnerRef | None = None
    created: str | None = None
    resource_version: str = ""
    deleting: bool = False
    generation: int = 0

    @property
    def key(self) -> Key:
        """(namespace, name)."""
        return (self.namespace, self.name)

    @property
    def ref(self) -> str:
        """``namespace/name``."""
        return key_str(self.key)


# --------------------------------------------------------------------------- namespaces
@dataclass(frozen=True, slots=True)
class Namespace:
    """A namespace; ``synthetic`` when referenced by objects but not itself loaded."""

    meta: Meta
    phase: str = "Active"
    synthetic: bool = False


@dataclass(frozen=True, slots=True)
class Node:
    """A node: addresses for NodePort entry points and readiness for health."""

    meta: Meta
    internal_ips: tuple[str, ...] = ()
    external_ips: tuple[str, ...] = ()
    pod_cidrs: tuple[str, ...] = ()
    ready: bool | None = None


# --------------------------------------------------------------------------------- pods
@dataclass(frozen=True, slots=True)
class ContainerPort:
    """A declared container port (``name`` may be empty)."""

    port: int
    protocol: str = "TCP"
    name: str = ""


@dataclass(frozen=True, slots=True)
class Probe:
    """A probe reduced to what the trace explains: its handler and target."""

    kind: str  # httpGet | tcpSocket | grpc | exec
    port: PortRef | None = None
    path: str | None = None


@dataclass(frozen=True, slots=True)
class Container:
    """A container of a pod spec."""

    name: str
    image: str = ""
    ports: tuple[ContainerPort, ...] = ()
    readiness_probe: Probe | None = None
    liveness_probe: Probe | None = None


@dataclass(frozen=True, slots=True)
class ContainerStatus:
    """Runtime state of one container."""

    name: str
    ready: bool = False
    started: bool | None = None
    restart_count: int = 0
    state: str = "unknown"  # running | waiting | terminated | unknown
    reason: str = ""
    message: str = ""
    last_termination_reason: str = ""
    last_exit_code: int | None = None


@dataclass(frozen=True, slots=True)
class PodCondition:
    """One entry of ``status.conditions``."""

    type: str
    status: str
    reason: str = ""
    message: str = ""


WorkloadKind = Literal["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod"]


@dataclass(frozen=True, slots=True)
class Pod:
    """A pod, or a stand-in pod derived from a workload's template (``template=True``)."""

    meta: Meta
    node_name: str = ""
    host_network: bool = False
    pod_ips: tuple[str, ...] = ()
    host_ip: str = ""
    phase: str = "Unknown"
    conditions: tuple[PodCondition, ...] = ()
    containers: tuple[Container, ...] = ()
    init_containers: tuple[Container, ...] = ()
    statuses: tuple[ContainerStatus, ...] = ()
    service_account: str = ""
    template: bool = False
    template_of: tuple[str, str] | None = None
    """(kind, name) of the workload whose template this stand-in pod was made from."""

    @property
    def key(self) -> Key:
        """(namespace, name)."""
        return self.meta.key

    @property
    def labels(self) -> Mapping[str, str]:
        """The pod's labels."""
        return self.meta.labels

    @property
    def ip(self) -> str | None:
        """The primary pod IP, if assigned."""
        return self.pod_ips[0] if self.pod_ips else None

    @property
    def ready(self) -> bool:
        """The Ready condition is True."""
        return any(c.type == "Ready" and c.status == "True" for c in self.conditions)

    @property
    def terminating(self) -> bool:
        """deletionTimestamp is set."""
        return self.meta.deleting

    @property
    def restarts(self) -> int:
        """Total restarts over all containers."""
        return sum(s.restart_count for s in self.statuses)

    def named_ports(self) -> dict[tuple[str, str], int]:
        """``(name, protocol) -> containerPort`` over every container (for named ports)."""
        out: dict[tuple[str, str], int] = {}
        for c in self.containers:
            for p in c.ports:
                if p.name:
                    out.setdefault((p.name, p.protocol), p.port)
        return out

    def exposes(self, port: int, protocol: str = "TCP") -> bool | None:
        """Whether a container declares ``port``; None when no container declares any port.

        Declaring ports is informational in Kubernetes, so "declares none" is unknown,
        not "closed".
        """
        declared = [p for c in self.containers for p in c.ports]
        if not declared:
            return None
        return any(p.port == port and p.protocol == protocol for p in declared)


@dataclass(frozen=True, slots=True)
class Workload:
    """A workload controller (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob)."""

    kind: str
    meta: Meta
    replicas: int | None = None
    ready_replicas: int | None = None
    selector: LabelSelector | None = None
    template: Pod | None = None

    @property
    def key(self) -> Key:
        """(namespace, name)."""
        return self.meta.key


# ----------------------------------------------------------------------------- services
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


# ------------------------------------------------------------------------------ ingress
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


# --------------------------------------------------------------------------- gateway api
@dataclass(frozen=True, slots=True)
class GatewayClass:
    """A GatewayClass and the controller that implements it."""

    meta: Meta
    controller: str = ""
    accepted: bool | None = None


@dataclass(frozen=True, slots=True)
class AllowedRoutes:
    """A listener's ``allowedRoutes``: namespaces From Same/All/Selector and kinds."""

    namespaces_from: str = "Same"
    selector: LabelSelector | None = None
    kinds: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Listener:
    """A Gateway (or ListenerSet) listener."""

    name: str
    port: int
    protocol: str = "HTTP"
    hostname: str | None = None
    allowed_routes: AllowedRoutes = AllowedRoutes()
    tls_mode: str = ""
    certificate_refs: tuple[Key, ...] = ()


@dataclass(frozen=True, slots=True)
class Condition:
    """A status condition (Accepted, ResolvedRefs, Programmed, ...)."""

    type: str
    status: str
    reason: str = ""
    message: str = ""


@dataclass(frozen=True, slots=True)
class Gateway:
    """gateway.networking.k8s.io/v1 Gateway."""

    meta: Meta
    class_name: str = ""
    listeners: tuple[Listener, ...] = ()
    addresses: tuple[str, ...] = ()
    status_addresses: tuple[str, ...] = ()
    conditions: tuple[Condition, ...] = ()
    allowed_listeners: AllowedRoutes | None = None
    """``spec.allowedListeners.namespaces`` (From/selector) for ListenerSets; None when
    absent, which allows no ListenerSet at all (GEP-1713)."""

    @property
    def key(self) -> Key:
        """(namespace, name)."""
        return self.meta.key


@dataclass(frozen=True, slots=True)
class ParentRef:
    """A route's or ListenerSet's ``parentRef``."""

    name: str
    namespace: str = ""
    group: str = "gateway.networking.k8s.io"
    kind: str = "Gateway"
    section_name: str | None = None
    port: int | None = None


@dataclass(frozen=True, slots=True)
class ListenerSet:
    """A ListenerSet (XListenerSet) adding listeners to a parent Gateway."""

    meta: Meta
    parent: ParentRef
    listeners: tuple[Listener, ...] = ()


@dataclass(frozen=True, slots=True)
class HeaderMatch:
    """An HTTPRoute header or query-param match (``type`` Exact or RegularExpression)."""

    name: str
    value: str
    type: str = "Exact"


@dataclass(frozen=True, slots=True)
class RouteMatch:
    """One HTTPRouteMatch; the default match is PathPrefix ``/``."""

    path_type: str = "PathPrefix"
    path_value: str = "/"
    method: str | None = None
    headers: tuple[HeaderMatch, ...] = ()
    query_params: tuple[HeaderMatch, ...] = ()


@dataclass(frozen=True, slots=True)
class BackendRef:
    """An HTTPRoute backendRef (a Service unless ``kind``/``group`` say otherwise)."""

    name: str
    namespace: str = ""
    port: int | None = None
    weight: int = 1
    group: str = ""
    kind: str = "Service"


@dataclass(frozen=True, slots=True)
class RouteRule:
    """An HTTPRoute rule: matches (empty = default match), backends, filter kinds."""

    matches: tuple[RouteMatch, ...] = ()
    backend_refs: tuple[BackendRef, ...] = ()
    filters: tuple[str, ...] = ()
    name: str = ""


@dataclass(frozen=True, slots=True)
class RouteParentStatus:
    """``status.parents[]`` of a route."""

    parent: ParentRef
    controller: str = ""
    conditions: tuple[Condition, ...] = ()


@dataclass(frozen=True, slots=True)
class HTTPRoute:
    """gateway.networking.k8s.io/v1 HTTPRoute."""

    meta: Meta
    parent_refs: tuple[ParentRef, ...] = ()
    hostnames: tuple[str, ...] = ()
    rules: tuple[RouteRule, ...] = ()
    status: tuple[RouteParentStatus, ...] = ()

    @property
    def key(self) -> Key:
        """(namespace, name)."""
        return self.meta.key


@dataclass(frozen=True, slots=True)
class GrantFrom:
    """A ReferenceGrant ``from`` entry."""

    group: str
    kind: str
    namespace: str


@dataclass(frozen=True, slots=True)
class GrantTo:
    """A ReferenceGrant ``to`` entry; ``name`` None allows every object of the kind."""

    group: str
    kind: str
    name: str | None = None


@dataclass(frozen=True, slots=True)
class ReferenceGrant:
    """A ReferenceGrant allowing references into its namespace."""

    meta: Meta
    from_: tuple[GrantFrom, ...] = ()
    to: tuple[GrantTo, ...] = ()


@dataclass(frozen=True, slots=True)
class SecretRef:
    """That a Secret exists, and its type — never its data."""

    meta: Meta
    type: str = ""


KubeObject = (
    Namespace
    | Node
    | Pod
    | Workload
    | Service
    | EndpointSlice
    | Ingress
    | IngressClass
    | NetworkPolicy
    | GatewayClass
    | Gateway
    | ListenerSet
    | HTTPRoute
    | ReferenceGrant
    | SecretRef
)
