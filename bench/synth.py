"""A seeded generator of realistic synthetic clusters, used by every benchmark.

Shapes follow what real clusters hold: namespaces with team/env labels, Deployments with
their ReplicaSets and pods (ownerReferences, pod-template-hash, full status), a few
StatefulSets, Services with matching EndpointSlices (some endpoints not ready), Ingresses
on an ingress-nginx controller, and NetworkPolicies in the common recipes (default-deny,
allow DNS, allow from the ingress controller, allow from a peer app, egress to a CIDR with
except, named ports, endPort ranges). Objects are dictionaries exactly as the API server
returns them, so loading them exercises the real parsers and converters.

    python -m bench.synth --out /tmp/cluster --format yaml   # or json, or both
"""

from __future__ import annotations

import argparse
import hashlib
import ipaddress
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TEAMS = ("payments", "search", "checkout", "identity", "catalog", "growth", "platform", "data", "media", "ads")
ENVS = ("prod", "staging", "dev")
APPS = ("api", "web", "worker", "cache", "gateway", "auth", "db-proxy", "indexer", "cron", "admin")
IMAGES = ("nginx:1.27", "example/api:2.31.4", "redis:7.2", "envoyproxy/envoy:v1.31", "python:3.12-slim")


@dataclass(frozen=True)
class Shape:
    """How big the synthetic cluster is."""

    pods: int = 10_000
    namespaces: int = 500
    policies: int = 2_000
    ingresses: int = 1_000
    nodes: int = 50
    seed: int = 1


def _uid(rng: random.Random) -> str:
    return "%08x-%04x-4%03x-a%03x-%012x" % (  # noqa: UP031 - fixed-width hex fields
        rng.getrandbits(32),
        rng.getrandbits(16),
        rng.getrandbits(12),
        rng.getrandbits(12),
        rng.getrandbits(48),
    )


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def _ts(rng: random.Random) -> str:
    return (
        f"2026-{rng.randint(1, 10):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00Z"
    )


