"""An independent reference model of NetworkPolicy (networking.k8s.io/v1), for tests only.

A direct, deliberately naive transcription of the API reference and the concepts page,
over raw API dictionaries (Namespace, Node, Pod, NetworkPolicy as ``kubectl get -o json``
would give them). It shares no code with ``kubetraffic.core.policy``: the property tests
compare the two. Each step quotes the sentence it implements.

Choices the API leaves open are the engine's documented ones (they are in the upstream
documentation too):

- "a pod cannot block access to itself";
- "traffic to and from the node where a Pod is running is always allowed";
- host-network pods are node traffic — the plugin "ignores hostNetwork pods when matching
  podSelector and namespaceSelector. Traffic to/from hostNetwork pods is treated the same
  as all other traffic to/from the node IP" (the most common implementation);
- ipBlock is for "cluster-external IPs": an address that is a (pod-network) pod's IP is
  judged as that pod, never by an ipBlock;
- pods without IPs are judged by their labels and declared ports.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

Obj = dict[str, Any]

METADATA_NAME = "kubernetes.io/metadata.name"


@dataclass
class Cluster:
    """The raw objects of one cluster."""

    namespaces: list[Obj] = field(default_factory=list)
    nodes: list[Obj] = field(default_factory=list)
    pods: list[Obj] = field(default_factory=list)
    policies: list[Obj] = field(default_factory=list)

    def namespace_labels(self, name: str) -> dict[str, str]:
        """A namespace's labels. "The Kubernetes control plane sets an immutable label
        kubernetes.io/metadata.name on all namespaces, the value of the label is the
        namespace name." A namespace that pods live in exists, even if not listed here."""
        labels: dict[str, str] = {}
        for ns in self.namespaces:
            if ns["metadata"]["name"] == name:
                labels = dict(ns["metadata"].get("labels") or {})
        labels[METADATA_NAME] = name
        return labels

    def node_addresses(self, node_name: str) -> list[str]:
        """The addresses of a node (status.addresses)."""
        for node in self.nodes:
            if node["metadata"]["name"] == node_name:
                return [a["address"] for a in node.get("status", {}).get("addresses", [])]
        return []

    def node_of_address(self, ip: str) -> str | None:
        """The node that owns ``ip``, if any."""
        for node in self.nodes:
            if ip in self.node_addresses(node["metadata"]["name"]):
                return str(node["metadata"]["name"])
        return None


# ------------------------------------------------------------------------ the endpoints
@dataclass(frozen=True)
class PodEnd:
    """A pod of the pod network."""

    pod: Obj

    @property
    def key(self) -> tuple[str, str]:
        return (self.pod["metadata"]["namespace"], self.pod["metadata"]["name"])


@dataclass(frozen=True)
class AddressEnd:
    """An address that is not a pod-network pod: a node (``node`` set) or outside."""

    ip: str | None
    node: str | None = None


End = PodEnd | AddressEnd


def pod_ips(pod: Obj) -> list[str]:
    """status.podIPs ("If this field is specified, the 0th entry must match the podIP
    field"), else status.podIP."""
    status = pod.get("status", {})
    ips = [str(p["ip"]) for p in status.get("podIPs") or [] if p.get("ip")]
    return ips or ([str(status["podIP"])] if status.get("podIP") else [])


def is_host_network(pod: Obj) -> bool:
    """spec.hostNetwork."""
    return bool(pod.get("spec", {}).get("hostNetwork"))


def endpoint(cluster: Cluster, end: Obj | str) -> End:
    """What a connection end is: a pod dict, or an IP string.

    An IP that is a pod-network pod's IP is that pod (ipBlock is for cluster-external IPs);
    a host-network pod is its node's address ("treated the same as all other traffic
    to/from the node IP").
    """
    if isinstance(end, str):
        for pod in cluster.pods:
            if not is_host_network(pod) and end in pod_ips(pod):
                return PodEnd(pod)
        return AddressEnd(end, cluster.node_of_address(end))
    if is_host_network(end):
        node = end.get("spec", {}).get("nodeName")
        host_ip = end.get("status", {}).get("hostIP")
        addresses = pod_ips(end) or ([host_ip] if host_ip else []) or (cluster.node_addresses(node) if node else [])
        return AddressEnd(addresses[0] if addresses else None, node)
    return PodEnd(end)


# ------------------------------------------------------------------------ label selectors
def selects(selector: Obj | None, labels: dict[str, str]) -> bool:
    """LabelSelector: "The requirements are ANDed"; "An empty label selector matches all
    objects". In: the key exists and its value is in values; NotIn: the key is missing or
    its value is not in values; Exists / DoesNotExist: the key is present / absent."""
    selector = selector or {}
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values") or []
        if op == "In" and not (key in labels and labels[key] in values):
            return False
        if op == "NotIn" and key in labels and labels[key] in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


# ------------------------------------------------------------------------------ policies
def policy_types(policy: Obj) -> list[str]:
    """spec.policyTypes: "If this field is not specified, it will default based on the
    existence of ingress or egress rules; policies that contain an egress section are
    assumed to affect egress, and all policies (whether or not they contain an ingress
    section) are assumed to affect ingress." (The API server defaults an empty list too.)"""
    spec = policy["spec"]
    if spec.get("policyTypes"):
        return list(spec["policyTypes"])
    return ["Ingress", "Egress"] if spec.get("egress") else ["Ingress"]


