"""``DemoMetrics``: the demo's synthetic traffic behind the MetricsSource protocol.

Answers the same ``MetricsTarget``s the trace and egress builders name, from the state the
demo is in at that moment (so 5xx on /api/cart fall when the timeline heals a cart pod,
and drops to Stripe stop while the allowing policy is applied). Each figure carries the
PromQL the Prometheus adapter would run for it in a real cluster with ingress-nginx,
kube-state-metrics and Hubble, so ``queries`` show what to paste into Grafana.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from kubetraffic.adapters.metrics import SPARK_FIGURES, MetricsStatus, Points, parse_duration, rfc3339
from kubetraffic.core.metrics import HopMetrics, MetricsTarget
from kubetraffic.demo.traffic import Traffic

if TYPE_CHECKING:
    from kubetraffic.adapters.demo.source import DemoSource
    from kubetraffic.adapters.prometheus.catalog import Catalog

DEMO_STATUS = MetricsStatus("ok", name="demo metrics", where="synthetic, from the demo cluster's state")


class DemoMetrics:
    """A MetricsSource for the demo cluster; never does I/O, never fails."""

    def __init__(self, source: DemoSource) -> None:
        self.source = source

    def status(self) -> MetricsStatus:
        """Always ok: the figures are computed, not fetched."""
        return DEMO_STATUS

    def hop_metrics(
        self, targets: Sequence[MetricsTarget], *, at: datetime | None = None, window: str = "5m"
    ) -> dict[MetricsTarget, HopMetrics]:
        """Figures for each target the demo has traffic for, at ``at`` (default: the demo's now)."""
        moment = self._moment(at)
        seconds = parse_duration(window).total_seconds()
        out: dict[MetricsTarget, HopMetrics] = {}
        with self.source.lock:
            traffic = Traffic(self.source.scenario.cluster)
            for target in dict.fromkeys(targets):
                figures = traffic.figures(target, moment.timestamp(), seconds)
                if figures is not None:
                    out[target] = dataclasses.replace(
                        figures, window=window, query_time=rfc3339(moment), queries=_queries(target, figures, window)
                    )
        return out

    def series(
        self,
        targets: Sequence[MetricsTarget],
        *,
        at: datetime | None = None,
        window: str = "5m",
        span: str = "30m",
        points: int = 30,
        figures: Sequence[str] = SPARK_FIGURES,
    ) -> dict[MetricsTarget, dict[str, Points]]:
        """``points`` evenly spaced evaluations over ``span`` ending at ``at``, oldest first."""
        end = self._moment(at).timestamp()
        seconds = parse_duration(window).total_seconds()
        step = parse_duration(span).total_seconds() / max(points - 1, 1)
        times = [end - step * (points - 1 - i) for i in range(points)]
        out: dict[MetricsTarget, dict[str, Points]] = {}
        with self.source.lock:
            traffic = Traffic(self.source.scenario.cluster)
            for target in dict.fromkeys(targets):
                samples = [(t, traffic.figures(target, t, seconds)) for t in times]
                by_figure = {
                    name: tuple(
                        (t, float(v)) for t, m in samples if m is not None and (v := getattr(m, name)) is not None
                    )
                    for name in figures
                }
                kept = {name: pts for name, pts in by_figure.items() if pts}
                if kept:
                    out[target] = kept
        return out

    def close(self) -> None:
        """Nothing to release."""

    def _moment(self, at: datetime | None) -> datetime:
        if at is not None:
            return at.astimezone(UTC)
        return datetime.fromtimestamp(int(self.source.clock.now()), UTC)  # evaluation times in whole seconds


def _queries(target: MetricsTarget, figures: HopMetrics, window: str) -> dict[str, str]:
    """For each measured figure, the PromQL the Prometheus adapter would run for it."""
    from kubetraffic.adapters.prometheus.plans import plan

    wanted = set(figures.figures())
    if figures.cert_expires_at is not None:
        wanted.add("cert_expires_at")
    out: dict[str, str] = {}
    for job in plan(target, _catalog(), window):
        if job.figure in wanted and job.figure not in out:
            out[job.figure] = job.query
    return out


@functools.cache
def _catalog() -> Catalog:
    """The metrics a cluster like the demo's would have: ingress-nginx, kube-state-metrics, Hubble."""
    from kubetraffic.adapters.prometheus.catalog import Catalog

    nginx = frozenset(
        {"namespace", "ingress", "host", "path", "service", "status", "controller_namespace", "controller_pod"}
    )
    return Catalog(
        {
            "nginx_ingress_controller_requests": nginx,
            "nginx_ingress_controller_request_duration_seconds_bucket": nginx | {"le"},
            "nginx_ingress_controller_ssl_expire_time_seconds": frozenset({"host", "namespace"}),
            "kube_pod_container_status_restarts_total": frozenset({"namespace", "pod", "container"}),
            "hubble_drop_total": frozenset({"source", "destination_ip", "reason", "protocol"}),
        }
    )
