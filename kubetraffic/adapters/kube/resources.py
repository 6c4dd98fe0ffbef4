"""The resources the live source follows, and API discovery of which ones are served.

Core kinds are always served by a conformant API server; the Gateway API kinds exist only
when their CRDs are installed, in whichever versions the installed release serves, so they
are discovered (``/apis``, then ``/apis/GROUP/VERSION``), never assumed.
"""

from __future__ import annotations

from dataclasses import dataclass

from kubetraffic.adapters.kube.api import METADATA, METADATA_LIST, ApiError, KubeApi, Unreachable


@dataclass(frozen=True, slots=True)
class Resource:
    """One kind the core uses: where it lives in the API and what is lost without it."""

    kind: str
    group: str
    versions: tuple[str, ...]
    plural: str
    namespaced: bool
    title: str
    impact: str
    optional: bool = False
    field_selector: str = ""
    metadata_only: bool = False

    def qualified(self) -> str:
        """``networkpolicies.networking.k8s.io`` (what RBAC messages name)."""
        return f"{self.plural}.{self.group}" if self.group else self.plural


GATEWAY = "gateway.networking.k8s.io"
GATEWAY_X = "gateway.networking.x-k8s.io"
GATEWAY_VERSIONS = ("v1", "v1beta1", "v1alpha2")

RESOURCES: tuple[Resource, ...] = (
    Resource("Namespace", "", ("v1",), "namespaces", False, "Namespaces", "namespace labels unknown: namespaceSelector matches may be wrong"),
    Resource("Node", "", ("v1",), "nodes", False, "Nodes", "node addresses unknown"),
    Resource("Pod", "", ("v1",), "pods", True, "Pods", "pods unknown: endpoints and policy selections may be wrong"),
    Resource("Service", "", ("v1",), "services", True, "Services", "Service routing unknown"),
    Resource("EndpointSlice", "discovery.k8s.io", ("v1",), "endpointslices", True, "EndpointSlices", "endpoint readiness unknown"),
    Resource("Ingress", "networking.k8s.io", ("v1",), "ingresses", True, "Ingresses", "Ingress routes unknown"),
    Resource("IngressClass", "networking.k8s.io", ("v1",), "ingressclasses", False, "IngressClasses", "Ingress controllers unknown"),
    Resource("NetworkPolicy", "networking.k8s.io", ("v1",), "networkpolicies", True, "NetworkPolicies", "verdict may be wrong"),
    # Only that Secrets exist (TLS checks): metadata-only requests, so Secret data never leaves
    # the API server. Every type: ingress-nginx also serves certificates from Opaque Secrets.
    Resource("Secret", "", ("v1",), "secrets", True, "Secrets", "TLS Secret checks unknown", metadata_only=True),
    Resource("GatewayClass", GATEWAY, GATEWAY_VERSIONS, "gatewayclasses", False, "GatewayClasses", "Gateway controllers unknown", optional=True),
    Resource("Gateway", GATEWAY, GATEWAY_VERSIONS, "gateways", True, "Gateways", "Gateway routes may be wrong", optional=True),
    Resource("HTTPRoute", GATEWAY, GATEWAY_VERSIONS, "httproutes", True, "HTTPRoutes", "Gateway routes may be wrong", optional=True),
    Resource("ReferenceGrant", GATEWAY, ("v1", "v1beta1", "v1alpha2"), "referencegrants", True, "ReferenceGrants", "cross-namespace references may be judged wrong", optional=True),
    Resource("ListenerSet", GATEWAY, ("v1", "v1alpha1"), "listenersets", True, "ListenerSets", "Gateway listeners may be missing", optional=True),
    Resource("XListenerSet", GATEWAY_X, ("v1alpha1",), "xlistenersets", True, "XListenerSets", "Gateway listeners may be missing", optional=True),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Served:
    """A resource at the version this API server serves it."""

    resource: Resource
    version: str

    @property
    def kind(self) -> str:
        return self.resource.kind

    @property
    def api_version(self) -> str:
        """``group/version`` (``v1`` for the core group)."""
        r = self.resource
        return f"{r.group}/{self.version}" if r.group else self.version

    def path(self, namespace: str | None = None) -> str:
        """The collection URL, cluster-wide or in one namespace."""
        r = self.resource
        base = f"/apis/{r.group}/{self.version}" if r.group else f"/api/{self.version}"
        if namespace and r.namespaced:
            return f"{base}/namespaces/{namespace}/{r.plural}"
        return f"{base}/{r.plural}"

    @property
    def list_accept(self) -> str:
        return METADATA_LIST if self.resource.metadata_only else "application/json"

    @property
    def watch_accept(self) -> str:
        return METADATA if self.resource.metadata_only else "application/json"


def discover(api: KubeApi, resources: tuple[Resource, ...] = RESOURCES) -> tuple[list[Served], list[Resource]]:
    """Which resources the server serves, at which version; the rest are unavailable.

    Raises Unreachable when the server does not answer at all.
    """
    try:
        groups = api.get_json("/apis")
    except ApiError:
        groups = {}
    served_versions: dict[str, list[str]] = {"": ["v1"]}
    for group in (groups or {}).get("groups") or []:
        served_versions[str(group.get("name"))] = [str(v.get("version")) for v in group.get("versions") or []]
    listings: dict[str, set[str] | None] = {}

    def plurals(group: str, version: str) -> set[str] | None:
        gv = f"{group}/{version}"
        if gv not in listings:
            try:
                doc = api.get_json(f"/apis/{gv}")
                listings[gv] = {str(r.get("name")) for r in doc.get("resources") or []}
            except ApiError:
                listings[gv] = None
        return listings[gv]

    served: list[Served] = []
    unavailable: list[Resource] = []
    for res in resources:
        versions = [v for v in res.versions if v in served_versions.get(res.group, [])]
        if not groups and not res.optional:
            versions = [res.versions[0]]  # discovery refused: assume the core kinds
        chosen = None
        for version in versions:
            if not res.optional:
                chosen = version
                break
            names = plurals(res.group, version)
            if names is not None and res.plural in names:
                chosen = version
                break
        if chosen is None:
            unavailable.append(res)
        else:
            served.append(Served(res, chosen))
    return served, unavailable


__all__ = ["RESOURCES", "Resource", "Served", "Unreachable", "discover"]
