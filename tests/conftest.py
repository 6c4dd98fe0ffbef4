"""Fixtures shared across the suite."""

from tests.support.kube_api import kube_api  # noqa: F401 - the emulated Kubernetes API server
from tests.support.metrics_scenario import prometheus  # noqa: F401 - a real, backfilled Prometheus
