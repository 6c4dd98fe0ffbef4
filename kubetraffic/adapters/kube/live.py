"""The live source: the cluster behind the kubeconfig, listed then watched.

``open()`` checks the API server answers (else exit code 3, naming the server), discovers
which kinds are served, asks RBAC what may be read, lists every kind in parallel threads and
builds the ClusterState. ``follow()`` then starts the watches; their events reach the
consumer in batches from one thread. Reading is cluster-wide when allowed, because traffic
and policy cross namespaces; where only namespace-level access is granted, the scoped
namespace (``-n`` or the context's) is read and the gap is said.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator
from typing import Any, Protocol

from kubetraffic.adapters.kube.access import Access, review_access
from kubetraffic.adapters.kube.api import ApiError, KubeApi, Unreachable
from kubetraffic.adapters.kube.hub import EventHub
from kubetraffic.adapters.kube.kubeconfig import ClusterConfig, load_cluster_config
from kubetraffic.adapters.kube.reflector import Reflector, Settings
from kubetraffic.adapters.kube.resources import RESOURCES, Resource, Served, discover
from kubetraffic.adapters.source import EventSink, LoadReport, SourceError, StatusSink, bulk_load, scrub
from kubetraffic.core.convert import ConversionError, convert
from kubetraffic.core.events import ChangeEvent, ResourceStatus, SourceInfo
from kubetraffic.core.state import ClusterState


class Flags(Protocol):
    """The global flags the live source reads (cli.options.GlobalOptions has them)."""

    kubeconfig: str | None
    context: str | None
    namespace: str | None


def relax_full_collections() -> None:
    """Make full garbage collections ten times rarer while events stream into the model.

    After ``open()`` the model's objects are frozen out of the collector's sight
    (``bulk_load``), but every watch event adds new long-lived objects, and with the default
    thresholds a full collection rescans all of them every few thousand events: a third of
    the time of a rollout's burst of events. The model makes no reference cycles, so cyclic
    garbage (from elsewhere) merely waits a little longer.
    """
    gen0, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(gen0, gen1, max(gen2, 100))


class ClusterUnreachable(SourceError):
    """The API server does not answer (or refuses our credentials)."""

    exit_code = 3


class LiveSource:
    """A live cluster as a ClusterSource: initial state, then batched change events."""

    def __init__(
        self,
        cluster: ClusterConfig,
        *,
        namespace: str | None = None,
        settings: Settings | None = None,
        batch_window: float = 0.05,
        resources: tuple[Resource, ...] = RESOURCES,
    ) -> None:
        self.cluster = cluster
        self.namespace = namespace or cluster.namespace
        self.settings = settings or Settings()
        self.resources = resources
        self.info = SourceInfo(mode="live", context=cluster.context, server=cluster.server, namespace=self.namespace)
        self.report = LoadReport()
        self.server_version = ""
        self.unavailable: list[Resource] = []
        self._hub = EventHub(window=batch_window)
        self._stop = threading.Event()
        self._go = threading.Event()
        self._reflectors: list[Reflector] = []
        self._api: KubeApi | None = None

    @classmethod
    def from_options(cls, opts: Flags) -> LiveSource:
        """Build from the global flags: --kubeconfig / KUBECONFIG, --context, -n."""
        cluster = load_cluster_config(opts.kubeconfig, opts.context)
        return cls(cluster, namespace=opts.namespace)

    # ------------------------------------------------------------------ open
    def _api_or_fail(self) -> KubeApi:
        if self._api is None:
            s = self.settings
            self._api = KubeApi(self.cluster.configuration, timeout=(s.connect_timeout, s.read_timeout))
        return self._api

    def _unreachable(self, exc: Exception) -> ClusterUnreachable:
        return ClusterUnreachable(
            f"cannot reach the API server {self.cluster.server} (context {self.cluster.context}): {exc}"
        )

    def _plan(self) -> list[Reflector]:
        """Probe the server, discover the served kinds and what RBAC lets us read."""
        if self._reflectors:
            return self._reflectors
        api = self._api_or_fail()
        try:
            version = api.get_json("/version")
            self.server_version = str(version.get("gitVersion") or "")
            served, self.unavailable = discover(api, self.resources)
            access = review_access(api, served, self.namespace)
        except Unreachable as exc:
            raise self._unreachable(exc) from None
        except ApiError as exc:
            if exc.status in (401, 403):
                raise ClusterUnreachable(
                    f"the API server {self.cluster.server} refused the credentials of context "
                    f"{self.cluster.context} ({exc.status} {exc.reason})"
                ) from None
            raise self._unreachable(exc) from None
        for res in self.unavailable:
            self._hub.status(ResourceStatus(res.kind, "unavailable", "not served by this API server"))
        self._reflectors = [self._reflector(api, s, access.get(s.kind)) for s in served]
        return self._reflectors

    def open(self) -> ClusterState:
        """List everything (blocking); raises ClusterUnreachable when the server does not answer."""
        reflectors = self._plan()
        if any(r.thread.ident is not None for r in reflectors):
            raise RuntimeError("LiveSource.open() was already called; the state it returned stays current via follow()")
        with bulk_load():  # the lists build the model's long-lived objects: no GC rescans
            for reflector in reflectors:
                reflector.start()
            for reflector in reflectors:
                while not reflector.synced.wait(0.1):  # short waits keep Ctrl+C responsive
                    pass
            fatal = next((r.fatal for r in reflectors if r.fatal is not None), None)
            if fatal is not None:
                self.close()
                raise self._unreachable(fatal)
            return self._build_state()

    def progress(self) -> str:
        """How far ``open()`` has got, for a progress display (safe from any thread)."""
        reflectors = list(self._reflectors)
        if not reflectors:
            return f"contacting {self.cluster.server} (context {self.cluster.context})"
        done = sum(1 for r in reflectors if r.synced.is_set())
        objects = sum(r.seen for r in reflectors)
        waiting = [r.served.resource.plural for r in reflectors if not r.synced.is_set()]
        line = f"listing {self.cluster.context}: {done}/{len(reflectors)} kinds, {objects:,} objects"
        if waiting:
            shown = ", ".join(waiting[:3]) + (f" and {len(waiting) - 3} more" if len(waiting) > 3 else "")
            line += f" (waiting for {shown})"
        return line

    def _reflector(self, api: KubeApi, served: Served, access: Access | None) -> Reflector:
        return Reflector(
            api,
            served,
            self._hub,
            scope=access.scope if access else None,
            fallback_namespace=self.namespace,
            settings=self.settings,
            stop=self._stop,
            go=self._go,
            denied=access.verb if access and access.denied else "",
            watch_allowed=access.watch if access else True,
        )

    def _build_state(self) -> ClusterState:
        state = ClusterState(info=self.info)
        for reflector in self._reflectors:
            for obj in reflector.initial_objects():
                state.apply(ChangeEvent("ADDED", reflector.kind, obj.meta.key, obj))
                self.report.objects += 1
            self.report.problems.extend(reflector.problems)
        state.gaps = self.gaps()
        return state

    # ------------------------------------------------------------------ follow
    def follow(self, on_events: EventSink, on_status: StatusSink) -> None:
        """Start the watches; events and status changes arrive on one background thread."""
        relax_full_collections()
        self._hub.start(on_events, on_status)
        self._go.set()

    def statuses(self) -> list[ResourceStatus]:
        """The current status of every kind (listing, watching, forbidden, ...)."""
        return self._hub.statuses()

    def gaps(self) -> dict[str, str]:
        """Kinds not (fully) visible and what answers lose without them; changes while following."""
        out: dict[str, str] = {}
        for reflector in self._reflectors:
            gap = reflector.gap
            if gap is None and reflector.scope:
                res = reflector.served.resource
                gap = (
                    f"{res.title} visible only in namespace {reflector.scope} (cannot list them at cluster scope): "
                    "answers involving other namespaces may be incomplete"
                )
            if gap:
                out[reflector.kind] = gap
        return out

    def close(self) -> None:
        """Stop every thread promptly (a watch blocked in a read is interrupted); idempotent."""
        self._stop.set()
        self._go.set()
        for reflector in self._reflectors:
            reflector.halt()
        self._hub.stop()
        deadline = time.monotonic() + 1.0
        for reflector in self._reflectors:
            if reflector.thread.ident is not None:  # started
                reflector.thread.join(max(0.0, deadline - time.monotonic()))
        if self._api is not None and all(not r.thread.is_alive() for r in self._reflectors):
            self._api.close()

    # ------------------------------------------------------------------ export
    def raw_objects(self) -> Iterator[dict[str, Any]]:
        """A fresh paginated list of every kind kubetraffic uses, scrubbed, kind by kind.

        Kinds that cannot be read are skipped and named in ``gaps()``.
        """
        for reflector in self._plan():
            try:
                for item in reflector.export():
                    yield scrub(_as_object(reflector.served, item))
            except Unreachable as exc:
                raise self._unreachable(exc) from None
            except ApiError as exc:
                raise ClusterUnreachable(f"listing {reflector.served.resource.plural} failed: {exc}") from None
            self.report.problems.extend(reflector.problems)


def _as_object(served: Served, item: dict[str, Any]) -> dict[str, Any]:
    """A list item as a standalone manifest (lists leave kind/apiVersion out)."""
    res = served.resource
    if res.metadata_only:  # Secrets: keep only the annotations the model keeps (others may hold data)
        obj = {"apiVersion": served.api_version, "kind": res.kind, "metadata": dict(item.get("metadata") or {})}
        try:
            kept = convert(obj)[1].meta.annotations
        except (ConversionError, KeyError):
            kept = {}
        obj["metadata"].pop("annotations", None)
        if kept:
            obj["metadata"]["annotations"] = dict(kept)
        return obj
    return {
        "apiVersion": served.api_version,
        "kind": res.kind,
        **{k: v for k, v in item.items() if k not in ("kind", "apiVersion")},
    }
