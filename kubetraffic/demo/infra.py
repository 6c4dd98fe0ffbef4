"""The platform under the shop: nodes, CoreDNS, ingress-nginx and the default IngressClass."""

from __future__ import annotations

from kubetraffic.demo.builder import Builder
from kubetraffic.demo.cluster import Obj
from kubetraffic.demo.facts import DAY, HOUR, KUBE_DNS_IP, LB_IP, NODES

CLUSTER_AGE = 41 * DAY
NGINX_LABELS = {
    "app.kubernetes.io/component": "controller",
    "app.kubernetes.io/instance": "ingress-nginx",
    "app.kubernetes.io/name": "ingress-nginx",
}


def add_infrastructure(b: Builder) -> None:
    """Nodes, namespaces default/kube-system/ingress-nginx, CoreDNS and the nginx controller."""
    for name, ip, cidr in NODES:
        _node(b, name, ip, cidr)
    for ns, age in (("default", CLUSTER_AGE), ("kube-system", CLUSTER_AGE)):
        b.obj("v1", "Namespace", ns, age=age, spec={"finalizers": ["kubernetes"]}, status={"phase": "Active"})
    nginx_ns_labels = {"app.kubernetes.io/instance": "ingress-nginx", "app.kubernetes.io/name": "ingress-nginx"}
    b.obj("v1", "Namespace", "ingress-nginx", age=CLUSTER_AGE - HOUR, labels=nginx_ns_labels,
          spec={"finalizers": ["kubernetes"]}, status={"phase": "Active"})  # fmt: skip
    _api_server(b)
    _coredns(b)
    _ingress_nginx(b)


def _node(b: Builder, name: str, ip: str, cidr: str) -> None:
    control_plane = "control-plane" in name
    labels = {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
    }
    spec: Obj = {"podCIDR": cidr, "podCIDRs": [cidr], "providerID": f"kind://docker/demo/{name}"}
    if control_plane:
        labels["node-role.kubernetes.io/control-plane"] = ""
        spec["taints"] = [{"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"}]
    status = {
        "addresses": [{"type": "InternalIP", "address": ip}, {"type": "Hostname", "address": name}],
        "conditions": [
            {"type": "MemoryPressure", "status": "False", "reason": "KubeletHasSufficientMemory"},
            {"type": "DiskPressure", "status": "False", "reason": "KubeletHasNoDiskPressure"},
            {"type": "PIDPressure", "status": "False", "reason": "KubeletHasSufficientPID"},
            {"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status"},
        ],
        "capacity": {"cpu": "4", "memory": "16318180Ki", "pods": "110"},
        "allocatable": {"cpu": "4", "memory": "16318180Ki", "pods": "110"},
        "nodeInfo": {
            "architecture": "amd64",
            "containerRuntimeVersion": "containerd://1.7.18",
            "kernelVersion": "6.1.0-28-amd64",
            "kubeProxyVersion": "v1.31.2",
            "kubeletVersion": "v1.31.2",
            "operatingSystem": "linux",
            "osImage": "Debian GNU/Linux 12 (bookworm)",
        },
    }
    b.obj("v1", "Node", name, age=CLUSTER_AGE, labels=labels, spec=spec, status=status)


def _api_server(b: Builder) -> None:
    """default/kubernetes: no selector; the API server keeps its EndpointSlice itself."""
    svc = b.service(
        "default",
        "kubernetes",
        None,
        [{"name": "https", "port": 443, "targetPort": 6443}],
        age=CLUSTER_AGE,
        ip="10.96.0.1",
        labels={"component": "apiserver", "provider": "kubernetes"},
    )
    b.obj(
        "discovery.k8s.io/v1",
        "EndpointSlice",
        "kubernetes",
        "default",
        age=CLUSTER_AGE,
        labels={"kubernetes.io/service-name": "kubernetes"},
        addressType="IPv4",
        endpoints=[{"addresses": [NODES[0][1]], "conditions": {"ready": True, "serving": True, "terminating": False}}],
        ports=[{"name": "https", "port": 6443, "protocol": "TCP"}],
    )
    assert svc["spec"]["clusterIP"] == "10.96.0.1"


