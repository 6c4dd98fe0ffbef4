"""The demo cluster as a whole: authored objects, Deployments and the slices they imply.

``DemoCluster`` plays the API server and its controllers for the scenario: it keeps the
objects a user authored, renders Deployments into ReplicaSets and Pods, keeps one
EndpointSlice per selecting Service consistent with pod readiness (as the EndpointSlice
controller does), and stamps a new resourceVersion on every object that changes, so a
live change becomes exactly the watch events a real cluster would send.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any, Literal

from kubetraffic.demo.ids import Ids
from kubetraffic.demo.workloads import (
    Deployment,
    PodRun,
    owner,
    render_deployment,
    render_pod,
    render_replicaset,
)

Obj = dict[str, Any]
ObjKey = tuple[str, str, str]
"""(kind, namespace, name)."""
Change = tuple[Literal["ADDED", "MODIFIED", "DELETED"], Obj]

# The order `kubectl apply` needs (namespaces first), and a stable order for listings.
KIND_ORDER = (
    "Namespace",
    "Node",
    "IngressClass",
    "Secret",
    "Service",
    "Deployment",
    "ReplicaSet",
    "Pod",
    "EndpointSlice",
    "Ingress",
    "NetworkPolicy",
)


def key_of(obj: Obj) -> ObjKey:
    """(kind, namespace, name) of an API object."""
    md = obj["metadata"]
    return (obj["kind"], md.get("namespace", ""), md["name"])


class DemoCluster:
    """Every object of the demo, kept as API dictionaries with fresh resourceVersions."""

    def __init__(self, ids: Ids) -> None:
        self.ids = ids
        self.authored: dict[ObjKey, Obj] = {}
        self.deployments: dict[tuple[str, str], Deployment] = {}
        self._slice_names: dict[tuple[str, str], tuple[str, str]] = {}
        self._objects: dict[ObjKey, Obj] = {}

    # ------------------------------------------------------------------ building
    def add(self, obj: Obj) -> None:
        """An authored object (with its uid and creationTimestamp); ``sync`` stamps its resourceVersion."""
        key = key_of(obj)
        if key[0] == "Service" and obj["spec"].get("selector"):
            # The EndpointSlice controller names slices <service>-<random suffix>.
            self._slice_names[(key[1], key[2])] = (f"{key[2]}-{self.ids.suffix()}", self.ids.uid())
        self.authored[key] = obj

    def add_deployment(self, dep: Deployment) -> None:
        """A Deployment whose pods are already scheduled (see ``workloads.add_pods``)."""
        self.deployments[(dep.namespace, dep.name)] = dep

    def remove(self, kind: str, namespace: str, name: str) -> None:
        """Forget an authored object (the next ``sync`` reports it DELETED)."""
        self.authored.pop((kind, namespace, name), None)

    # ----------------------------------------------------------------- rendering
    def objects(self) -> list[Obj]:
        """Every object in apply order; call ``sync`` first."""
        return [self._objects[k] for k in sorted(self._objects, key=_order)]

    def sync(self) -> list[Change]:
        """Re-render everything; returns what changed since the last sync, in apply order.

        Unchanged objects keep their resourceVersion; changed ones get a new one.
        """
        fresh = dict(self._render())
        changes: list[Change] = []
        for key in sorted(fresh.keys() | self._objects.keys(), key=_order):
            old, new = self._objects.get(key), fresh.get(key)
            if new is None:
                assert old is not None
                changes.append(("DELETED", old))
                del self._objects[key]
            elif old is None or _without_rv(old) != _without_rv(new):
                new["metadata"]["resourceVersion"] = self.ids.resource_version()
                self._objects[key] = new
                changes.append(("ADDED" if old is None else "MODIFIED", new))
        return changes

    def _render(self) -> Iterator[tuple[ObjKey, Obj]]:
        for key, obj in self.authored.items():
            yield key, copy.deepcopy(obj)
        for dep in self.deployments.values():
            yield ("Deployment", dep.namespace, dep.name), render_deployment(dep)
            yield ("ReplicaSet", dep.namespace, dep.rs_name), render_replicaset(dep)
            for run in dep.pods:
                yield ("Pod", dep.namespace, run.name), render_pod(dep, run)
        for (namespace, service), (name, uid) in self._slice_names.items():
            svc = self.authored.get(("Service", namespace, service))
            if svc is not None:
                yield ("EndpointSlice", namespace, name), self._render_slice(svc, name, uid)

    def _render_slice(self, svc: Obj, name: str, uid: str) -> Obj:
        """The EndpointSlice controller's view of ``svc``: one endpoint per selected pod.

        Endpoint conditions follow discovery.k8s.io/v1: ``ready`` is the pod's Ready
        condition, ``serving`` the same for a pod that is not terminating.
        """
        md = svc["metadata"]
        selector = svc["spec"]["selector"]
        selected = [
            (dep, run)
            for dep in self.deployments.values()
            if dep.namespace == md["namespace"] and all(dep.pod_labels().get(k) == v for k, v in selector.items())
            for run in dep.pods
        ]
        endpoints = [
            {
                "addresses": [run.ip],
                "conditions": {"ready": run.ready, "serving": run.ready, "terminating": False},
                "nodeName": run.node,
                "targetRef": {"kind": "Pod", "namespace": md["namespace"], "name": run.name, "uid": run.uid},
            }
            for dep, run in sorted(selected, key=lambda pair: pair[1].name)
        ]
        ports = None
        if selected:
            dep = selected[0][0]
            ports = [
                {"name": p.get("name", ""), "port": _target_port(dep, p), "protocol": p.get("protocol", "TCP")}
                for p in svc["spec"]["ports"]
            ]
        return {
            "apiVersion": "discovery.k8s.io/v1",
            "kind": "EndpointSlice",
            "metadata": {
                "name": name,
                "namespace": md["namespace"],
                "uid": uid,
                "creationTimestamp": md["creationTimestamp"],
                "generateName": md["name"] + "-",
                "generation": 1,
                "labels": {
                    "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
                    "kubernetes.io/service-name": md["name"],
                },
                "ownerReferences": [owner("v1", "Service", md["name"], md.get("uid", ""))],
            },
            "addressType": "IPv4",
            "endpoints": endpoints or None,  # the placeholder slice lists neither endpoints nor ports
            "ports": ports,
        }

    # ----------------------------------------------------------------- queries
    def pod_run(self, namespace: str, name: str) -> tuple[Deployment, PodRun]:
        """A pod's Deployment and runtime state, by pod name."""
        for dep in self.deployments.values():
            if dep.namespace == namespace:
                for run in dep.pods:
                    if run.name == name:
                        return dep, run
        raise KeyError(f"no demo pod {namespace}/{name}")


def _target_port(dep: Deployment, port: Obj) -> int:
    """A Service port's targetPort resolved against the pod's container ports."""
    target = port.get("targetPort", port["port"])
    if isinstance(target, int):
        return target
    for container in dep.containers:
        for cp in container.get("ports", []):
            if cp.get("name") == target:
                return int(cp["containerPort"])
    raise KeyError(f"{dep.namespace}/{dep.name} has no container port named {target!r}")


def _order(key: ObjKey) -> tuple[int, str, str]:
    return (KIND_ORDER.index(key[0]) if key[0] in KIND_ORDER else len(KIND_ORDER), key[1], key[2])


def _without_rv(obj: Obj) -> Obj:
    return {**obj, "metadata": {k: v for k, v in obj["metadata"].items() if k != "resourceVersion"}}
