"""Fixture scenarios for the policy tests, loaded once through the real snapshot source."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from kubetraffic.adapters.snapshot import SnapshotSource
from kubetraffic.core.ipset import is_ip
from kubetraffic.core.policy import ExternalPeer, Peer, PodPeer
from kubetraffic.core.state import ClusterState

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


@cache
def load(scenario: str) -> ClusterState:
    """The ClusterState of ``tests/fixtures/<scenario>`` (must load without problems)."""
    source = SnapshotSource([str(FIXTURES / scenario)])
    state = source.open()
    assert not source.report.problems, source.report.problems
    return state


def peer(state: ClusterState, text: str) -> Peer:
    """``ns/pod`` -> PodPeer, an address or CIDR -> ExternalPeer."""
    if is_ip(text.split("/")[0]):
        return ExternalPeer(text)
    ns, _, name = text.partition("/")
    pod = state.pod(ns, name)
    assert pod is not None, f"no pod {text} in the scenario"
    return PodPeer(pod)
