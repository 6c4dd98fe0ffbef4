"""Reaching a real Prometheus the ways users do: under a path prefix (the API server's service
proxy, Thanos/Mimir prefixes) and with basic auth; a wrong password is one status line."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from kubetraffic.adapters.prometheus import PrometheusSource, config_from, discover_prometheus, service_proxy_url
from kubetraffic.core.convert import convert
from kubetraffic.core.metrics import MetricsTarget
from kubetraffic.core.state import ClusterState
from tests.support.prometheus import AT, PrometheusServer, Series, backfilled_prometheus
from tests.tls_helpers import make_certificate

pytestmark = pytest.mark.prometheus

# bcrypt (cost 4) of "s3cret": Prometheus' web config only takes hashed passwords
HASH = "$2b$04$0qB8aFkRFzSJmYhWBIubZuMOLse8b8jchKBX9JoOVbR2I1LWXvgJG"
PROXY_PATH = "/api/v1/namespaces/monitoring/services/prometheus-k8s:web/proxy"
RULE = MetricsTarget("rule", "shop", "web", host="a.example", path="/")


@pytest.fixture(scope="module")
def guarded() -> Iterator[PrometheusServer]:
    labels = {"namespace": "shop", "ingress": "web", "host": "a.example", "path": "/", "status": "200"}
    series = [Series("nginx_ingress_controller_requests", labels, 4.0)]
    with backfilled_prometheus(series, route_prefix=PROXY_PATH, basic_auth=("alice", HASH)) as server:
        yield server


def test_through_a_service_proxy_path_with_basic_auth(guarded: PrometheusServer) -> None:
    state = ClusterState()
    obj = {"kind": "Service", "apiVersion": "v1", "metadata": {"name": "prometheus-k8s", "namespace": "monitoring"}}
    obj["spec"] = {"ports": [{"name": "web", "port": 9090}]}
    state.put(*convert(obj))
    found = discover_prometheus(state)
    assert found is not None
    base = guarded.url.removesuffix(PROXY_PATH)
    url = service_proxy_url(base, found)
    assert url == guarded.url
    env = {"KUBETRAFFIC_PROMETHEUS_USERNAME": "alice", "KUBETRAFFIC_PROMETHEUS_PASSWORD": "s3cret"}
    source = PrometheusSource(config_from(url, env=env))
    figures = source.hop_metrics([RULE], at=AT)
    assert figures[RULE].requests_per_second == pytest.approx(4.0)
    assert source.status().state == "ok"


def test_wrong_password_is_one_status_line(guarded: PrometheusServer) -> None:
    env = {"KUBETRAFFIC_PROMETHEUS_USERNAME": "alice", "KUBETRAFFIC_PROMETHEUS_PASSWORD": "wrong"}
    source = PrometheusSource(config_from(guarded.url, env=env))
    assert source.hop_metrics([RULE], at=AT) == {}
    assert source.status().line() == (
        f"Prometheus down: HTTP 401: not authorised (set KUBETRAFFIC_PROMETHEUS_TOKEN or basic auth) ({guarded.url})"
    )


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_certificate(tmp_path_factory.mktemp("tls"), ["localhost"], cn="prometheus")


@pytest.fixture(scope="module")
def over_tls(tls_files: tuple[Path, Path]) -> Iterator[PrometheusServer]:
    labels = {"namespace": "shop", "ingress": "web", "host": "a.example", "path": "/", "status": "200"}
    with backfilled_prometheus([Series("nginx_ingress_controller_requests", labels, 4.0)], tls=tls_files) as server:
        yield server


def test_tls_is_verified_by_default(over_tls: PrometheusServer) -> None:
    source = PrometheusSource(config_from(over_tls.url, env={}))
    assert source.hop_metrics([RULE], at=AT) == {}
    line = source.status().line()
    assert line.startswith("Prometheus down: TLS failed (certificate verify failed)")
    assert "--prometheus-insecure" in line


def test_a_private_ca_or_insecure_mode(over_tls: PrometheusServer, tls_files: tuple[Path, Path]) -> None:
    trusted = PrometheusSource(config_from(over_tls.url, env={"KUBETRAFFIC_PROMETHEUS_CA_FILE": str(tls_files[0])}))
    assert trusted.hop_metrics([RULE], at=AT)[RULE].requests_per_second == pytest.approx(4.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # --prometheus-insecure must not warn on every request
        insecure = PrometheusSource(config_from(over_tls.url, insecure=True, env={}))
        assert insecure.hop_metrics([RULE], at=AT)[RULE].requests_per_second == pytest.approx(4.0)
