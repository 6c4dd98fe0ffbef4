"""Disagreements the reference model found, pinned as small clusters: each case is judged by
the engine and by the reference (``reference.py``), and both must give the spec's answer.

Each test quotes the sentence of the API reference or the concepts page that decides it.
"""

from __future__ import annotations

from typing import Any

import pytest

from kubetraffic.core.convert import convert
from kubetraffic.core.diagnose.egress import build_answer
from kubetraffic.core.diagnose.targets import TargetError, parse_spec
from kubetraffic.core.policy import (
    ConnectionVerdict,
    ExternalPeer,
    Peer,
    PodPeer,
    check_dns,
    evaluate_connection,
    smallest_fix,
)
from kubetraffic.core.state import ClusterState
from tests.core.policy import reference
from tests.core.policy.reference_clusters import NODES, pod, to_state

Obj = dict[str, Any]


def cluster(pods: list[Obj], policies: list[Obj], namespaces: list[Obj] | None = None) -> reference.Cluster:
    nodes = [
        {
            "kind": "Node",
            "apiVersion": "v1",
            "metadata": {"name": n},
            "status": {"addresses": [{"type": "InternalIP", "address": a}]},
        }
        for n, a in NODES.items()
    ]
    return reference.Cluster(namespaces=namespaces or [], nodes=nodes, pods=pods, policies=policies)


def netpol(name: str, namespace: str, spec: Obj) -> Obj:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


def peer(state: ClusterState, end: Obj | str) -> Peer:
    """The engine's peer for a raw pod or an address."""
    if isinstance(end, str):
        return ExternalPeer(end)
    p = state.pod(end["metadata"]["namespace"], end["metadata"]["name"])
    assert p is not None
    return PodPeer(p)


def verdict(
    c: reference.Cluster, src: Obj | str, dst: Obj | str, port: int | None, protocol: str = "TCP"
) -> ConnectionVerdict:
    """The engine's verdict for one connection."""
    state = to_state(c)
    return evaluate_connection(state, peer(state, src), peer(state, dst), port, protocol)


def verdicts(
    c: reference.Cluster, src: Obj | str, dst: Obj | str, port: int, protocol: str = "TCP"
) -> tuple[bool, bool]:
    """(engine, reference) for one connection."""
    return verdict(c, src, dst, port, protocol).allowed, reference.allowed(c, src, dst, port, protocol)


def test_host_network_pod_without_pod_ip_is_its_node_address() -> None:
    """A scheduled host-network pod whose status has no podIP yet is still node traffic:
    "Traffic to/from hostNetwork pods is treated the same as all other traffic to/from the
    node IP" — an ipBlock holding its node's address allows it, as it will once running."""
    agent = pod("agent", "infra", {"app": "agent"}, [], "n1", [], host_network=True, phase="Pending")
    db = pod("db", "apps", {"app": "db"}, ["10.244.0.2"], "n2", [])
    allow_nodes = netpol(
        "from-nodes", "apps", {"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "192.168.0.0/24"}}]}]}
    )
    only_web = netpol(
        "only-web",
        "apps",
        {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{"to": [{"ipBlock": {"cidr": "192.168.0.11/32"}}]}]},
    )
    c = cluster([agent, db], [allow_nodes, only_web])
    assert verdicts(c, agent, db, 5432) == (True, True)
    # and toward it: db's egress allows exactly n1's address
    assert verdicts(c, db, agent, 9100) == (True, True)
    # the smallest fix for a denied port names that address
    c.policies[0]["spec"]["ingress"][0]["ports"] = [{"port": 5432}]
    fix = smallest_fix(to_state(c), verdict(c, agent, db, 6379))
    assert fix is not None
    assert fix.verified
    assert fix.policies[0]["spec"]["ingress"][0]["from"] == [{"ipBlock": {"cidr": "192.168.0.11/32"}}]


