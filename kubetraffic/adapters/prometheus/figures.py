"""Turning query answers into ``HopMetrics``: first measured source wins, NaN is unknown.

An empty answer or NaN (0/0: no traffic in the window) is *unknown*, never zero; a
figure keeps the query that produced it, and the reasons of the winning drop query.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from kubetraffic.adapters.prometheus.client import Sample
from kubetraffic.adapters.prometheus.plans import ISTIO_FLAGS, Job
from kubetraffic.core.metrics import HopMetrics


def _finite(samples: Sequence[Sample]) -> list[Sample]:
    return [s for s in samples if math.isfinite(s.value)]


def value_of(samples: Sequence[Sample] | None) -> float | None:
    """The figure an answer carries: None when empty or not a number (no traffic: 0/0)."""
    if not samples:
        return None
    finite = _finite(samples)
    if not finite:
        return None
    return sum(s.value for s in finite)


def reasons_of(job: Job, samples: Sequence[Sample] | None) -> dict[str, float] | None:
    """Per-reason rates of a drop query (None when nothing was measured)."""
    if not samples:
        return None
    out: dict[str, float] = {}
    for s in _finite(samples):
        name = s.labels.get(job.by, "") if job.by else job.reason
        if job.by == "response_flags" and name in ISTIO_FLAGS:
            name = f"{name} ({ISTIO_FLAGS[name]})"
        name = name or "unknown"
        out[name] = out.get(name, 0.0) + s.value
    return out or None


def collect(pairs: Sequence[tuple[Job, list[Sample] | None]], *, window: str, query_time: str) -> HopMetrics | None:
    """The HopMetrics of one target from its answered jobs (None when nothing was measured)."""
    figures: dict[str, float] = {}
    queries: dict[str, str] = {}
    families: list[str] = []
    reasons: dict[str, float] = {}
    notes: list[str] = []
    cert: float | None = None
    for job, samples in pairs:
        if job.kind == "orphan":
            for s in samples or ():
                if s.value >= 1:
                    kind = s.labels.get("type", "") or "orphan"
                    notes.append(f"ingress-nginx reports this Ingress orphaned ({kind})")
                    families.append(job.family)
            continue
        if job.kind == "cert_expiry":
            found = value_of(samples)
            if found is not None and cert is None:
                cert = found
                queries["cert_expires_at"] = job.query
                families.append(job.family)
            continue
        if job.figure in figures:
            continue  # a better source already measured it
        if job.kind == "reasons":
            by_reason = reasons_of(job, samples)
            if by_reason is None:
                continue
            value: float | None = sum(by_reason.values())
            reasons = dict(sorted(by_reason.items(), key=lambda kv: -kv[1]))
        else:
            value = value_of(samples)
            if value is not None and job.integer:
                value = float(round(value))
        if value is None:
            continue
        figures[job.figure] = value
        queries[job.figure] = job.query
        families.append(job.family)
    if not figures and not notes and cert is None:
        return None
    return HopMetrics(
        requests_per_second=figures.get("requests_per_second"),
        error_ratio=_ratio(figures.get("error_ratio")),
        latency_p50_seconds=figures.get("latency_p50_seconds"),
        latency_p99_seconds=figures.get("latency_p99_seconds"),
        drops_per_second=figures.get("drops_per_second"),
        restarts=figures.get("restarts"),
        drop_reasons=reasons,
        window=window,
        query_time=query_time,
        queries=queries,
        source="+".join(dict.fromkeys(families)),
        notes=tuple(dict.fromkeys(notes)),
        cert_expires_at=cert,
    )


def _ratio(value: float | None) -> float | None:
    """A share stays within 0..1 (rate extrapolation can overshoot by a hair)."""
    return None if value is None else min(1.0, max(0.0, value))
