"""Metrics from any server speaking the Prometheus HTTP API (Prometheus, Thanos, Mimir, VictoriaMetrics).

``PrometheusSource`` implements ``adapters.metrics.MetricsSource``; ``config_from`` builds its
connection settings from a URL and the environment; ``discover_prometheus`` and
``service_proxy_url`` find one in the cluster. prometheus-api-client and requests are
imported only when the first query is sent.
"""

from kubetraffic.adapters.prometheus.config import ConfigError, PrometheusConfig, config_from
from kubetraffic.adapters.prometheus.discovery import Discovered, discover_prometheus, service_proxy_url
from kubetraffic.adapters.prometheus.source import PrometheusSource

__all__ = [
    "ConfigError",
    "Discovered",
    "PrometheusConfig",
    "PrometheusSource",
    "config_from",
    "discover_prometheus",
    "service_proxy_url",
]