def test_a_service_skips_backends_without_its_named_target_port() -> None:
    """A Service whose targetPort is a name reaches only the pods that define it: the
    EndpointSlice controller finds the port per pod ("targetPort ... a named port in the
    target Pod's container ports") and gives a pod without it no endpoint port. Such a pod
    is left out with a note — it is not bad input (exit 2) for the whole answer."""
    client = pod("client", "shop", {"role": "client"}, ["10.244.0.1"], "n1", [])
    named = [{"name": "c", "image": "i", "ports": [{"name": "http", "containerPort": 8080}]}]
    web_a = pod("web-a", "shop", {"app": "web"}, ["10.244.0.2"], "n1", named)
    web_b = pod("web-b", "shop", {"app": "web"}, ["10.244.0.3"], "n1", [{"name": "c", "image": "i", "ports": []}])
    svc = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]},
    }
    state = to_state(cluster([client, web_a, web_b], []))
    kind, obj = convert(svc)
    state.put(kind, obj)
    answer = build_answer(
        state, parse_spec(state, "shop/client", "shop", source=True), parse_spec(state, "web.shop:80", "shop")
    )
    assert [(v.destination.name, v.port) for v in answer.verdicts] == [("shop/web-a", 8080)]
    assert answer.allowed
    assert any("shop/web-b has no TCP port named 'http': left out" in n for n in answer.notes), answer.notes
    # a named port the user asks of a pod that lacks it is still bad input
    with pytest.raises(TargetError, match="no TCP port named 'http'"):
        build_answer(
            state, parse_spec(state, "shop/client", "shop", source=True), parse_spec(state, "shop/web-b:http", "shop")
        )


def test_a_pod_ip_inside_an_except_is_not_called_inside_the_block() -> None:
    """The miss for a pod whose IP is in an ipBlock's ``except`` must not say the IP is
    inside the block ("except is a list of CIDRs that should not be included within an
    IPBlock"): even plugins that match pod IPs would deny it, so it is no near miss."""
    client = pod("client", "bob", {}, ["10.244.0.1"], "n1", [])
    db = pod("db", "shop", {}, ["10.244.0.2"], "n1", [])
    out = netpol(
        "out",
        "bob",
        {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8"]}}]}],
        },
    )
    c = cluster([client, db], [out])
    v = verdict(c, client, db, 5432)
    assert v.egress is not None
    assert not v.allowed
    (miss,) = v.egress.misses
    assert "is inside it" not in miss.reason
    assert "inside except 10.0.0.0/8" in miss.reason
    # a pod IP inside the block proper is the near miss (plugins that match pod IPs allow it)
    out["spec"]["egress"][0]["to"][0]["ipBlock"]["except"] = ["10.96.0.0/12"]
    (near,) = verdict(c, client, db, 5432).egress.misses  # type: ignore[union-attr]
    assert "its IP 10.244.0.2 is inside it" in near.reason
    assert near.distance < miss.distance


def test_one_label_command_when_both_ends_are_one_unlabelled_workload() -> None:
    """Two pods of one Deployment with no stable label: the fix labels them first, once."""
    a = pod("d0-h0-a", "a", {"pod-template-hash": "h0"}, ["10.244.0.1"], "n1", [], owner="d0-h0")
    b = pod("d0-h1-b", "a", {"pod-template-hash": "h1"}, ["10.244.0.2"], "n1", [], owner="d0-h1")
    c = cluster([a, b], [netpol("deny", "a", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]})])
    fix = smallest_fix(to_state(c), verdict(c, a, b, 53))
    assert fix is not None
    assert fix.prerequisites == ("kubectl label pod -n a d0-h0-a d0-h1-b kubetraffic.io/allow=d0",)
    assert len(fix.policies) == 2


