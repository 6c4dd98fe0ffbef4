"""The answer of ``trace``: hops with status, evidence and fix (JSON contract, DESIGN.md §4).

Shared by the trace builder (routing), the metrics and capture enrichers, the renderers and
the TUI. Statuses: ok, warn, fail, unknown. The verdict is derived, never stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from kubetraffic.core.metrics import HopMetrics, MetricsTarget

Status = Literal["ok", "warn", "fail", "unknown"]
Verdict = Literal["ok", "degraded", "broken"]


@dataclass(frozen=True, slots=True)
class Hop:
    """One step of the path: what it is, how it is, why we think so, and what to do.

    ``kind`` is one of: client, dns, entry, controller, rule, tls, service, endpoints,
    pods, policy, wire.
    """

    kind: str
    name: str
    status: Status
    summary: str
    evidence: tuple[str, ...] = ()
    fix: str | None = None
    target: MetricsTarget | None = None
    metrics: HopMetrics | None = None


@dataclass(frozen=True, slots=True)
class RouteChoice:
    """The routing object and rule a request matched (the JSON ``route`` object)."""

    kind: Literal["Ingress", "HTTPRoute"]
    namespace: str
    name: str
    host: str | None
    path: str | None
    path_type: str | None
    default_backend: bool
    backend_service: str
    """``namespace/name`` of the backend Service."""
    backend_port: int | str | None


@dataclass(frozen=True, slots=True)
class Trace:
    """The hop-by-hop answer for one URL."""

    url: str
    hops: tuple[Hop, ...]
    route: RouteChoice | None = None
    notes: tuple[str, ...] = ()
    """Caveats that apply to the whole answer (e.g. generic vs ingress-nginx behaviour,
    resources not visible under RBAC)."""

    @property
    def first_failure(self) -> int | None:
        """Index of the first failing hop, if any."""
        for i, hop in enumerate(self.hops):
            if hop.status == "fail":
                return i
        return None

    @property
    def verdict(self) -> Verdict:
        """broken when a hop fails, degraded when one warns, else ok."""
        if self.first_failure is not None:
            return "broken"
        if any(h.status == "warn" for h in self.hops):
            return "degraded"
        return "ok"
