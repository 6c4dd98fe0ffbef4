"""The NetworkPolicy view: its rules in words and the pods it selects."""

from __future__ import annotations

from dataclasses import dataclass, field

from kubetraffic.core.objects import NetworkPolicy
from kubetraffic.core.state import ClusterState

MAX_PODS = 100


@dataclass(slots=True)
class PolicyAnswer:
    """A policy, its description (None without the engine) and the pods it selects."""

    policy: NetworkPolicy
    words: list[str] | None
    pods: list[str] = field(default_factory=list)
    pod_count: int = 0
    unavailable: str = ""


def policy_answer(state: ClusterState, namespace: str, name: str) -> PolicyAnswer | None:
    """Describe one NetworkPolicy (None when it no longer exists)."""
    pol = state.get("NetworkPolicy", (namespace, name))
    if pol is None:
        return None
    # spec.podSelector selects pods in the policy's own namespace only.
    pods = state.pods_matching(namespace, pol.pod_selector)
    answer = PolicyAnswer(pol, None, [p.meta.name for p in pods[:MAX_PODS]], len(pods))
    answer.unavailable = "the NetworkPolicy engine is not in this build: rules cannot be described"
    return answer
