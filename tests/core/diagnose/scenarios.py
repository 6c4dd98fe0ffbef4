"""Load the trace fixture scenarios (tests/fixtures/trace-*) into ClusterStates."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from kubetraffic.adapters.snapshot import load_paths
from kubetraffic.core.diagnose.model import Hop, Trace
from kubetraffic.core.state import ClusterState

FIXTURES = Path(__file__).resolve().parent.parent.parent / "fixtures"


@cache
def scenario(*names: str) -> ClusterState:
    """The state of ``tests/fixtures/<name>`` directories loaded in order (later ones override)."""
    state, report = load_paths([str(FIXTURES / n) for n in names])
    assert not report.problems, report.problems
    return state


def hop(trace: Trace, kind: str) -> Hop:
    """The hop of ``kind`` (exactly one expected)."""
    [found] = [h for h in trace.hops if h.kind == kind]
    return found
