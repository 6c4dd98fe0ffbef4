"""What the user named as a source or destination, resolved to concrete peers and ports.

Accepted forms (a ``:PORT`` suffix is optional everywhere; PORT is ``443``, ``53/udp``,
``http`` or ``dns/udp``):

- a pod ``ns/name``, a workload ``ns/deploy``, a Service ``ns/svc``, ``svc.ns`` or its
  cluster name ``svc.ns.svc[.cluster.local]``; ``ns/KIND/name`` (pod, svc, deploy, sts,
  ds, job, cronjob, rs) when a name is ambiguous; a bare ``name`` in the ``-n`` namespace;
- an IP address (``[v6]:443`` with a port), a CIDR, or a host name. Host names are
  resolved by the caller (core does no I/O) and handed in as addresses. The address of a
  Service (ClusterIP, external or load-balancer IP) is that Service.

A Service is followed as kube-proxy does: to its endpoints (EndpointSlices, else the pods
its selector matches) and its *target* port — policies see pods and target ports.
"""

from __future__ import annotations

from dataclasses import dataclass

from kubetraffic.core.convert import WORKLOAD_KINDS
from kubetraffic.core.ipset import IPParseError, is_ip, parse_cidr
from kubetraffic.core.labels import LabelSelector
from kubetraffic.core.objects import Pod, Service, ServicePort
from kubetraffic.core.policy.model import ExternalPeer, Peer, PodPeer
from kubetraffic.core.ports import PortParseError, PortRef, parse_port_spec
from kubetraffic.core.state import ClusterState, WorkloadRef

KIND_WORDS = {
    "pod": "Pod",
    "po": "Pod",
    "pods": "Pod",
    "svc": "Service",
    "service": "Service",
    "services": "Service",
    "deploy": "Deployment",
    "deployment": "Deployment",
    "sts": "StatefulSet",
    "statefulset": "StatefulSet",
    "ds": "DaemonSet",
    "daemonset": "DaemonSet",
    "job": "Job",
    "cronjob": "CronJob",
    "cj": "CronJob",
    "rs": "ReplicaSet",
    "replicaset": "ReplicaSet",
}


class TargetError(ValueError):
    """Input that names nothing usable: unknown pod, ambiguous name, bad port. One line."""


@dataclass(frozen=True, slots=True)
class Spec:
    """A parsed endpoint: its kind (pod, workload, service, ip, cidr, host), where, which port."""

    text: str
    kind: str
    namespace: str = ""
    name: str = ""
    host: str = ""
    port: PortRef | None = None
    protocol: str | None = None
    workload: WorkloadRef | None = None

    @property
    def ref(self) -> str:
        """``ns/name`` for cluster objects, else the address or host."""
        return f"{self.namespace}/{self.name}" if self.namespace else (self.host or self.name)


@dataclass(frozen=True, slots=True)
class Target:
    """One concrete end: a peer, the port toward it (target port after a Service), and how."""

    peer: Peer
    port: PortRef | None
    protocol: str
    via: str | None = None


def split_port(text: str) -> tuple[str, PortRef | None, str | None]:
    """(base, port, protocol) from ``base[:PORT[/proto]]``; IPv6 needs brackets for a port."""
    text = text.strip()
    if text.startswith("["):
        base, _, rest = text[1:].partition("]")
        if not rest.startswith(":"):
            return base, None, None
        return base, *_port(rest[1:])
    if is_ip(text) or _is_cidr(text) or ":" not in text:
        return text, None, None
    if text.count(":") > 1 and is_ip(text.partition("/")[0]):  # IPv6 with a (bad) prefix
        return text, None, None
    base, _, tail = text.rpartition(":")
    if not base:
        raise TargetError(f"{text!r}: nothing before the port")
    return base, *_port(tail)


def _port(text: str) -> tuple[PortRef | None, str | None]:
    try:
        port, proto = parse_port_spec(text)
    except PortParseError as exc:
        raise TargetError(f"bad port {text!r}: {exc}") from None
    explicit = proto if "/" in text or port is None else None
    return port, explicit


def _is_cidr(text: str) -> bool:
    if "/" not in text:
        return False
    try:
        parse_cidr(text)
    except IPParseError:
        return False
    return True


