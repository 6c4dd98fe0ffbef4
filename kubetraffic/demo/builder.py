"""Adds objects to a DemoCluster the way their authors (and the API server) would."""

from __future__ import annotations

from typing import Any

from kubetraffic.demo.clock import rfc3339
from kubetraffic.demo.cluster import DemoCluster, Obj
from kubetraffic.demo.facts import APPLY_LABEL, CERT_NOT_AFTER_ANNOTATION, NODES
from kubetraffic.demo.ids import Ids
from kubetraffic.demo.workloads import Deployment, add_pods


def apply_labels(extra: dict[str, str] | None = None) -> dict[str, str]:
    """``extra`` plus the label that marks an object for the kubectl-apply reproduction."""
    return {**(extra or {}), APPLY_LABEL[0]: APPLY_LABEL[1]}


class Builder:
    """Adds the scenario's objects to a DemoCluster in a fixed (seed-stable) order."""

    def __init__(self, cluster: DemoCluster, ids: Ids, now: float) -> None:
        self.cluster, self.ids, self.now = cluster, ids, now
        self.workers = [n for n in NODES if "control-plane" not in n[0]]

    def obj(self, api_version: str, kind: str, name: str, namespace: str = "", *, age: float, **body: Any) -> Obj:
        """An authored object created ``age`` seconds ago; ``labels``/``annotations`` go to metadata."""
        labels = body.pop("labels", None)
        annotations = body.pop("annotations", None)
        md: Obj = {"name": name}
        if namespace:
            md["namespace"] = namespace
        md.update({"uid": self.ids.uid(), "creationTimestamp": rfc3339(self.now - age)})
        if labels:
            md["labels"] = labels
        if annotations:
            md["annotations"] = annotations
        out = {"apiVersion": api_version, "kind": kind, "metadata": md, **body}
        self.cluster.add(out)
        return out

    def service_ip(self) -> str:
        """A ClusterIP from 10.96.0.0/16 (never .0.1 or .0.10, which are taken)."""
        return f"10.96.{self.ids.rng.randint(1, 254)}.{self.ids.rng.randint(2, 254)}"

    def service(self, namespace: str, name: str, selector: dict[str, str] | None, ports: list[Obj], *,
                age: float, ip: str | None = None, labels: dict[str, str] | None = None,
                lb_ip: str | None = None) -> Obj:  # fmt: skip
        """A Service as the API server returns it (defaults filled, LoadBalancer status)."""
        ip = ip or self.service_ip()
        spec: Obj = {
            "type": "LoadBalancer" if lb_ip else "ClusterIP",
            "clusterIP": ip,
            "clusterIPs": [ip],
            "ipFamilies": ["IPv4"],
            "ipFamilyPolicy": "SingleStack",
            "internalTrafficPolicy": "Cluster",
            "sessionAffinity": "None",
            "ports": [{"protocol": "TCP", **p} for p in ports],
        }
        if selector:
            spec["selector"] = selector
        status: Obj = {"loadBalancer": {}}
        if lb_ip:
            spec.update({"externalTrafficPolicy": "Cluster", "allocateLoadBalancerNodePorts": True})
            for p in spec["ports"]:
                p["nodePort"] = self.ids.rng.randint(30000, 32767)
            status = {"loadBalancer": {"ingress": [{"ip": lb_ip, "ipMode": "VIP"}]}}
        return self.obj("v1", "Service", name, namespace, age=age, labels=labels, spec=spec, status=status)

    def deployment(self, namespace: str, name: str, labels: dict[str, str], replicas: int, containers: list[Obj], *,
                   age: float, pod_age: float, selector_keys: tuple[str, ...] = ("app",),
                   meta_labels: dict[str, str] | None = None) -> Deployment:  # fmt: skip
        """A Deployment with ``replicas`` pods spread over the worker nodes."""
        dep = Deployment(
            namespace=namespace,
            name=name,
            uid=self.ids.uid(),
            created=self.now - age,
            labels=labels,
            containers=containers,
            replicas=replicas,
            template_hash=self.ids.suffix(10),
            rs_uid=self.ids.uid(),
            selector_keys=selector_keys,
            meta_labels=meta_labels or {},
        )
        add_pods(dep, self.ids, self.workers, self.now - pod_age)
        self.cluster.add_deployment(dep)
        return dep

    def policy(self, namespace: str, name: str, spec: Obj, *, age: float) -> Obj:
        """A NetworkPolicy (authored, so marked for the apply set)."""
        return self.obj("networking.k8s.io/v1", "NetworkPolicy", name, namespace, age=age,
                        labels=apply_labels(), spec=spec)  # fmt: skip

    def tls_secret(self, namespace: str, name: str, host: str, expires_in: float, *, age: float) -> Obj:
        """A cert-manager-issued TLS Secret: metadata only, expiry as demo data, never ``data``."""
        annotations = {
            "cert-manager.io/alt-names": host,
            "cert-manager.io/certificate-name": name,
            "cert-manager.io/common-name": host,
            "cert-manager.io/issuer-kind": "ClusterIssuer",
            "cert-manager.io/issuer-name": "letsencrypt-prod",
            CERT_NOT_AFTER_ANNOTATION: rfc3339(self.now + expires_in),
        }
        return self.obj("v1", "Secret", name, namespace, age=age, annotations=annotations, type="kubernetes.io/tls")