class _Generator:
    def __init__(self, shape: Shape) -> None:
        self.shape = shape
        self.rng = random.Random(shape.seed)
        self.rv = 1000
        self.pod_ips = ipaddress.IPv4Network("10.244.0.0/14").hosts()
        self.svc_ips = ipaddress.IPv4Network("10.96.0.0/12").hosts()
        next(self.svc_ips)  # 10.96.0.1 is the kubernetes Service

    def meta(self, name: str, namespace: str | None = None, **extra: Any) -> dict[str, Any]:
        self.rv += 1
        md: dict[str, Any] = {
            "name": name,
            "uid": _uid(self.rng),
            "resourceVersion": str(self.rv),
            "creationTimestamp": _ts(self.rng),
        }
        if namespace is not None:
            md["namespace"] = namespace
        md.update(extra)
        return md

    # ------------------------------------------------------------------ objects
    def nodes(self) -> Iterator[dict[str, Any]]:
        for i in range(self.shape.nodes):
            yield {
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": self.meta(f"node-{i:03d}", labels={"kubernetes.io/hostname": f"node-{i:03d}"}),
                "spec": {
                    "podCIDR": f"10.{244 + i // 256}.{i % 256}.0/24",
                    "podCIDRs": [f"10.{244 + i // 256}.{i % 256}.0/24"],
                },
                "status": {
                    "addresses": [
                        {"type": "InternalIP", "address": f"192.168.{i // 250}.{10 + i % 240}"},
                        {"type": "Hostname", "address": f"node-{i:03d}"},
                    ],
                    "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}],
                },
            }

    def namespace(self, name: str, labels: dict[str, str]) -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": self.meta(name, labels={**labels, "kubernetes.io/metadata.name": name}),
            "spec": {"finalizers": ["kubernetes"]},
            "status": {"phase": "Active"},
        }

    def pod_template(self, app: str, ns: str) -> dict[str, Any]:
        image = self.rng.choice(IMAGES)
        return {
            "metadata": {
                "labels": {"app": app, "app.kubernetes.io/part-of": ns, "tier": self.rng.choice(("web", "backend"))}
            },
            "spec": {
                "serviceAccountName": app,
                "containers": [
                    {
                        "name": app,
                        "image": image,
                        "ports": [
                            {"name": "http", "containerPort": 8080, "protocol": "TCP"},
                            {"name": "metrics", "containerPort": 9090, "protocol": "TCP"},
                        ],
                        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
                        "readinessProbe": {"httpGet": {"path": "/ready", "port": "http"}},
                        "imagePullPolicy": "IfNotPresent",
                    }
                ],
                "restartPolicy": "Always",
            },
        }

    def workload(self, ns: str, app: str, replicas: int, kind: str) -> Iterator[dict[str, Any]]:
        template = self.pod_template(app, ns)
        labels = template["metadata"]["labels"]
        selector = {"matchLabels": {"app": app}}
        owner_kind, owner_name = kind, app
        yield {
            "apiVersion": "apps/v1",
            "kind": kind,
            "metadata": self.meta(app, ns, labels={"app": app}, generation=3),
            "spec": {"replicas": replicas, "selector": selector, "template": template},
            "status": {"replicas": replicas, "readyReplicas": replicas, "observedGeneration": 3},
        }
        pod_hash = _hash(f"{ns}/{app}")
        if kind == "Deployment":
            rs_name = f"{app}-{pod_hash}"
            yield {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "metadata": self.meta(
                    rs_name,
                    ns,
                    labels={**labels, "pod-template-hash": pod_hash},
                    ownerReferences=[
                        {
                            "apiVersion": "apps/v1",
                            "kind": "Deployment",
                            "name": app,
                            "uid": _uid(self.rng),
                            "controller": True,
                        }
                    ],
                ),
                "spec": {"replicas": replicas, "selector": selector, "template": template},
                "status": {"replicas": replicas, "readyReplicas": replicas},
            }
            owner_kind, owner_name = "ReplicaSet", rs_name
        for i in range(replicas):
            name = f"{owner_name}-{_hash(f'{ns}/{app}/{i}')[:5]}" if kind == "Deployment" else f"{app}-{i}"
            yield self.pod(ns, name, labels, pod_hash, template, owner_kind, owner_name)

    def pod(
        self,
        ns: str,
        name: str,
        labels: dict[str, str],
        pod_hash: str,
        template: dict[str, Any],
        owner_kind: str,
        owner_name: str,
    ) -> dict[str, Any]:
        ip = str(next(self.pod_ips))
        node = f"node-{self.rng.randrange(self.shape.nodes):03d}"
        ready = self.rng.random() > 0.03
        restarts = 0 if self.rng.random() > 0.1 else self.rng.randint(1, 40)
        container = template["spec"]["containers"][0]
        return {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": self.meta(
                name,
                ns,
                labels={**labels, "pod-template-hash": pod_hash},
                ownerReferences=[
                    {
                        "apiVersion": "apps/v1",
                        "kind": owner_kind,
                        "name": owner_name,
                        "uid": _uid(self.rng),
                        "controller": True,
                    }
                ],
            ),
            "spec": {**template["spec"], "nodeName": node},
            "status": {
                "phase": "Running",
                "conditions": [
                    {"type": "Ready", "status": "True" if ready else "False", "lastTransitionTime": _ts(self.rng)},
                    {
                        "type": "ContainersReady",
                        "status": "True" if ready else "False",
                        "lastTransitionTime": _ts(self.rng),
                    },
                ],
                "hostIP": f"192.168.0.{10 + int(node[-3:]) % 240}",
                "podIP": ip,
                "podIPs": [{"ip": ip}],
                "qosClass": "Burstable",
                "containerStatuses": [
                    {
                        "name": container["name"],
                        "image": container["image"],
                        "imageID": f"docker-pullable://{container['image']}@sha256:{_hash(container['image']) * 6}",
                        "containerID": f"containerd://{_hash(name) * 6}",
                        "ready": ready,
                        "started": True,
                        "restartCount": restarts,
                        "state": {"running": {"startedAt": _ts(self.rng)}},
                    }
                ],
            },
        }

    def service(self, ns: str, app: str, pods: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        ip = str(next(self.svc_ips))
        yield {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": self.meta(app, ns, labels={"app": app}),
            "spec": {
                "type": "ClusterIP",
                "clusterIP": ip,
                "clusterIPs": [ip],
                "selector": {"app": app},
                "ports": [
                    {"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"},
                    {"name": "metrics", "port": 9090, "targetPort": 9090, "protocol": "TCP"},
                ],
                "sessionAffinity": "None",
                "ipFamilies": ["IPv4"],
            },
            "status": {"loadBalancer": {}},
        }
        yield {
            "apiVersion": "discovery.k8s.io/v1",
            "kind": "EndpointSlice",
            "metadata": self.meta(
                f"{app}-{_hash(ns + app)[:5]}",
                ns,
                labels={
                    "kubernetes.io/service-name": app,
                    "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
                },
            ),
            "addressType": "IPv4",
            "endpoints": [
                {
                    "addresses": [p["status"]["podIP"]],
                    "conditions": {
                        "ready": p["status"]["conditions"][0]["status"] == "True",
                        "serving": p["status"]["conditions"][0]["status"] == "True",
                        "terminating": False,
                    },
                    "nodeName": p["spec"]["nodeName"],
                    "targetRef": {"kind": "Pod", "name": p["metadata"]["name"], "namespace": ns},
                }
                for p in pods
            ],
            "ports": [
                {"name": "http", "port": 8080, "protocol": "TCP"},
                {"name": "metrics", "port": 9090, "protocol": "TCP"},
            ],
        }

    def ingress(self, ns: str, name: str, apps: list[str]) -> dict[str, Any]:
        host = f"{name}.{ns}.example.com"
        paths = [
            {
                "path": "/" if i == 0 else f"/{app}",
                "pathType": "Prefix",
                "backend": {"service": {"name": app, "port": {"name": "http"}}},
            }
            for i, app in enumerate(apps)
        ]
        return {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "metadata": self.meta(name, ns, annotations={"nginx.ingress.kubernetes.io/proxy-body-size": "8m"}),
            "spec": {
                "ingressClassName": "nginx",
                "tls": [{"hosts": [host], "secretName": f"{name}-tls"}],
                "rules": [{"host": host, "http": {"paths": paths}}],
            },
            "status": {"loadBalancer": {"ingress": [{"ip": "203.0.113.10"}]}},
        }

    def policies(self, ns: str, apps: list[str], count: int) -> Iterator[dict[str, Any]]:
        def policy(name: str, spec: dict[str, Any]) -> dict[str, Any]:
            return {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "NetworkPolicy",
                "metadata": self.meta(name, ns),
                "spec": spec,
            }

        recipes = [
            lambda: policy("default-deny", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
            lambda: policy(
                "allow-dns",
                {
                    "podSelector": {},
                    "policyTypes": ["Egress"],
                    "egress": [
                        {
                            "to": [
                                {
                                    "namespaceSelector": {
                                        "matchLabels": {"kubernetes.io/metadata.name": "kube-system"}
                                    },
                                    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                                }
                            ],
                            "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
                        }
                    ],
                },
            ),
            lambda: policy(
                "allow-from-ingress",
                {
                    "podSelector": {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["web"]}]},
                    "ingress": [
                        {
                            "from": [
                                {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}
                            ],
                            "ports": [{"port": "http"}],
                        }
                    ],
                },
            ),
            lambda: policy(
                f"allow-{apps[0]}-to-{apps[-1]}",
                {
                    "podSelector": {"matchLabels": {"app": apps[-1]}},
                    "ingress": [
                        {"from": [{"podSelector": {"matchLabels": {"app": apps[0]}}}], "ports": [{"port": 8080}]}
                    ],
                    "egress": [
                        {
                            "to": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.96.0.0/12"]}}],
                            "ports": [{"port": 5432}, {"port": 30000, "endPort": 32767}],
                        },
                        {"to": [{"namespaceSelector": {"matchLabels": {"team": self.rng.choice(TEAMS)}}}]},
                    ],
                },
            ),
            lambda: policy(
                "allow-metrics",
                {
                    "podSelector": {},
                    "ingress": [
                        {
                            "from": [
                                {
                                    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}},
                                    "podSelector": {"matchLabels": {"app": "prometheus"}},
                                }
                            ],
                            "ports": [{"port": "metrics"}],
                        }
                    ],
                },
            ),
        ]
        for i in range(count):
            yield recipes[i % len(recipes)]()

    # ------------------------------------------------------------------- cluster
    def cluster(self) -> Iterator[dict[str, Any]]:
        shape = self.shape
        yield from self.nodes()
        yield {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "IngressClass",
            "metadata": self.meta("nginx", annotations={"ingressclass.kubernetes.io/is-default-class": "true"}),
            "spec": {"controller": "k8s.io/ingress-nginx"},
        }
        system = [
            ("kube-system", "coredns", {"k8s-app": "kube-dns"}),
            ("ingress-nginx", "ingress-nginx-controller", {}),
        ]
        for ns, app, _extra in system:
            yield self.namespace(ns, {})
            objs = list(self.workload(ns, app, 2, "Deployment"))
            yield from objs
        user_ns = max(1, shape.namespaces - 2)
        per_ns = [shape.pods // user_ns + (1 if i < shape.pods % user_ns else 0) for i in range(user_ns)]
        ingress_per_ns = [
            shape.ingresses // user_ns + (1 if i < shape.ingresses % user_ns else 0) for i in range(user_ns)
        ]
        policy_per_ns = [shape.policies // user_ns + (1 if i < shape.policies % user_ns else 0) for i in range(user_ns)]
        for i in range(user_ns):
            team = TEAMS[i % len(TEAMS)]
            ns = f"{team}-{i:03d}"
            yield self.namespace(ns, {"team": team, "env": ENVS[i % len(ENVS)]})
            budget = per_ns[i]
            apps: list[str] = []
            while budget > 0:
                app = APPS[len(apps) % len(APPS)] + ("" if len(apps) < len(APPS) else f"-{len(apps)}")
                replicas = min(budget, self.rng.randint(1, 6))
                budget -= replicas
                kind = "StatefulSet" if app.startswith("db-proxy") else "Deployment"
                objs = list(self.workload(ns, app, replicas, kind))
                yield from objs
                yield from self.service(ns, app, [o for o in objs if o["kind"] == "Pod"])
                apps.append(app)
            for j in range(ingress_per_ns[i]):
                yield self.ingress(ns, f"site-{j}", apps[j % len(apps) :][:3] or apps[:1])
            yield from self.policies(ns, apps, policy_per_ns[i])


def generate(shape: Shape | None = None) -> list[dict[str, Any]]:
    """Every object of a synthetic cluster, as API dictionaries."""
    return list(_Generator(shape or Shape()).cluster())


def write(objects: list[dict[str, Any]], out: Path, fmt: str) -> Path:
    """Write objects as one multi-document YAML stream or one JSON ``List``."""
    out.mkdir(parents=True, exist_ok=True)
    if fmt == "json":
        path = out / "cluster.json"
        path.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": objects}))
        return path
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    path = out / "cluster.yaml"
    with path.open("w") as fh:
        yaml.dump_all(objects, fh, Dumper=dumper, sort_keys=False, default_flow_style=False)
    return path


def main() -> None:
    """CLI: write a synthetic cluster to disk."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--format", choices=["yaml", "json", "both"], default="both")
    parser.add_argument("--pods", type=int, default=Shape.pods)
    parser.add_argument("--namespaces", type=int, default=Shape.namespaces)
    parser.add_argument("--policies", type=int, default=Shape.policies)
    parser.add_argument("--ingresses", type=int, default=Shape.ingresses)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    shape = Shape(args.pods, args.namespaces, args.policies, args.ingresses, seed=args.seed)
    objects = generate(shape)
    for fmt in ("yaml", "json") if args.format == "both" else (args.format,):
        path = write(objects, args.out / fmt, fmt)
        print(f"{path}: {len(objects)} objects, {path.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