def parse_spec(state: ClusterState, text: str, namespace: str, *, source: bool = False) -> Spec:
    """Classify ``text`` against the state (which objects exist decides ``a.b``).

    ``ns/name`` is a pod, else — for a destination — a Service that has the asked port,
    else a workload, else the Service; for a ``source`` the workload wins over a Service.
    """
    base, port, proto = split_port(text)
    if not base:
        raise TargetError(f"empty name in {text!r}")
    if is_ip(base):
        svc = state.service_by_ip(base)
        if svc is not None and not source:  # a Service address: policies see its backends
            return Spec(text, "service", svc.meta.namespace, svc.meta.name, port=port, protocol=proto)
        return Spec(text, "ip", host=base, port=port, protocol=proto)
    if _is_cidr(base):
        return Spec(text, "cidr", host=str(parse_cidr(base)), port=port, protocol=proto)
    address, slash, _ = base.partition("/")
    if slash and is_ip(address):  # an address with a prefix the CIDR parser refused
        try:
            parse_cidr(base)
        except IPParseError as exc:
            raise TargetError(f"bad CIDR {base!r}: {exc}") from None
    parts = base.split("/")
    if len(parts) == 3:
        ns, word, name = parts
        kind = KIND_WORDS.get(word.lower())
        if kind is None:
            raise TargetError(f"{text!r}: unknown kind {word!r} (pod, svc, deploy, sts, ds, job, cronjob, rs)")
        return _named(state, text, ns, name, kind, port, proto, source)
    if len(parts) == 2:
        return _named(state, text, parts[0], parts[1], None, port, proto, source)
    if len(parts) > 3:
        raise TargetError(f"{text!r}: expected ns/name, ns/kind/name, svc.ns, an IP, a CIDR or a host name")
    labels = base.lower().rstrip(".").split(".")
    if len(labels) == 1:
        return _named(state, text, namespace, base, None, port, proto, source)
    if len(labels) == 2 and state.service(labels[1], labels[0]) is not None:
        return Spec(text, "service", labels[1], labels[0], port=port, protocol=proto)
    if labels[2:3] == ["svc"]:  # the cluster DNS name of a Service: svc.ns.svc[.cluster.local]
        if state.service(labels[1], labels[0]) is not None:
            return Spec(text, "service", labels[1], labels[0], port=port, protocol=proto)
        if labels[3:] in ([], ["cluster", "local"]):
            raise TargetError(f"{text!r}: no Service {labels[1]}/{labels[0]}")
    return Spec(text, "host", host=base.rstrip("."), port=port, protocol=proto)


def _named(
    state: ClusterState,
    text: str,
    ns: str,
    name: str,
    kind: str | None,
    port: PortRef | None,
    proto: str | None,
    source: bool,
) -> Spec:
    """The object ``ns/name`` names (exactly ``kind`` when given), in the order of ``parse_spec``."""
    pod = Spec(text, "pod", ns, name, port=port, protocol=proto) if kind in (None, "Pod") else None
    if pod is not None and state.pod(ns, name) is not None:
        return pod
    svc = state.service(ns, name) if kind in (None, "Service") else None
    service = Spec(text, "service", ns, name, port=port, protocol=proto) if svc is not None else None
    refs = _workloads_named(state, ns, name, kind)
    if len(refs) > 1:
        kinds = ", ".join(f"{ns}/{r.kind.lower()}/{name}" for r in refs)
        raise TargetError(f"{text!r} is ambiguous: it names {kinds}")
    workload = Spec(text, "workload", ns, name, port=port, protocol=proto, workload=refs[0]) if refs else None
    has_port = svc is not None and (port is None or svc.port(port) is not None)
    order = (workload, service) if source or (workload is not None and not has_port) else (service, workload)
    for found in order:
        if found is not None:
            return found
    what = f"{kind} " if kind else ""
    hint = "" if state.namespace(ns) is not None else f" (namespace {ns} is not loaded)"
    raise TargetError(f"no {what}{ns}/{name}: not a pod, Service or workload{hint}")


def _workloads_named(state: ClusterState, ns: str, name: str, kind: str | None) -> list[WorkloadRef]:
    """Top-level workloads called ``name``: with pods, or loaded objects (even without pods)."""
    refs = {r for r in state.workloads(ns) if r.name == name and r.kind != "Pod"}
    for k in WORKLOAD_KINDS:
        wl = state.get(k, (ns, name))
        if wl is not None and (wl.meta.owner is None or wl.meta.owner.kind not in WORKLOAD_KINDS):
            refs.add(WorkloadRef(ns, k, name))
    return sorted(r for r in refs if kind in (None, r.kind))


