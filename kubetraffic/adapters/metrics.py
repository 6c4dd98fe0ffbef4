"""The one interface every metrics provider implements: Prometheus, the demo, "none".

A metrics source answers per-hop figures for ``MetricsTarget``s (core/metrics.py). It never
raises for a dead, slow or confused server: it returns what it could measure and records
the problem in ``status()``, so every other answer still works (DESIGN.md §3: an
unreachable auxiliary source never changes the exit code).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol

from kubetraffic.core.metrics import HopMetrics, MetricsTarget

MetricsState = Literal["ok", "down", "not-configured", "unknown"]
Points = tuple[tuple[float, float], ...]
"""(unix time, value) points of one figure, oldest first."""

SPARK_FIGURES = ("requests_per_second", "error_ratio", "latency_p99_seconds")
"""The figures ``series`` answers by default: what the trace cards draw sparklines of."""


@dataclass(frozen=True, slots=True)
class MetricsStatus:
    """How the metrics source is doing, with a one-line reason for people."""

    state: MetricsState
    reason: str = ""
    name: str = "Prometheus"
    """What kind of source this is, as people call it ("Prometheus", "demo metrics")."""
    where: str = ""
    """Which server answered (a URL without credentials, or "via monitoring/prometheus-operated")."""
    notable: bool = False
    """Worth a line even though the state is ok (some queries failed, no known metrics found)."""

    @property
    def ok(self) -> bool:
        """True when the last exchange with the source worked."""
        return self.state == "ok"

    def line(self) -> str:
        """One line for stderr and the TUI header, e.g. ``Prometheus down: timed out after 2 s (http://...)``."""
        words = {"ok": "ok", "down": "down", "not-configured": "not configured", "unknown": "not queried yet"}[
            self.state
        ]
        text = f"{self.name} {words}"
        if self.reason:
            text += f": {self.reason}"
        if self.where:
            text += f" ({self.where})"
        return text


class MetricsSource(Protocol):
    """Per-hop figures and sparkline series; never raises for server trouble."""

    def status(self) -> MetricsStatus:
        """The state after the last exchange ("unknown" before the first); never does I/O."""
        ...

    def hop_metrics(
        self, targets: Sequence[MetricsTarget], *, at: datetime | None = None, window: str = "5m"
    ) -> dict[MetricsTarget, HopMetrics]:
        """Figures for each target that has any, evaluated at ``at`` (None: now) over ``window``.

        Targets with nothing measured are absent; a figure that was not measured is None.
        """
        ...

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
        """Range series of ``figures`` over ``span`` ending at ``at``, for sparklines."""
        ...

    def close(self) -> None:
        """Release connections; safe to call twice."""
        ...


class NoMetrics:
    """The source used when no metrics are configured (or they were turned off)."""

    def __init__(self, reason: str = "no --prometheus URL given") -> None:
        self._status = MetricsStatus("not-configured", reason)

    def status(self) -> MetricsStatus:
        """Always "not configured", with the reason."""
        return self._status

    def hop_metrics(
        self, targets: Sequence[MetricsTarget], *, at: datetime | None = None, window: str = "5m"
    ) -> dict[MetricsTarget, HopMetrics]:
        """Nothing is measured."""
        return {}

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
        """No series."""
        return {}

    def close(self) -> None:
        """Nothing to release."""


def merge_series(
    figures: Mapping[MetricsTarget, HopMetrics], series: Mapping[MetricsTarget, Mapping[str, Points]]
) -> dict[MetricsTarget, HopMetrics]:
    """``figures`` with the sparkline points of ``series`` attached (targets without figures skipped)."""
    from dataclasses import replace

    out = dict(figures)
    for target, by_figure in series.items():
        if target in out and by_figure:
            out[target] = replace(out[target], series=dict(by_figure))
    return out


# ----------------------------------------------------------------------------- time flags

_DURATION = re.compile(r"^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$")
_UNITS = (365 * 86400, 7 * 86400, 86400, 3600, 60, 1, 0.001)


class TimeSpecError(ValueError):
    """A malformed ``--at`` or ``--window`` value (a usage error)."""


def parse_duration(text: str) -> timedelta:
    """A Prometheus duration (``5m``, ``1h30m``, ``90s``, ``2d``) as a positive timedelta."""
    match = _DURATION.match(text.strip())
    if not text.strip() or match is None or not any(match.groups()):
        raise TimeSpecError(f"{text!r} is not a duration like 30s, 5m, 1h30m or 2d")
    seconds = sum(int(g) * unit for g, unit in zip(match.groups(), _UNITS, strict=True) if g)
    if seconds <= 0:
        raise TimeSpecError(f"{text!r}: the duration must be longer than zero")
    return timedelta(seconds=seconds)


def parse_window(text: str) -> str:
    """Validate ``--window`` and return it as Prometheus will read it (e.g. ``5m``)."""
    parse_duration(text)
    return text.strip()


def parse_at(text: str, now: datetime | None = None) -> datetime:
    """``--at``: RFC 3339 (``2024-05-01T12:00:00Z``), relative (``-15m``, ``now-1h``), ``now``,
    or unix seconds; returns an aware UTC datetime, never in the future."""
    now = now or datetime.now(UTC)
    value = text.strip()
    if value.lower() == "now":
        return now
    relative = value[3:] if value.lower().startswith("now") else value
    if relative.startswith("-"):
        return now - parse_duration(relative[1:])
    if re.fullmatch(r"\d{9,11}(\.\d+)?", value):
        moment = datetime.fromtimestamp(float(value), UTC)
    else:
        try:
            moment = datetime.fromisoformat(value.replace(" ", "T", 1) if "T" not in value else value)
        except ValueError:
            raise TimeSpecError(
                f"{text!r} is not a time: use RFC 3339 (2024-05-01T12:00:00Z), a relative time (-15m) or 'now'"
            ) from None
        if moment.tzinfo is None:
            raise TimeSpecError(f"{text!r} has no time zone: add Z (UTC) or an offset like +02:00")
        moment = moment.astimezone(UTC)
    if moment > now + timedelta(seconds=1):
        raise TimeSpecError(f"{text!r} is in the future")
    return moment


def rfc3339(moment: datetime) -> str:
    """``2024-05-01T12:00:00Z`` (UTC, whole seconds unless the moment has a fraction)."""
    utc = moment.astimezone(UTC)
    text = utc.isoformat(timespec="milliseconds" if utc.microsecond else "seconds")
    return text.replace("+00:00", "Z")