def _coredns(b: Builder) -> None:
    container = {
        "name": "coredns",
        "image": "registry.k8s.io/coredns/coredns:v1.11.3",
        "args": ["-conf", "/etc/coredns/Corefile"],
        "ports": [
            {"name": "dns", "containerPort": 53, "protocol": "UDP"},
            {"name": "dns-tcp", "containerPort": 53, "protocol": "TCP"},
            {"name": "metrics", "containerPort": 9153, "protocol": "TCP"},
        ],
        "readinessProbe": {"httpGet": {"path": "/ready", "port": 8181}},
        "livenessProbe": {"httpGet": {"path": "/health", "port": 8080}, "initialDelaySeconds": 60, "timeoutSeconds": 5},
        "resources": {"limits": {"memory": "170Mi"}, "requests": {"cpu": "100m", "memory": "70Mi"}},
    }
    labels = {"k8s-app": "kube-dns"}
    b.deployment("kube-system", "coredns", labels, 2, [container], age=CLUSTER_AGE, pod_age=CLUSTER_AGE - 600,
                 selector_keys=("k8s-app",), meta_labels=labels)  # fmt: skip
    b.service(
        "kube-system",
        "kube-dns",
        labels,
        [
            {"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
            {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53},
            {"name": "metrics", "port": 9153, "protocol": "TCP", "targetPort": 9153},
        ],
        age=CLUSTER_AGE,
        ip=KUBE_DNS_IP,
        labels={"k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true", "kubernetes.io/name": "CoreDNS"},
    )


def _ingress_nginx(b: Builder) -> None:
    age = CLUSTER_AGE - HOUR
    container = {
        "name": "controller",
        "image": "registry.k8s.io/ingress-nginx/controller:v1.12.1",
        "args": [
            "/nginx-ingress-controller",
            "--publish-service=$(POD_NAMESPACE)/ingress-nginx-controller",
            "--election-id=ingress-nginx-leader",
            "--controller-class=k8s.io/ingress-nginx",
            "--ingress-class=nginx",
            "--validating-webhook=:8443",
        ],
        "ports": [
            {"name": "http", "containerPort": 80},
            {"name": "https", "containerPort": 443},
            {"name": "webhook", "containerPort": 8443},
        ],
        "readinessProbe": {"httpGet": {"path": "/healthz", "port": 10254}},
        "livenessProbe": {"httpGet": {"path": "/healthz", "port": 10254}, "failureThreshold": 5},
        "resources": {"requests": {"cpu": "100m", "memory": "90Mi"}},
    }
    b.deployment("ingress-nginx", "ingress-nginx-controller", NGINX_LABELS, 2, [container], age=age,
                 pod_age=12 * DAY, selector_keys=tuple(NGINX_LABELS), meta_labels=NGINX_LABELS)  # fmt: skip
    b.service(
        "ingress-nginx",
        "ingress-nginx-controller",
        NGINX_LABELS,
        [
            {"name": "http", "port": 80, "targetPort": "http", "appProtocol": "http"},
            {"name": "https", "port": 443, "targetPort": "https", "appProtocol": "https"},
        ],
        age=age,
        labels=NGINX_LABELS,
        lb_ip=LB_IP,
    )
    b.service(
        "ingress-nginx",
        "ingress-nginx-controller-admission",
        NGINX_LABELS,
        [{"name": "https-webhook", "port": 443, "targetPort": "webhook", "appProtocol": "https"}],
        age=age,
        labels=NGINX_LABELS,
    )
    b.obj(
        "networking.k8s.io/v1",
        "IngressClass",
        "nginx",
        age=age,
        labels=NGINX_LABELS,
        annotations={"ingressclass.kubernetes.io/is-default-class": "true"},
        spec={"controller": "k8s.io/ingress-nginx"},
    )
