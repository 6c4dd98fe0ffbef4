"""Metrics for command answers: the flags, one status line, figures on trace hops and egress.

A dead, slow or confused Prometheus is one line on stderr; the answer and its exit code
are what they would be without metrics (DESIGN.md §3).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from kubetraffic.adapters.metrics import MetricsSource, TimeSpecError, parse_at, parse_window
from kubetraffic.adapters.metrics_feed import fetch_figures, open_metrics_source
from kubetraffic.cli.common import usage_error
from kubetraffic.cli.options import GlobalOptions
from kubetraffic.core.diagnose.egress import EgressAnswer
from kubetraffic.core.diagnose.metrics import EgressEvidence, apply_metrics, egress_evidence, egress_targets
from kubetraffic.core.diagnose.model import Trace
from kubetraffic.core.metrics import MetricsTarget
from kubetraffic.core.state import ClusterState
from kubetraffic.render.metrics import metrics_json
from kubetraffic.render.text import clean_line


def time_flags(opts: GlobalOptions) -> tuple[datetime | None, str]:
    """``--at`` and ``--window``, validated (a usage error names the flag)."""
    try:
        at = parse_at(opts.at) if opts.at else None
    except TimeSpecError as exc:
        usage_error(f"--at: {exc}")
    try:
        window = parse_window(opts.window or "5m")
    except TimeSpecError as exc:
        usage_error(f"--window: {exc}")
    return at, window


def open_metrics(opts: GlobalOptions, state: ClusterState | None = None, source: object = None) -> MetricsSource:
    """The metrics source the flags ask for (auto-discovered when live); says which was picked."""
    from kubetraffic.adapters.prometheus.config import ConfigError

    try:
        opened = open_metrics_source(
            opts.prometheus, insecure=opts.prometheus_insecure, state=state, cluster_source=source
        )
    except ConfigError as exc:
        usage_error(str(exc))
    if opened.announcement:
        _note(opened.announcement)
    return opened.source


def report_status(metrics: MetricsSource) -> None:
    """One stderr line when the metrics source is down or answered only in part."""
    status = metrics.status()
    if status.state == "down":
        _note(f"warning: {status.line()} — answering without metrics")
    elif status.ok and status.notable:
        _note(f"warning: {status.line()}")


def trace_targets(traces: Sequence[Trace]) -> list[MetricsTarget]:
    """Every hop target of ``traces``, once, in order."""
    return list(dict.fromkeys(h.target for t in traces for h in t.hops if h.target is not None))


def enrich_traces(
    traces: Sequence[Trace], opts: GlobalOptions, metrics: MetricsSource, *, sparklines: bool = False
) -> list[Trace]:
    """``traces`` with per-hop figures and the verdicts they justify (unchanged without metrics)."""
    at, window = time_flags(opts)
    targets = trace_targets(traces)
    if not targets or _not_configured(opts, metrics):
        return list(traces)
    figures = fetch_figures(metrics, targets, at=at, window=window, sparklines=sparklines)
    report_status(metrics)
    return [apply_metrics(trace, figures) for trace in traces]


def egress_metrics(target: MetricsTarget, allowed: bool, opts: GlobalOptions, metrics: MetricsSource) -> EgressEvidence:
    """Measured drops for one egress target, compared with the policy verdict."""
    at, window = time_flags(opts)
    if metrics.status().state == "not-configured":
        return EgressEvidence()
    figures = fetch_figures(metrics, [target], at=at, window=window)
    report_status(metrics)
    return egress_evidence(allowed, figures.get(target))


def enrich_egress(
    answer: EgressAnswer, opts: GlobalOptions, metrics: MetricsSource
) -> tuple[EgressAnswer, list[dict[str, Any]]]:
    """The answer with measured drops as notes, and the ``metrics`` list for ``-o json``.

    Policy drops measured on traffic the policies allow are a contradiction worth a capture;
    the verdict and the exit code stay the policy engine's.
    """
    at, window = time_flags(opts)
    wanted = egress_targets(answer)
    if not wanted or _not_configured(opts, metrics):
        return answer, []
    figures = fetch_figures(metrics, [t for _, t, _ in wanted], at=at, window=window)
    report_status(metrics)
    notes: list[str] = []
    data: list[dict[str, Any]] = []
    for ip, target, allowed in wanted:
        measured = figures.get(target)
        if measured is None:
            continue
        found = egress_evidence(allowed, measured)
        notes += found.lines
        data.append(
            {"destination": ip, "allowed": allowed, "contradiction": found.contradiction, **metrics_json(measured)}
        )
    if not notes:
        return answer, data
    return replace(answer, notes=(*answer.notes, *notes)), data


def _not_configured(opts: GlobalOptions, metrics: MetricsSource) -> bool:
    """True without a metrics source; says so when the user asked for a time or window."""
    status = metrics.status()
    if status.state != "not-configured":
        return False
    asked = [flag for flag, value in (("--at", opts.at), ("--window", opts.window != "5m")) if value]
    if asked:
        _note(f"{' and '.join(asked)} ignored: {status.line()}")
    return True


def _note(message: str) -> None:
    sys.stderr.write(f"kubetraffic: {clean_line(message)}\n")
    sys.stderr.flush()
