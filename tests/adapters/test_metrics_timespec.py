"""--at and --window: the forms users type, and clear errors for the rest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kubetraffic.adapters.metrics import (
    MetricsStatus,
    NoMetrics,
    TimeSpecError,
    parse_at,
    parse_duration,
    parse_window,
    rfc3339,
)
from kubetraffic.core.metrics import MetricsTarget

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("now", NOW),
        ("-15m", NOW - timedelta(minutes=15)),
        ("now-1h30m", NOW - timedelta(minutes=90)),
        ("2024-05-01T10:00:00Z", datetime(2024, 5, 1, 10, tzinfo=UTC)),
        ("2024-05-01T12:30:00+02:00", datetime(2024, 5, 1, 10, 30, tzinfo=UTC)),
        ("2024-05-01 10:00:00.5Z", datetime(2024, 5, 1, 10, 0, 0, 500000, tzinfo=UTC)),
        ("1714557600", datetime(2024, 5, 1, 10, tzinfo=UTC)),
    ],
)
def test_at_forms(text: str, expected: datetime) -> None:
    assert parse_at(text, NOW) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("yesterday", "is not a time"),
        ("2024-05-01T10:00:00", "has no time zone"),
        ("-15", "is not a duration"),
        ("2024-05-02T10:00:00Z", "is in the future"),
        ("-0s", "longer than zero"),
    ],
)
def test_at_errors(text: str, message: str) -> None:
    with pytest.raises(TimeSpecError, match=message):
        parse_at(text, NOW)


def test_durations() -> None:
    assert parse_duration("1h30m") == timedelta(minutes=90)
    assert parse_duration("2d") == timedelta(days=2)
    assert parse_duration("500ms") == timedelta(milliseconds=500)
    assert parse_window(" 5m ") == "5m"
    for bad in ("", "5", "m5", "5 m", "1.5m", "5mm"):
        with pytest.raises(TimeSpecError):
            parse_duration(bad)


def test_rfc3339() -> None:
    assert rfc3339(NOW) == "2024-05-01T12:00:00Z"
    assert rfc3339(NOW.replace(microsecond=250000)) == "2024-05-01T12:00:00.250Z"


def test_status_lines_and_the_unconfigured_source() -> None:
    assert MetricsStatus("down", "no answer within 5 s", where="http://p:9090").line() == (
        "Prometheus down: no answer within 5 s (http://p:9090)"
    )
    none = NoMetrics()
    assert none.status().line() == "Prometheus not configured: no --prometheus URL given"
    assert none.hop_metrics([MetricsTarget("service", "a", "b")]) == {}
    assert none.series([MetricsTarget("service", "a", "b")]) == {}
