"""The pods a Service selector *nearly* selects: evidence for "selector matches no pods".

Pods of the Service's namespace are scored by how many selector terms they satisfy, then by
how many selector keys they carry and how close their values are; one pod per workload is
shown, with the keys whose values differ.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from difflib import SequenceMatcher

from kubetraffic.core.objects import Pod
from kubetraffic.core.state import ClusterState


@dataclass(frozen=True, slots=True)
class NearPod:
    """A pod close to a selector, and the selector keys it does not satisfy."""

    pod: Pod
    differing: tuple[str, ...]
    workload: str

    def describe(self) -> str:
        """``shop/admin-5f7c-q8 has app=admin (differs: app)``."""
        has = ", ".join(f"{k}={self.pod.labels[k]}" if k in self.pod.labels else f"no {k}" for k in self.differing)
        return f"{self.pod.meta.ref} ({self.workload}) has {has} (differs: {', '.join(self.differing)})"


def _score(selector: Mapping[str, str], labels: Mapping[str, str]) -> float:
    score = 0.0
    for key, value in selector.items():
        if labels.get(key) == value:
            score += 10
        elif key in labels:
            score += 1 + SequenceMatcher(None, value, labels[key]).ratio()
    return score


def nearest_pods(state: ClusterState, namespace: str, selector: Mapping[str, str], limit: int = 3) -> list[NearPod]:
    """Up to ``limit`` pods (one per workload) closest to matching ``selector``."""
    scored = []
    for pod in state.pods(namespace):
        score = _score(selector, pod.labels)
        if score > 0:
            scored.append((-score, pod.meta.name, pod))
    scored.sort(key=lambda t: (t[0], t[1]))
    out: list[NearPod] = []
    seen: set[str] = set()
    for _, _, pod in scored:
        workload = str(state.workload_of(pod))
        if workload in seen:
            continue
        seen.add(workload)
        differing = tuple(k for k, v in selector.items() if pod.labels.get(k) != v)
        out.append(NearPod(pod, differing, workload))
        if len(out) == limit:
            break
    return out


def selector_fix(selector: Mapping[str, str], near: NearPod) -> str:
    """``set the Service selector to app=admin, or relabel the pods`` for the nearest workload."""
    fixed = {k: near.pod.labels[k] for k in selector if k in near.pod.labels}
    wanted = ",".join(f"{k}={v}" for k, v in sorted(fixed.items())) or "<labels of the pods>"
    missing = ",".join(f"{k}={selector[k]}" for k in near.differing)
    return f"set the Service selector to {wanted}, or relabel the pods of {near.workload} with {missing}"
