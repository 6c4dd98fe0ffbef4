"""What a hop's metrics are about, and the figures measured for it.

The trace and egress builders name a ``MetricsTarget`` per hop (pure data); a metrics
source (Prometheus, the demo) answers with ``HopMetrics``. Core never queries anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

TargetKind = Literal["entry", "controller", "rule", "route", "service", "endpoints", "pods", "egress"]

DEGRADED_ERROR_RATIO = 0.05
"""A route serving at least this share of 5xx is "degraded" even when the API looks healthy."""


@dataclass(frozen=True, slots=True)
class MetricsTarget:
    """The subject of one hop's metrics, in Kubernetes terms (no PromQL here)."""

    kind: TargetKind
    namespace: str
    name: str
    host: str | None = None
    path: str | None = None
    service: str | None = None
    port: int | str | None = None
    pods: tuple[str, ...] = ()
    """Pod names (in ``namespace``) for pod-level figures: restarts, drops, cAdvisor."""
    destination: str | None = None
    """For egress: the destination IP (or CIDR) whose drops matter."""


@dataclass(frozen=True, slots=True)
class HopMetrics:
    """Figures measured for one target; a figure is None when it was not measured.

    None means unknown, never zero: a missing series must not read as "healthy".
    """

    requests_per_second: float | None = None
    error_ratio: float | None = None
    latency_p50_seconds: float | None = None
    latency_p99_seconds: float | None = None
    drops_per_second: float | None = None
    restarts: float | None = None
    drop_reasons: Mapping[str, float] = field(default_factory=dict)
    window: str = "5m"
    query_time: str = ""
    """RFC 3339 time the figures were evaluated at."""
    queries: Mapping[str, str] = field(default_factory=dict)
    """figure name -> the PromQL that produced it (shown on demand, pasteable into Grafana)."""
    series: Mapping[str, tuple[tuple[float, float], ...]] = field(default_factory=dict)
    """figure name -> (unix time, value) points for sparklines."""
    source: str = ""
    """Which metric family answered, e.g. "ingress-nginx", "istio", "demo"."""
    notes: tuple[str, ...] = ()
    """Observations that are not figures, e.g. "ingress-nginx reports this Ingress orphaned
    (no-endpoint)"; they become hop evidence, never JSON figures."""
    cert_expires_at: float | None = None
    """Unix time the certificate the controller serves for the hop's host expires, when the
    controller exports it (ingress-nginx ``…_ssl_expire_time_seconds``)."""

    FIGURES = (
        "requests_per_second",
        "error_ratio",
        "latency_p50_seconds",
        "latency_p99_seconds",
        "drops_per_second",
        "restarts",
    )

    def figures(self) -> dict[str, float]:
        """The measured figures only, keyed by their JSON names."""
        out: dict[str, float] = {}
        for name in self.FIGURES:
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        return out
