"""Finding the cluster's Prometheus when no URL is given (pure over ``ClusterState``).

Looks for the Services the common installs create — kube-prometheus-stack
(``<release>-kube-prometheus-prometheus``, ``kube-prometheus-stack-prometheus``),
kube-prometheus (``prometheus-k8s``), the community chart (``prometheus-server``), the
operator's ``prometheus-operated`` — and reaches the chosen one through the API server's
service proxy (``/api/v1/namespaces/NS/services/[https:]NAME:PORT/proxy``), so it works
from a laptop with nothing but kubeconfig access (RBAC: ``get services/proxy``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote as urlquote

from kubetraffic.adapters.prometheus.config import DEFAULT_TIMEOUT, PrometheusConfig
from kubetraffic.core.objects import Service, ServicePort
from kubetraffic.core.state import ClusterState

WELL_KNOWN = ("kube-prometheus-stack-prometheus", "prometheus-k8s", "prometheus-server", "prometheus")
NOT_PROMETHEUS = (
    "alertmanager",
    "operator",
    "node-exporter",
    "kube-state-metrics",
    "pushgateway",
    "adapter",
    "blackbox",
    "grafana",
    "exporter",
    "kubelet",
    "coredns",
    "kube-proxy",
    "kube-scheduler",
    "kube-controller-manager",
    "kube-etcd",
    "thanos-sidecar",
    "discovery",
)
PREFERRED_NAMESPACES = ("monitoring", "prometheus", "observability", "kube-prometheus-stack")


@dataclass(frozen=True, slots=True)
class Discovered:
    """The Service chosen as this cluster's Prometheus, and what else looked like one."""

    namespace: str
    name: str
    port: int | str
    scheme: str
    others: tuple[str, ...] = ()
    """Other candidate Services (``ns/name``), best first."""

    @property
    def ref(self) -> str:
        """``namespace/name:port``."""
        return f"{self.namespace}/{self.name}:{self.port}"

    def describe(self) -> str:
        """Which Service was picked and how it is reached, for the status line."""
        text = f"auto-discovered {self.ref} via the API server's service proxy"
        if self.others:
            more = ", ".join(self.others[:3]) + (", ..." if len(self.others) > 3 else "")
            text += f" (also found {more}; pass --prometheus URL to choose)"
        return text


def _rank(svc: Service) -> tuple[int, int, str, str] | None:
    """Lower is better; None when the Service is not a Prometheus query endpoint."""
    name = svc.meta.name
    if "prometheus" not in name and not name.startswith("thanos-quer"):
        return None
    if svc.type == "ExternalName" or not svc.ports or any(bad in name for bad in NOT_PROMETHEUS):
        return None
    if name in WELL_KNOWN or name.endswith("-kube-prometheus-prometheus"):
        tier = 0
    elif name == "prometheus-operated":  # the operator's headless Service: every Prometheus of the namespace
        tier = 1
    elif name.startswith("thanos-quer"):
        tier = 3
    else:
        tier = 2
    ns = svc.meta.namespace
    ns_rank = PREFERRED_NAMESPACES.index(ns) if ns in PREFERRED_NAMESPACES else len(PREFERRED_NAMESPACES)
    return (tier, ns_rank, ns, name)


def _port(svc: Service) -> ServicePort:
    """The HTTP API port: named web/http-web/http, else 9090, else the first TCP port."""
    for wanted in ("web", "http-web", "http", "https", "https-web"):
        for p in svc.ports:
            if p.name == wanted:
                return p
    for p in svc.ports:
        if p.port in (9090, 10902):
            return p
    tcp = [p for p in svc.ports if p.protocol == "TCP"]
    return (tcp or list(svc.ports))[0]


def discover_prometheus(state: ClusterState) -> Discovered | None:
    """The best Prometheus-looking Service in the cluster, or None."""
    ranked = sorted((rank, svc) for svc in state.services() if (rank := _rank(svc)) is not None)
    if not ranked:
        return None
    best = ranked[0][1]
    port = _port(best)
    tls = port.name.startswith("https") or port.app_protocol.lower() == "https" or port.port in (443, 8443)
    return Discovered(
        best.meta.namespace,
        best.meta.name,
        port.name or port.port,
        "https" if tls else "http",
        tuple(f"{s.meta.namespace}/{s.meta.name}" for _, s in ranked[1:]),
    )


def service_proxy_url(api_server: str, found: Discovered) -> str:
    """The API server URL under which the Service's HTTP API answers."""
    scheme = "https:" if found.scheme == "https" else ""
    target = urlquote(f"{scheme}{found.name}:{found.port}", safe=":")
    ns = urlquote(found.namespace, safe="")
    return f"{api_server.rstrip('/')}/api/v1/namespaces/{ns}/services/{target}/proxy"


def proxy_config(found: Discovered, kube_configuration: Any, *, timeout: float = DEFAULT_TIMEOUT) -> PrometheusConfig:
    """Connection settings for ``found`` through the API server, with the kubeconfig's credentials.

    ``kube_configuration`` is the kubernetes client's ``Configuration`` (read by attribute,
    so this module does not import the client): server URL, bearer token (refreshed by the
    exec/auth-provider hook when one is set), client certificate, CA and verification.
    """
    cfg = kube_configuration
    headers: dict[str, str] = {}
    get_key = getattr(cfg, "get_api_key_with_prefix", None)
    token = get_key("authorization") if callable(get_key) else None
    if token:
        headers["Authorization"] = token if " " in token else f"Bearer {token}"
    cert, key = getattr(cfg, "cert_file", None), getattr(cfg, "key_file", None)
    verify: bool | str = bool(getattr(cfg, "verify_ssl", True))
    if verify and getattr(cfg, "ssl_ca_cert", None):
        verify = str(cfg.ssl_ca_cert)
    user, password = getattr(cfg, "username", None), getattr(cfg, "password", None)
    return PrometheusConfig(
        url=service_proxy_url(str(cfg.host), found),
        headers=headers,
        basic_auth=(user, password or "") if user and not token else None,
        verify=verify,
        client_cert=(str(cert), str(key)) if cert and key else None,
        timeout=timeout,
        label=f"{found.ref} via the API server's service proxy",
        proxied_namespace=found.namespace,
    )
