"""The narrowest label selector for a fix: one that selects a pod's workload and nothing else.

A fix selects the workload, not one pod, so it survives restarts; it starts from the
workload's own selector and adds stable labels until no pod outside the workload is
selected. Labels that change per pod or per revision (pod-template-hash, ...) are never
used. A pod with no usable labels gets a label to add first (a prerequisite of the fix).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from kubetraffic.core.labels import LabelSelector
from kubetraffic.core.objects import Pod, Workload
from kubetraffic.core.state import ClusterState

VOLATILE_LABELS = frozenset(
    {
        "pod-template-hash",
        "controller-revision-hash",
        "pod-template-generation",
        "statefulset.kubernetes.io/pod-name",
        "apps.kubernetes.io/pod-index",
        "batch.kubernetes.io/job-completion-index",
        "controller-uid",
        "batch.kubernetes.io/controller-uid",
    }
)
PREFERRED_KEYS = ("app.kubernetes.io/name", "app", "k8s-app", "name", "app.kubernetes.io/instance", "component")
FIX_LABEL = "kubetraffic.io/allow"


@dataclass(frozen=True, slots=True)
class Selection:
    """``match_labels`` selecting ``pod``'s workload and nothing else.

    When the pods have no labels that single them out, ``relabel`` is a label to add first
    to the pods named in ``relabel_pods`` (the fix then selects that label); ``shared_with``
    names the other pods that carry all of the workload's labels.
    """

    pod: Pod
    match_labels: dict[str, str]
    relabel: dict[str, str] = field(default_factory=dict)
    relabel_pods: tuple[str, ...] = ()
    shared_with: tuple[str, ...] = ()

    def prerequisite(self) -> str | None:
        """The kubectl command that adds the label, when one is needed."""
        if not self.relabel:
            return None
        ((key, value),) = self.relabel.items()
        names = " ".join(self.relabel_pods)
        return f"kubectl label pod -n {self.pod.meta.namespace} {names} {key}={value}"

    @property
    def labelled_pod(self) -> Pod:
        """The pod as it will be once the prerequisite label is added."""
        if not self.relabel:
            return self.pod
        from dataclasses import replace

        meta = replace(self.pod.meta, labels={**self.pod.labels, **self.relabel})
        return replace(self.pod, meta=meta)


def dns_label(*parts: str, limit: int = 63) -> str:
    """A DNS-1123 name from parts (lower case, dashes), shortened with a hash when long."""
    text = re.sub(r"[^a-z0-9-]+", "-", "-".join(parts).lower())
    text = re.sub(r"-+", "-", text).strip("-") or "x"
    if len(text) <= limit:
        return text
    digest = hashlib.sha256(text.encode()).hexdigest()[:6]
    return text[: limit - 7].rstrip("-") + "-" + digest


def _selected(state: ClusterState, namespace: str, labels: dict[str, str]) -> set[str]:
    pods = state.pods_matching(namespace, LabelSelector.from_labels(labels))
    return {p.meta.name for p in pods if not p.host_network}


def select_workload(state: ClusterState, pod: Pod) -> Selection:
    """The narrowest matchLabels selecting ``pod``'s workload in its namespace."""
    ns = pod.meta.namespace
    ref = state.workload_of(pod)
    target = {p.meta.name for p in state.pods_of(ref)} | {pod.meta.name}
    stable = {k: v for k, v in pod.labels.items() if k not in VOLATILE_LABELS}
    value = dns_label(ref.name)
    if not stable:
        return Selection(pod, {FIX_LABEL: value}, {FIX_LABEL: value}, tuple(sorted(target)))
    chosen: dict[str, str] = {}
    wl = state.workload_object(ref) if ref.kind != "Pod" else None
    if isinstance(wl, Workload) and wl.selector is not None and not wl.selector.match_expressions:
        own = dict(wl.selector.match_labels)
        if own and all(stable.get(k) == v for k, v in own.items()):
            chosen = own
    order = [k for k in PREFERRED_KEYS if k in stable] + sorted(k for k in stable if k not in PREFERRED_KEYS)
    if not chosen:
        chosen = {order[0]: stable[order[0]]}
    selected = _selected(state, ns, chosen)
    for key in order:
        if selected <= target:
            break
        if key in chosen:
            continue
        narrower = _selected(state, ns, {**chosen, key: stable[key]})
        if len(narrower) < len(selected):
            chosen[key] = stable[key]
            selected = narrower
    if not selected <= target:
        shared = tuple(sorted(f"{ns}/{n}" for n in selected - target))
        labels = {**chosen, FIX_LABEL: value}
        return Selection(pod, dict(sorted(labels.items())), {FIX_LABEL: value}, tuple(sorted(target)), shared)
    return Selection(pod, dict(sorted(chosen.items())))
