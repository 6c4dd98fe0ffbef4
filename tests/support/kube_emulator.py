"""kmock's KubernetesEmulator plus the glue the official client needs from a real API server.

kmock stores objects and serves list/watch/create/patch/delete over HTTP. A real server also
stamps resourceVersion/uid/namespace, gives lists a resourceVersion and pages them
(``limit``/``continue``), resumes watches from a resourceVersion without replaying what was
listed, filters by label and field selectors, serves ``/api/v1/namespaces`` and ``/version/``,
answers access reviews, sends BOOKMARK and 410 Gone, and refuses with 403 what RBAC forbids.
This module adds those, keeping kmock's storage (``emulator.objects``) and its reactions DSL.
Everything here runs on the emulator's event loop; ``kube_api.KubeAPI`` is the thread-safe
face tests use.
"""

from __future__ import annotations

import asyncio
import bisect
import copy
import datetime
import hashlib
import re
import secrets
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp.web
import attrs
import kmock
from kmock._internal import apps, enums, rendering  # the emulator's own extension points

ANY = object()
"""A forbid() scope: every namespace and the cluster scope."""


@dataclass(frozen=True)
class Kind:
    """One served resource: how objects of ``kind`` are addressed."""

    kind: str
    group: str
    version: str
    plural: str
    namespaced: bool

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def resource(self) -> kmock.resource:
        return kmock.resource(self.group, self.version, self.plural)


def _k(kind: str, gv: str, plural: str, namespaced: bool = True) -> Kind:
    group, _, version = gv.rpartition("/")
    return Kind(kind, group, version, plural, namespaced)


CORE_KINDS = (
    _k("Namespace", "v1", "namespaces", False),
    _k("Node", "v1", "nodes", False),
    _k("Pod", "v1", "pods"),
    _k("Service", "v1", "services"),
    _k("Endpoints", "v1", "endpoints"),
    _k("Secret", "v1", "secrets"),
    _k("ConfigMap", "v1", "configmaps"),
    _k("EndpointSlice", "discovery.k8s.io/v1", "endpointslices"),
    _k("Ingress", "networking.k8s.io/v1", "ingresses"),
    _k("IngressClass", "networking.k8s.io/v1", "ingressclasses", False),
    _k("NetworkPolicy", "networking.k8s.io/v1", "networkpolicies"),
    _k("Deployment", "apps/v1", "deployments"),
    _k("ReplicaSet", "apps/v1", "replicasets"),
    _k("StatefulSet", "apps/v1", "statefulsets"),
    _k("DaemonSet", "apps/v1", "daemonsets"),
    _k("Job", "batch/v1", "jobs"),
    _k("CronJob", "batch/v1", "cronjobs"),
)
GATEWAY_KINDS = (
    _k("GatewayClass", "gateway.networking.k8s.io/v1", "gatewayclasses", False),
    _k("Gateway", "gateway.networking.k8s.io/v1", "gateways"),
    _k("HTTPRoute", "gateway.networking.k8s.io/v1", "httproutes"),
    _k("ReferenceGrant", "gateway.networking.k8s.io/v1beta1", "referencegrants"),
    _k("XListenerSet", "gateway.networking.x-k8s.io/v1alpha1", "xlistenersets"),
)
REVIEW_KINDS = (
    _k("SelfSubjectAccessReview", "authorization.k8s.io/v1", "selfsubjectaccessreviews", False),
    _k("SelfSubjectRulesReview", "authorization.k8s.io/v1", "selfsubjectrulesreviews", False),
)
VERBS = {
    enums.action.LIST: "list",
    enums.action.WATCH: "watch",
    enums.action.FETCH: "get",
    enums.action.CREATE: "create",
    enums.action.UPDATE: "patch",
    enums.action.DELETE: "delete",
}
_NAMESPACE_PATH = re.compile(r"/api/v1/namespaces(/[^/]+(/(status|finalize))?)?")
_NS_PLACEHOLDER = "kmock-namespaces"  # kmock's path parser reads /api/v1/namespaces/X as a namespace


