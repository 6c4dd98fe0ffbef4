"""Fixtures shared across the suite."""

from tests.support.metrics_scenario import prometheus  # noqa: F401 - a real, backfilled Prometheus
