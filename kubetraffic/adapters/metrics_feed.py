"""Choosing the metrics source for a session, and fetching figures for a set of hops.

Shared by the CLI and the TUI: ``open_metrics_source`` picks ``--prometheus URL``, the
cluster source's own metrics (the demo), or a Prometheus auto-discovered in a live
cluster; ``fetch_figures`` gets figures (and optionally sparkline series) for targets in
one bounded round trip. Neither raises for server trouble; only bad settings raise.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kubetraffic.adapters.metrics import MetricsSource, NoMetrics, merge_series
from kubetraffic.core.metrics import HopMetrics, MetricsTarget
from kubetraffic.core.state import ClusterState

OFF = ("none", "off", "false", "no", "0")


@dataclass(frozen=True)
class Opened:
    """The chosen source, and what to tell the user about the choice (or "")."""

    source: MetricsSource
    announcement: str = ""


def open_metrics_source(
    url: str | None,
    *,
    insecure: bool = False,
    state: ClusterState | None = None,
    cluster_source: Any = None,
) -> Opened:
    """The metrics source for this session; raises ``ConfigError`` for a malformed URL/setting.

    Order: ``--prometheus URL`` (``none`` turns metrics off), then metrics the cluster
    source brings itself (``cluster_source.metrics_source()``, e.g. the demo's), then —
    live only — a Prometheus Service found in the cluster, through the API server's proxy.
    """
    if url is not None and url.strip().lower() in OFF:
        return Opened(NoMetrics("turned off with --prometheus none"))
    if url:
        from kubetraffic.adapters.prometheus import PrometheusSource, config_from

        return Opened(PrometheusSource(config_from(url, insecure=insecure)))
    own = getattr(cluster_source, "metrics_source", None)
    if callable(own):
        provided: MetricsSource = own()
        return Opened(provided)
    if state is None or state.info.mode != "live":
        return Opened(NoMetrics("no --prometheus URL given"))
    from kubetraffic.adapters.prometheus import PrometheusSource, discover_prometheus
    from kubetraffic.adapters.prometheus.config import env_timeout
    from kubetraffic.adapters.prometheus.discovery import proxy_config

    found = discover_prometheus(state)
    if found is None:
        return Opened(NoMetrics("no --prometheus URL given and no Prometheus Service found in the cluster"))
    kube_configuration = _kube_configuration(cluster_source)
    if kube_configuration is None:
        return Opened(NoMetrics(f"found {found.ref}, but the cluster source offers no API server credentials"))
    config = proxy_config(found, kube_configuration, timeout=env_timeout())
    return Opened(PrometheusSource(config), f"metrics: {found.describe()}")


def _kube_configuration(cluster_source: Any) -> Any:
    """The kubernetes client ``Configuration`` the live source talks to the API server with."""
    cluster = getattr(cluster_source, "cluster", None)
    return getattr(cluster, "configuration", None) or getattr(cluster_source, "configuration", None)


def fetch_figures(
    metrics: MetricsSource,
    targets: Iterable[MetricsTarget],
    *,
    at: datetime | None = None,
    window: str = "5m",
    sparklines: bool = False,
) -> dict[MetricsTarget, HopMetrics]:
    """Figures for ``targets`` (and sparkline series when asked), never raising for server trouble."""
    wanted: Sequence[MetricsTarget] = list(dict.fromkeys(targets))
    if not wanted:
        return {}
    figures = metrics.hop_metrics(wanted, at=at, window=window)
    if sparklines and figures and metrics.status().ok:
        series = metrics.series([t for t in wanted if t in figures], at=at, window=window)
        figures = merge_series(figures, series)
    return figures