def _now() -> str:
    return datetime.datetime.now(tz=datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def merge_patch(base: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch: dicts merge, ``None`` deletes, anything else replaces."""
    if not isinstance(patch, Mapping):
        return copy.deepcopy(patch)
    out = dict(base) if isinstance(base, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def parse_label_selector(text: str) -> Callable[[Mapping[str, str]], bool]:
    """Equality-based selectors (``a=b``, ``a==b``, ``a!=b``, ``a``, ``!a``), comma-joined."""
    tests: list[Callable[[Mapping[str, str]], bool]] = []
    for term in filter(None, (t.strip() for t in text.split(","))):
        if "!=" in term:
            k, v = (s.strip() for s in term.split("!=", 1))
            tests.append(lambda labels, k=k, v=v: labels.get(k) != v)
        elif "=" in term:
            k, v = (s.strip() for s in term.replace("==", "=").split("=", 1))
            tests.append(lambda labels, k=k, v=v: labels.get(k) == v)
        elif term.startswith("!"):
            absent = term[1:].strip()
            tests.append(lambda labels, k=absent: k not in labels)
        elif re.fullmatch(r"[\w./-]+", term):
            tests.append(lambda labels, k=term: k in labels)
        else:
            raise kmock.KubernetesError(status=400, reason="BadRequest", message=f"unsupported label selector {term!r}")
    return lambda labels: all(t(labels) for t in tests)


def parse_field_selector(text: str) -> Callable[[Mapping[str, Any]], bool]:
    """Field selectors on dotted paths (``metadata.name=x``, ``type!=y``), comma-joined."""
    tests: list[Callable[[Mapping[str, Any]], bool]] = []
    for term in filter(None, (t.strip() for t in text.split(","))):
        negate = "!=" in term
        path, _, value = term.replace("!=", "=").replace("==", "=").partition("=")

        def test(
            obj: Mapping[str, Any], path: str = path.strip(), value: str = value.strip(), negate: bool = negate
        ) -> bool:
            cur: Any = obj
            for part in path.split("."):
                cur = cur.get(part) if isinstance(cur, Mapping) else None
            return (str(cur if cur is not None else "") == value) != negate

        tests.append(test)
    return lambda obj: all(t(obj) for t in tests)


def _metadata_only(headers: Mapping[str, str]) -> bool:
    return "as=PartialObjectMetadata" in headers.get("Accept", "")


@dataclass
class _OpenWatch:
    request: rendering.Request
    kind: Kind
    bookmarks: bool
    gone: bool = False


@dataclass
class Fault:
    """Answer matching requests with an error ``times`` times (verb/plural None = any)."""

    status: int
    verb: str | None = None
    plural: str | None = None
    times: int = 1

    def matches(self, verb: str, plural: str) -> bool:
        return self.times > 0 and self.verb in (None, verb) and self.plural in (None, plural)


@dataclass
class _Log:
    """Every change of one resource, in resourceVersion order (what a watch replays)."""

    rvs: list[int] = field(default_factory=list)
    entries: list[tuple[str, dict[str, Any] | None]] = field(default_factory=list)

    def add(self, rv: int, event_type: str, obj: dict[str, Any] | None) -> None:
        self.rvs.append(rv)
        self.entries.append((event_type, obj))


@attrs.define(kw_only=True)
class KubeEmulator(kmock.KubernetesEmulator):
    """The emulated API server: kmock's emulator with resourceVersions, paging, RBAC and faults."""

    user: str = "tester"
    delay: float = 0.0
    reviews: bool = True
    kinds: dict[str, Kind] = attrs.field(factory=dict, init=False)
    _rv: int = attrs.field(default=100, init=False)
    _compacted: int = attrs.field(default=0, init=False)
    _logs: dict[str, _Log] = attrs.field(factory=dict, init=False)
    # The latest version of every live object by plural and (namespace, name): kmock's own
    # store keeps full histories and is scanned whole on each lookup, too slow for 10,000 pods.
    _live: dict[str, dict[tuple[str | None, str], dict[str, Any]]] = attrs.field(factory=dict, init=False)
    _tick: asyncio.Event = attrs.field(factory=asyncio.Event, init=False)
    _watches: list[_OpenWatch] = attrs.field(factory=list, init=False)
    _inflight: dict[int, aiohttp.web.BaseRequest] = attrs.field(factory=dict, init=False)
    _pages: dict[str, tuple[int, list[dict[str, Any]]]] = attrs.field(factory=dict, init=False)
    _results: dict[int, dict[str, Any]] = attrs.field(factory=dict, init=False)
    _forbidden: set[tuple[str, str, Any]] = attrs.field(factory=set, init=False)
    faults: list[Fault] = attrs.field(factory=list, init=False)
    stopping: bool = attrs.field(default=False, init=False)
    close_watches: bool = attrs.field(default=False, init=False)

    def __attrs_post_init__(self) -> None:
        super().__attrs_post_init__()
        self.fallback["get /version/"] << self._serve_server_version
        for kind in (*CORE_KINDS, *REVIEW_KINDS):
            self.declare(kind)

    def declare(self, kind: Kind) -> None:
        """Serve a resource (as a CRD would): discovery, list, watch and writes."""
        self.kinds[kind.plural] = self.kinds[kind.kind] = kind
        verbs = ["create"] if kind in REVIEW_KINDS else ["get", "list", "watch", "create", "patch", "update", "delete"]
        self.resources[kind.resource] = kmock.ResourceInfo(kind=kind.kind, namespaced=kind.namespaced, verbs=verbs)

    # ------------------------------------------------------------------ HTTP entry
    async def __call__(self, raw_request: aiohttp.web.BaseRequest) -> aiohttp.web.StreamResponse:
        if _NAMESPACE_PATH.fullmatch(raw_request.path):
            path = raw_request.path.replace("/namespaces", f"/{_NS_PLACEHOLDER}", 1)
            query = f"?{raw_request.query_string}" if raw_request.query_string else ""
            raw_request = raw_request.clone(rel_url=path + query)
        self._inflight[id(raw_request)] = raw_request
        try:
            return await super().__call__(raw_request)
        finally:
            self._inflight.pop(id(raw_request), None)

    async def _handle(self, request: rendering.Request) -> aiohttp.web.StreamResponse:
        if request.resource is not None and request.resource.plural == _NS_PLACEHOLDER:
            fixed = attrs.evolve(request, resource=self.kinds["Namespace"].resource)
            # kmock's views find requests by identity in the recorded list: record the fixed one.
            for i in range(len(self._requests) - 1, -1, -1):
                if self._requests[i] is request:
                    self._requests[i] = fixed
                    break
            request = fixed
        if self.delay:
            await asyncio.sleep(self.delay)
        kind = self.kinds.get(request.resource.plural or "") if request.resource is not None else None
        if kind is None:
            return await apps.RawHandler._handle(self, request)
        verb = "update" if request.method == enums.method.PUT else VERBS.get(request.action, "")  # type: ignore[arg-type]
        self._check_faults(verb, kind.plural)
        if kind in REVIEW_KINDS:
            return aiohttp.web.json_response(self._review(kind, request.data or {}), status=201)
        self._check_access(verb, kind, request.namespace)
        if verb == "update" and request.name:
            return aiohttp.web.json_response(self.replace(kind, request.namespace, request.name, request.data or {}))
        if request.subresource in (None, "status", "ephemeralcontainers"):
            if verb == "create":
                self._results[request.id] = self.create(kind, request.namespace, request.data or {})
            elif verb == "patch" and request.name:
                self._results[request.id] = self.patch(kind, request.namespace, request.name, request.data or {})
            elif verb == "delete" and request.name:
                self._results[request.id] = self.delete(kind, request.namespace, request.name)
        return await apps.RawHandler._handle(self, request)

    def _check_faults(self, verb: str, plural: str) -> None:
        for fault in self.faults:
            if fault.matches(verb, plural):
                fault.times -= 1
                raise kmock.KubernetesError(status=fault.status, reason="InternalError", message="injected fault")

    def forbid(self, verb: str, plural: str, namespace: Any = ANY) -> None:
        """Answer ``verb`` on ``plural`` with 403: in one namespace, at cluster scope ("") or ANY."""
        self._forbidden.add((verb, plural, namespace))

    def allow(self, verb: str, plural: str, namespace: Any = ANY) -> None:
        """Undo one forbid()."""
        self._forbidden.discard((verb, plural, namespace))

    def forbidden(self, verb: str, plural: str, namespace: str | None) -> bool:
        """Whether RBAC (as configured) refuses ``verb`` on ``plural`` in ``namespace`` (None = cluster)."""
        scope = namespace or ""
        return any((verb, plural, s) in self._forbidden for s in (ANY, scope))

    def _check_access(self, verb: str, kind: Kind, namespace: str | None) -> None:
        if self.forbidden(verb, kind.plural, namespace):
            where = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
            qualified = f"{kind.plural}.{kind.group}" if kind.group else kind.plural
            raise kmock.KubernetesError(
                status=403,
                reason="Forbidden",
                message=f'{qualified} is forbidden: User "{self.user}" cannot {verb} resource "{kind.plural}" '
                f'in API group "{kind.group}" {where}',
                details={"kind": kind.plural, "group": kind.group},
            )

    def _review(self, kind: Kind, body: Mapping[str, Any]) -> dict[str, Any]:
        if not self.reviews:
            raise kmock.KubernetesError(status=404, reason="NotFound", message="access reviews are not served")
        spec = body.get("spec") or {}
        out = dict(body, apiVersion=kind.api_version, kind=kind.kind)
        if kind.kind == "SelfSubjectAccessReview":
            attrs_ = spec.get("resourceAttributes") or {}
            allowed = not self.forbidden(attrs_.get("verb", ""), attrs_.get("resource", ""), attrs_.get("namespace"))
            out["status"] = {"allowed": allowed, **({} if allowed else {"reason": "forbidden by test RBAC"})}
        else:
            namespace = spec.get("namespace") or None
            rules = []
            for k in {k.plural: k for k in self.kinds.values() if k not in REVIEW_KINDS}.values():
                verbs = [v for v in ("get", "list", "watch") if not self.forbidden(v, k.plural, namespace)]
                if verbs:
                    rules.append({"verbs": verbs, "apiGroups": [k.group], "resources": [k.plural]})
            out["status"] = {"resourceRules": rules, "nonResourceRules": [], "incomplete": False}
        return out

    # ------------------------------------------------------------------ storage
    def next_rv(self) -> int:
        """Advance the cluster-wide resourceVersion."""
        self._rv += 1
        return self._rv

    @property
    def resource_version(self) -> int:
        return self._rv

    def _key(self, kind: Kind, namespace: str | None, name: str) -> tuple[kmock.resource, str | None, str]:
        return (kind.resource, namespace if kind.namespaced else None, name)

    def current(self, kind: Kind, namespace: str | None, name: str) -> dict[str, Any] | None:
        """The stored object, or None."""
        return self._live.get(kind.plural, {}).get((namespace if kind.namespaced else None, name))

    def stored(self, kind: Kind) -> list[dict[str, Any]]:
        """Every live object of a kind."""
        return list(self._live.get(kind.plural, {}).values())

    def _record(self, kind: Kind, rv: int, event_type: str, obj: dict[str, Any] | None) -> None:
        self._logs.setdefault(kind.plural, _Log()).add(rv, event_type, obj)
        self._tick.set()
        self._tick = asyncio.Event()

    def _store(self, kind: Kind, obj: dict[str, Any], event_type: str) -> dict[str, Any]:
        md = obj["metadata"]
        key = self._key(kind, md.get("namespace"), md["name"])
        if key in self.objects:
            self.objects[key].create(obj)
        else:
            self.objects[key] = obj
        self._live.setdefault(kind.plural, {})[key[1:]] = obj
        self._record(kind, int(md["resourceVersion"]), event_type, obj)
        return obj

    def create(self, kind: Kind, namespace: str | None, body: Mapping[str, Any]) -> dict[str, Any]:
        """Create an object as the API server does: stamp uid, resourceVersion, namespace, defaults."""
        obj = copy.deepcopy(dict(body))
        md = obj.setdefault("metadata", {})
        if kind.namespaced:
            md["namespace"] = namespace or md.get("namespace") or "default"
        else:
            md.pop("namespace", None)
        md["name"] = md.get("name") or md.get("generateName", "obj-") + secrets.token_hex(3)[:5]
        if self.current(kind, md.get("namespace"), md["name"]) is not None:
            raise kmock.KubernetesError(
                status=409, reason="AlreadyExists", message=f'{kind.plural} "{md["name"]}" already exists'
            )
        md["uid"] = str(uuid.uuid4())
        md["creationTimestamp"] = _now()
        md.setdefault("generation", 1)
        md["resourceVersion"] = str(self.next_rv())
        obj["apiVersion"], obj["kind"] = kind.api_version, kind.kind
        _server_defaults(kind, obj)
        return self._store(kind, obj, "ADDED")

    def patch(self, kind: Kind, namespace: str | None, name: str, patch: Any) -> dict[str, Any]:
        """A merge patch (strategic-merge lists are replaced, which tests accept)."""
        old = self._existing(kind, namespace, name)
        new = merge_patch(old, patch) if isinstance(patch, Mapping) else old
        return self._update(kind, old, new)

    def replace(self, kind: Kind, namespace: str | None, name: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """PUT: the whole object replaced (identity kept)."""
        return self._update(kind, self._existing(kind, namespace, name), copy.deepcopy(dict(body)))

    def _existing(self, kind: Kind, namespace: str | None, name: str) -> dict[str, Any]:
        old = self.current(kind, namespace, name)
        if old is None:
            raise kmock.KubernetesError(status=404, reason="NotFound", message=f'{kind.plural} "{name}" not found')
        return old

    def _update(self, kind: Kind, old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
        md = dict(new.get("metadata") or {})
        for field_ in ("name", "namespace", "uid", "creationTimestamp"):
            if field_ in old["metadata"]:
                md[field_] = old["metadata"][field_]
        md["resourceVersion"] = str(self.next_rv())
        new["metadata"] = md
        new["apiVersion"], new["kind"] = kind.api_version, kind.kind
        _server_defaults(kind, new)
        return self._store(kind, new, "MODIFIED")

    def delete(self, kind: Kind, namespace: str | None, name: str) -> dict[str, Any]:
        """Delete (no finalizers); deleting a Namespace deletes what lives in it."""
        old = self._existing(kind, namespace, name)
        if kind.kind == "Namespace":
            for other in {k.plural: k for k in self.kinds.values()}.values():
                if other.namespaced:
                    for obj in self.stored(other):
                        if obj["metadata"].get("namespace") == name:
                            self.delete(other, name, obj["metadata"]["name"])
        final = {**old, "metadata": {**old["metadata"], "resourceVersion": str(self.next_rv())}}
        key = self._key(kind, namespace, name)
        self.objects[key].delete()
        del self._live[kind.plural][key[1:]]
        self._record(kind, int(final["metadata"]["resourceVersion"]), "DELETED", final)
        return final

    # ------------------------------------------------------------------ faults
    def expire(self) -> None:
        """Compact history: resuming from any earlier resourceVersion is 410 Gone, and open
        watches end with a 410 ERROR event (as when etcd compacts under a slow watcher)."""
        self._compacted = self.next_rv()
        for watch in self._watches:
            watch.gone = True
        self._wake()

    def compact(self) -> None:
        """Compact history up to now, without touching open watches."""
        self._compacted = self._rv

    def bookmark(self) -> None:
        """Send a BOOKMARK at the current resourceVersion to every watch that asked for them."""
        for kind in {k.plural: k for k in self.kinds.values()}.values():
            self._record(kind, self._rv, "BOOKMARK", None)

    def drop_connections(self) -> int:
        """Cut every open connection (watches included), as a network blip would."""
        dropped = 0
        for raw in list(self._inflight.values()):
            if raw.transport is not None:
                raw.transport.abort()
                dropped += 1
        self._wake()
        return dropped

    def open_watches(self, plural: str | None = None) -> int:
        """How many watch streams are being served (of ``plural``, or all)."""
        return sum(1 for w in self._watches if plural in (None, w.kind.plural))

    def _wake(self) -> None:
        self._tick.set()
        self._tick = asyncio.Event()

    # ------------------------------------------------------------------ reading
    def _selectors(self, request: rendering.Request) -> Callable[[dict[str, Any]], bool]:
        namespace = request.namespace
        labels = parse_label_selector(request.params.get("labelSelector", ""))
        fields = parse_field_selector(request.params.get("fieldSelector", ""))

        def match(obj: dict[str, Any]) -> bool:
            md = obj.get("metadata") or {}
            if namespace is not None and md.get("namespace") != namespace:
                return False
            return labels(md.get("labels") or {}) and fields(obj)

        return match

    def _shape(self, obj: dict[str, Any], metadata_only: bool, in_list: bool) -> dict[str, Any]:
        if metadata_only:
            return {"apiVersion": "meta.k8s.io/v1", "kind": "PartialObjectMetadata", "metadata": obj["metadata"]}
        if in_list:  # a real server leaves kind/apiVersion out of list items
            return {k: v for k, v in obj.items() if k not in ("kind", "apiVersion")}
        return obj

    async def _serve_list(self, request: rendering.Request) -> rendering.Payload:
        kind = self.kinds[request.resource.plural]  # type: ignore[union-attr]
        limit = int(request.params.get("limit") or 0)
        token = request.params.get("continue")
        if token:
            page = self._pages.pop(token, None)
            if page is None or page[0] < self._compacted:
                raise kmock.KubernetesError(
                    status=410,
                    reason="Expired",
                    message="The provided continue parameter is too old to display a consistent list result.",
                )
            rv, items = page
        else:
            match = self._selectors(request)
            rv = self._rv
            items = sorted(
                (o for o in self.stored(kind) if match(o)),
                key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"]),
            )
        shown, rest = (items[:limit], items[limit:]) if limit else (items, [])
        md: dict[str, Any] = {"resourceVersion": str(rv)}
        if rest:
            md["continue"] = secrets.token_urlsafe(12)
            md["remainingItemCount"] = len(rest)
            self._pages[md["continue"]] = (rv, rest)
        meta_only = _metadata_only(request.headers)
        return {
            "apiVersion": "meta.k8s.io/v1" if meta_only else kind.api_version,
            "kind": "PartialObjectMetadataList" if meta_only else f"{kind.kind}List",
            "metadata": md,
            "items": [self._shape(o, meta_only, in_list=True) for o in shown],
        }

    async def _serve_fetch(self, request: rendering.Request) -> rendering.Payload:
        kind = self.kinds[request.resource.plural]  # type: ignore[union-attr]
        return self._existing(kind, request.namespace, request.name or "")

    async def _serve_create(self, request: rendering.Request) -> rendering.Payload:
        return self._results.pop(request.id)

    _serve_update = _serve_delete = _serve_create

    async def _serve_watch(self, request: rendering.Request) -> AsyncIterator[rendering.Payload]:
        kind = self.kinds[request.resource.plural]  # type: ignore[union-attr]
        params = request.params
        match = self._selectors(request)
        meta_only = _metadata_only(request.headers)
        timeout = float(params["timeoutSeconds"]) if params.get("timeoutSeconds") else None
        deadline = asyncio.get_running_loop().time() + timeout if timeout else None
        since = params.get("resourceVersion") or ""
        yield b""  # send the headers now, as a real server does
        log = self._logs.setdefault(kind.plural, _Log())
        if since in ("", "0"):  # "most recent": synthetic ADDED for what exists, then changes
            pos = len(log.entries)
            for obj in self.stored(kind):
                if match(obj):
                    yield {"type": "ADDED", "object": self._shape(obj, meta_only, in_list=False)}
        elif int(since) < self._compacted:
            yield _gone(since, self._compacted)
            return
        else:
            pos = bisect.bisect_right(log.rvs, int(since))
        if self.close_watches:  # a misbehaving proxy: every stream ends as soon as it starts
            return
        watch = _OpenWatch(request, kind, params.get("allowWatchBookmarks") in ("true", "1"))
        self._watches.append(watch)
        try:
            while not self.stopping:
                while pos < len(log.entries):
                    event_type, obj = log.entries[pos]
                    rv = log.rvs[pos]
                    pos += 1
                    if event_type == "BOOKMARK":
                        if watch.bookmarks:
                            md = {"resourceVersion": str(rv)}
                            yield {
                                "type": "BOOKMARK",
                                "object": {"kind": kind.kind, "apiVersion": kind.api_version, "metadata": md},
                            }
                    elif obj is not None and match(obj):
                        yield {"type": event_type, "object": self._shape(obj, meta_only, in_list=False)}
                if watch.gone:
                    yield _gone(since, self._compacted)
                    return
                tick = self._tick
                remaining = None if deadline is None else deadline - asyncio.get_running_loop().time()
                if remaining is not None and remaining <= 0:
                    return
                try:
                    await asyncio.wait_for(tick.wait(), remaining)
                except TimeoutError:
                    return
        finally:
            self._watches.remove(watch)

    async def _serve_server_version(self, request: rendering.Request) -> rendering.Payload:
        return {
            "major": "1",
            "minor": "33",
            "gitVersion": "v1.33.0-kmock",
            "gitCommit": "0" * 40,
            "gitTreeState": "clean",
            "buildDate": "2026-01-01T00:00:00Z",
            "goVersion": "go1.24.0",
            "compiler": "gc",
            "platform": "linux/amd64",
        }


def _gone(since: str, compacted: int) -> dict[str, Any]:
    return {
        "type": "ERROR",
        "object": {
            "apiVersion": "v1",
            "kind": "Status",
            "metadata": {},
            "status": "Failure",
            "message": f"too old resource version: {since} ({compacted})",
            "reason": "Expired",
            "code": 410,
        },
    }


def _server_defaults(kind: Kind, obj: dict[str, Any]) -> None:
    """What a real API server always fills in that clients rely on."""
    if kind.kind == "Namespace":
        md = obj["metadata"]
        md["labels"] = {**(md.get("labels") or {}), "kubernetes.io/metadata.name": md["name"]}
        obj.setdefault("status", {"phase": "Active"})
    elif kind.kind == "Pod":
        # A kubelet always reports these; kubernetes>=37's typed models refuse a status without them.
        spec, status = obj.get("spec"), obj.get("status")
        images: dict[Any, str] = {}
        for field_ in ("containers", "initContainers", "ephemeralContainers"):
            containers = spec.get(field_) if isinstance(spec, dict) else None
            images.update({c.get("name"): c.get("image", "") for c in containers or [] if isinstance(c, dict)})
        for field_ in ("containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"):
            statuses = status.get(field_) if isinstance(status, dict) else None
            for st in statuses if isinstance(statuses, list) else []:
                if isinstance(st, dict):
                    image = st.get("image") or images.get(st.get("name"), "")
                    st.setdefault("image", image)
                    st.setdefault("ready", False)
                    st.setdefault("restartCount", 0)
                    if not st.get("imageID"):
                        st["imageID"] = f"{image}@sha256:{hashlib.sha256(image.encode()).hexdigest()}"
