"""What the source could not see, as it bears on an answer.

A source records in ``ClusterState.gaps`` the kinds it could not (fully) read, e.g. a 403 on
NetworkPolicies. A policy verdict depends on every policy selecting either pod (a hidden one
may isolate a pod, or allow what the visible ones deny), on the pods (peers are selected by
labels) and on the namespaces' labels (namespaceSelector): without any of them, an answer is
only what the visible objects say, and it says so.
"""

from __future__ import annotations

from kubetraffic.core.state import ClusterState

POLICY_INPUTS = ("NetworkPolicy", "Pod", "Namespace")


def policy_gaps(state: ClusterState) -> tuple[str, ...]:
    """Why a NetworkPolicy verdict may be wrong here (empty when everything is visible)."""
    return tuple(state.gaps[kind] for kind in POLICY_INPUTS if kind in state.gaps)


def all_gaps(state: ClusterState) -> tuple[str, ...]:
    """Every recorded gap, kind by kind, for an answer's notes."""
    return tuple(reason for _, reason in sorted(state.gaps.items()))
