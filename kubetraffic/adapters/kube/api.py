"""A thin, raw-JSON layer over the official kubernetes client.

Objects are never deserialised into the client's models: responses are read as bytes
(``_preload_content=False``) and parsed with orjson, then ``core.convert`` keeps only what
the analysis needs. Errors come out as two exceptions: ``ApiError`` (the server answered
with a non-2xx Status) and ``Unreachable`` (no answer: refused, reset, timed out).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

import orjson
import urllib3
from kubernetes.client import ApiClient, Configuration
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

JSON = "application/json"
METADATA_LIST = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json"
METADATA = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json"

T = TypeVar("T")
R = TypeVar("R")


class ApiError(Exception):
    """The API server refused a request; ``status`` is the HTTP code (403, 404, 410, 5xx...)."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(f"{status} {reason}: {message}" if message else f"{status} {reason}")
        self.status = status
        self.reason = reason
        self.message = message

    @classmethod
    def from_body(cls, status: int, reason: str, body: bytes) -> ApiError:
        """Read the Status object the API server sends with an error, when there is one."""
        message = ""
        try:
            data = orjson.loads(body) if body else {}
            if isinstance(data, dict):
                message = str(data.get("message") or "")
                reason = str(data.get("reason") or reason)
        except orjson.JSONDecodeError:
            message = body[:200].decode("utf-8", "replace").strip()
        return cls(status, reason or "Error", message)

    @classmethod
    def from_client(cls, exc: ApiException) -> ApiError:
        """The client's own ApiException (raised by Watch on an ERROR event)."""
        body = exc.body if isinstance(exc.body, bytes) else str(exc.body or "").encode()
        return cls.from_body(int(exc.status or 0), str(exc.reason or ""), body)


class Unreachable(Exception):
    """No answer from the API server (connection refused, reset, timed out)."""


def describe(exc: BaseException) -> str:
    """A short reason for a connection failure, without urllib3's nested reprs."""
    text = str(exc)
    for needle, short in (
        ("Connection refused", "connection refused"),
        ("timed out", "timed out"),
        ("Read timed out", "timed out"),
        ("Connection reset", "connection reset"),
        ("Name or service not known", "unknown host"),
        ("nodename nor servname", "unknown host"),
        ("Temporary failure in name resolution", "unknown host"),
        ("ended prematurely", "connection closed"),
        ("IncompleteRead", "connection closed"),
        ("CERTIFICATE_VERIFY_FAILED", "TLS certificate not trusted"),
        ("Remote end closed", "connection closed"),
    ):
        if needle in text:
            return short
    return type(exc).__name__


class KubeApi:
    """HTTP requests to one API server, returning parsed JSON or a raw streaming response."""

    def __init__(self, configuration: Configuration, *, timeout: tuple[float, float] = (5.0, 60.0)) -> None:
        configuration.retries = False  # the sources retry themselves, with backoff and status
        self.client = ApiClient(configuration)
        self.client.user_agent = "kubetraffic"
        self.timeout = timeout
        self.server = configuration.host

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Iterable[tuple[str, Any]] = (),
        body: Any = None,
        accept: str = JSON,
        timeout: tuple[float, float] | None = None,
    ) -> urllib3.BaseHTTPResponse:
        """Send a request; the response is not read yet (the caller streams or reads it)."""
        headers = {"Accept": accept}
        if body is not None:
            headers["Content-Type"] = JSON
        params = [(k, v) for k, v in query if v is not None and v != ""]
        try:
            req = self.client.param_serialize(
                method=method,
                resource_path=path,
                query_params=params,
                header_params=headers,
                body=body,
                auth_settings=["BearerToken"],
            )
            resp = self.client.call_api(*req, _request_timeout=timeout or self.timeout).response
        except (HTTPError, OSError) as exc:
            raise Unreachable(describe(exc)) from None
        if not 200 <= resp.status < 300:
            try:
                data = resp.data
            except (HTTPError, OSError):
                data = b""
            resp.release_conn()
            raise ApiError.from_body(resp.status, resp.reason or "", data)
        return resp

    def get_json(self, path: str, *, query: Iterable[tuple[str, Any]] = (), accept: str = JSON) -> Any:
        """GET and parse a JSON document."""
        return self._read(self.request("GET", path, query=query, accept=accept))

    def post_json(self, path: str, body: dict[str, Any]) -> Any:
        """POST a JSON body and parse the answer."""
        return self._read(self.request("POST", path, body=body))

    def _read(self, resp: urllib3.BaseHTTPResponse) -> Any:
        try:
            return orjson.loads(resp.data)
        except (HTTPError, OSError) as exc:
            raise Unreachable(describe(exc)) from None
        except orjson.JSONDecodeError as exc:
            raise ApiError(resp.status, "BadResponse", f"not JSON ({exc})") from None
        finally:
            resp.release_conn()

    def list_pages(
        self, path: str, *, limit: int, accept: str = JSON, query: Iterable[tuple[str, Any]] = ()
    ) -> Iterator[dict[str, Any]]:
        """Every page of a paginated list (``limit`` / ``continue``), as parsed documents."""
        token = ""
        while True:
            page = self.get_json(path, query=[*query, ("limit", limit), ("continue", token)], accept=accept)
            if not isinstance(page, dict):
                raise ApiError(200, "BadResponse", f"{path}: a list must be an object")
            yield page
            token = str((page.get("metadata") or {}).get("continue") or "")
            if not token:
                return

    def close(self) -> None:
        """Release pooled connections."""
        self.client.close()


def parallel(fn: Callable[[T], R], items: list[T], *, workers: int = 8) -> list[R | BaseException]:
    """``fn`` over ``items`` in daemon threads (never blocking interpreter exit), in order."""
    results: list[R | BaseException] = [RuntimeError("not run")] * len(items)
    lock = threading.Lock()
    todo = iter(range(len(items)))

    def work() -> None:
        while True:
            with lock:
                i = next(todo, None)
            if i is None:
                return
            try:
                results[i] = fn(items[i])
            except Exception as exc:
                results[i] = exc

    threads = [
        threading.Thread(target=work, daemon=True, name="kube-parallel") for _ in range(min(workers, len(items)))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results