def test_which_ports_toward_a_range_covered_by_several_rules() -> None:
    """A range two rules cover together: the port question and the any-port question must
    agree ("the traffic matches at least one egress rule" — address by address). 443 is
    allowed to every address of 172.16.0.0/12, 80 only to half of it."""
    client = pod("client", "a", {}, ["10.244.0.1"], "n1", [])
    halves = netpol(
        "halves",
        "a",
        {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [
                {"to": [{"ipBlock": {"cidr": "172.16.0.0/13"}}], "ports": [{"port": 443}]},
                {"to": [{"ipBlock": {"cidr": "172.24.0.0/13"}}], "ports": [{"port": 443}, {"port": 80}]},
            ],
        },
    )
    c = cluster([client], [halves])
    joint = verdict(c, client, "172.16.0.0/12", 443)
    assert joint.allowed
    assert joint.egress is not None
    assert joint.egress.matched is None  # no one rule holds the range
    assert any("several rules together" in n for n in joint.egress.notes)
    assert verdict(c, client, "172.24.0.0/14", 80).egress.matched is not None  # type: ignore[union-attr]
    assert not verdict(c, client, "172.16.0.0/12", 80).allowed
    v = verdict(c, client, "172.16.0.0/12", None)
    assert v.allowed
    assert v.ports is not None
    assert v.ports.describe() == {"TCP": [443]}
    assert verdict(c, client, "172.24.0.0/13", None).ports.describe() == {"TCP": [80, 443]}  # type: ignore[union-attr]
    assert not verdict(c, client, "172.0.0.0/8", None).allowed


def test_a_fix_never_isolates_pods_for_the_first_time() -> None:
    """Mid-rollout, only the new revision carries tier=web, which a policy isolates. A fix
    selecting the whole Deployment would isolate the old revision for ingress for the first
    time ("Pods become isolated by having a NetworkPolicy that selects them") and cut off
    everything else it receives; it must select only pods already isolated."""
    old = pod("d0-h0-a", "b", {"app": "web", "pod-template-hash": "h0"}, ["10.244.0.1"], "n1", [], owner="d0-h0")
    new = pod(
        "d0-h1-b",
        "b",
        {"app": "web", "tier": "web", "pod-template-hash": "h1"},
        ["10.244.0.2"],
        "n1",
        [],
        owner="d0-h1",
    )
    other = pod("client", "b", {"app": "client"}, ["10.244.0.3"], "n1", [])
    c = cluster(
        [old, new, other], [netpol("p0", "b", {"podSelector": {"matchLabels": {"tier": "web"}}, "ingress": []})]
    )
    assert verdicts(c, other, old, 9000) == (True, True)
    fix = smallest_fix(to_state(c), verdict(c, old, new, 53))
    assert fix is not None
    assert fix.verified
    (policy,) = fix.policies
    assert policy["spec"]["podSelector"] == {"matchLabels": {"app": "web", "tier": "web"}}
    assert any("already isolates" in n for n in fix.notes), fix.notes
    after = reference.Cluster(c.namespaces, c.nodes, c.pods, [*c.policies, policy])
    assert reference.allowed(after, old, new, 53)
    assert reference.allowed(after, other, old, 9000)  # still not isolated


def test_dns_check_judges_host_network_dns_pods_per_node() -> None:
    """Host-network DNS pods are their nodes: the one on the client's own node is always
    reachable ("traffic to and from the node where a Pod is running is always allowed"),
    the one on another node only if a rule allows its address — the resolver may use
    either, so DNS is not allowed."""
    dns_ports = [{"name": "c", "image": "i", "ports": [{"name": "dns", "containerPort": 53, "protocol": "UDP"}]}]
    near = pod("dns-1", "kube-system", {"k8s-app": "kube-dns"}, ["192.168.0.11"], "n1", dns_ports, host_network=True)
    far = pod("dns-2", "kube-system", {"k8s-app": "kube-dns"}, ["192.168.0.12"], "n2", dns_ports, host_network=True)
    client = pod("client", "a", {}, ["10.244.0.1"], "n1", [])
    deny = netpol("deny-egress", "a", {"podSelector": {}, "policyTypes": ["Egress"]})
    c = cluster([near, far, client], [deny])
    assert verdicts(c, client, near, 53, "UDP") == (True, True)
    assert verdicts(c, client, far, 53, "UDP") == (False, False)
    state = to_state(c)
    check = check_dns(state, peer(state, client).pod)  # type: ignore[union-attr]
    assert not check.allowed
    assert check.denied_servers == ("kube-system/dns-2",)
