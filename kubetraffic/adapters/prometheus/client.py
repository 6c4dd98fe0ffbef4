"""The Prometheus HTTP API through prometheus-api-client, with every failure classified.

``PrometheusDown``: nothing usable came back (refused, timed out, TLS, 401/403, 5xx);
``PrometheusAnswerError``: the server answered, but with an error for this query or with
something that is not the Prometheus API. Callers never see a library or requests
exception, and no request waits longer than the configured timeout (no retries).
"""

from __future__ import annotations

import ast
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kubetraffic.adapters.prometheus.config import CONNECT_TIMEOUT, PrometheusConfig


class PrometheusError(Exception):
    """Base of the two failure kinds; ``str()`` is one line for people."""


class PrometheusDown(PrometheusError):
    """The server cannot be used at all right now (further queries would fail too)."""


class PrometheusAnswerError(PrometheusError):
    """The server answered this request with an error or with garbage."""


@dataclass(frozen=True, slots=True)
class Sample:
    """One element of an instant vector: labels and a value (NaN kept as NaN)."""

    labels: Mapping[str, str]
    value: float


@dataclass(frozen=True, slots=True)
class RangeSeries:
    """One series of a range query: labels and (unix time, value) points."""

    labels: Mapping[str, str]
    points: tuple[tuple[float, float], ...]


_STATUS = re.compile(r"^HTTP Status Code (\d+) \((.*)\)$", re.S)


class QueryClient:
    """A thin, strict wrapper around ``PrometheusConnect`` for one server."""

    def __init__(self, config: PrometheusConfig) -> None:
        import requests
        from prometheus_api_client import PrometheusConnect
        from urllib3.util.retry import Retry

        self.config = config
        session = requests.Session()
        session.verify = config.verify
        if config.verify is False:  # asked for with --prometheus-insecure: do not warn on every request
            import warnings

            from urllib3.exceptions import InsecureRequestWarning

            warnings.filterwarnings("ignore", category=InsecureRequestWarning)
        if config.client_cert:
            session.cert = config.client_cert
        # No retries: a slow or failing server must cost one timeout, not three plus backoff.
        no_retry = Retry(total=None, connect=0, read=False, status=0, other=0, redirect=3, raise_on_status=False)
        self._connect = PrometheusConnect(
            url=config.url,
            headers=dict(config.headers) or None,
            disable_ssl=config.verify is False,
            retry=no_retry,
            auth=config.basic_auth,
            session=session,
            timeout=(min(CONNECT_TIMEOUT, config.timeout), config.timeout),
        )

    def close(self) -> None:
        """Close the HTTP session."""
        self._connect.close()

    # -------------------------------------------------------------------- API calls

    def instant(self, query: str, at: datetime) -> list[Sample]:
        """An instant query evaluated at ``at`` (always explicit: backfilled data is old)."""
        data = self._call(self._connect.custom_query, query, params={"time": f"{at.timestamp():.3f}"})
        return [Sample(labels, value) for labels, value in _vector(data)]

    def range(self, query: str, start: datetime, end: datetime, step: float) -> list[RangeSeries]:
        """A range query from ``start`` to ``end`` every ``step`` seconds."""
        data = self._call(self._connect.custom_query_range, query, start, end, f"{step:g}")
        return _matrix(data)

    def label_values(
        self, label: str, *, match: Sequence[str] = (), start: datetime | None = None, end: datetime | None = None
    ) -> list[str]:
        """Values of ``label`` (``__name__`` for metric names) among series matching ``match``."""
        data = self._call(self._connect.get_label_values, label, params=_params(match, start, end))
        return _strings(data)

    def label_names(
        self, *, match: Sequence[str] = (), start: datetime | None = None, end: datetime | None = None
    ) -> list[str]:
        """Label names among series matching ``match``."""
        data = self._call(self._connect.get_label_names, params=_params(match, start, end))
        return _strings(data)

    # -------------------------------------------------------------------- failures

    def _call(self, method: Any, *args: Any, **kwargs: Any) -> Any:
        import requests
        from prometheus_api_client.exceptions import PrometheusApiClientException

        where = self.config.where
        try:
            return method(*args, **kwargs)
        except requests.exceptions.JSONDecodeError:
            raise PrometheusAnswerError("answered with something that is not JSON from the Prometheus API") from None
        except requests.exceptions.Timeout:
            raise PrometheusDown(f"no answer within {self.config.timeout:g} s") from None
        except requests.exceptions.SSLError as exc:
            raise PrometheusDown(
                f"TLS failed ({_root_reason(exc)}); set KUBETRAFFIC_PROMETHEUS_CA_FILE or use --prometheus-insecure"
            ) from None
        except requests.exceptions.ConnectionError as exc:
            reason = _root_reason(exc)
            if reason == "timed out":
                raise PrometheusDown(f"no answer within {self.config.timeout:g} s") from None
            raise PrometheusDown(f"cannot connect: {reason}") from None
        except requests.exceptions.RequestException as exc:
            raise PrometheusDown(f"request failed: {_root_reason(exc)}") from None
        except PrometheusApiClientException as exc:
            raise _http_error(str(exc), where, self.config.proxied_namespace) from None
        except (KeyError, TypeError, IndexError, AttributeError):
            raise PrometheusAnswerError("answered JSON that is not a Prometheus API answer") from None


