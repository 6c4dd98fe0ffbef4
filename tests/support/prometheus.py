"""A real Prometheus for tests: series with known rates, backfilled, served on 127.0.0.1.

``backfilled_prometheus(series, at=...)`` writes the series as OpenMetrics, backfills them
with ``promtool tsdb create-blocks-from openmetrics``, starts ``prometheus`` on a free
loopback port with its own temporary storage (no scraping, 100y retention so old blocks
stay), waits until it is ready and always stops it and removes its files.

Pitfalls this handles: the file must end with ``# EOF``; timestamps are seconds (ms are
accepted and land in year 58000); samples must be in order per series; instant queries
need an explicit time because the data is older than the 5-minute lookback.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import subprocess
import tempfile
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.support.tools import require_tool

AT = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
"""The fixed evaluation time of metric tests (``--at``)."""
STEP = 15
"""Seconds between samples, like a typical scrape interval."""


@dataclass(frozen=True)
class Series:
    """One series: a counter growing at ``rate`` per second, or a gauge at ``value``.

    ``rate`` may be a function of the unix time (for series that change, e.g. errors that
    start 15 minutes before ``AT``); counters start high so rate() never clamps at zero.
    """

    name: str
    labels: dict[str, str] = field(default_factory=dict)
    rate: float | Callable[[float], float] = 0.0
    gauge: float | None = None
    start_value: float = 1_000_000.0


def histogram(name: str, labels: dict[str, str], rate: float, cumulative: Sequence[tuple[str, float]]) -> list[Series]:
    """Bucket counters of a classic histogram receiving ``rate`` observations per second.

    ``cumulative`` lists (le, share of observations <= le); ``+Inf`` is added at 1.0.
    """
    buckets = [*cumulative, ("+Inf", 1.0)] if cumulative[-1][0] != "+Inf" else list(cumulative)
    return [Series(f"{name}_bucket", {**labels, "le": le}, rate * share) for le, share in buckets]


def _label_text(labels: dict[str, str]) -> str:
    def esc(v: str) -> str:
        return v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")

    return "{" + ",".join(f'{k}="{esc(v)}"' for k, v in sorted(labels.items())) + "}" if labels else ""


def openmetrics(series: Iterable[Series], start: datetime, end: datetime, step: int = STEP) -> str:
    """The OpenMetrics text of ``series`` sampled every ``step`` seconds from ``start`` to ``end``.

    Types are left "unknown" so names keep their exporter spelling (an OpenMetrics
    counter would force a ``_total`` suffix that e.g. ingress-nginx does not use).
    """
    t0, t1 = int(start.timestamp()), int(end.timestamp())
    by_name: dict[str, list[Series]] = {}
    for s in series:
        by_name.setdefault(s.name, []).append(s)
    lines: list[str] = []
    for name, group in by_name.items():
        lines.append(f"# TYPE {name} unknown")
        for s in group:
            value = s.start_value
            label_text = _label_text(s.labels)
            for t in range(t0, t1 + 1, step):
                if s.gauge is not None:
                    value = s.gauge
                elif t > t0:
                    rate = s.rate(t) if callable(s.rate) else s.rate
                    value += rate * step
                lines.append(f"{name}{label_text} {value!r} {t}")  # seconds, not milliseconds
    lines.append("# EOF")
    return "\n".join(lines) + "\n"


@dataclass
class PrometheusServer:
    """A running test Prometheus."""

    url: str
    at: datetime
    process: subprocess.Popen[str]
    log: list[str]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(
    binary: str, data: Path, config: Path, ready_timeout: float, extra: Sequence[str], prefix: str, scheme: str
) -> tuple[subprocess.Popen[str], str, list[str]]:
    """Start prometheus on a free port and wait for its "ready" log line (an event, not a sleep)."""
    port = _free_port()
    proc = subprocess.Popen(
        [
            binary,
            f"--config.file={config}",
            f"--storage.tsdb.path={data}",
            "--storage.tsdb.retention.time=100y",
            f"--web.listen-address=127.0.0.1:{port}",
            "--log.level=info",
            *extra,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    ready = threading.Event()
    log: list[str] = []

    def read_log() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            log.append(line.rstrip())
            if "Server is ready to receive web requests" in line:
                ready.set()
        ready.set()  # exited: stop waiting

    threading.Thread(target=read_log, daemon=True).start()
    ready.wait(ready_timeout)
    host = "localhost" if scheme == "https" else "127.0.0.1"  # the test certificate names localhost
    url = f"{scheme}://{host}:{port}{prefix}"
    if proc.poll() is None:
        unverified = ssl._create_unverified_context() if scheme == "https" else None
        try:
            with urllib.request.urlopen(f"{url}/-/ready", timeout=5, context=unverified) as answer:
                if answer.status == 200:
                    return proc, url, log
        except urllib.error.HTTPError as exc:
            if exc.code == 401:  # up, and asking for the credentials it was configured with
                return proc, url, log
        except OSError:
            pass
    _stop(proc)
    raise RuntimeError("prometheus did not become ready:\n" + "\n".join(log[-15:]))


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@contextlib.contextmanager
def backfilled_prometheus(
    series: Iterable[Series],
    *,
    at: datetime = AT,
    before: timedelta = timedelta(hours=2),
    after: timedelta = timedelta(minutes=10),
    ready_timeout: float = 30.0,
    route_prefix: str = "",
    basic_auth: tuple[str, str] | None = None,
    tls: tuple[Path, Path] | None = None,
) -> Iterator[PrometheusServer]:
    """A real Prometheus holding ``series`` from ``at - before`` to ``at + after``.

    ``route_prefix`` serves the API under a path (as behind the API server's service proxy);
    ``basic_auth`` is (user, bcrypt hash of the password) and ``tls`` (certificate, key) for
    ``--web.config.file``; with ``tls`` the URL is ``https://localhost:PORT``.
    """
    promtool = require_tool("promtool")
    prometheus = require_tool("prometheus")
    with tempfile.TemporaryDirectory(prefix="kubetraffic-prom-") as tmp:
        root = Path(tmp)
        source = root / "series.om"
        source.write_text(openmetrics(series, at - before, at + after))
        data = root / "data"
        done = subprocess.run(
            [promtool, "tsdb", "create-blocks-from", "openmetrics", str(source), str(data)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode != 0:
            raise RuntimeError(f"promtool backfill failed: {done.stderr.strip()[-800:]}")
        config = root / "prometheus.yml"
        config.write_text("global:\n  evaluation_interval: 1h\n")  # no scrape jobs: the blocks are all there is
        extra = [f"--web.route-prefix={route_prefix}"] if route_prefix else []
        web = ""
        if basic_auth:
            web += f"basic_auth_users:\n  {basic_auth[0]}: '{basic_auth[1]}'\n"
        if tls:
            web += f"tls_server_config:\n  cert_file: {tls[0]}\n  key_file: {tls[1]}\n"
        if web:
            (root / "web.yml").write_text(web)
            extra.append(f"--web.config.file={root / 'web.yml'}")
        proc, url, log = None, "", []
        for _attempt in range(3):  # the free port can be taken between probe and bind
            try:
                scheme = "https" if tls else "http"
                proc, url, log = _start(prometheus, data, config, ready_timeout, extra, route_prefix, scheme)
                break
            except RuntimeError:
                if _attempt == 2:
                    raise
        assert proc is not None
        try:
            yield PrometheusServer(url, at, proc, log)
        finally:
            _stop(proc)


@contextlib.contextmanager
def misbehaving_server(mode: str) -> Iterator[str]:
    """A tiny HTTP server on 127.0.0.1 that misbehaves like a broken Prometheus would.

    ``stall``: accepts and never answers (until the test ends); ``error``: HTTP 422 with a
    Prometheus error body; ``unavailable``: HTTP 503 with an HTML page (a proxy in front of a
    dead server); ``garbage``: HTTP 200 with HTML; ``wrong-json``: HTTP 200 with JSON that is
    not the API's shape. Yields the base URL.
    """
    import http.server

    release = threading.Event()
    bodies = {
        "error": (422, "application/json", b'{"status":"error","errorType":"execution","error":"query timed out"}'),
        "unavailable": (503, "text/html", b"<html><body>Service Unavailable</body></html>"),
        "garbage": (200, "text/html", b"<html><body>Welcome to nginx!</body></html>"),
        "wrong-json": (200, "application/json", b'{"status":"success","data":{"result":[{"value":"x"}]}}'),
    }

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if mode == "stall":
                release.wait(30)  # bounded: the test's teardown releases it at once
                return
            code, kind, body = bodies[mode]
            self.send_response(code)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


def closed_port_url() -> str:
    """A loopback URL where nothing listens (connection refused)."""
    return f"http://127.0.0.1:{_free_port()}"
