"""An emulated API server + kubelet for the pod backend: real HTTP and websockets on 127.0.0.1.

Only what a pod capture touches is served: reading a pod and its namespace, access reviews,
the ``ephemeralcontainers`` patch, and ``attach``. The attach end plays the kubelet: it runs
the debug container's own command (``sh -c <script>``) in the network namespace that stands
for the pod, with the real tcpdump, and relays stdin/stdout/stderr over the Kubernetes
channel protocol (v4: one byte of channel, then data). Every request is recorded for the
tests to assert on. The real kubernetes client talks to it through a kubeconfig.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web

from tests.adapters.capture.lab import MARKER

STDIN, STDOUT, STDERR, ERROR = 0, 1, 2, 3


@dataclass
class Recorded:
    """One request as the server saw it."""

    method: str
    path: str
    query: dict[str, str]
    content_type: str
    body: Any


@dataclass
class KubeGlue:
    """The emulated server's state: pods (``namespace/name`` -> object, netns), rules, records."""

    pods: dict[str, dict[str, Any]] = field(default_factory=dict)
    netns: dict[str, str] = field(default_factory=dict)
    namespace_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    forbidden: set[tuple[str, str]] = field(default_factory=set)
    """(verb, resource[/subresource]) the access reviews deny."""
    refuse_patch: str | None = None
    """When set, the ephemeralcontainers patch is refused with this admission message (403)."""
    requests: list[Recorded] = field(default_factory=list)
    marker_seen: threading.Event = field(default_factory=threading.Event)
    attached: threading.Event = field(default_factory=threading.Event)
    exit_codes: list[int | None] = field(default_factory=list)
    port: int = 0

    def __post_init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self._procs: list[asyncio.subprocess.Process] = []

    # -- lifecycle
    def start(self, kubeconfig: Path) -> KubeGlue:
        """Serve on 127.0.0.1 (a free port) and write a kubeconfig pointing at it."""
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        kubeconfig.write_text(
            json.dumps(
                {
                    "apiVersion": "v1",
                    "kind": "Config",
                    "clusters": [{"name": "glue", "cluster": {"server": f"http://127.0.0.1:{self.port}"}}],
                    "users": [{"name": "tester", "user": {"token": "t"}}],
                    "contexts": [
                        {"name": "glue", "context": {"cluster": "glue", "user": "tester", "namespace": "shop"}}
                    ],
                    "current-context": "glue",
                }
            )
        )
        return self

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    def close(self) -> None:
        """Kill any container process still running, stop serving, stop the loop."""

        async def stop() -> None:
            for proc in self._procs:
                if proc.returncode is None:
                    proc.kill()
                    await proc.wait()
            if self._runner is not None:
                await self._runner.cleanup()

        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(stop(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)

    def recorded(self, method: str, suffix: str) -> list[Recorded]:
        """Requests with ``method`` whose path ends with ``suffix``."""
        return [r for r in self.requests if r.method == method and r.path.endswith(suffix)]

    # -- the API
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body: Any = None
        if request.can_read_body:
            raw = await request.read()
            body = json.loads(raw) if raw else None
        self.requests.append(Recorded(request.method, request.path, dict(request.query), request.content_type, body))
        parts = request.path.strip("/").split("/")
        if parts[:2] == ["apis", "authorization.k8s.io"] and parts[-1] == "selfsubjectaccessreviews":
            return self._review(body)
        if parts[:3] == ["api", "v1", "namespaces"] and len(parts) == 4:
            labels = self.namespace_labels.get(parts[3])
            if labels is None:
                return _status(403, "Forbidden", f'namespaces "{parts[3]}" is forbidden')
            return web.json_response(
                {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": parts[3], "labels": labels}}
            )
        if parts[:3] == ["api", "v1", "namespaces"] and len(parts) >= 6 and parts[4] == "pods":
            key = f"{parts[3]}/{parts[5]}"
            pod = self.pods.get(key)
            if pod is None:
                return _status(404, "NotFound", f'pods "{parts[5]}" not found')
            sub = parts[6] if len(parts) > 6 else ""
            if sub == "" and request.method == "GET":
                return web.json_response(pod)
            if sub == "ephemeralcontainers" and request.method == "PATCH":
                return self._patch(pod, body)
            if sub == "attach":
                return await self._attach(request, key, pod)
        return _status(404, "NotFound", f"no route for {request.method} {request.path}")

    def _review(self, body: dict[str, Any]) -> web.Response:
        attrs = body["spec"]["resourceAttributes"]
        resource = attrs["resource"] + (f"/{attrs['subresource']}" if attrs.get("subresource") else "")
        denied = (attrs["verb"], resource) in self.forbidden
        status = {"allowed": not denied, **({"reason": "no RBAC rule allows it"} if denied else {})}
        return web.json_response({**body, "status": status}, status=201)

    def _patch(self, pod: dict[str, Any], body: dict[str, Any]) -> web.Response:
        if self.refuse_patch is not None:
            return _status(403, "Forbidden", self.refuse_patch)
        containers = pod["spec"].setdefault("ephemeralContainers", [])
        for new in body["spec"]["ephemeralContainers"]:  # strategic merge: by name
            containers[:] = [c for c in containers if c["name"] != new["name"]] + [new]
            pod["status"].setdefault("ephemeralContainerStatuses", []).append(
                {
                    "name": new["name"],
                    "image": new["image"],
                    "imageID": "",
                    "ready": False,
                    "restartCount": 0,
                    "state": {"running": {"startedAt": "2026-01-01T00:00:00Z"}},
                }
            )
        return web.json_response(pod)

    async def _attach(self, request: web.Request, key: str, pod: dict[str, Any]) -> web.StreamResponse:
        name = request.query.get("container")
        spec = next((c for c in pod["spec"].get("ephemeralContainers", []) if c["name"] == name), None)
        if spec is None:
            return _status(400, "BadRequest", f"container {name} is not valid for pod {key}")
        ws = web.WebSocketResponse(protocols=("v4.channel.k8s.io",))
        await ws.prepare(request)
        # An image "without tcpdump" is played by a PATH where it cannot be found.
        env = {"PATH": "/nonexistent"} if spec["image"].startswith("busybox") else None
        proc = await asyncio.create_subprocess_exec(
            shutil.which("ip") or "ip", "netns", "exec", self.netns[key], "/bin/sh", "-c", spec["command"][2], env=env,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        self._procs.append(proc)
        self.attached.set()
        assert proc.stdin is not None
        assert proc.stdout is not None
        assert proc.stderr is not None
        pumps = [
            asyncio.create_task(self._pump(proc.stdout, ws, STDOUT)),
            asyncio.create_task(self._pump(proc.stderr, ws, STDERR)),
        ]
        reader = asyncio.create_task(self._from_client(ws, proc.stdin))
        await asyncio.gather(*pumps)
        code = await proc.wait()
        self.exit_codes.append(code)
        if not ws.closed:
            status = {"metadata": {}, "status": "Success" if code == 0 else "Failure"}
            await ws.send_bytes(bytes([ERROR]) + json.dumps(status).encode())
            await ws.close()
        reader.cancel()
        return ws

    async def _pump(self, stream: asyncio.StreamReader, ws: web.WebSocketResponse, channel: int) -> None:
        tail = b""
        while chunk := await stream.read(65536):
            if channel == STDOUT and MARKER in tail + chunk:
                self.marker_seen.set()
            tail = (tail + chunk)[-len(MARKER) :]
            if not ws.closed:
                await ws.send_bytes(bytes([channel]) + chunk)

    async def _from_client(self, ws: web.WebSocketResponse, stdin: asyncio.StreamWriter) -> None:
        try:
            async for msg in ws:
                if msg.type == WSMsgType.BINARY and msg.data[:1] == bytes([STDIN]):
                    stdin.write(msg.data[1:])
                    await stdin.drain()
        finally:
            stdin.close()  # stdinOnce: the container sees EOF when the client goes away


def _status(code: int, reason: str, message: str) -> web.Response:
    return web.json_response(
        {"apiVersion": "v1", "kind": "Status", "status": "Failure", "message": message, "reason": reason, "code": code},
        status=code,
    )