def peer_matches(cluster: Cluster, policy: Obj, peer: Obj, remote: End) -> bool:
    """NetworkPolicyPeer."""
    if "ipBlock" in peer:
        # "ipBlock defines policy on a particular IPBlock. If this field is set then neither
        # of the other fields can be." — it matches addresses, never pod-network pods.
        if not isinstance(remote, AddressEnd) or remote.ip is None:
            return False
        addr = ipaddress.ip_address(remote.ip)
        cidr = ipaddress.ip_network(peer["ipBlock"]["cidr"], strict=False)
        if addr.version != cidr.version or addr not in cidr:
            return False
        for text in peer["ipBlock"].get("except") or []:
            excluded = ipaddress.ip_network(text, strict=False)
            if addr.version == excluded.version and addr in excluded:
                return False
        return True
    pod_selector = peer.get("podSelector")
    ns_selector = peer.get("namespaceSelector")
    if pod_selector is None and ns_selector is None:
        return False  # rejected by the API server: a peer must say something
    if not isinstance(remote, PodEnd):
        return False  # selectors select pods (host-network pods are node traffic)
    remote_ns = remote.pod["metadata"]["namespace"]
    if ns_selector is None:
        # podSelector: "Otherwise it selects the pods matching podSelector in the policy's
        # own namespace."
        if remote_ns != policy["metadata"]["namespace"]:
            return False
    elif not selects(ns_selector, cluster.namespace_labels(remote_ns)):
        # namespaceSelector "selects namespaces using cluster-scoped labels ... if present
        # but empty, it selects all namespaces."
        return False
    # podSelector "if present but empty, it selects all pods"; absent: all pods of the
    # selected namespaces.
    return pod_selector is None or selects(pod_selector, remote.pod["metadata"].get("labels") or {})


def port_matches(entry: Obj, destination: End, port: int, protocol: str) -> bool:
    """NetworkPolicyPort: "protocol ... If not specified, this field defaults to TCP";
    port: "If this field is not provided, this matches all port names and numbers. If
    present, only traffic on the specified protocol AND port will be matched"; endPort:
    "the range of ports from port to endPort if set, inclusive"."""
    if entry.get("protocol", "TCP") != protocol:
        return False
    if "port" not in entry or entry["port"] is None:
        return True
    wanted = entry["port"]
    if isinstance(wanted, int):
        end = entry.get("endPort")
        return wanted <= port <= end if end is not None else port == wanted
    # "This can either be a numerical or named port on a pod": a name is a port of the
    # destination pod; an address has no named ports.
    if not isinstance(destination, PodEnd):
        return False
    for container in destination.pod.get("spec", {}).get("containers") or []:
        for cport in container.get("ports") or []:
            if (
                cport.get("name") == wanted
                and cport.get("protocol", "TCP") == protocol
                and cport["containerPort"] == port
            ):
                return True
    return False


def side_allows(
    cluster: Cluster, pod: Obj, direction: str, remote: End, destination: End, port: int, protocol: str
) -> bool:
    """ "By default, a pod is non-isolated for egress ... A pod is isolated for egress if
    there is any NetworkPolicy that both selects the pod and has "Egress" in its
    policyTypes" (likewise ingress). "If a pod is isolated ... the only allowed connections
    ... are those allowed by the ... list of some NetworkPolicy that applies to the pod"."""
    ns = pod["metadata"]["namespace"]
    labels = pod["metadata"].get("labels") or {}
    applying = [
        p
        for p in cluster.policies
        if p["metadata"]["namespace"] == ns
        and selects(p["spec"].get("podSelector"), labels)
        and direction in policy_types(p)
    ]
    if not applying:
        return True
    field_name, peers_name = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    for policy in applying:
        for rule in policy["spec"].get(field_name) or []:
            # from/to: "If this field is empty or missing, this rule matches all sources";
            # "If this field is present and contains at least one item, this rule allows
            # traffic only if the traffic matches at least one item".
            peers = rule.get(peers_name) or []
            if peers and not any(peer_matches(cluster, policy, peer, remote) for peer in peers):
                continue
            # ports: "If this field is empty or missing, this rule matches all ports".
            entries = rule.get("ports") or []
            if entries and not any(port_matches(e, destination, port, protocol) for e in entries):
                continue
            return True
    return False


def allowed(cluster: Cluster, source: Obj | str, destination: Obj | str, port: int, protocol: str = "TCP") -> bool:
    """May ``source`` (a pod dict or an IP) open a connection to ``destination`` on
    ``port``/``protocol``? "For a connection from a source pod to a destination pod to be
    allowed, both the egress policy on the source pod and the ingress policy on the
    destination pod need to allow the connection.\""""
    src, dst = endpoint(cluster, source), endpoint(cluster, destination)
    if isinstance(src, PodEnd) and isinstance(dst, PodEnd) and src.key == dst.key:
        return True  # "a pod cannot block access to itself"
    for pod_end, other in ((src, dst), (dst, src)):
        node = pod_end.pod.get("spec", {}).get("nodeName") if isinstance(pod_end, PodEnd) else None
        if node is not None and isinstance(other, AddressEnd) and other.node == node:
            return True  # "traffic to and from the node where a Pod is running is always allowed"
    egress = not isinstance(src, PodEnd) or side_allows(cluster, src.pod, "Egress", dst, dst, port, protocol)
    ingress = not isinstance(dst, PodEnd) or side_allows(cluster, dst.pod, "Ingress", src, dst, port, protocol)
    return egress and ingress
