"""Deployments as a real cluster shows them: the Deployment, its ReplicaSet and its Pods.

A ``Deployment`` holds what the user wrote (labels, replicas, containers) and, per pod,
the runtime facts the kubelet would report (node, IP, readiness, restarts). ``render_*``
turn that into the API dictionaries the API server returns, with the fields it defaults
and the status it keeps, so the demo goes through the same converters as a live cluster.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from kubetraffic.demo.clock import rfc3339
from kubetraffic.demo.ids import Ids, image_id

Obj = dict[str, Any]


@dataclass
class PodRun:
    """One pod's runtime state, as the kubelet reports it."""

    name: str
    uid: str
    node: str
    host_ip: str
    ip: str
    created: float
    container_ids: list[str]
    ready: bool = True
    ready_since: float = 0.0
    restarts: int = 0
    running_since: float = 0.0
    last_termination: Obj | None = None
    """``lastState.terminated`` of the main container (reason, exitCode, times)."""


@dataclass
class Deployment:
    """A Deployment with one ReplicaSet (no rollout in progress) and its pods."""

    namespace: str
    name: str
    uid: str
    created: float
    labels: dict[str, str]
    """Pod template labels (the Deployment's selector is ``selector_keys`` of these)."""
    containers: list[Obj]
    replicas: int
    template_hash: str
    rs_uid: str
    selector_keys: tuple[str, ...] = ("app",)
    meta_labels: dict[str, str] = field(default_factory=dict)
    pods: list[PodRun] = field(default_factory=list)

    @property
    def rs_name(self) -> str:
        """``<deployment>-<pod-template-hash>``, as the Deployment controller names it."""
        return f"{self.name}-{self.template_hash}"

    @property
    def selector(self) -> dict[str, str]:
        """spec.selector.matchLabels."""
        return {k: self.labels[k] for k in self.selector_keys}

    def pod_labels(self) -> dict[str, str]:
        """Template labels plus the pod-template-hash the ReplicaSet adds."""
        return {**self.labels, "pod-template-hash": self.template_hash}

    def pod(self, name: str) -> PodRun:
        """One pod by name."""
        for run in self.pods:
            if run.name == name:
                return run
        raise KeyError(f"{self.namespace}/{name}")


# The API server's defaults for a container (pkg/apis/core/v1/defaults.go), so the demo
# objects look exactly like what `kubectl get -o yaml` prints.
_PROBE_DEFAULTS = {"timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3}


def default_container(spec: Obj) -> Obj:
    """A container spec with the fields the API server defaults filled in."""
    out = copy.deepcopy(spec)
    out.setdefault("imagePullPolicy", "IfNotPresent")
    out.setdefault("terminationMessagePath", "/dev/termination-log")
    out.setdefault("terminationMessagePolicy", "File")
    out.setdefault("resources", {})
    for port in out.get("ports", []):
        port.setdefault("protocol", "TCP")
    for probe in ("readinessProbe", "livenessProbe"):
        if probe in out:
            out[probe] = {**_PROBE_DEFAULTS, **out[probe]}
            handler = out[probe].get("httpGet")
            if handler is not None:
                handler.setdefault("scheme", "HTTP")
    return out


def pod_spec(dep: Deployment) -> Obj:
    """The (defaulted) pod spec shared by the template and every pod."""
    return {
        "containers": [default_container(c) for c in dep.containers],
        "dnsPolicy": "ClusterFirst",
        "restartPolicy": "Always",
        "schedulerName": "default-scheduler",
        "securityContext": {},
        "serviceAccountName": "default",
        "serviceAccount": "default",
        "terminationGracePeriodSeconds": 30,
    }


def render_deployment(dep: Deployment) -> Obj:
    """The Deployment object with status derived from its pods."""
    ready = sum(1 for p in dep.pods if p.ready)
    # maxUnavailable 25 % of the replicas, rounded down (intstr.GetScaledValueFromIntOrPercent).
    available = ready >= dep.replicas - dep.replicas * 25 // 100
    status: Obj = {
        "observedGeneration": 1,
        "replicas": len(dep.pods),
        "updatedReplicas": len(dep.pods),
        "conditions": _deployment_conditions(dep, available),
    }
    if ready:
        status["readyReplicas"] = status["availableReplicas"] = ready
    if len(dep.pods) - ready:
        status["unavailableReplicas"] = len(dep.pods) - ready
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            **meta(dep.name, dep.namespace, dep.uid, dep.created),
            "generation": 1,
            "labels": dict(dep.meta_labels or {"app": dep.labels["app"]}),
            "annotations": {"deployment.kubernetes.io/revision": "1"},
        },
        "spec": {
            "replicas": dep.replicas,
            "selector": {"matchLabels": dep.selector},
            "template": {"metadata": {"labels": dict(dep.labels)}, "spec": pod_spec(dep)},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
            "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600,
        },
        "status": status,
    }


def _deployment_conditions(dep: Deployment, available: bool) -> list[Obj]:
    since = dep.created + 30
    if available:
        avail = condition("Available", True, "MinimumReplicasAvailable", "Deployment has minimum availability.", since)
    else:
        message = "Deployment does not have minimum availability."
        avail = condition("Available", False, "MinimumReplicasUnavailable", message, since)
    progressing = condition(
        "Progressing", True, "NewReplicaSetAvailable", f'ReplicaSet "{dep.rs_name}" has successfully progressed.', since
    )
    return [{"lastUpdateTime": rfc3339(since), **c} for c in (avail, progressing)]


