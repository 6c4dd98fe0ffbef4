"""Random small clusters for property tests: namespaces, pods (bare, grouped in
Deployments, host-network), and policies drawn from every kind of selector, peer and port."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from kubetraffic.core.convert import convert
from kubetraffic.core.state import ClusterState
from tests.core.builders import pod_dict

NAMESPACES = ("a", "b", "c")  # c is never declared: its labels are synthesised
NODES = {"node-1": "192.168.0.11", "node-2": "192.168.0.12"}
LABELS = {"app": ("web", "db", "api"), "tier": ("fe", "be")}
NAMED = (
    {"name": "http", "containerPort": 8080},
    {"name": "http", "containerPort": 9090},
    {"name": "dns", "containerPort": 53, "protocol": "UDP"},
    {"name": "metrics", "containerPort": 9100},
)
BLOCKS = (
    {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8"]},
    {"cidr": "192.168.0.0/24"},
    {"cidr": "203.0.113.0/24", "except": ["203.0.113.128/25"]},
    {"cidr": "10.244.0.0/16"},
    {"cidr": "2001:db8::/32"},
)
PORTS = (
    {"port": "http"},
    {"port": "metrics", "protocol": "TCP"},
    {"port": 8080},
    {"port": 8000, "endPort": 8100},
    {"port": "http"},
    {"protocol": "UDP"},
    {"port": "dns", "protocol": "UDP"},
    {"port": 53, "protocol": "UDP"},
    {"protocol": "SCTP", "port": 9100},
    {"port": "metrics"},
)
EXTERNAL_IPS = ("1.2.3.4", "10.1.1.1", "192.168.0.99", "203.0.113.5", "203.0.113.200", "10.244.200.200", "2001:db8::1")


def labels() -> st.SearchStrategy[dict[str, str]]:
    return st.dictionaries(st.sampled_from(sorted(LABELS)), st.sampled_from(LABELS["app"] + LABELS["tier"]), max_size=2)


def selector() -> st.SearchStrategy[dict[str, Any]]:
    exprs = st.builds(
        lambda key, op, vals: {"key": key, "operator": op, **({"values": vals} if op in ("In", "NotIn") else {})},
        st.sampled_from(sorted(LABELS)),
        st.sampled_from(("In", "NotIn", "Exists", "DoesNotExist")),
        st.lists(st.sampled_from(LABELS["app"] + LABELS["tier"]), min_size=1, max_size=2, unique=True),
    )
    return st.one_of(
        st.just({}),
        st.just({}),
        labels().map(lambda m: {"matchLabels": m}),
        st.lists(exprs, min_size=1, max_size=2).map(lambda e: {"matchExpressions": e}),
    )


def ns_selector() -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(
        st.just({}),
        st.sampled_from(NAMESPACES).map(lambda n: {"matchLabels": {"kubernetes.io/metadata.name": n}}),
        st.sampled_from(("x", "y")).map(lambda t: {"matchLabels": {"team": t}}),
    )


def peer() -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(
        selector().map(lambda s: {"podSelector": s}),
        ns_selector().map(lambda s: {"namespaceSelector": s}),
        st.tuples(ns_selector(), selector()).map(lambda t: {"namespaceSelector": t[0], "podSelector": t[1]}),
        st.sampled_from(BLOCKS).map(lambda b: {"ipBlock": b}),
    )


def rule(field: str) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {},
        optional={field: st.lists(peer(), max_size=2), "ports": st.lists(st.sampled_from(PORTS), max_size=2)},
    )


@st.composite
def policy(draw: st.DrawFn, i: int) -> dict[str, Any]:
    spec: dict[str, Any] = {"podSelector": draw(selector())}
    if draw(st.integers(0, 9)) < 7:
        spec["ingress"] = draw(st.lists(rule("from"), max_size=2))
    if draw(st.integers(0, 9)) < 7:
        spec["egress"] = draw(st.lists(rule("to"), max_size=2))
    types = draw(st.sampled_from((None, ["Ingress"], ["Egress"], ["Ingress", "Egress"])))
    if types is not None:
        spec["policyTypes"] = types
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": f"p{i}", "namespace": draw(st.sampled_from(NAMESPACES))},
        "spec": spec,
    }


@st.composite
def cluster(draw: st.DrawFn) -> ClusterState:
    """A ClusterState of 2–6 pods and 0–4 policies."""
    docs: list[dict[str, Any]] = []
    for ns in NAMESPACES[:2]:
        docs.append(
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {"name": ns, "labels": {"team": draw(st.sampled_from(("x", "y")))}},
            }
        )
    ip = 1
    for g in range(draw(st.integers(1, 4))):
        ns = draw(st.sampled_from(NAMESPACES))
        pod_labels = draw(labels())
        ports = draw(st.lists(st.sampled_from(NAMED), min_size=1, max_size=2, unique_by=lambda p: p["name"]))
        replicas = draw(st.integers(1, 2))
        hostnet = draw(st.integers(0, 9)) == 0
        for r in range(replicas):
            node = draw(st.sampled_from(sorted(NODES)))
            name = f"g{g}-{r}"
            owner = ("ReplicaSet", f"g{g}-abc") if replicas > 1 else None
            labels_here = {**pod_labels, "pod-template-hash": "abc"} if owner else pod_labels
            address = NODES[node] if hostnet else f"10.244.0.{ip}"
            ip += 1
            doc = pod_dict(
                name, ns, labels_here, address, owner=owner, ports=list(ports), host_network=hostnet, node=node
            )
            doc["status"]["hostIP"] = NODES[node]
            docs.append(doc)
    docs += [draw(policy(i)) for i in range(draw(st.integers(0, 4)))]
    for node, address in NODES.items():
        docs.append(
            {
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": {"name": node},
                "status": {"addresses": [{"type": "InternalIP", "address": address}]},
            }
        )
    state = ClusterState()
    for doc in docs:
        kind, obj = convert(doc)
        state.put(kind, obj)
    return state
