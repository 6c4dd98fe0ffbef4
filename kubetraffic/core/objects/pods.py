"""Namespaces, nodes, pods (real and template stand-ins) and workload controllers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from kubetraffic.core.labels import LabelSelector
from kubetraffic.core.objects.meta import Key, Meta
from kubetraffic.core.ports import PortRef


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
