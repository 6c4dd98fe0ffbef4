"""The NetworkPolicy view: its rules in words and the pods it selects."""

from __future__ import annotations

from dataclasses import dataclass, field

from kubetraffic.core.objects import NetworkPolicy
from kubetraffic.core.policy import describe_policy
from kubetraffic.core.state import ClusterState

MAX_PODS = 100


@dataclass(slots=True)
class PolicyAnswer:
    """A policy, its rules in words (``describe_policy``) and the pods it selects."""

    policy: NetworkPolicy
    words: list[str]
    pods: list[str] = field(default_factory=list)
    pod_count: int = 0


def policy_answer(state: ClusterState, namespace: str, name: str) -> PolicyAnswer | None:
    """Describe one NetworkPolicy (None when it no longer exists)."""
    pol = state.get("NetworkPolicy", (namespace, name))
    if pol is None:
        return None
    # spec.podSelector selects pods in the policy's own namespace only.
    pods = state.pods_matching(namespace, pol.pod_selector)
    return PolicyAnswer(pol, describe_policy(pol), [p.meta.name for p in pods[:MAX_PODS]], len(pods))
