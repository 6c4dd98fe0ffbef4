"""``PrometheusSource``: the MetricsSource for any server speaking the Prometheus HTTP API.

Queries run on a few threads with a per-request timeout and an overall deadline; the
first sign the server is down (refused, timed out, 401) stops the rest of the batch, so
a dead or stalled Prometheus costs at most one timeout and never an exception.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from kubetraffic.adapters.metrics import SPARK_FIGURES, MetricsStatus, Points, parse_duration, rfc3339
from kubetraffic.adapters.prometheus.catalog import Catalog, detect_catalog
from kubetraffic.adapters.prometheus.client import (
    PrometheusAnswerError,
    PrometheusDown,
    QueryClient,
    Sample,
)
from kubetraffic.adapters.prometheus.config import PrometheusConfig
from kubetraffic.adapters.prometheus.figures import collect
from kubetraffic.adapters.prometheus.plans import Job, plan
from kubetraffic.core.metrics import HopMetrics, MetricsTarget

T = TypeVar("T")

WORKERS = 6
CATALOG_TTL = 300.0
"""Seconds a detected catalog is reused for "now" queries (a past ``--at`` is kept for good)."""


class _Batch:
    """One batch of queries sharing a deadline and a circuit breaker."""

    def __init__(self, budget: float) -> None:
        self.deadline = time.monotonic() + budget
        self.down: str | None = None
        self.errors: list[str] = []
        self.succeeded = 0
        self._lock = threading.Lock()

    def call(self, fn: Callable[[], T]) -> T | None:
        """Run one request unless the server is already known down or the deadline passed."""
        if self.down is not None:
            return None
        if time.monotonic() > self.deadline:
            self.down = self.down or "too slow: the answers did not all arrive in time"
            return None
        try:
            result = fn()
        except PrometheusDown as exc:
            with self._lock:
                self.down = self.down or str(exc)
            return None
        except PrometheusAnswerError as exc:
            with self._lock:
                self.errors.append(str(exc))
            return None
        except Exception as exc:  # a bug must cost the figures, not the answer
            with self._lock:
                self.errors.append(f"unexpected {type(exc).__name__}: {exc}")
            return None
        with self._lock:
            self.succeeded += 1
        return result

    def run_all(self, calls: Iterable[Callable[[], T]]) -> list[T | None]:
        """Run ``calls`` in parallel; whatever has not finished by the deadline is None."""
        wrapped = [lambda c=c: self.call(c) for c in calls]
        outcomes = run_parallel(wrapped, WORKERS, max(0.0, self.deadline - time.monotonic()) + 0.05)
        if any(o is None for o in outcomes):
            self.down = self.down or "too slow: the answers did not all arrive in time"
        return [o[1] if o is not None and o[0] else None for o in outcomes]


def run_parallel(calls: Sequence[Callable[[], T]], workers: int, timeout: float) -> list[tuple[bool, Any] | None]:
    """Run ``calls`` on up to ``workers`` daemon threads, waiting at most ``timeout`` seconds.

    Each outcome is (True, result), (False, exception) or None when it did not finish in
    time. Daemon threads, not an executor: a request stuck in a dead server must not hold
    up the process at exit.
    """
    outcomes: list[tuple[bool, Any] | None] = [None] * len(calls)
    if not calls:
        return outcomes
    lock = threading.Lock()
    pending = iter(range(len(calls)))
    left = [len(calls)]
    all_done = threading.Event()

    def work() -> None:
        while True:
            with lock:
                i = next(pending, None)
            if i is None:
                return
            try:
                outcome: tuple[bool, Any] = (True, calls[i]())
            except Exception as exc:  # handed to the caller, which decides what it means
                outcome = (False, exc)
            with lock:
                outcomes[i] = outcome
                left[0] -= 1
                if left[0] == 0:
                    all_done.set()

    for n in range(min(workers, len(calls))):
        threading.Thread(target=work, name=f"prometheus-{n}", daemon=True).start()
    all_done.wait(timeout)
    with lock:
        return list(outcomes)


class PrometheusSource:
    """Per-hop figures and series from one Prometheus-compatible server."""

    def __init__(self, config: PrometheusConfig, *, budget: float | None = None) -> None:
        self.config = config
        self.budget = budget if budget is not None else config.timeout * 2
        """Seconds one ``hop_metrics`` or ``series`` call may take in all."""
        self._client: QueryClient | None = None
        self._status: MetricsStatus | None = None
        self._catalogs: dict[str, tuple[float, Catalog]] = {}
        self._lock = threading.Lock()

    # -------------------------------------------------------------------- MetricsSource

    def status(self) -> MetricsStatus:
        """The outcome of the last call ("unknown" before the first); never does I/O."""
        return self._status or MetricsStatus("unknown", where=self.config.where)

    def hop_metrics(
        self, targets: Sequence[MetricsTarget], *, at: datetime | None = None, window: str = "5m"
    ) -> dict[MetricsTarget, HopMetrics]:
        """Figures per target at ``at`` (default now) over ``window``; never raises for server trouble."""
        if not targets:
            return {}
        moment = at or datetime.now(UTC)
        batch = _Batch(self.budget)
        catalog = self._catalog(batch, moment, fixed=at is not None)
        if catalog is None:
            self._finish(batch, "")
            return {}
        plans = [(t, plan(t, catalog, window)) for t in dict.fromkeys(targets)]
        flat = [(t, job) for t, jobs in plans for job in jobs]
        results = batch.run_all(self._instant_call(job.query, moment) for _, job in flat)
        answers: dict[MetricsTarget, list[tuple[Job, list[Sample] | None]]] = {t: [] for t, _ in plans}
        for (target, job), samples in zip(flat, results, strict=True):
            answers[target].append((job, samples))
        out: dict[MetricsTarget, HopMetrics] = {}
        for target, pairs in answers.items():
            figures = collect(pairs, window=window, query_time=rfc3339(moment))
            if figures is not None:
                out[target] = figures
        self._finish(batch, "" if catalog.families else "it has none of the metrics kubetraffic knows")
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
        """Range series of the figures' best queries over ``span`` ending at ``at``."""
        if not targets or not figures:
            return {}
        end = at or datetime.now(UTC)
        points = max(2, points)
        step = max(1.0, float(round(parse_duration(span).total_seconds() / (points - 1))))
        start = end - timedelta(seconds=step * (points - 1))
        batch = _Batch(self.budget)
        catalog = self._catalog(batch, end, fixed=at is not None)
        if catalog is None:
            self._finish(batch, "")
            return {}
        wanted: list[tuple[MetricsTarget, list[Job]]] = []
        for target in dict.fromkeys(targets):
            seen: dict[str, list[Job]] = {}
            for job in plan(target, catalog, window):
                if job.figure in figures and job.kind in ("value", "reasons"):
                    seen.setdefault(job.figure, []).append(job)
            wanted += [(target, jobs) for jobs in seen.values()]
        results = batch.run_all(self._range_call(jobs, start, end, step) for _, jobs in wanted)
        out: dict[MetricsTarget, dict[str, Points]] = {}
        for (target, jobs), series in zip(wanted, results, strict=True):
            if series:
                out.setdefault(target, {})[jobs[0].figure] = series
        self._finish(batch, "")
        return out

    def close(self) -> None:
        """Close the HTTP session (worker threads are per call and never outlive their deadline's use)."""
        if self._client is not None:
            self._client.close()

    # -------------------------------------------------------------------- internals

    def _query(self) -> QueryClient:
        with self._lock:
            if self._client is None:
                self._client = QueryClient(self.config)
            return self._client

    def _instant_call(self, query: str, at: datetime) -> Callable[[], list[Sample]]:
        return lambda: self._query().instant(query, at)

    def _range_call(self, jobs: list[Job], start: datetime, end: datetime, step: float) -> Callable[[], Points]:
        """The first job of a figure that returns points wins, as for instant figures."""

        def run() -> Points:
            for job in jobs:
                found = self._query().range(job.query, start, end, step)
                if found:
                    return _summed(found)
            return ()

        return run

    def _catalog(self, batch: _Batch, at: datetime, *, fixed: bool) -> Catalog | None:
        key = rfc3339(at) if fixed else "now"
        cached = self._catalogs.get(key)
        if cached and (fixed or time.monotonic() - cached[0] < CATALOG_TTL):
            return cached[1]

        def detect() -> Catalog:
            return detect_catalog(self._query(), at, run_all=_strict(batch))

        catalog = batch.call(detect)
        if catalog is not None and batch.down is None and not batch.errors:
            self._catalogs[key] = (time.monotonic(), catalog)
        return catalog

    def _finish(self, batch: _Batch, detail: str) -> None:
        """Turn a batch's outcome into the status line."""
        where = self.config.where
        if batch.down is not None:
            self._status = MetricsStatus("down", batch.down, where=where)
        elif batch.errors and not batch.succeeded:
            self._status = MetricsStatus("down", batch.errors[0], where=where)
        elif batch.errors:
            reason = (
                f"{len(batch.errors)} of {len(batch.errors) + batch.succeeded} queries failed, e.g. {batch.errors[0]}"
            )
            self._status = MetricsStatus("ok", reason, where=where, notable=True)
        else:
            self._status = MetricsStatus("ok", detail, where=where, notable=bool(detail))


def _strict(batch: _Batch) -> Callable[[Iterable[Callable[[], Any]]], list[Any]]:
    """Run catalog lookups in parallel, re-raising the first failure so detection fails as one."""

    def run_all(calls: Iterable[Callable[[], Any]]) -> list[Any]:
        outcomes = run_parallel(list(calls), WORKERS, max(0.0, batch.deadline - time.monotonic()))
        for outcome in outcomes:
            if outcome is not None and not outcome[0]:
                raise outcome[1]
        if any(o is None for o in outcomes):
            raise PrometheusDown("too slow: the answers did not all arrive in time")
        return [o[1] for o in outcomes if o is not None]

    return run_all


def _summed(found: Sequence[Any]) -> Points:
    """Several series (e.g. per reason) summed per timestamp; NaN points dropped."""
    totals: dict[float, float] = {}
    for series in found:
        for t, v in series.points:
            if math.isfinite(v):
                totals[t] = totals.get(t, 0.0) + v
    return tuple(sorted(totals.items()))


__all__ = ["PrometheusSource", "run_parallel"]
