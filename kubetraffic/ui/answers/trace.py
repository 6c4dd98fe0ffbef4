"""Traces for the analysis pane and route health for the navigator, from the trace engine."""

from __future__ import annotations

import importlib
from types import ModuleType

from kubetraffic.core.diagnose.model import Trace
from kubetraffic.core.state import ClusterState
from kubetraffic.ui.answers import Unavailable
from kubetraffic.ui.targets import Target

_ENGINE = "kubetraffic.core.diagnose.trace"


def engine() -> ModuleType | None:
    """The trace engine module, when this build has it."""
    try:
        return importlib.import_module(_ENGINE)
    except ImportError:
        return None


def trace_target(state: ClusterState, target: Target, resolver: object = None) -> Trace | Unavailable:
    """The trace of a route rule or typed URL."""
    if engine() is None:
        return Unavailable("the routing engine is not in this build: traces are unavailable")
    return Unavailable("trace engine present but not wired yet")


def route_health(state: ClusterState, target: Target) -> tuple[str, str]:
    """(status, detail) of one route rule for the navigator; unknown without the engine."""
    return "unknown", ""
