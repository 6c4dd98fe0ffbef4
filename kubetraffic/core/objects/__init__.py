"""Typed, immutable views of the Kubernetes objects kubetraffic reasons about.

Only the fields the analysis needs are kept (the live source strips the rest to keep
10,000 pods well under the memory budget). Secret data is never represented at all.
Construction from API dictionaries lives in ``core.convert``.
"""

from __future__ import annotations

from kubetraffic.core.objects.gateway import (
    AllowedRoutes,
    BackendRef,
    Condition,
    Gateway,
    GatewayClass,
    GrantFrom,
    GrantTo,
    HeaderMatch,
    HTTPRoute,
    Listener,
    ListenerSet,
    ParentRef,
    ReferenceGrant,
    RouteMatch,
    RouteParentStatus,
    RouteRule,
)
from kubetraffic.core.objects.meta import (
    EMPTY,
    Key,
    Meta,
    OwnerRef,
    key_str,
)
from kubetraffic.core.objects.networking import (
    Ingress,
    IngressBackend,
    IngressClass,
    IngressPath,
    IngressRule,
    IngressTLS,
    IPBlock,
    NetworkPolicy,
    PolicyPeer,
    PolicyPort,
    PolicyRule,
)
from kubetraffic.core.objects.pods import (
    Container,
    ContainerPort,
    ContainerStatus,
    Namespace,
    Node,
    Pod,
    PodCondition,
    Probe,
    Workload,
    WorkloadKind,
)
from kubetraffic.core.objects.services import (
    Endpoint,
    EndpointConditions,
    EndpointPort,
    EndpointSlice,
    SecretRef,
    Service,
    ServicePort,
)

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

__all__ = [
    "EMPTY",
    "AllowedRoutes",
    "BackendRef",
    "Condition",
    "Container",
    "ContainerPort",
    "ContainerStatus",
    "Endpoint",
    "EndpointConditions",
    "EndpointPort",
    "EndpointSlice",
    "Gateway",
    "GatewayClass",
    "GrantFrom",
    "GrantTo",
    "HTTPRoute",
    "HeaderMatch",
    "IPBlock",
    "Ingress",
    "IngressBackend",
    "IngressClass",
    "IngressPath",
    "IngressRule",
    "IngressTLS",
    "Key",
    "KubeObject",
    "Listener",
    "ListenerSet",
    "Meta",
    "Namespace",
    "NetworkPolicy",
    "Node",
    "OwnerRef",
    "ParentRef",
    "Pod",
    "PodCondition",
    "PolicyPeer",
    "PolicyPort",
    "PolicyRule",
    "Probe",
    "ReferenceGrant",
    "RouteMatch",
    "RouteParentStatus",
    "RouteRule",
    "SecretRef",
    "Service",
    "ServicePort",
    "Workload",
    "WorkloadKind",
    "key_str",
]
