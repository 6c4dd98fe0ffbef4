"""What this Prometheus actually has: which known metrics exist, and with which labels.

Exporters differ in names and labels across versions and settings (Envoy's
``envoy_cluster_name`` vs Istio's ``cluster_name``; Hubble's ``source="ns/pod"`` vs
``source_namespace``/``source_pod``), so queries are chosen from what is there rather
than assumed. Detection uses the label-values and label-names endpoints (series metadata
is absent for backfilled or federated data), restricted to the names below.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from kubetraffic.adapters.prometheus.client import QueryClient
from kubetraffic.adapters.prometheus.promql import quote, regex_literal

# family -> the metric names kubetraffic knows how to use
FAMILIES: dict[str, tuple[str, ...]] = {
    "ingress-nginx": (
        "nginx_ingress_controller_requests",
        "nginx_ingress_controller_request_duration_seconds_bucket",
        "nginx_ingress_controller_response_duration_seconds_bucket",
        "nginx_ingress_controller_orphan_ingress",
        "nginx_ingress_controller_ssl_expire_time_seconds",
    ),
    "envoy": (
        "envoy_cluster_upstream_rq_total",
        "envoy_cluster_upstream_rq_xx",
        "envoy_cluster_upstream_rq_time_bucket",
    ),
    "istio": ("istio_requests_total", "istio_request_duration_milliseconds_bucket"),
    "kube-state-metrics": ("kube_pod_container_status_restarts_total",),
    "hubble": ("hubble_drop_total", "hubble_policy_verdicts_total", "hubble_flows_processed_total"),
    "retina": ("networkobservability_adv_drop_count",),  # the basic drop_count is per node: not attributable
    "cadvisor": (
        "container_network_receive_packets_dropped_total",
        "container_network_transmit_packets_dropped_total",
    ),
}
KNOWN_METRICS = tuple(name for names in FAMILIES.values() for name in names)
FAMILY_OF = {name: family for family, names in FAMILIES.items() for name in names}

DETECTION_LOOKBACK = timedelta(hours=1)
"""Metrics count as present when they have series in the hour before the evaluation time."""


@dataclass(frozen=True)
class Catalog:
    """The known metrics present on one server, with their label names."""

    labels: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """metric name -> label names seen on its series (absent metric: not present)."""

    def has(self, metric: str, *labels: str) -> bool:
        """True when ``metric`` exists and carries every one of ``labels``."""
        present = self.labels.get(metric)
        return present is not None and all(label in present for label in labels)

    def first_label(self, metric: str, *candidates: str) -> str | None:
        """The first of ``candidates`` that ``metric`` carries (label names vary by exporter)."""
        present = self.labels.get(metric, frozenset())
        return next((c for c in candidates if c in present), None)

    @property
    def families(self) -> list[str]:
        """Families with at least one metric present, in catalog order."""
        return [f for f, names in FAMILIES.items() if any(n in self.labels for n in names)]

    def describe(self) -> str:
        """One line: which families were found."""
        return ", ".join(self.families) or "none of the known metric families"


def detect_catalog(
    client: QueryClient,
    at: datetime,
    run_all: Callable[[Iterable[Callable[[], object]]], list[object]] | None = None,
) -> Catalog:
    """Ask the server which known metrics it has around ``at`` and with which labels.

    ``run_all`` runs the per-metric label lookups (concurrently, in the source); errors
    propagate to the caller, which decides what they mean for the status.
    """
    start = at - DETECTION_LOOKBACK
    names_match = "{__name__=~" + quote("|".join(regex_literal(n) for n in KNOWN_METRICS)) + "}"
    present = sorted(
        set(client.label_values("__name__", match=[names_match], start=start, end=at)) & set(KNOWN_METRICS)
    )

    def lookup(metric: str) -> Callable[[], object]:
        return lambda: frozenset(client.label_names(match=[metric], start=start, end=at))

    calls = [lookup(m) for m in present]
    results = run_all(calls) if run_all else [call() for call in calls]
    return Catalog({m: r for m, r in zip(present, results, strict=True) if isinstance(r, frozenset)})
