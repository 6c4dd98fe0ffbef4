"""One resource kind followed like client-go's reflector: list, then watch, then keep up.

The initial list is paginated (``limit``/``continue``); the watch resumes from the list's
resourceVersion with bookmarks, so it never replays what was listed. Every object's last
resourceVersion is remembered, which makes delivery exactly-once: a watch that replays,
or a relist after ``410 Gone``, emits only real differences (ADDED / MODIFIED / DELETED).
Disconnects and 5xx answers reconnect with capped exponential backoff and jitter, resuming
from the last resourceVersion seen (a bookmark's included). A 403 marks the kind forbidden,
names the verb, and is retried slowly; a forbidden watch falls back to periodic relists.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from typing import Any

from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

from kubetraffic.adapters.kube.api import ApiError, KubeApi, Unreachable, describe
from kubetraffic.adapters.kube.hub import EventHub
from kubetraffic.adapters.kube.resources import Served
from kubetraffic.adapters.kube.stream import (
    Gone,
    Known,
    RawWatch,
    Settings,
    WatchDenied,
    diff,
    parse_event,
    shutdown,
)
from kubetraffic.adapters.source import LoadProblem
from kubetraffic.core.convert import CONVERTERS, ConversionError
from kubetraffic.core.events import ChangeEvent, ResourceStatus
from kubetraffic.core.objects import KubeObject

__all__ = ["Reflector", "Settings", "parse_event"]


class Reflector:
    """List + watch of one kind in its own daemon thread, feeding an EventHub."""

    def __init__(
        self,
        api: KubeApi,
        served: Served,
        hub: EventHub,
        *,
        scope: str | None,
        fallback_namespace: str,
        settings: Settings,
        stop: threading.Event,
        go: threading.Event,
        denied: str = "",
        watch_allowed: bool = True,
    ) -> None:
        self.api = api
        self.served = served
        self.kind = served.kind
        self.hub = hub
        self.scope = scope
        self.fallback_namespace = fallback_namespace
        self.settings = settings
        self.stop = stop
        self.go = go
        self.denied = denied  # the verb refused up front ("list"), if any
        self.watch_allowed = watch_allowed
        self.known: Known = {}
        self.rv = ""
        self.listed = False
        self.seen = 0  # objects converted by the list running now (read by progress displays)
        self.gap: str | None = None
        self.fatal: Unreachable | None = None
        self.problems: list[LoadProblem] = []
        self.synced = threading.Event()
        self._watch = RawWatch()
        self._converter = CONVERTERS[served.kind]
        self._resp: Any = None
        self._resync_reason = ""
        self.thread = threading.Thread(target=self._run, name=f"kube-{served.resource.plural}", daemon=True)

    # ---------------------------------------------------------------- lifecycle
    def start(self) -> None:
        """List now (``synced`` is set when done), then watch once ``go`` is set."""
        self.thread.start()

    def halt(self) -> None:
        """Interrupt a running watch (its thread then sees ``stop`` and ends)."""
        self._watch.stop()  # shuts the socket down; the streaming thread raises ProtocolError
        shutdown(self._resp)  # a response Watch has not taken hold of yet

    def _run(self) -> None:
        try:
            self._initial()
        finally:
            self.synced.set()
        self.go.wait()
        if not self.stop.is_set() and self.fatal is None:
            self._follow()

    def _status(self, state: str, detail: str = "") -> None:
        if self.scope and state in ("listing", "watching", "resyncing") and not detail:
            detail = f"namespace {self.scope} only"
        self.hub.status(ResourceStatus(self.kind, state, detail))

    def _where(self, namespace: str | None) -> str:
        return f" in namespace {namespace}" if namespace else " at cluster scope"

    def _forbid(self, verb: str, namespace: str | None) -> None:
        res = self.served.resource
        reason = f"cannot {verb} {res.qualified()}{self._where(namespace)}"
        self.gap = f"{res.title} not visible (forbidden: {reason}): {res.impact}"
        self._status("forbidden", reason)

    # ---------------------------------------------------------------- listing
    def _convert(self, raw: dict[str, Any]) -> KubeObject | None:
        res = self.served.resource
        if res.metadata_only:  # only metadata was asked for (a Secret's type is not part of it)
            raw = {"apiVersion": self.served.api_version, "kind": res.kind, "metadata": raw.get("metadata")}
        elif raw.get("kind") != res.kind:  # list items come without kind/apiVersion
            raw = {**raw, "kind": res.kind, "apiVersion": self.served.api_version}
        try:
            return self._converter(raw)  # core.convert's converter for the kind, called directly
        except ConversionError as exc:
            problem = str(exc)
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            problem = f"{res.kind}: malformed object ({type(exc).__name__}: {exc})"
        md = raw.get("metadata") if isinstance(raw.get("metadata"), dict) else {}
        name = "/".join(filter(None, (str(md.get("namespace") or ""), str(md.get("name") or "?"))))
        self.problems.append(LoadProblem(f"{res.kind} {name}", problem))
        return None

    def _pages(self) -> Iterator[dict[str, Any]]:
        res = self.served.resource
        query = [("fieldSelector", res.field_selector)] if res.field_selector else []
        return self.api.list_pages(
            self.served.path(self.scope), limit=self.settings.page_size, accept=self.served.list_accept, query=query
        )

    def list_all(self) -> tuple[Known, str]:
        """A consistent paginated list: every object by key with its resourceVersion."""
        for attempt in range(3):
            fresh: Known = {}
            rv = ""
            self.seen = 0
            try:
                for page in self._pages():
                    rv = str((page.get("metadata") or {}).get("resourceVersion") or "")
                    for item in page.get("items") or []:
                        obj = self._convert(item)
                        if obj is not None:
                            fresh[obj.meta.key] = (obj.meta.resource_version, obj)
                    self.seen = len(fresh)
                return fresh, rv
            except ApiError as exc:
                if exc.status != 410 or attempt == 2:
                    raise  # 410 mid-list: the continue token expired; start over
        raise AssertionError("unreachable")

    def _initial(self) -> None:
        if self.denied:
            self._forbid(self.denied, self.scope)
            return
        self._status("listing")
        failures = 0
        while not self.stop.is_set():
            try:
                self.known, self.rv = self.list_all()
                self.listed = True
                return
            except ApiError as exc:
                if self._denied_or_missing(exc):
                    return
                failures += 1
                if failures >= 3:
                    res = self.served.resource
                    self.gap = f"{res.title} could not be listed ({exc.status} {exc.reason}): {res.impact}"
                    self._status("reconnecting", f"{exc.status} {exc.reason}")
                    return
            except Unreachable as exc:
                self.fatal = exc
                return
            self.stop.wait(self.settings.backoff(failures))

    def _denied_or_missing(self, exc: ApiError) -> bool:
        """Handle a 403/404 from a list; True when it settles the matter for now."""
        res = self.served.resource
        if exc.status == 403:
            if self.scope is None and res.namespaced and self.fallback_namespace:
                self.scope = self.fallback_namespace  # namespace-level RBAC: read what we may
                return False
            self._forbid("list", self.scope)
            self.scope = None  # nothing readable: next time, ask cluster-wide again
            return True
        if exc.status == 404:
            self.gap = None if res.optional else f"{res.title} not served by this API server: {res.impact}"
            self._status("unavailable", "not served by this API server")
            return True
        return False

    def export(self) -> Iterator[dict[str, Any]]:
        """A fresh list of the raw items (for ``snapshot save``); each object once, even
        when an expired continue token forces the list to start over."""
        if self.denied:
            self._forbid(self.denied, self.scope)
            return
        seen: set[tuple[str, str]] = set()
        for attempt in range(3):
            try:
                for page in self._pages():
                    for item in page.get("items") or []:
                        md = item.get("metadata") or {}
                        key = (str(md.get("namespace") or ""), str(md.get("name") or ""))
                        if key not in seen:
                            seen.add(key)
                            yield item
                self.gap = None
                return
            except ApiError as exc:
                if exc.status == 410 and attempt < 2:
                    continue
                scope = self.scope
                if self._denied_or_missing(exc):
                    return  # forbidden or not served: recorded as a gap
                if scope == self.scope:
                    raise
                # narrowed to the namespace: list that instead

    def initial_objects(self) -> list[KubeObject]:
        """What the initial list found."""
        return [obj for _, obj in self.known.values()]

    # ---------------------------------------------------------------- following
    def _follow(self) -> None:
        failures = 0
        need_list = not self.listed
        while not self.stop.is_set():
            try:
                if need_list:
                    self._resync(quiet=not self.watch_allowed)
                    need_list = False
                if not self.watch_allowed:
                    res = self.served.resource
                    every = f"{self.settings.poll_interval:g} s"
                    self._status("forbidden", f"cannot watch {res.qualified()}: re-listing every {every}")
                    need_list = True
                    self.stop.wait(self.settings.poll_interval)
                    continue
                if self._watch_once():
                    failures = 0
                else:
                    failures += 1
                    self._retry_later("the server closed the watch at once", failures)
            except Gone:
                need_list = True
                self._resync_reason = "resourceVersion expired (410 Gone): re-listing"
            except WatchDenied:
                self.watch_allowed = False
            except ApiError as exc:
                scope = self.scope
                if self._denied_or_missing(exc):
                    need_list = True
                    self.stop.wait(self.settings.denied_retry)
                elif scope != self.scope:
                    need_list = True  # narrowed to the namespace: list it now
                else:
                    failures += 1
                    self._retry_later(f"{exc.status} {exc.reason}", failures)
            except Unreachable as exc:
                failures += 1
                self._retry_later(str(exc), failures)
            except Exception as exc:  # a bug or an answer nobody foresaw: say so, keep following
                failures += 1
                self._retry_later(f"unexpected {type(exc).__name__}: {exc}", failures)

    def _retry_later(self, reason: str, failures: int) -> None:
        if self.stop.is_set():
            return
        delay = self.settings.backoff(failures)
        self._status("reconnecting", f"{reason}; retrying in {delay:.1f} s")
        self.stop.wait(delay)

    def _resync(self, *, quiet: bool = False) -> None:
        if not quiet:
            self._status("resyncing" if self.listed else "listing", self._resync_reason if self.listed else "")
        self._resync_reason = ""
        fresh, rv = self.list_all()
        events = diff(self.known, fresh, self.kind)
        self.known, self.rv, self.listed, self.gap = fresh, rv, True, None
        if events:
            self.hub.put(events)

    def _open(self, **kwargs: Any) -> Any:
        """The call Watch.stream makes: one watch request from ``resource_version``."""
        res = self.served.resource
        timeout = int(kwargs.get("timeout_seconds") or self.settings.watch_timeout[0])
        query = [
            ("watch", "true"),
            ("resourceVersion", kwargs.get("resource_version") or self.rv),
            ("allowWatchBookmarks", "true"),
            ("timeoutSeconds", timeout),
        ]
        if res.field_selector:
            query.append(("fieldSelector", res.field_selector))
        try:
            resp = self.api.request(
                "GET",
                self.served.path(self.scope),
                query=query,
                accept=self.served.watch_accept,
                timeout=(self.settings.connect_timeout, timeout + self.settings.read_timeout),
            )
        except ApiError as exc:
            if exc.status == 410:
                raise Gone(str(exc)) from None
            if exc.status == 403:
                raise WatchDenied(str(exc)) from None
            raise
        self._resp = resp
        if self.stop.is_set():  # close() came while connecting: halt() may have missed it
            shutdown(resp)
        self._status("watching")
        return resp

    def _watch_once(self) -> bool:
        """One watch request, streamed until the server ends it; False if it ended at once
        without a single event (a server or proxy closing streams: back off, do not spin)."""
        if self.stop.is_set():
            return True
        low, high = self.settings.watch_timeout
        started, events = time.monotonic(), 0
        try:
            stream = self._watch.stream(self._open, resource_version=self.rv, timeout_seconds=random.randint(low, high))
            for event in stream:
                if self.stop.is_set():
                    return True
                events += 1
                self.apply_event(event["type"], event["raw_object"])
        except ApiException as exc:  # an ERROR event in the stream
            if exc.status == 410:
                raise Gone(str(exc.reason)) from None
            raise ApiError.from_client(exc) from None
        except (HTTPError, OSError) as exc:
            if self.stop.is_set():
                return True  # Watch.stop() from close(): the socket was shut down under the read
            raise Unreachable(describe(exc)) from None
        finally:
            self._resp = None
        return events > 0 or time.monotonic() - started > 1.0

    def apply_event(self, event_type: str, raw: dict[str, Any]) -> None:
        """One watch event: deduplicated by resourceVersion, queued as a ChangeEvent."""
        md = raw.get("metadata") or {}
        rv = str(md.get("resourceVersion") or "")
        if event_type == "BOOKMARK":
            if rv:
                self.rv = rv  # resume from here: nothing of this kind changed before it
            return
        key = (str(md.get("namespace") or "") if self.served.resource.namespaced else "", str(md.get("name") or ""))
        if event_type == "DELETED":
            old = self.known.pop(key, None)
            if old is not None:
                self.hub.put((ChangeEvent("DELETED", self.kind, key, old[1]),))
        elif event_type in ("ADDED", "MODIFIED"):
            old = self.known.get(key)
            if old is None or old[0] != rv:  # a replay of what is known is not converted again
                obj = self._convert(raw)
                if obj is not None:
                    self.known[obj.meta.key] = (rv, obj)
                    self.hub.put((ChangeEvent("MODIFIED" if old else "ADDED", self.kind, obj.meta.key, obj),))
        if rv:
            self.rv = rv
