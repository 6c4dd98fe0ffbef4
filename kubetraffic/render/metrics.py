"""Hop figures for people and scripts: the JSON ``metrics`` object, a compact line, sparklines.

The JSON object is DESIGN.md §4's: only measured figures (a missing one is absent, never
0), plus ``window`` and ``query_time``. The text line shows what an SRE scans for first:
request rate, 5xx share, p99 (and drops or restarts when there are any).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from rich.text import Text

from kubetraffic.core.diagnose.metrics import percent, rate_text
from kubetraffic.core.metrics import DEGRADED_ERROR_RATIO, HopMetrics

BLOCKS = "▁▂▃▄▅▆▇█"


def metrics_json(metrics: HopMetrics) -> dict[str, Any]:
    """The hop's ``"metrics"`` object: measured figures, ``window`` and ``query_time``."""
    out: dict[str, Any] = {name: _tidy(value) for name, value in metrics.figures().items()}
    out["window"] = metrics.window
    out["query_time"] = metrics.query_time
    return out


def _tidy(value: float) -> float:
    """Six significant digits: 0.030000000000000006 -> 0.03 (sums of rates carry float noise)."""
    return float(f"{value:.6g}")


def duration_text(seconds: float) -> str:
    """0.048 -> "48 ms", 1.93 -> "1.9 s"."""
    if seconds < 1:
        return f"{seconds * 1000:.3g} ms"
    return f"{seconds:.2g} s" if seconds < 10 else f"{seconds:.0f} s"


def metrics_line(metrics: HopMetrics) -> str:
    """One compact line: ``20 req/s · 5xx 10.0 % · p99 500 ms · drops 0.4/s · 2 restarts in 5m``."""
    return " · ".join(_parts(metrics))


def _parts(m: HopMetrics) -> list[str]:
    parts = []
    if m.requests_per_second is not None:
        parts.append(rate_text(m.requests_per_second))
    if m.error_ratio is not None:
        parts.append(f"5xx {percent(m.error_ratio)}")
    if m.latency_p99_seconds is not None:
        parts.append(f"p99 {duration_text(m.latency_p99_seconds)}")
    elif m.latency_p50_seconds is not None:
        parts.append(f"p50 {duration_text(m.latency_p50_seconds)}")
    if m.drops_per_second:
        parts.append(f"drops {rate_text(m.drops_per_second, '/s')}")
    if m.restarts:
        # Restarts are counted within the rate window, unlike the pod's lifetime total.
        noun = "restart" if m.restarts == 1 else "restarts"
        parts.append(f"{m.restarts:g} {noun} in {m.window}")
    return parts


def metrics_text(metrics: HopMetrics, *, spark_width: int = 8) -> Text:
    """``metrics_line`` as Rich text: the 5xx share in red at or above the degraded threshold,
    followed by a sparkline — of the 5xx share when it is that high, else of the request rate."""
    text = Text()
    for i, part in enumerate(_parts(metrics)):
        if i:
            text.append(" · ", style="dim")
        bad = part.startswith("5xx") and (metrics.error_ratio or 0) >= DEGRADED_ERROR_RATIO
        text.append(part, style="bold red" if bad else "")
    failing = (metrics.error_ratio or 0) >= DEGRADED_ERROR_RATIO
    for figure in ("error_ratio", "requests_per_second") if failing else ("requests_per_second", "error_ratio"):
        points = metrics.series.get(figure)
        if points:
            text.append("  ")
            text.append(sparkline((v for _, v in points), width=spark_width), style="cyan")
            break
    return text


def sparkline(values: Iterable[float], width: int | None = None) -> str:
    """Unicode block sparkline of ``values`` (NaN skipped), resampled to ``width`` cells.

    Rates and shares are drawn from zero, so 18 -> 20 req/s reads as the small change it is
    (min-max scaling would draw it as nothing -> everything); a flat zero stays at the bottom.
    """
    data = [v for v in values if math.isfinite(v)]
    if not data:
        return ""
    if width and len(data) > width:
        data = _resample(data, width)
    low, high = min(data), max(data)
    if low >= 0:
        low = 0.0
    if high == low:
        return BLOCKS[0] * len(data)
    scale = (len(BLOCKS) - 1) / (high - low)
    return "".join(BLOCKS[round((v - low) * scale)] for v in data)


def _resample(data: Sequence[float], width: int) -> list[float]:
    """Average consecutive points into ``width`` buckets."""
    out = []
    for i in range(width):
        lo, hi = i * len(data) // width, (i + 1) * len(data) // width
        chunk = data[lo:hi] or [data[min(lo, len(data) - 1)]]
        out.append(sum(chunk) / len(chunk))
    return out