def render_replicaset(dep: Deployment) -> Obj:
    """The ReplicaSet the Deployment controller made for the current template."""
    ready = sum(1 for p in dep.pods if p.ready)
    status: Obj = {"replicas": len(dep.pods), "fullyLabeledReplicas": len(dep.pods), "observedGeneration": 1}
    if ready:
        status["readyReplicas"] = status["availableReplicas"] = ready
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            **meta(dep.rs_name, dep.namespace, dep.rs_uid, dep.created),
            "generation": 1,
            "labels": dep.pod_labels(),
            "annotations": {
                "deployment.kubernetes.io/desired-replicas": str(dep.replicas),
                "deployment.kubernetes.io/max-replicas": str(dep.replicas + -(-dep.replicas * 25 // 100)),
                "deployment.kubernetes.io/revision": "1",
            },
            "ownerReferences": [owner("apps/v1", "Deployment", dep.name, dep.uid)],
        },
        "spec": {
            "replicas": dep.replicas,
            "selector": {"matchLabels": {**dep.selector, "pod-template-hash": dep.template_hash}},
            "template": {"metadata": {"labels": dep.pod_labels()}, "spec": pod_spec(dep)},
        },
        "status": status,
    }


def render_pod(dep: Deployment, run: PodRun) -> Obj:
    """A running pod of the Deployment, with conditions and container statuses."""
    main = dep.containers[0]["name"]
    unready = [] if run.ready else [main]
    ready_reason = "" if run.ready else "ContainersNotReady"
    ready_message = "" if run.ready else f"containers with unready status: [{' '.join(unready)}]"
    conditions = [
        {**c, "lastProbeTime": None}
        for c in (
            condition("PodReadyToStartContainers", True, "", "", run.created + 2),
            condition("Initialized", True, "", "", run.created + 1),
            condition("Ready", run.ready, ready_reason, ready_message, run.ready_since),
            condition("ContainersReady", run.ready, ready_reason, ready_message, run.ready_since),
            condition("PodScheduled", True, "", "", run.created),
        )
    ]
    statuses = []
    for i, container in enumerate(dep.containers):
        is_main = container["name"] == main
        status: Obj = {
            "name": container["name"],
            "image": container["image"],
            "imageID": image_id(container["image"]),
            "containerID": run.container_ids[i],
            "ready": run.ready or not is_main,
            "started": True,
            "restartCount": run.restarts if is_main else 0,
            "state": {"running": {"startedAt": rfc3339(run.running_since if is_main else run.created + 3)}},
            "lastState": {"terminated": dict(run.last_termination)} if is_main and run.last_termination else {},
        }
        statuses.append(status)
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            **meta(run.name, dep.namespace, run.uid, run.created),
            "generateName": dep.rs_name + "-",
            "labels": dep.pod_labels(),
            "ownerReferences": [owner("apps/v1", "ReplicaSet", dep.rs_name, dep.rs_uid)],
        },
        "spec": {**pod_spec(dep), "nodeName": run.node},
        "status": {
            "phase": "Running",
            "conditions": conditions,
            "hostIP": run.host_ip,
            "hostIPs": [{"ip": run.host_ip}],
            "podIP": run.ip,
            "podIPs": [{"ip": run.ip}],
            "startTime": rfc3339(run.created),
            "qosClass": "Burstable" if any(c.get("resources") for c in dep.containers) else "BestEffort",
            "containerStatuses": statuses,
        },
    }


def add_pods(dep: Deployment, ids: Ids, nodes: list[tuple[str, str, str]], created: float) -> None:
    """Schedule ``dep.replicas`` pods over ``nodes`` (name, InternalIP, podCIDR), spread evenly."""
    order = list(range(len(nodes)))
    ids.rng.shuffle(order)
    for i in range(dep.replicas):
        name, host_ip, cidr = nodes[order[i % len(nodes)]]
        dep.pods.append(
            PodRun(
                name=f"{dep.rs_name}-{ids.suffix()}",
                uid=ids.uid(),
                node=name,
                host_ip=host_ip,
                ip=ids.pod_ip(cidr),
                created=created,
                container_ids=[ids.container_id() for _ in dep.containers],
                ready_since=created + 8,
                running_since=created + 3,
            )
        )


def meta(name: str, namespace: str, uid: str, created: float) -> Obj:
    """metadata with name, namespace (when namespaced), uid and creationTimestamp.

    ``DemoCluster.sync`` stamps the resourceVersion.
    """
    out: Obj = {"name": name}
    if namespace:
        out["namespace"] = namespace
    out.update({"uid": uid, "creationTimestamp": rfc3339(created)})
    return out


def owner(api_version: str, kind: str, name: str, uid: str) -> Obj:
    """A controller ownerReference."""
    return {
        "apiVersion": api_version,
        "kind": kind,
        "name": name,
        "uid": uid,
        "controller": True,
        "blockOwnerDeletion": True,
    }


def condition(kind: str, ok: bool, reason: str, message: str, since: float) -> Obj:
    """A status condition (status "True"/"False") with its lastTransitionTime."""
    out: Obj = {"type": kind, "status": "True" if ok else "False", "lastTransitionTime": rfc3339(since)}
    if reason:
        out["reason"] = reason
    if message:
        out["message"] = message
    return out
