"""Captures from the TUI: the plan shown before anything is created, and packet rows.

Where packets come from depends on the cluster source: the demo generates them (its
``capture_source(pod, seconds=..., paced=True)``, nothing is created); a live cluster gets an ephemeral debug
container running tcpdump in the pod (``adapters.capture.pod``: RBAC is checked before the
plan is offered, and nothing is created until the user confirms); a snapshot has no pods
to capture from. Bounds are those of ``kubetraffic capture`` for live captures.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from kubetraffic.adapters.capture.base import CaptureError, CaptureSource
from kubetraffic.core.capture import CaptureLimits, Namer, RingPacket
from kubetraffic.ui.model import ClusterModel
from kubetraffic.ui.targets import Target

LIMITS = CaptureLimits(max_packets=10_000, max_seconds=30.0, max_bytes=100_000_000, snaplen=4096, sample=1)
"""The bounds of a live ``kubetraffic capture``: 10,000 packets, 30 s, 100 MB, 4 KiB each."""
RING = 500
"""Recent packets the pane keeps (older ones fall off; the flow summary counts them all)."""

_PROTOCOLS = {1: "ICMP", 6: "TCP", 17: "UDP", 58: "ICMPv6", 132: "SCTP"}
_TCP_FLAGS = ((0x02, "S"), (0x10, "A"), (0x08, "P"), (0x01, "F"), (0x04, "R"), (0x20, "U"))


@dataclass(slots=True)
class CapturePlan:
    """What a capture will do, for the confirmation dialog, and how to start it."""

    pod: str
    """``namespace/name``."""
    lines: list[str]
    confirm: bool
    """True when something is created in the cluster (a live pod capture)."""
    open: Callable[[], CaptureSource]
    limits: CaptureLimits = LIMITS
    notes: list[str] = field(default_factory=list)


class LockedNamer(Namer):
    """Names from the cluster, looked up under the model lock (the capture runs in a thread)."""

    def __init__(self, model: ClusterModel) -> None:
        super().__init__(model.state)
        self._model = model

    def _cluster_name(self, ip: str) -> str | None:
        with self._model.read():
            return super()._cluster_name(ip)


def plan_capture(model: ClusterModel, cluster_source: Any, options: Any, target: Target) -> CapturePlan:
    """The plan for capturing in the selected pod; CaptureError says why it cannot be done."""
    with model.read() as state:
        pod = state.pod(target.namespace, target.name)
        mode = state.info.mode
    if pod is None:
        raise CaptureError(f"pod {target.namespace}/{target.name} no longer exists")
    if pod.template:
        raise CaptureError(f"{target.namespace}/{target.name} stands in for a workload template: it has no traffic")
    ref = f"{target.namespace}/{target.name}"
    hook = getattr(cluster_source, "capture_source", None)
    if callable(hook):
        return CapturePlan(
            ref,
            [
                f"packets of pod {ref} from the {mode} cluster (generated: nothing is created)",
                f"bounds  {LIMITS.describe()}",
            ],
            confirm=False,
            # paced: packets arrive over the capture's time, as they would on a live pod
            open=lambda: hook(ref, seconds=LIMITS.max_seconds, paced=True),
        )
    if mode != "live":
        raise CaptureError(
            f"captures need a live cluster or --demo; this is a {mode} (for a saved capture: kubetraffic capture --pcap FILE)"
        )
    return _pod_plan(_api_client(cluster_source, options), target)


def _api_client(cluster_source: Any, options: Any) -> Any:
    """The client the live source talks with (same cluster, same credentials), else the kubeconfig's."""
    from kubernetes import client, config

    from kubetraffic.adapters.capture.pod import PodCaptureError

    configuration = getattr(getattr(cluster_source, "cluster", None), "configuration", None)
    if configuration is not None:
        return client.ApiClient(configuration)
    try:
        return config.new_client_from_config(
            config_file=getattr(options, "kubeconfig", None), context=getattr(options, "context", None)
        )
    except Exception as exc:  # kubeconfig problems come in many types
        raise PodCaptureError(f"cannot load the kubeconfig: {exc}") from exc


def _pod_plan(api: Any, target: Target) -> CapturePlan:
    """A live pod capture: read the pod, plan the debug container, check RBAC (all before asking)."""
    from kubernetes import client

    from kubetraffic.adapters.capture.pod import PodCapture, PodCaptureError, explain_api_error
    from kubetraffic.adapters.capture.pod_plan import make_plan

    core, authz = client.CoreV1Api(api), client.AuthorizationV1Api(api)
    try:
        raw = json.loads(core.read_namespaced_pod(target.name, target.namespace, _preload_content=False).data)
    except Exception as exc:  # an ApiException or a connection error
        raise explain_api_error(exc, f"read pod {target.namespace}/{target.name}") from exc
    try:
        ns = json.loads(core.read_namespace(target.namespace, _preload_content=False).data)
        labels = ns.get("metadata", {}).get("labels", {})
    except Exception:
        labels = None  # PodSecurity levels unknown: the plan says what it assumes
    try:
        plan = make_plan(raw, labels, limits=LIMITS)
    except ValueError as exc:
        raise PodCaptureError(str(exc)) from exc
    source = PodCapture(core, authz, plan)
    source.check()  # RBAC first: refuse before asking, not after
    return CapturePlan(f"{target.namespace}/{target.name}", plan.describe(), confirm=True, open=lambda: source)


def _address(raw: bytes) -> str:
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return raw.hex()


def packet_row(packet: RingPacket) -> tuple[str, str, str, str, str]:
    """(time, source, destination, protocol and flags, length) of one packet."""
    proto, src, sport, dst, dport = packet.key
    name = _PROTOCOLS.get(proto, str(proto))
    flags = "".join(letter for bit, letter in _TCP_FLAGS if packet.flags & bit) if proto == 6 else ""
    when = datetime.fromtimestamp(packet.ts, UTC).strftime("%H:%M:%S.%f")[:-3]
    ports = proto in (6, 17, 132)
    source = f"{_address(src)}:{sport}" if ports else _address(src)
    destination = f"{_address(dst)}:{dport}" if ports else _address(dst)
    return when, source, destination, f"{name} {flags}".strip(), str(packet.length)
