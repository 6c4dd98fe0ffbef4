"""Can a pod resolve names? Egress (and the DNS pods' ingress) on UDP and TCP 53 to the
cluster DNS pods — the most common silent breakage after a default-deny egress policy.

The cluster DNS pods are the pods of ``kube-system`` labelled ``k8s-app: kube-dns`` (the
label CoreDNS and kube-dns deployments both carry). Policies see the pods, not the
``kube-dns`` Service IP. When no such pod is loaded (a snapshot of one namespace), a
stand-in with those labels and the usual ports is judged instead, and the check says so.
"""

from __future__ import annotations

from kubetraffic.core.labels import LabelSelector
from kubetraffic.core.objects import Container, ContainerPort, Meta, Pod
from kubetraffic.core.policy.connection import evaluate_connection
from kubetraffic.core.policy.index import PolicyIndex
from kubetraffic.core.policy.model import ConnectionVerdict, DnsCheck, PodPeer
from kubetraffic.core.state import ClusterState

DNS_NAMESPACE = "kube-system"
DNS_LABELS = {"k8s-app": "kube-dns"}
DNS_PORT = 53


def dns_pods(state: ClusterState) -> tuple[list[Pod], bool]:
    """(the cluster DNS pods, True when none is loaded and a stand-in is used)."""
    pods = state.pods_matching(DNS_NAMESPACE, LabelSelector.from_labels(DNS_LABELS))
    running = [p for p in pods if p.phase not in ("Succeeded", "Failed")]
    if running:
        return sorted(running, key=lambda p: p.meta.name), False
    standin = Pod(
        meta=Meta(name="kube-dns (assumed)", namespace=DNS_NAMESPACE, labels=dict(DNS_LABELS)),
        phase="Template",
        containers=(
            Container(
                "coredns",
                ports=(
                    ContainerPort(DNS_PORT, "UDP", "dns"),
                    ContainerPort(DNS_PORT, "TCP", "dns-tcp"),
                    ContainerPort(9153, "TCP", "metrics"),
                ),
            ),
        ),
        template=True,
    )
    return [standin], True


def _class_key(pod: Pod) -> tuple[object, ...]:
    """DNS pods policies cannot tell apart; a host-network one is its node (the client's
    own node is always reachable, another only by its address)."""
    where = (pod.node_name, pod.pod_ips) if pod.host_network else ()
    return (tuple(sorted(pod.labels.items())), tuple(sorted(pod.named_ports().items())), pod.host_network, where)


def check_dns(state: ClusterState, pod: Pod, *, index: PolicyIndex | None = None) -> DnsCheck:
    """Judge UDP and TCP 53 from ``pod`` to every distinct kind of cluster DNS pod.

    DNS is allowed when both protocols reach every DNS pod (the resolver may be sent to
    any of them); the verdicts kept are the first denied ones, else the first allowed.
    """
    servers, assumed = dns_pods(state)
    seen: dict[tuple[object, ...], Pod] = {}
    for server in servers:
        seen.setdefault(_class_key(server), server)
    verdicts: dict[str, ConnectionVerdict] = {}
    denied: set[str] = set()
    for protocol in ("UDP", "TCP"):
        for server in seen.values():
            v = evaluate_connection(state, PodPeer(pod), PodPeer(server), DNS_PORT, protocol, index=index)
            if not v.allowed:
                denied.update(s.meta.ref for s in servers if _class_key(s) == _class_key(server))
            if protocol not in verdicts or (verdicts[protocol].allowed and not v.allowed):
                verdicts[protocol] = v
    udp, tcp = verdicts["UDP"], verdicts["TCP"]
    return DnsCheck(
        pod=pod.meta.ref,
        allowed=udp.allowed and tcp.allowed and not denied,
        udp=udp,
        tcp=tcp,
        servers=tuple(s.meta.ref for s in servers),
        assumed=assumed,
        denied_servers=tuple(sorted(denied)),
    )
