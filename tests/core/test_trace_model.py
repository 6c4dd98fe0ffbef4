"""The trace verdict is derived from hop statuses."""

from __future__ import annotations

from kubetraffic.core.diagnose.model import Hop, Trace


def _trace(*statuses: str) -> Trace:
    return Trace("https://x/", tuple(Hop("service", f"h{i}", s, "") for i, s in enumerate(statuses)))  # type: ignore[arg-type]


def test_verdicts() -> None:
    assert _trace("ok", "unknown").verdict == "ok"
    assert _trace("ok", "warn").verdict == "degraded"
    assert _trace("ok", "warn", "fail", "fail").verdict == "broken"
    assert _trace("ok", "warn", "fail", "fail").first_failure == 2
    assert _trace("ok").first_failure is None
