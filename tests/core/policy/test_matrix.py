"""The matrix on fixture scenarios: exact rows, named ports per destination, the own-node
exception for host-network pods, merged external ranges, and partial rows."""

from __future__ import annotations

from kubetraffic.core.ipset import IPSet
from kubetraffic.core.policy import Matrix, build_matrix
from kubetraffic.core.policy.matrix import partition
from kubetraffic.core.ports import PortRange, PortSet
from tests.core.policy.scenarios import load


def rows(matrix: Matrix) -> dict[tuple[str, str], str]:
    return {
        (c.src, c.dst): ("all" if c.ports.is_all() else str(c.ports)) + (" *" if c.partial else "")
        for c in matrix.connections
    }


def test_payments_matrix() -> None:
    state = load("policy-payments")
    matrix = build_matrix(state, state.workloads())
    assert [(w.ref.ref, w.ref.kind, w.pods) for w in matrix.workloads] == [
        ("kube-system/coredns-a", "Pod", ("kube-system/coredns-a",)),
        ("payments/payments-api", "Deployment", ("payments/payments-api-6b9-k2", "payments/payments-api-6b9-x8")),
        ("shop/cart", "Deployment", ("shop/cart-5f7c-q8",)),
    ]
    assert rows(matrix) == {
        ("kube-system/coredns-a", "shop/cart"): "all",
        ("payments/payments-api", "kube-system/coredns-a"): "53/TCP, 53/UDP",
        ("shop/cart", "kube-system/coredns-a"): "all",
        ("kube-system/coredns-a", "0.0.0.0/0"): "all",
        ("kube-system/coredns-a", "::/0"): "all",
        ("0.0.0.0/0", "kube-system/coredns-a"): "all",
        ("::/0", "kube-system/coredns-a"): "all",
        ("payments/payments-api", "10.20.0.0/16"): "5432/TCP",
        ("shop/cart", "0.0.0.0/0"): "all",
        ("shop/cart", "::/0"): "all",
        ("0.0.0.0/0", "shop/cart"): "all",
        ("::/0", "shop/cart"): "all",
    }


def test_named_ports_resolve_per_destination_in_the_matrix() -> None:
    state = load("policy-ports")
    refs = [
        r for r in state.workloads() if r.name in ("egress-named", "web-8080", "web-9000", "web-unnamed", "udp-only")
    ]
    got = rows(build_matrix(state, refs))
    assert got[("ports/egress-named", "ports/web-8080")] == "8080/TCP"
    assert got[("ports/egress-named", "ports/web-9000")] == "9000/TCP"
    assert ("ports/egress-named", "ports/web-unnamed") not in got  # http is not defined there
    assert ("ports/egress-named", "ports/udp-only") not in got  # no http there, and any-udp needs UDP
    assert got[("ports/web-9000", "ports/web-8080")] == "8080/TCP, 5353/UDP"
    assert got[("ports/web-8080", "ports/udp-only")] == "1-65535/UDP"
    # A named port never matches an address: egress-named reaches no external range.
    assert not [k for k in got if k[0] == "ports/egress-named" and k[1] not in {r.ref for r in refs}]


def test_host_network_pods_and_the_own_node_exception() -> None:
    state = load("policy-nodes")
    got = rows(build_matrix(state, state.workloads()))
    assert got[("infra/agent-1", "apps/locked")] == "all"  # same node
    assert ("infra/agent-2", "apps/locked") not in got
    assert got[("infra/agent-2", "apps/from-nodes")] == "all"  # ipBlock of its node IP
    assert ("infra/agent-2", "apps/from-agents") not in got  # selectors never match it
    assert got[("192.168.0.12/32", "apps/from-nodes")] == "all"


def test_partial_rows_when_pods_of_a_workload_differ() -> None:
    from kubetraffic.core.convert import convert
    from kubetraffic.core.state import ClusterState
    from tests.core.builders import pod_dict

    state = ClusterState()
    docs = [
        pod_dict("web-1", "ns", {"app": "web", "pod-template-hash": "a"}, "10.0.0.1", owner=("ReplicaSet", "web-a")),
        pod_dict("web-2", "ns", {"app": "web", "pod-template-hash": "b"}, "10.0.0.2", owner=("ReplicaSet", "web-b")),
        pod_dict("db", "ns", {"app": "db"}, "10.0.0.3"),
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": "db", "namespace": "ns"},
            "spec": {
                "podSelector": {"matchLabels": {"app": "db"}},
                "ingress": [
                    {"from": [{"podSelector": {"matchLabels": {"pod-template-hash": "a"}}}], "ports": [{"port": 5432}]}
                ],
            },
        },
    ]
    for doc in docs:
        kind, obj = convert(doc)
        state.put(kind, obj)
    web = [r for r in state.workloads() if r.name == "web"]
    assert web
    assert web[0].kind == "Deployment"
    got = rows(build_matrix(state, state.workloads()))
    assert got[("ns/web", "ns/db")] == "5432/TCP *"
    assert got[("ns/web", "ns/web")] == "all"


def test_partition_merges_ports_per_address() -> None:
    tcp80 = PortSet.of([PortRange("TCP", 80, 80)])
    udp53 = PortSet.of([PortRange("UDP", 53, 53)])
    pieces = [(IPSet.from_cidr("10.0.0.0/8"), tcp80), (IPSet.from_cidr("10.1.0.0/16"), udp53)]
    out = {str(ps): ips.ranges() for ips, ps in partition(pieces)}
    assert out == {
        "80/TCP": ["10.0.0.0/16", "10.2.0.0-10.255.255.255"],
        "80/TCP, 53/UDP": ["10.1.0.0/16"],
    }
