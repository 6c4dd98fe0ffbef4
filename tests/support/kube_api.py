"""A live emulated Kubernetes API server for tests: real HTTP on 127.0.0.1, real client.

``KubeAPI`` runs ``kube_emulator.KubeEmulator`` (kmock plus the glue a real client needs) on
its own event loop in a background thread, writes a kubeconfig pointing at it, and offers
thread-safe helpers: create / patch / replace / delete objects, inject faults (410 Gone,
BOOKMARK, dropped connections, 5xx, 403 rules, a slow server) and stop / restart the server
on the same port. The ``kube_api`` pytest fixture (exposed in ``tests/conftest.py``) gives
each test a fresh one::

    def test_something(kube_api):
        kube_api.create(pod_dict("web-1", namespace="shop"))
        source = LiveSource.from_options(GlobalOptions(kubeconfig=str(kube_api.kubeconfig)))

Run standalone (``python -m tests.support.kube_api --kubeconfig K [--synthetic]``) to point
a kubetraffic at it by hand or from a benchmark.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import aiohttp.web
import pytest
import yaml

from tests.support.kube_emulator import ANY, GATEWAY_KINDS, Fault, Kind, KubeEmulator

T = TypeVar("T")


class KubeAPI:
    """An emulated API server in a background thread, driven synchronously from tests."""

    def __init__(self, kubeconfig: Path, *, namespace: str = "default", context: str = "emulated") -> None:
        self.kubeconfig = kubeconfig
        self.namespace = namespace
        self.context = context
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="emulated-apiserver", daemon=True)
        self._runner: aiohttp.web.ServerRunner | None = None
        self.emulator: KubeEmulator

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> KubeAPI:
        """Start the loop and the server (on the same port as before, after a stop)."""
        if not self._thread.is_alive():
            self._thread.start()
            self.emulator = self._call(self._make_emulator)
        self._call(self._start_server)
        self.write_kubeconfig(self.kubeconfig, namespace=self.namespace, context=self.context)
        return self

    def stop(self) -> None:
        """Kill the HTTP server (open connections are cut); objects stay for a restart."""
        self._call(self._stop_server)

    def close(self) -> None:
        """Stop everything and the thread; safe to call twice."""
        if self._thread.is_alive():
            self._call(self._stop_server)
            self._call(self._exit_emulator)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)

    async def _make_emulator(self) -> KubeEmulator:
        emulator = KubeEmulator()
        await emulator.__aenter__()
        return emulator

    async def _exit_emulator(self) -> None:
        await self.emulator.__aexit__(None, None, None)

    async def _start_server(self) -> None:
        if self._runner is not None:
            return
        self.emulator.stopping = False
        server = aiohttp.web.Server(self.emulator, handler_cancellation=True)
        runner = aiohttp.web.ServerRunner(server, shutdown_timeout=0.2)
        await runner.setup()
        site = aiohttp.web.TCPSite(runner, "127.0.0.1", self.port, reuse_address=True)
        await site.start()
        self.port = runner.addresses[0][1]
        self._runner = runner

    async def _stop_server(self) -> None:
        if self._runner is None:
            return
        self.emulator.stopping = True
        self.emulator.drop_connections()
        await self._runner.cleanup()
        self._runner = None

    def _call(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` (sync, or returning a coroutine) on the server's loop; return its result."""

        async def run() -> Any:
            result = fn()
            return await result if asyncio.iscoroutine(result) else result

        future: concurrent.futures.Future[Any] = asyncio.run_coroutine_threadsafe(run(), self._loop)
        return future.result(timeout=30)

    @property
    def url(self) -> str:
        """The server's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def write_kubeconfig(
        self, path: Path, *, namespace: str | None = "default", context: str = "emulated", user: str = "tester"
    ) -> Path:
        """A kubeconfig whose only context points at this server (token auth over plain HTTP)."""
        ctx: dict[str, Any] = {"cluster": context, "user": user}
        if namespace:
            ctx["namespace"] = namespace
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": context, "cluster": {"server": self.url}}],
            "users": [{"name": user, "user": {"token": "test-token"}}],
            "contexts": [{"name": context, "context": ctx}],
            "current-context": context,
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(config))
        return path

    # ------------------------------------------------------------------ objects
    def kind(self, kind_or_plural: str) -> Kind:
        """The served resource for ``Pod`` / ``pods`` / ``NetworkPolicy`` / ..."""
        return self.emulator.kinds[kind_or_plural]

    def create(self, obj: dict[str, Any]) -> dict[str, Any]:
        """Create an object (its ``kind`` says where); returns it as stored."""
        kind = self.kind(obj["kind"])
        return self._call(lambda: self.emulator.create(kind, (obj.get("metadata") or {}).get("namespace"), obj))

    def load(self, objects: Iterable[dict[str, Any]]) -> int:
        """Create many objects at once (kinds the server does not serve are skipped)."""

        def run() -> int:
            n = 0
            for obj in objects:
                kind = self.emulator.kinds.get(obj.get("kind", ""))
                if kind is not None:
                    self.emulator.create(kind, (obj.get("metadata") or {}).get("namespace"), obj)
                    n += 1
            return n

        return int(self._call(run))

    def patch(self, kind: str, namespace: str | None, name: str, patch: dict[str, Any]) -> dict[str, Any]:
        """Merge-patch an object."""
        return self._call(lambda: self.emulator.patch(self.kind(kind), namespace, name, patch))

    def replace(self, obj: dict[str, Any]) -> dict[str, Any]:
        """Replace an object by its kind, namespace and name."""
        md = obj["metadata"]
        return self._call(lambda: self.emulator.replace(self.kind(obj["kind"]), md.get("namespace"), md["name"], obj))

    def delete(self, kind: str, namespace: str | None, name: str) -> dict[str, Any]:
        """Delete an object; returns its last state."""
        return self._call(lambda: self.emulator.delete(self.kind(kind), namespace, name))

    def get(self, kind: str, namespace: str | None, name: str) -> dict[str, Any] | None:
        """One stored object, or None."""
        return self._call(lambda: self.emulator.current(self.kind(kind), namespace, name))

    def objects(self, kind: str) -> list[dict[str, Any]]:
        """Every stored object of a kind."""
        return self._call(lambda: self.emulator.stored(self.kind(kind)))

    def install_gateway_api(self) -> None:
        """Serve the Gateway API kinds, as installing its CRDs would."""
        self._call(lambda: [self.emulator.declare(k) for k in GATEWAY_KINDS])

    # ------------------------------------------------------------------ faults
    def expire(self) -> None:
        """Compact history and end open watches with 410 Gone."""
        self._call(self.emulator.expire)

    def compact(self) -> None:
        """Compact history: resuming from an older resourceVersion is 410 Gone."""
        self._call(self.emulator.compact)

    def bookmark(self) -> int:
        """Send a BOOKMARK to every watch that asked for them; returns its resourceVersion."""
        self._call(self.emulator.bookmark)
        return self.resource_version

    def drop_connections(self) -> int:
        """Cut every open connection, as a network blip would."""
        return int(self._call(self.emulator.drop_connections))

    def fail(self, status: int = 500, *, verb: str | None = None, plural: str | None = None, times: int = 1) -> None:
        """Answer the next ``times`` matching requests with ``status``."""
        self._call(lambda: self.emulator.faults.append(Fault(status, verb, plural, times)))

    def forbid(self, verb: str, plural: str, namespace: Any = ANY) -> None:
        """RBAC: 403 for ``verb`` on ``plural`` (in one namespace, at cluster scope "", or ANY)."""
        self._call(lambda: self.emulator.forbid(verb, plural, namespace))

    def allow(self, verb: str, plural: str, namespace: Any = ANY) -> None:
        """Undo a forbid()."""
        self._call(lambda: self.emulator.allow(verb, plural, namespace))

    def set_access_reviews(self, served: bool) -> None:
        """Whether SelfSubjectAccessReview / RulesReview are answered (else 404)."""
        self._call(lambda: setattr(self.emulator, "reviews", served))

    def close_watches(self, close: bool = True) -> None:
        """End every watch stream right after its headers (as a misbehaving proxy might)."""
        self._call(lambda: setattr(self.emulator, "close_watches", close))

    def slow(self, seconds: float) -> None:
        """Delay every request by ``seconds`` (0 to stop)."""
        self._call(lambda: setattr(self.emulator, "delay", seconds))

    @property
    def resource_version(self) -> int:
        """The cluster's current resourceVersion."""
        return int(self._call(lambda: self.emulator.resource_version))

    def open_watches(self, plural: str | None = None) -> int:
        """Watch streams being served right now."""
        return int(self._call(lambda: self.emulator.open_watches(plural)))

    def requests(self, verb: str | None = None, plural: str | None = None) -> list[dict[str, Any]]:
        """Requests served so far: verb (list/watch/get/...), plural, namespace, query params, Accept."""
        from tests.support.kube_emulator import VERBS

        def run() -> list[dict[str, Any]]:
            out = []
            for r in list(self.emulator._requests):
                if r.resource is None:
                    continue
                res_plural = "namespaces" if r.resource.plural == "kmock-namespaces" else r.resource.plural
                v = VERBS.get(r.action, str(r.method).lower()) if r.action else str(r.method).lower()
                if verb in (None, v) and plural in (None, res_plural):
                    accept = r.headers.get("Accept", "")
                    out.append(
                        {
                            "verb": v,
                            "plural": res_plural,
                            "namespace": r.namespace,
                            "params": dict(r.params),
                            "accept": accept,
                        }
                    )
            return out

        return list(self._call(run))

    def wait_requests(self, verb: str, plural: str, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Wait until at least ``count`` such requests were served; returns them."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.requests(verb, plural)
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.01)


@pytest.fixture
def kube_api(tmp_path: Path) -> Iterator[KubeAPI]:
    """A fresh emulated API server with a kubeconfig at ``kube_api.kubeconfig``."""
    api = KubeAPI(tmp_path / "kubeconfig").start()
    try:
        yield api
    finally:
        api.close()


def main() -> None:
    """Serve until interrupted; ``--synthetic`` loads the benchmark cluster."""
    parser = argparse.ArgumentParser(description="an emulated Kubernetes API server on 127.0.0.1")
    parser.add_argument("--kubeconfig", required=True, type=Path)
    parser.add_argument("--synthetic", action="store_true", help="load bench.synth's 10,000-pod cluster")
    parser.add_argument("--pods", type=int, default=None, help="pods in the synthetic cluster")
    args = parser.parse_args()
    api = KubeAPI(args.kubeconfig).start()
    if args.synthetic:
        from bench.synth import Shape, generate

        shape = Shape() if args.pods is None else Shape(pods=args.pods)
        n = api.load(generate(shape))
        print(f"loaded {n} objects", flush=True)
    print(f"serving {api.url} (kubeconfig {args.kubeconfig})", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    api.close()


if __name__ == "__main__":
    main()
