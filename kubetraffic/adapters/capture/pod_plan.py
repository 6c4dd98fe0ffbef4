"""What a pod capture will do, decided before anything is created: the plan the user confirms.

The capture runs tcpdump in an ephemeral debug container (``pods/ephemeralcontainers``)
that shares the target container's namespaces. Ephemeral containers cannot be removed, so
each capture gets a fresh name, and the plan says so. The container's shell script waits
for kubetraffic to attach before starting tcpdump (attach does not replay earlier output,
and a pcap stream missing its header is useless), and stops tcpdump as soon as stdin
closes — when kubetraffic is done, interrupted or disconnected.
"""

from __future__ import annotations

import secrets
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kubetraffic.core.capture.limits import CaptureLimits

DEFAULT_IMAGE = "nicolaka/netshoot:v0.13"
# PodSecurity admission (https://kubernetes.io/docs/concepts/security/pod-security-standards/):
# "baseline" allows only a fixed list of added capabilities, which does not include NET_RAW;
# "restricted" also requires dropping ALL capabilities and running as non-root.
PSA_ENFORCE = "pod-security.kubernetes.io/enforce"
ATTACH_TIMEOUT = 300
"""Seconds the debug container waits for kubetraffic to attach before it gives up and exits."""


@dataclass(frozen=True, slots=True)
class PodCapturePlan:
    """Everything the capture will create and run, for the user to confirm."""

    namespace: str
    pod: str
    target: str
    """The pod's container whose namespaces the debug container joins (``targetContainerName``)."""
    container: str
    image: str
    capabilities: tuple[str, ...]
    run_as_root: bool
    bpf: str | None
    limits: CaptureLimits
    warnings: tuple[str, ...] = field(default=())

    @property
    def tcpdump(self) -> list[str]:
        """The tcpdump command line (``-i any``: every interface of the pod, as LINUX_SLL2)."""
        cmd = ["tcpdump", "-i", "any", "--immediate-mode", "-U", "-n", "-s", str(self.limits.snaplen)]
        if self.limits.max_packets is not None:
            cmd += ["-c", str(self.limits.max_packets)]
        cmd += ["-w", "-"]
        if self.bpf:
            cmd.append(self.bpf)
        return cmd

    @property
    def script(self) -> str:
        """The debug container's shell script (POSIX sh: busybox and bash both run it)."""
        seconds = int(self.limits.max_seconds) + 5 if self.limits.max_seconds is not None else 3600
        return "\n".join(
            [
                "exec 3<&0",  # keep stdin reachable from background jobs (they get /dev/null)
                # Nobody attached within ATTACH_TIMEOUT (kubetraffic was interrupted): leave quietly.
                f"( sleep {ATTACH_TIMEOUT} && kill $$ ) >/dev/null 2>&1 &",
                "guard=$!",
                "read -r go <&3 || exit 0",  # wait for kubetraffic to attach: no output is lost
                'kill "$guard" 2>/dev/null',
                f"{shlex.join(self.tcpdump)} &",
                "pid=$!",
                # Helpers must not hold stdout open, or the stream would outlive tcpdump.
                '( read -r _ <&3; kill -INT "$pid" ) >/dev/null 2>&1 &',  # stdin line or EOF: stop
                "watcher=$!",
                f'( sleep {seconds} && kill -INT "$pid" ) >/dev/null 2>&1 &',  # a bound even if nobody stops us
                "timer=$!",
                'wait "$pid"',
                "status=$?",
                'kill "$watcher" "$timer" 2>/dev/null',
                'exit "$status"',
            ]
        )

    def container_spec(self) -> dict[str, Any]:
        """The ``EphemeralContainer`` object added to the pod."""
        security: dict[str, Any] = {}
        if self.capabilities:
            security["capabilities"] = {"add": list(self.capabilities)}
        if self.run_as_root:
            security.update(runAsUser=0, runAsNonRoot=False)
        spec: dict[str, Any] = {
            "name": self.container,
            "image": self.image,
            "command": ["sh", "-c", self.script],
            "stdin": True,
            "stdinOnce": True,
            "tty": False,
            "targetContainerName": self.target,
        }
        if security:
            spec["securityContext"] = security
        return spec

    def describe(self) -> list[str]:
        """The plan as lines for the confirmation prompt."""
        privileges = ", ".join(self.capabilities) or "the runtime's default capabilities"
        lines = [
            f"kubetraffic will add an ephemeral debug container to pod {self.namespace}/{self.pod}:",
            f"  container   {self.container} (beside {self.target!r}; ephemeral containers cannot be "
            "removed: it stays in the pod, terminated, until the pod is deleted)",
            f"  image       {self.image}",
            f"  privileges  {privileges}" + (", as root (uid 0)" if self.run_as_root else ""),
            f"  command     {shlex.join(self.tcpdump)}",
            f"  filter      {self.bpf or '(none: all traffic)'}",
            f"  bounds      {self.limits.describe()}",
        ]
        lines += [f"  warning     {w}" for w in self.warnings]
        return lines