def _http_error(message: str, where: str, proxied_namespace: str = "") -> PrometheusError:
    """Turn the library's "HTTP Status Code N (b'...')" into a classified one-line error."""
    match = _STATUS.match(message)
    if not match:
        return PrometheusAnswerError(message[:200])
    code = int(match.group(1))
    detail = ""
    try:
        body = ast.literal_eval(match.group(2))
        payload = json.loads(body)
        detail = str(payload.get("error", ""))[:200] if isinstance(payload, dict) else ""
    except (ValueError, SyntaxError, TypeError):
        detail = ""
    if code in (401, 403) and proxied_namespace:
        return PrometheusDown(
            f"HTTP {code}: the API server refused its service proxy "
            f"(needs get on services/proxy in namespace {proxied_namespace}; or pass --prometheus URL)"
        )
    if code in (401, 403):
        return PrometheusDown(
            f"HTTP {code}: not authorised (set KUBETRAFFIC_PROMETHEUS_TOKEN or basic auth){': ' + detail if detail else ''}"
        )
    if code == 404:
        return PrometheusDown(f"HTTP 404: no Prometheus API under {where}")
    if code >= 500 and not detail:
        return PrometheusDown(f"HTTP {code} from the server")
    return PrometheusAnswerError(f"HTTP {code}{': ' + detail if detail else ''}")


def _root_reason(exc: BaseException) -> str:
    """The innermost, most specific cause of a requests/urllib3 error, on one line."""
    text = str(exc)
    for marker in ("Connection refused", "Name or service not known", "certificate verify failed", "timed out"):
        if marker in text:
            return marker.lower() if marker != "Name or service not known" else "unknown host"
    inner = re.search(r"\] ([^'\])]+)", text)
    return (inner.group(1) if inner else text)[:120]


def _params(match: Sequence[str], start: datetime | None, end: datetime | None) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if match:
        params["match[]"] = list(match)
    if start is not None:
        params["start"] = f"{start.timestamp():.3f}"
    if end is not None:
        params["end"] = f"{end.timestamp():.3f}"
    return params


def _number(raw: Any) -> float:
    """A sample value as Prometheus encodes it (a string, possibly NaN or ±Inf)."""
    if isinstance(raw, str | int | float) and not isinstance(raw, bool):
        try:
            return float(raw)
        except ValueError:
            pass
    raise PrometheusAnswerError(f"answered a sample value that is not a number: {str(raw)[:40]!r}")


def _labels(raw: Any) -> dict[str, str]:
    if not isinstance(raw, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in raw.items()):
        raise PrometheusAnswerError("answered a series whose labels are not strings")
    return raw


def _vector(data: Any) -> list[tuple[dict[str, str], float]]:
    """Parse ``data.result`` of an instant query (vector; a scalar counts as one sample)."""
    if isinstance(data, list) and len(data) == 2 and not isinstance(data[0], dict):
        return [({}, _number(data[1]))]  # resultType scalar
    if not isinstance(data, list):
        raise PrometheusAnswerError("answered a query result that is not a vector")
    out = []
    for item in data:
        if not isinstance(item, dict) or not isinstance(item.get("value"), list) or len(item["value"]) != 2:
            raise PrometheusAnswerError("answered a vector element without a [time, value] pair")
        out.append((_labels(item.get("metric", {})), _number(item["value"][1])))
    return out


def _matrix(data: Any) -> list[RangeSeries]:
    """Parse ``data.result`` of a range query."""
    if not isinstance(data, list):
        raise PrometheusAnswerError("answered a range result that is not a matrix")
    out = []
    for item in data:
        values = item.get("values") if isinstance(item, dict) else None
        if not isinstance(values, list):
            raise PrometheusAnswerError("answered a range series without values")
        points = []
        for pair in values:
            if not isinstance(pair, list) or len(pair) != 2:
                raise PrometheusAnswerError("answered a range point that is not [time, value]")
            value = _number(pair[1])
            if math.isfinite(value):
                points.append((_number(pair[0]), value))
        out.append(RangeSeries(_labels(item.get("metric", {})), tuple(points)))
    return out


def _strings(data: Any) -> list[str]:
    if not isinstance(data, list) or not all(isinstance(v, str) for v in data):
        raise PrometheusAnswerError("answered a label list that is not a list of strings")
    return data
