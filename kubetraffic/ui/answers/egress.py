"""The egress view of a pod or workload, from the policy engine's egress answers."""

from __future__ import annotations

import importlib
from types import ModuleType

from kubetraffic.core.state import ClusterState
from kubetraffic.ui.answers import Unavailable
from kubetraffic.ui.targets import Target


def engine() -> ModuleType | None:
    """The egress answers module, when this build has it."""
    try:
        return importlib.import_module("kubetraffic.core.diagnose.egress")
    except ImportError:
        return None


def egress_view(state: ClusterState, target: Target, destination: str | None = None) -> Unavailable:
    """Destinations, verdicts, selecting policies, DNS and fix for a pod or workload."""
    if engine() is None:
        return Unavailable("the NetworkPolicy engine is not in this build: egress verdicts are unavailable")
    return Unavailable("policy engine present but not wired yet")