def make_plan(
    pod: Mapping[str, Any],
    namespace_labels: Mapping[str, str] | None,
    *,
    image: str = DEFAULT_IMAGE,
    container: str | None = None,
    bpf: str | None = None,
    limits: CaptureLimits,
) -> PodCapturePlan:
    """The plan for capturing in ``pod`` (an API object), or ValueError saying why not."""
    meta, spec, status = pod.get("metadata", {}), pod.get("spec", {}), pod.get("status", {})
    ref = f"{meta.get('namespace', '')}/{meta.get('name', '')}"
    names = [c.get("name", "") for c in spec.get("containers", [])]
    if not names:
        raise ValueError(f"pod {ref} has no containers")
    # kubectl's rule: the kubectl.kubernetes.io/default-container annotation, else the first container.
    preferred = (meta.get("annotations") or {}).get("kubectl.kubernetes.io/default-container")
    target = container or (preferred if preferred in names else names[0])
    if target not in names:
        raise ValueError(f"pod {ref} has no container {target!r} (it has: {', '.join(names)})")
    if spec.get("hostNetwork"):
        warnings = ["the pod uses the host network: the capture sees all of its node's traffic"]
    else:
        warnings = []
    phase = status.get("phase", "Unknown")
    if phase != "Running":
        raise ValueError(f"pod {ref} is {phase}, not Running: there is no traffic to capture")
    taken = {c.get("name") for c in spec.get("ephemeralContainers", [])}
    name = _fresh_name(taken)
    enforce = (namespace_labels or {}).get(PSA_ENFORCE, "privileged")
    capabilities: tuple[str, ...] = ("NET_RAW",)
    if enforce == "baseline":
        capabilities = ()
        warnings.append(
            "the namespace enforces PodSecurity 'baseline', which forbids adding NET_RAW: the capture relies on the "
            "container runtime granting it by default (containerd does, CRI-O does not)"
        )
    elif enforce == "restricted":
        warnings.append(
            "the namespace enforces PodSecurity 'restricted', which forbids NET_RAW and root: the API server will "
            "most likely refuse the debug container"
        )
    pod_security = spec.get("securityContext") or {}
    run_as_root = bool(pod_security.get("runAsNonRoot") or pod_security.get("runAsUser"))
    return PodCapturePlan(
        namespace=meta.get("namespace", ""),
        pod=meta.get("name", ""),
        target=target,
        container=name,
        image=image,
        capabilities=capabilities,
        run_as_root=run_as_root,
        bpf=bpf,
        limits=limits,
        warnings=tuple(warnings),
    )


def _fresh_name(taken: set[Any]) -> str:
    while True:
        name = f"kubetraffic-capture-{secrets.token_hex(3)}"
        if name not in taken:
            return name
