"""Auto-discovery end to end: no --prometheus URL on a live cluster finds the Prometheus
Service and reaches a real Prometheus through the API server's service proxy, with the
kubeconfig's bearer token. The API server's proxy is outside the project, so it is stood in
for at the wire: a loopback HTTP server that checks the token and forwards the request."""

from __future__ import annotations

import http.server
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from kubernetes.client import Configuration

from kubetraffic.adapters.metrics_feed import open_metrics_source
from kubetraffic.core.convert import convert
from kubetraffic.core.events import SourceInfo
from kubetraffic.core.metrics import MetricsTarget
from kubetraffic.core.state import ClusterState
from tests.support.prometheus import AT, PrometheusServer, Series, backfilled_prometheus

pytestmark = pytest.mark.prometheus

PROXY_PATH = "/api/v1/namespaces/monitoring/services/prometheus-k8s:web/proxy"
TOKEN = "sa-token-123"
RULE = MetricsTarget("rule", "shop", "web", host="a.example", path="/")


@pytest.fixture(scope="module")
def behind_proxy() -> Iterator[PrometheusServer]:
    labels = {"namespace": "shop", "ingress": "web", "host": "a.example", "path": "/", "status": "200"}
    with backfilled_prometheus(
        [Series("nginx_ingress_controller_requests", labels, 7.0)], route_prefix=PROXY_PATH
    ) as server:
        yield server


@pytest.fixture(scope="module")
def api_server(behind_proxy: PrometheusServer) -> Iterator[str]:
    """Answers only service-proxy paths, only with the right bearer token, by forwarding."""
    upstream = behind_proxy.url.removesuffix(PROXY_PATH)

    class Proxy(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                return self._answer(401, b'{"kind":"Status","code":401,"reason":"Unauthorized"}')
            if not self.path.startswith(PROXY_PATH + "/"):
                return self._answer(404, b'{"kind":"Status","code":404}')
            try:
                with urllib.request.urlopen(upstream + self.path, timeout=10) as answer:
                    return self._answer(answer.status, answer.read())
            except urllib.error.HTTPError as exc:
                return self._answer(exc.code, exc.read())

        def _answer(self, code: int, body: bytes) -> None:
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@dataclass
class _Cluster:
    configuration: Configuration


@dataclass
class _LiveSource:
    """What the live source offers: ``cluster.configuration`` (the kubernetes client's)."""

    cluster: _Cluster


def _live_state(server: str) -> ClusterState:
    state = ClusterState(info=SourceInfo(mode="live", context="test", server=server))
    service: dict[str, Any] = {"apiVersion": "v1", "kind": "Service"}
    service["metadata"] = {"name": "prometheus-k8s", "namespace": "monitoring"}
    service["spec"] = {"ports": [{"name": "web", "port": 9090}, {"name": "reloader-web", "port": 8080}]}
    state.put(*convert(service))
    return state


def _source(server: str, token: str) -> _LiveSource:
    configuration = Configuration()
    configuration.host = server
    configuration.api_key = {"authorization": f"Bearer {token}"}
    return _LiveSource(_Cluster(configuration))


def test_discovered_prometheus_through_the_service_proxy(api_server: str) -> None:
    opened = open_metrics_source(None, state=_live_state(api_server), cluster_source=_source(api_server, TOKEN))
    assert (
        opened.announcement
        == "metrics: auto-discovered monitoring/prometheus-k8s:web via the API server's service proxy"
    )
    figures = opened.source.hop_metrics([RULE], at=AT)
    assert figures[RULE].requests_per_second == pytest.approx(7.0)
    assert (
        opened.source.status().line()
        == "Prometheus ok (monitoring/prometheus-k8s:web via the API server's service proxy)"
    )


def test_a_token_the_api_server_refuses_is_one_status_line(api_server: str) -> None:
    opened = open_metrics_source(None, state=_live_state(api_server), cluster_source=_source(api_server, "wrong"))
    assert opened.source.hop_metrics([RULE], at=AT) == {}
    assert opened.source.status().line() == (
        "Prometheus down: HTTP 401: the API server refused its service proxy (needs get on services/proxy in "
        "namespace monitoring; or pass --prometheus URL) (monitoring/prometheus-k8s:web via the API server's service proxy)"
    )


def test_snapshots_never_discover_anything(api_server: str) -> None:
    state = _live_state(api_server)
    snapshot = ClusterState(info=SourceInfo(mode="snapshot"))
    snapshot.put("Service", state.services()[0])
    opened = open_metrics_source(None, state=snapshot, cluster_source=_source(api_server, TOKEN))
    assert opened.source.status().line() == "Prometheus not configured: no --prometheus URL given"