def resolve(state: ClusterState, spec: Spec, protocol: str, addresses: tuple[str, ...] = ()) -> list[Target]:
    """The concrete targets of ``spec``; a host's ``addresses`` come from the caller."""
    proto = spec.protocol or protocol
    if spec.kind in ("ip", "cidr"):
        return [Target(ExternalPeer(spec.host), spec.port, proto)]
    if spec.kind == "host":
        return [Target(ExternalPeer(ip, host=spec.host), spec.port, proto) for ip in addresses]
    if spec.kind == "pod":
        pod = state.pod(spec.namespace, spec.name)
        assert pod is not None
        return [Target(PodPeer(pod), spec.port, proto)]
    if spec.kind == "workload":
        assert spec.workload is not None
        return [Target(PodPeer(p), spec.port, proto) for p in state.pods_of(spec.workload)]
    svc = state.service(spec.namespace, spec.name)
    assert svc is not None
    return service_targets(state, svc, spec.port, spec.protocol, protocol, addresses)


def service_targets(
    state: ClusterState,
    svc: Service,
    port: PortRef | None,
    explicit_protocol: str | None,
    protocol: str,
    addresses: tuple[str, ...] = (),
) -> list[Target]:
    """A Service's backends on the target port of the asked Service port (or of every port)."""
    ports = list(svc.ports)
    if port is not None:
        ports = [p for p in svc.ports if (p.port == port if isinstance(port, int) else p.name == port)]
        if explicit_protocol:
            ports = [p for p in ports if p.protocol == explicit_protocol]
        if not ports:
            have = ", ".join(f"{p.port}/{p.protocol}" + (f" ({p.name})" if p.name else "") for p in svc.ports)
            raise TargetError(f"Service {svc.meta.ref} has no port {port}" + (f"; it has {have}" if have else ""))
    if svc.type == "ExternalName":
        return [
            Target(ExternalPeer(ip, host=svc.external_name), port, protocol, f"ExternalName Service {svc.meta.ref}")
            for ip in addresses
        ]
    backends = service_backends(state, svc)
    out = []
    asked: list[ServicePort | None] = list(ports) or [None]
    for sp in asked:
        for peer, slice_port in backends:
            if sp is None:
                out.append(Target(peer, None, protocol, f"Service {svc.meta.ref}"))
                continue
            target: PortRef = sp.target
            if isinstance(target, str) and isinstance(peer, ExternalPeer):
                target = slice_port.get(sp.name, target)
            via = f"Service {svc.meta.ref} port {sp.port}/{sp.protocol} → targetPort {sp.target}"
            out.append(Target(peer, target, sp.protocol, via))
    return out


def service_backends(state: ClusterState, svc: Service) -> list[tuple[Peer, dict[str, int]]]:
    """(backend, EndpointSlice port numbers by name): endpoint pods and addresses, else the
    pods the selector matches (a snapshot of manifests has no EndpointSlices)."""
    out: list[tuple[Peer, dict[str, int]]] = []
    seen: set[str] = set()
    for es in state.endpoint_slices(svc.meta.namespace, svc.meta.name):
        numbers = {p.name: p.port for p in es.ports if p.port is not None}
        for ep in es.endpoints:
            pod = None
            if ep.target_kind == "Pod":
                pod = state.pod(ep.target_namespace or svc.meta.namespace, ep.target_name)
            if pod is None and ep.addresses:
                pod = state.pod_by_ip(ep.addresses[0])
            key = pod.meta.ref if pod is not None else ",".join(ep.addresses)
            if key in seen or not key:
                continue
            seen.add(key)
            out.append((PodPeer(pod) if pod is not None else ExternalPeer(ep.addresses[0]), numbers))
    if out or not svc.selector:
        return out
    pods = state.pods_matching(svc.meta.namespace, LabelSelector.from_labels(svc.selector))
    return [(PodPeer(p), {}) for p in pods if p.phase not in ("Succeeded", "Failed")]


def source_pods(state: ClusterState, spec: Spec) -> list[Pod]:
    """The pods a source names (a pod, or a workload's pods)."""
    if spec.kind == "pod":
        pod = state.pod(spec.namespace, spec.name)
        return [pod] if pod is not None else []
    if spec.kind == "workload" and spec.workload is not None:
        return state.pods_of(spec.workload)
    if spec.kind == "service":
        svc = state.service(spec.namespace, spec.name)
        return [p.pod for p, _ in service_backends(state, svc) if isinstance(p, PodPeer)] if svc else []
    return []
