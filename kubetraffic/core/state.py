"""ClusterState: every loaded object, with the indexes the analysis needs.

Objects are immutable; the state is updated only through ``apply`` (change events), which
keeps the indexes consistent incrementally. Derived, expensive structures (routing tables,
policy indexes) are cached with ``derived`` and rebuilt only when a kind they read changes.

Workload templates: when ``template_pods`` is on (snapshot sources), a top-level workload
(Deployment, StatefulSet, DaemonSet, bare ReplicaSet, Job, CronJob) that owns no real pod
is represented by one stand-in pod built from its template, so manifests can be analysed
before they are deployed. A real pod of the workload replaces the stand-in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from kubetraffic.core.convert import LISTENER_SET_KINDS, WORKLOAD_KINDS
from kubetraffic.core.events import ChangeEvent, SourceInfo
from kubetraffic.core.labels import LabelSelector
from kubetraffic.core.objects import (
    EndpointSlice,
    Gateway,
    GatewayClass,
    HTTPRoute,
    Ingress,
    IngressClass,
    Key,
    KubeObject,
    ListenerSet,
    Meta,
    Namespace,
    NetworkPolicy,
    Node,
    Pod,
    ReferenceGrant,
    SecretRef,
    Service,
    Workload,
)

T = TypeVar("T")

_DONE_PHASES = ("Succeeded", "Failed")


@dataclass(frozen=True, slots=True, order=True)
class WorkloadRef:
    """The top owner of a set of pods: Deployment, StatefulSet, ..., or the Pod itself."""

    namespace: str
    kind: str
    name: str

    @property
    def ref(self) -> str:
        """``namespace/name`` as the JSON contracts name workloads."""
        return f"{self.namespace}/{self.name}"

    def __str__(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}"


def storage_kind(kind: str) -> str:
    """The kind objects are stored under (XListenerSet is a ListenerSet)."""
    return "ListenerSet" if kind in LISTENER_SET_KINDS else kind


class ClusterState:
    """All objects of one cluster view plus indexes; updated only via change events."""

    def __init__(self, *, template_pods: bool = False, info: SourceInfo | None = None) -> None:
        self.template_pods = template_pods
        self.info = info or SourceInfo(mode="snapshot")
        self.gaps: dict[str, str] = {}
        """kind -> why it is not (fully) visible, e.g. "forbidden: list networkpolicies"."""
        self.version = 0
        self._kind_versions: Counter[str] = Counter()
        self._objs: dict[str, dict[Key, Any]] = {}
        self._by_ns: dict[str, dict[str, dict[str, Any]]] = {}
        """kind -> namespace -> name -> object: namespace listings without a scan."""
        self._ns_refs: Counter[str] = Counter()
        # Effective pods (real + stand-ins), per namespace, and their indexes.
        self._pods: dict[str, dict[str, Pod]] = {}
        self._labels: dict[str, dict[tuple[str, str], set[str]]] = {}
        self._by_ip: dict[str, set[Key]] = {}
        self._hostnet_by_ip: dict[str, set[Key]] = {}
        self._pod_workload: dict[Key, WorkloadRef] = {}
        self._workload_pods: dict[WorkloadRef, set[str]] = {}
        self._real_per_workload: Counter[WorkloadRef] = Counter()
        self._pods_by_owner: dict[tuple[str, str, str], set[str]] = {}
        self._svc_by_ip: dict[str, Key] = {}
        self._slices: dict[Key, dict[str, EndpointSlice]] = {}
        self._derived: dict[str, tuple[tuple[int, ...], Any]] = {}

    # ------------------------------------------------------------------ updating
    def apply(self, event: ChangeEvent) -> None:
        """Apply one change event, keeping every index consistent."""
        kind = storage_kind(event.kind)
        if event.type == "DELETED":
            self._remove(kind, event.key)
        else:
            if event.obj is None:
                raise ValueError(f"{event.type} {kind} {event.key} without an object")
            self._upsert(kind, event.key, event.obj)
        self.version += 1

    def apply_all(self, events: Iterable[ChangeEvent]) -> int:
        """Apply a batch; returns how many were applied."""
        n = 0
        for ev in events:
            self.apply(ev)
            n += 1
        return n

    def put(self, kind: str, obj: KubeObject) -> None:
        """Add or replace one object (convenience for loaders and tests)."""
        meta: Meta = obj.meta
        self.apply(ChangeEvent("ADDED", kind, meta.key, obj))

    def kind_version(self, kind: str) -> int:
        """Changes seen for ``kind`` so far (for caches keyed on a kind)."""
        return self._kind_versions[storage_kind(kind)]

    def derived(self, name: str, kinds: Iterable[str], build: Callable[[], T]) -> T:
        """A structure computed from ``kinds``, rebuilt only after one of them changes."""
        stamp = tuple(self._kind_versions[storage_kind(k)] for k in kinds)
        hit = self._derived.get(name)
        if hit is not None and hit[0] == stamp:
            value: T = hit[1]
            return value
        value = build()
        self._derived[name] = (stamp, value)
        return value

    def _bump(self, kind: str) -> None:
        self._kind_versions[kind] += 1

    def _upsert(self, kind: str, key: Key, obj: Any) -> None:
        table = self._objs.setdefault(kind, {})
        old = table.get(key)
        if old is not None:
            self._unindex(kind, key, old)
        else:
            self._ref_namespace(key[0], +1)
        table[key] = obj
        self._by_ns.setdefault(kind, {}).setdefault(key[0], {})[key[1]] = obj
        self._index(kind, key, obj)
        self._bump(kind)

    def _remove(self, kind: str, key: Key) -> None:
        table = self._objs.get(kind, {})
        old = table.pop(key, None)
        if old is None:
            return
        group = self._by_ns[kind][key[0]]
        del group[key[1]]
        if not group:
            del self._by_ns[kind][key[0]]
        self._unindex(kind, key, old)
        self._ref_namespace(key[0], -1)
        self._bump(kind)

    def _ref_namespace(self, namespace: str, delta: int) -> None:
        if not namespace:
            return
        before = self._ns_refs[namespace]
        self._ns_refs[namespace] += delta
        if self._ns_refs[namespace] <= 0:
            del self._ns_refs[namespace]
        if (before == 0) != (self._ns_refs[namespace] == 0):
            self._bump("Namespace")  # a synthetic namespace appeared or vanished

    # ---------------------------------------------------------------- indexing
    def _index(self, kind: str, key: Key, obj: Any) -> None:
        if kind == "Pod":
            self._add_real_pod(obj)
        elif kind in WORKLOAD_KINDS:
            self._workload_changed(obj, added=True)
        elif kind == "Service":
            svc: Service = obj
            for ip in (*svc.cluster_ips, *svc.external_ips, *svc.lb_ips):
                self._svc_by_ip[ip] = key
        elif kind == "EndpointSlice":
            es: EndpointSlice = obj
            self._slices.setdefault((key[0], es.service), {})[key[1]] = es

    def _unindex(self, kind: str, key: Key, obj: Any) -> None:
        if kind == "Pod":
            self._remove_real_pod(obj)
        elif kind in WORKLOAD_KINDS:
            self._workload_changed(obj, added=False)
        elif kind == "Service":
            svc: Service = obj
            for ip in (*svc.cluster_ips, *svc.external_ips, *svc.lb_ips):
                if self._svc_by_ip.get(ip) == key:
                    del self._svc_by_ip[ip]
        elif kind == "EndpointSlice":
            es: EndpointSlice = obj
            group = self._slices.get((key[0], es.service), {})
            group.pop(key[1], None)
            if not group:
                self._slices.pop((key[0], es.service), None)

    def _add_real_pod(self, pod: Pod) -> None:
        shadowed = self._pods.get(pod.meta.namespace, {}).get(pod.meta.name)
        if shadowed is not None and shadowed.template:
            self._remove_effective(shadowed)  # a real pod with a stand-in's name wins
        ref = self._top_owner(pod)
        owner = pod.meta.owner
        if owner is not None:
            self._pods_by_owner.setdefault((pod.meta.namespace, owner.kind, owner.name), set()).add(pod.meta.name)
        self._real_per_workload[ref] += 1
        if self._real_per_workload[ref] == 1:
            self._drop_standin(ref)
        self._add_effective(pod, ref)

    def _remove_real_pod(self, pod: Pod) -> None:
        ref = self._pod_workload.get(pod.key) or self._top_owner(pod)
        owner = pod.meta.owner
        if owner is not None:
            group = self._pods_by_owner.get((pod.meta.namespace, owner.kind, owner.name))
            if group is not None:
                group.discard(pod.meta.name)
                if not group:
                    del self._pods_by_owner[(pod.meta.namespace, owner.kind, owner.name)]
        self._remove_effective(pod)
        self._real_per_workload[ref] -= 1
        if self._real_per_workload[ref] <= 0:
            del self._real_per_workload[ref]
            self._maybe_add_standin(ref)

    def _add_effective(self, pod: Pod, ref: WorkloadRef) -> None:
        ns, name = pod.key
        self._pods.setdefault(ns, {})[name] = pod
        idx = self._labels.setdefault(ns, {})
        for item in pod.labels.items():
            idx.setdefault(item, set()).add(name)
        target = self._hostnet_by_ip if pod.host_network else self._by_ip
        for ip in pod.pod_ips:
            target.setdefault(ip, set()).add(pod.key)
        self._pod_workload[pod.key] = ref
        self._workload_pods.setdefault(ref, set()).add(name)
        self._bump("Pod")

    def _remove_effective(self, pod: Pod) -> None:
        ns, name = pod.key
        current = self._pods.get(ns, {}).pop(name, None)
        if current is None:
            return
        if not self._pods[ns]:
            del self._pods[ns]
        idx = self._labels.get(ns, {})
        for item in current.labels.items():
            names = idx.get(item)
            if names is not None:
                names.discard(name)
                if not names:
                    del idx[item]
        target = self._hostnet_by_ip if current.host_network else self._by_ip
        for ip in current.pod_ips:
            keys = target.get(ip)
            if keys is not None:
                keys.discard(current.key)
                if not keys:
                    del target[ip]
        ref = self._pod_workload.pop(current.key, None)
        if ref is not None:
            group = self._workload_pods.get(ref)
            if group is not None:
                group.discard(name)
                if not group:
                    del self._workload_pods[ref]
        self._bump("Pod")

    # -- workloads and stand-in pods -------------------------------------------------
    def _top_owner(self, pod: Pod) -> WorkloadRef:
        ns = pod.meta.namespace
        if pod.template_of is not None:
            return WorkloadRef(ns, *pod.template_of)
        owner = pod.meta.owner
        if owner is None or owner.kind == "Node":  # bare or static (mirror) pod
            return WorkloadRef(ns, "Pod", pod.meta.name)
        return self._resolve_owner(ns, owner.kind, owner.name, pod.labels.get("pod-template-hash"))

    def _resolve_owner(self, ns: str, kind: str, name: str, pod_hash: str | None = None) -> WorkloadRef:
        """Follow ownerReferences up: ReplicaSet -> Deployment, Job -> CronJob."""
        if kind in ("ReplicaSet", "Job"):
            parent: Workload | None = self._objs.get(kind, {}).get((ns, name))
            if parent is not None:
                if parent.meta.owner is not None:
                    return WorkloadRef(ns, parent.meta.owner.kind, parent.meta.owner.name)
                return WorkloadRef(ns, kind, name)
            # The ReplicaSet itself is not loaded: a Deployment names its ReplicaSets
            # "<deployment>-<pod-template-hash>", which the pods carry as a label.
            if kind == "ReplicaSet" and pod_hash and name.endswith("-" + pod_hash):
                return WorkloadRef(ns, "Deployment", name[: -len(pod_hash) - 1])
        return WorkloadRef(ns, kind, name)

    def _is_top_level(self, wl: Workload) -> bool:
        owner = wl.meta.owner
        return owner is None or owner.kind not in WORKLOAD_KINDS

    def _workload_changed(self, wl: Workload, *, added: bool) -> None:
        ref = WorkloadRef(wl.meta.namespace, wl.kind, wl.meta.name)
        if added:
            if self._is_top_level(wl) and self._real_per_workload[ref] == 0:
                self._add_standin(wl, ref)
        else:
            self._drop_standin(ref)
        # A ReplicaSet or Job arriving or leaving can change the top owner of its pods.
        if wl.kind in ("ReplicaSet", "Job"):
            for name in list(self._pods_by_owner.get((wl.meta.namespace, wl.kind, wl.meta.name), ())):
                pod = self._pods.get(wl.meta.namespace, {}).get(name)
                if pod is not None and not pod.template:
                    self._remove_real_pod(pod)
                    self._add_real_pod(pod)

    def _add_standin(self, wl: Workload, ref: WorkloadRef) -> None:
        if not self.template_pods or wl.template is None:
            return
        existing = self._pods.get(wl.meta.namespace, {}).get(wl.template.meta.name)
        if existing is not None and not existing.template:
            return  # a real pod happens to carry the stand-in's name
        if existing is not None:
            self._remove_effective(existing)
        self._add_effective(wl.template, ref)

    def _drop_standin(self, ref: WorkloadRef) -> None:
        for name in list(self._workload_pods.get(ref, ())):
            pod = self._pods.get(ref.namespace, {}).get(name)
            if pod is not None and pod.template:
                self._remove_effective(pod)

    def _maybe_add_standin(self, ref: WorkloadRef) -> None:
        wl: Workload | None = self._objs.get(ref.kind, {}).get((ref.namespace, ref.name))
        if wl is not None and self._is_top_level(wl):
            self._add_standin(wl, ref)

    # ----------------------------------------------------------------- lookups
    def get(self, kind: str, key: Key) -> Any:
        """One stored object by kind and key, or None."""
        return self._objs.get(storage_kind(kind), {}).get(key)

    def objects(self, kind: str, namespace: str | None = None) -> list[Any]:
        """Stored objects of a kind (real pods only for "Pod"), optionally in one namespace."""
        if namespace is None:
            return list(self._objs.get(storage_kind(kind), {}).values())
        return list(self._by_ns.get(storage_kind(kind), {}).get(namespace, {}).values())

    def count(self, kind: str) -> int:
        """Number of stored objects of a kind."""
        return len(self._objs.get(storage_kind(kind), {}))

    def kinds(self) -> list[str]:
        """Kinds with at least one stored object."""
        return sorted(k for k, v in self._objs.items() if v)

    # -- namespaces
    def namespace(self, name: str) -> Namespace | None:
        """A loaded namespace, or a synthetic one when objects live in it."""
        ns: Namespace | None = self._objs.get("Namespace", {}).get(("", name))
        if ns is not None:
            return ns
        if self._ns_refs.get(name):
            return _synthetic_namespace(name)
        return None

    def namespaces(self) -> list[Namespace]:
        """Loaded namespaces plus synthetic ones for namespaces only referenced by objects."""
        real: dict[Key, Namespace] = self._objs.get("Namespace", {})
        names = {k[1] for k in real} | set(self._ns_refs)
        out = [self.namespace(n) for n in sorted(names)]
        return [n for n in out if n is not None]

    def namespace_labels(self, name: str) -> Mapping[str, str]:
        """Labels of a namespace; unknown namespaces still carry kubernetes.io/metadata.name."""
        ns = self.namespace(name)
        return ns.meta.labels if ns is not None else {"kubernetes.io/metadata.name": name}

    # -- pods
    def pods(self, namespace: str | None = None) -> list[Pod]:
        """Effective pods: real pods plus template stand-ins."""
        if namespace is not None:
            return list(self._pods.get(namespace, {}).values())
        return [p for group in self._pods.values() for p in group.values()]

    def iter_pods(self) -> Iterator[Pod]:
        """Every effective pod, without building a list."""
        for group in self._pods.values():
            yield from group.values()

    def pod_count(self) -> int:
        """Number of effective pods."""
        return sum(len(g) for g in self._pods.values())

    def pod(self, namespace: str, name: str) -> Pod | None:
        """One effective pod."""
        return self._pods.get(namespace, {}).get(name)

    def pods_by_ip(self, ip: str) -> list[Pod]:
        """Pods (not host-network) owning ``ip``; running pods first."""
        pods = [self._pods[k[0]][k[1]] for k in self._by_ip.get(ip, ()) if k[1] in self._pods.get(k[0], {})]
        return sorted(pods, key=lambda p: (p.phase in _DONE_PHASES, p.meta.deleting, p.meta.ref))

    def pod_by_ip(self, ip: str) -> Pod | None:
        """The live pod owning ``ip`` (completed pods may still list a reused IP)."""
        pods = self.pods_by_ip(ip)
        return pods[0] if pods else None

    def hostnetwork_pods_by_ip(self, ip: str) -> list[Pod]:
        """Host-network pods whose IP is ``ip`` (a node address)."""
        return [self._pods[k[0]][k[1]] for k in self._hostnet_by_ip.get(ip, ()) if k[1] in self._pods.get(k[0], {})]

    def pods_matching(self, namespace: str, selector: LabelSelector) -> list[Pod]:
        """Effective pods of one namespace matched by ``selector`` (label index first)."""
        group = self._pods.get(namespace)
        if not group:
            return []
        if selector.match_labels:
            idx = self._labels.get(namespace, {})
            candidates: set[str] | None = None
            for item in selector.match_labels:
                names = idx.get(item)
                if not names:
                    return []
                candidates = set(names) if candidates is None else candidates & names
            pods: Iterable[Pod] = [group[n] for n in sorted(candidates or ())]
        else:
            pods = group.values()
        return [p for p in pods if selector.matches(p.labels)]

    def workload_of(self, pod: Pod) -> WorkloadRef:
        """The top owner of a pod (Deployment, StatefulSet, ..., else the pod itself)."""
        return self._pod_workload.get(pod.key) or self._top_owner(pod)

    def workloads(self, namespace: str | None = None) -> list[WorkloadRef]:
        """Every workload that has at least one effective pod, sorted."""
        refs = self._workload_pods.keys()
        if namespace is not None:
            return sorted(r for r in refs if r.namespace == namespace)
        return sorted(refs)

    def pods_of(self, ref: WorkloadRef) -> list[Pod]:
        """Effective pods of a workload, sorted by name."""
        group = self._pods.get(ref.namespace, {})
        return [group[n] for n in sorted(self._workload_pods.get(ref, ())) if n in group]

    def workload_object(self, ref: WorkloadRef) -> Workload | None:
        """The loaded workload object for a ref, when there is one."""
        wl: Workload | None = self._objs.get(ref.kind, {}).get((ref.namespace, ref.name))
        return wl

    # -- services and endpoints
    def service(self, namespace: str, name: str) -> Service | None:
        """One Service."""
        svc: Service | None = self._objs.get("Service", {}).get((namespace, name))
        return svc

    def services(self, namespace: str | None = None) -> list[Service]:
        """Services, optionally of one namespace."""
        return self.objects("Service", namespace)

    def service_by_ip(self, ip: str) -> Service | None:
        """The Service with ``ip`` as a cluster, external or load-balancer IP."""
        key = self._svc_by_ip.get(ip)
        return None if key is None else self.service(*key)

    def services_selecting(self, pod: Pod) -> list[Service]:
        """Services of the pod's namespace whose selector matches the pod."""
        return [
            s
            for s in self.services(pod.meta.namespace)
            if s.selector and all(pod.labels.get(k) == v for k, v in s.selector.items())
        ]

    def endpoint_slices(self, namespace: str, service: str) -> list[EndpointSlice]:
        """A Service's EndpointSlices; a legacy Endpoints object only when no slice exists."""
        slices = self._slices.get((namespace, service))
        if slices:
            real = [s for s in slices.values() if not s.legacy]
            if real:
                return sorted(real, key=lambda s: s.meta.name)
        legacy: EndpointSlice | None = self._objs.get("Endpoints", {}).get((namespace, service))
        return [legacy] if legacy is not None else []

    # -- the rest, typed
    def nodes(self) -> list[Node]:
        """Nodes."""
        return self.objects("Node")

    def network_policies(self, namespace: str | None = None) -> list[NetworkPolicy]:
        """NetworkPolicies, optionally of one namespace, sorted by name."""
        return sorted(self.objects("NetworkPolicy", namespace), key=lambda p: p.meta.key)

    def ingresses(self, namespace: str | None = None) -> list[Ingress]:
        """Ingresses, optionally of one namespace."""
        return self.objects("Ingress", namespace)

    def ingress_classes(self) -> list[IngressClass]:
        """IngressClasses."""
        return self.objects("IngressClass")

    def gateway_classes(self) -> list[GatewayClass]:
        """GatewayClasses."""
        return self.objects("GatewayClass")

    def gateways(self, namespace: str | None = None) -> list[Gateway]:
        """Gateways."""
        return self.objects("Gateway", namespace)

    def listener_sets(self, namespace: str | None = None) -> list[ListenerSet]:
        """ListenerSets (and XListenerSets)."""
        return self.objects("ListenerSet", namespace)

    def http_routes(self, namespace: str | None = None) -> list[HTTPRoute]:
        """HTTPRoutes."""
        return self.objects("HTTPRoute", namespace)

    def reference_grants(self, namespace: str | None = None) -> list[ReferenceGrant]:
        """ReferenceGrants."""
        return self.objects("ReferenceGrant", namespace)

    def secret(self, namespace: str, name: str) -> SecretRef | None:
        """That a Secret exists (never its data)."""
        sec: SecretRef | None = self._objs.get("Secret", {}).get((namespace, name))
        return sec

    def counts(self) -> dict[str, int]:
        """Objects per kind, with effective pods and stand-ins counted separately."""
        out = {k: len(v) for k, v in sorted(self._objs.items()) if v}
        out["Pod"] = self.pod_count()
        standins = sum(1 for p in self.iter_pods() if p.template)
        if standins:
            out["Pod (from templates)"] = standins
        synthetic = sum(1 for n in self.namespaces() if n.synthetic)
        if synthetic:
            out["Namespace (referenced only)"] = synthetic
        if not out["Pod"]:
            del out["Pod"]
        return out


def _synthetic_namespace(name: str) -> Namespace:
    """What the API server would show for a namespace we only know the name of."""
    return Namespace(
        meta=Meta(name=name, labels={"kubernetes.io/metadata.name": name}),
        synthetic=True,
    )
