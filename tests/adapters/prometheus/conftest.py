"""One real, backfilled Prometheus shared by the metrics tests of this package."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import metrics_scenario
from tests.support.prometheus import PrometheusServer, backfilled_prometheus


@pytest.fixture(scope="session")
def prometheus() -> Iterator[PrometheusServer]:
    """The ``metrics`` scenario's series in a running Prometheus (skips without one, fails under CI)."""
    with backfilled_prometheus(metrics_scenario.series()) as server:
        yield server
