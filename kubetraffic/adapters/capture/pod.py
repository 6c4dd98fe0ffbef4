"""The pod backend: tcpdump in an ephemeral debug container, streamed back through attach.

Steps, each with a clear refusal when it cannot go on: read the pod (and its namespace's
PodSecurity labels) -> plan -> check RBAC with SelfSubjectAccessReviews (patch
pods/ephemeralcontainers, create pods/attach) -> patch the ``ephemeralcontainers``
subresource -> wait for the container to run -> attach in binary mode (text mode would
mangle the pcap bytes) -> send "go" -> stream stdout into the summariser -> "stop" on stdin
(tcpdump flushes and exits; its drop count comes on stderr) -> close.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

from kubetraffic.adapters.capture.base import CaptureError, CaptureSource
from kubetraffic.adapters.capture.pod_plan import PodCapturePlan

EXIT_FAIL, EXIT_USAGE, EXIT_SOURCE = 1, 2, 3

START_TIMEOUT = 120.0
"""Seconds to wait for the debug container to run (the image may have to be pulled)."""
DRAIN_TIMEOUT = 5.0
LISTEN_TIMEOUT = 30.0
_DROPS = re.compile(rb"(\d+) packets? dropped by kernel")
# What the capture needs, as (verb, resource, subresource, why).
REQUIRED = (
    ("get", "pods", "", "read the pod"),
    ("patch", "pods", "ephemeralcontainers", "add the debug container"),
    ("create", "pods", "attach", "stream tcpdump's output"),
)


class PodCaptureError(CaptureError):
    """A pod capture that cannot go on; ``exit_code`` 1 (refused) or 3 (API unreachable)."""

    def __init__(self, message: str, exit_code: int = EXIT_FAIL) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def explain_api_error(exc: Any, action: str) -> PodCaptureError:
    """A kubernetes ApiException (or connection error) as one actionable line."""
    status = getattr(exc, "status", None)
    message = ""
    body = getattr(exc, "body", None)
    if body:
        try:
            message = json.loads(body).get("message", "")
        except (ValueError, AttributeError):
            message = str(body)[:300]
    if not status:
        if _is_connection_error(exc):
            return PodCaptureError(
                f"cannot reach the API server to {action}: {getattr(exc, 'reason', exc)}", EXIT_SOURCE
            )
        return PodCaptureError(f"unexpected answer from the API server to {action}: {_first_line(exc)}")
    if status == 403 and "PodSecurity" in message:
        level = (
            "restricted" if "restricted" in message else "baseline" if "baseline" in message else "a PodSecurity level"
        )
        return PodCaptureError(
            f"the namespace's PodSecurity admission ({level}) refused the debug container: {message}. "
            "tcpdump needs NET_RAW (and root), which that level forbids; capture on the pod's node instead "
            "(kubetraffic capture --interface ... there), or ask for a namespace exemption"
        )
    if status == 403:
        return PodCaptureError(f"forbidden to {action}: {message or exc}")
    if status == 404:
        return PodCaptureError(f"not found while trying to {action}: {message or exc}")
    if status == 422:
        return PodCaptureError(f"the API server rejected the debug container: {message or exc}")
    return PodCaptureError(f"{action} failed ({status}): {message or exc}")


def check_filter(expression: str) -> None:
    """Compile a capture filter here (libpcap, for Linux cooked v2 frames) so that a typo is
    caught before anything is created in the pod; skipped when libpcap is not available."""
    try:
        from scapy.arch.common import compile_filter
        from scapy.error import Scapy_Exception
    except ImportError:
        return
    try:
        compile_filter(expression, linktype=276)
    except ImportError:
        return
    except (Scapy_Exception, OSError) as exc:
        raise PodCaptureError(f"bad capture filter {expression!r}: {exc}", EXIT_USAGE) from exc


def _is_connection_error(exc: BaseException) -> bool:
    """Whether ``exc`` means the API server could not be reached (not that it said no)."""
    import urllib3

    return isinstance(exc, OSError | urllib3.exceptions.HTTPError) or (
        getattr(exc, "status", None) == 0  # the websocket transport wraps connection failures so
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def check_access(authz: Any, namespace: str, pod: str) -> list[str]:
    """The missing permissions (SelfSubjectAccessReview per verb), as RBAC rule text."""
    missing = []
    for verb, resource, sub, why in REQUIRED:
        body = {
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SelfSubjectAccessReview",
            "spec": {
                "resourceAttributes": {
                    "namespace": namespace,
                    "verb": verb,
                    "resource": resource,
                    "subresource": sub,
                    "name": pod,
                }
            },
        }
        try:
            review = authz.create_self_subject_access_review(body, _preload_content=False)
            status = json.loads(review.data).get("status", {})
        except Exception as exc:
            if getattr(exc, "status", None) in (401, 403, 404):
                continue
            raise explain_api_error(exc, "check permissions") from exc
        if not status.get("allowed"):
            what = f"{resource}/{sub}" if sub else resource
            reason = f" ({status['reason']})" if status.get("reason") else ""
            missing.append(f"{verb} {what} in namespace {namespace}, to {why}{reason}")
    return missing


class PodCapture(CaptureSource):
    """A capture from inside a pod through an ephemeral debug container (see the module docstring)."""

    live = True

    def __init__(
        self, core: Any, authz: Any, plan: PodCapturePlan, *, stream: Callable[..., Any] | None = None
    ) -> None:
        self.core, self.authz, self.plan = core, authz, plan
        self.description = f"pod {plan.namespace}/{plan.pod}"
        self._stream = stream
        self._ws: Any = None
        self._stderr = b""
        self._pending = b""  # stdout that arrived while waiting for tcpdump to listen
        self._stopped = False
        self._created = False
        self._checked = False

    def check(self) -> None:
        """Ask the API server whether this capture is allowed (before anything is created)."""
        if self._checked:
            return
        missing = check_access(self.authz, self.plan.namespace, self.plan.pod)
        if missing:
            raise PodCaptureError("RBAC does not allow this capture; missing: " + "; ".join(missing))
        self._checked = True

    def start(self) -> None:
        """Check access, add the debug container, wait for it, attach and start tcpdump."""
        self.check()
        plan = self.plan
        body = {"spec": {"ephemeralContainers": [plan.container_spec()]}}
        try:
            # A strategic merge patch adds our container by name; this client would otherwise pick
            # application/json-patch+json, which needs a list of operations.
            self.core.patch_namespaced_pod_ephemeralcontainers(
                plan.pod,
                plan.namespace,
                body,
                _content_type="application/strategic-merge-patch+json",
                _preload_content=False,  # the answer is not needed, and model validation would add failure modes
            )
        except Exception as exc:
            raise explain_api_error(exc, f"add a debug container to pod {plan.namespace}/{plan.pod}") from exc
        self._created = True
        self._wait_running()
        self._attach()
        self._wait_listening()

    def _wait_running(self) -> None:
        """Poll the pod until the debug container runs (or fails to start)."""
        plan = self.plan
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                pod = self.core.read_namespaced_pod(plan.pod, plan.namespace, _preload_content=False)
                status = json.loads(pod.data).get("status", {})
            except Exception as exc:
                raise explain_api_error(exc, f"read pod {plan.namespace}/{plan.pod}") from exc
            for cs in status.get("ephemeralContainerStatuses", []):
                if cs.get("name") != plan.container:
                    continue
                state = cs.get("state", {})
                if "running" in state:
                    return
                if "terminated" in state:
                    info = state["terminated"]
                    raise PodCaptureError(
                        f"the debug container exited at once: {info.get('reason', '')} {info.get('message', '')}".strip()
                    )
                waiting = state.get("waiting", {})
                if waiting.get("reason") in (
                    "ErrImagePull",
                    "ImagePullBackOff",
                    "InvalidImageName",
                    "CreateContainerError",
                ):
                    raise PodCaptureError(
                        f"the debug container cannot start: {waiting['reason']}: {waiting.get('message', plan.image)}"
                    )
            if time.monotonic() > deadline:
                raise PodCaptureError(
                    f"the debug container {plan.container} did not start within {START_TIMEOUT:.0f} s"
                )
            time.sleep(0.5)

    def _attach(self) -> None:
        stream = self._stream
        if stream is None:
            from kubernetes.stream import stream as kube_stream

            stream = kube_stream
        plan = self.plan
        try:
            self._ws = stream(
                self.core.connect_get_namespaced_pod_attach, plan.pod, plan.namespace, container=plan.container,
                stdin=True, stdout=True, stderr=True, tty=False, _preload_content=False, binary=True,
            )  # fmt: skip
        except Exception as exc:
            raise explain_api_error(exc, f"attach to {plan.container}") from exc
        if hasattr(self._ws, "_all"):  # the client keeps a copy of all output by default: not ours to keep
            from kubernetes.stream.ws_client import _IgnoredIO

            self._ws._all = _IgnoredIO()
        self._ws.write_stdin(b"go\n")

    def _wait_listening(self) -> None:
        """Wait until tcpdump says it is listening: packets sent before that are not captured."""
        ws = self._ws
        deadline = time.monotonic() + LISTEN_TIMEOUT
        while b"listening on" not in self._stderr:
            if not ws.is_open() or time.monotonic() > deadline:
                self._keep_stderr(ws.read_stderr(timeout=0))
                last = self._stderr.strip().splitlines()[-1:] or [b"no output"]
                why = "stopped" if not ws.is_open() else f"did not start within {LISTEN_TIMEOUT:.0f} s"
                text = last[0].decode(errors="replace")
                raise PodCaptureError(
                    f"tcpdump in the debug container {why}: {text} (is tcpdump in {self.plan.image}?)"
                )
            ws.update(timeout=0.2)
            self._keep_stderr(ws.read_stderr(timeout=0))
            self._pending += ws.read_stdout(timeout=0)

    def chunks(self, idle: float = 0.2) -> Iterator[bytes]:
        """tcpdump's stdout as it arrives; ends when the container's stream closes."""
        ws = self._ws
        got_data = bool(self._pending)
        if self._pending:
            yield self._pending
            self._pending = b""
        while ws is not None and ws.is_open() and not self._stopped:
            ws.update(timeout=idle)
            self._keep_stderr(ws.read_stderr(timeout=0))
            data = ws.read_stdout(timeout=0)
            if data:
                got_data = True
                yield data
            else:
                yield b""
        if ws is not None and not self._stopped:
            self._keep_stderr(ws.read_stderr(timeout=0))
            tail = ws.read_stdout(timeout=0)
            if tail:
                got_data = True
                yield tail
        if not got_data and not self._stopped and self._stderr.strip():
            last = self._stderr.strip().splitlines()[-1].decode(errors="replace")
            raise PodCaptureError(f"tcpdump in the debug container failed: {last}")

    def _keep_stderr(self, data: bytes) -> None:
        if data:
            self._stderr = (self._stderr + data)[-8192:]

    def stop(self) -> None:
        """Ask tcpdump to stop (a line on stdin), wait briefly for its statistics, then close."""
        if self._stopped:
            return
        self._stopped = True
        ws = self._ws
        if ws is None or not ws.is_open():
            return
        try:
            ws.write_stdin(b"stop\n")
            deadline = time.monotonic() + DRAIN_TIMEOUT
            while ws.is_open() and time.monotonic() < deadline:
                ws.update(timeout=0.2)
                self._keep_stderr(ws.read_stderr(timeout=0))
                ws.read_stdout(timeout=0)  # past the bound: discarded
        except Exception:
            pass

    def kernel_drops(self) -> int | None:
        """tcpdump's own count, from the statistics it prints when it stops."""
        found = _DROPS.findall(self._stderr)
        return int(found[-1]) if found else None

    def notes(self) -> list[str]:
        """Where the debug container stays."""
        if not self._created:
            return []
        return [
            f"the debug container {self.plan.container} stays in pod {self.plan.namespace}/{self.plan.pod} "
            "(terminated; ephemeral containers cannot be removed)"
        ]

    def close(self) -> None:
        """Close the attach stream (the container sees stdin close and stops tcpdump)."""
        if self._ws is not None:
            try:
                self._ws.close()
            finally:
                self._ws = None
