"""One line of hop figures: request rate, 5xx ratio, p99, drops, restarts, and a sparkline."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text

from kubetraffic.core.metrics import DEGRADED_ERROR_RATIO, HopMetrics

SPARK = "▁▂▃▄▅▆▇█"


def sparkline(values: list[float], width: int = 12) -> str:
    """A text sparkline of the last ``width`` values (empty for fewer than two)."""
    values = values[-width:]
    if len(values) < 2:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    return "".join(SPARK[min(len(SPARK) - 1, int((v - low) / span * (len(SPARK) - 1)))] for v in values)


def _rate(value: float) -> str:
    if value >= 1000:
        return f"{value / 1000:.1f}k rps"
    return f"{value:.1f} rps" if value < 10 else f"{value:.0f} rps"


def _seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.1f} s"


def metrics_line(m: HopMetrics, warn: Style | str = "", fail: Style | str = "") -> Text | None:
    """Figures that were measured, in order (``warn``/``fail`` style bad ones); None if none."""
    parts: list[tuple[str, Style | str]] = []
    if m.requests_per_second is not None:
        parts.append((_rate(m.requests_per_second), ""))
    if m.error_ratio is not None:
        style = fail if m.error_ratio >= DEGRADED_ERROR_RATIO else ""
        parts.append((f"5xx {m.error_ratio * 100:.1f} %", style))
    if m.latency_p99_seconds is not None:
        parts.append((f"p99 {_seconds(m.latency_p99_seconds)}", ""))
    if m.drops_per_second is not None:
        parts.append((f"drops {m.drops_per_second:.2f}/s", fail if m.drops_per_second > 0 else ""))
    if m.restarts is not None and m.restarts > 0:
        parts.append((f"restarts {m.restarts:.0f}", warn))
    if not parts:
        return None
    text = Text()
    for i, (words, style) in enumerate(parts):
        if i:
            text.append(" · ", style="dim")
        text.append(words, style=style)
    for name in ("requests_per_second", "error_ratio"):
        series = m.series.get(name)
        if series:
            spark = sparkline([v for _, v in series])
            if spark:
                text.append(
                    f"  {spark}",
                    style=fail
                    if name == "error_ratio" and m.error_ratio and m.error_ratio >= DEGRADED_ERROR_RATIO
                    else "",
                )
                break
    text.append(f"  ({m.window})", style="dim")
    return text
