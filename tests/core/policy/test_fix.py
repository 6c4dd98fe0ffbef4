"""The smallest fix: new policies that allow exactly the denied connection, verified by
re-evaluating with them applied as ``kubectl apply`` would."""

from __future__ import annotations

from typing import Any

from kubetraffic.core.convert import convert
from kubetraffic.core.objects import NetworkPolicy
from kubetraffic.core.policy import ExternalPeer, PodPeer, evaluate_connection, smallest_fix
from kubetraffic.core.policy.fix import apply_fix, dns_fix
from kubetraffic.core.policy.selection import FIX_LABEL
from kubetraffic.core.state import ClusterState
from tests.core.builders import pod_dict
from tests.core.policy.scenarios import load, peer


def test_egress_fix_is_one_ipblock_one_port_for_the_workload() -> None:
    state = load("policy-payments")
    src = peer(state, "payments/payments-api-6b9-k2")
    v = evaluate_connection(state, src, ExternalPeer("198.51.100.7"), 443)
    fix = smallest_fix(state, v)
    assert fix is not None
    assert fix.verified
    assert fix.manifest == {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {
            "name": "allow-payments-api-to-198-51-100-7-tcp-443",
            "namespace": "payments",
            "annotations": {
                "kubetraffic.io/reason": "allow egress to 198.51.100.7 on TCP 443 for Deployment payments/payments-api"
            },
        },
        "spec": {
            "podSelector": {"matchLabels": {"app": "payments-api"}},
            "policyTypes": ["Egress"],
            "egress": [{"to": [{"ipBlock": {"cidr": "198.51.100.7/32"}}], "ports": [{"protocol": "TCP", "port": 443}]}],
        },
    }
    after = apply_fix(state, fix)
    assert evaluate_connection(state, src, ExternalPeer("198.51.100.7"), 443, index=after).allowed
    # The other replica is covered too (the fix selects the workload, not one pod) ...
    other = peer(state, "payments/payments-api-6b9-x8")
    assert evaluate_connection(state, other, ExternalPeer("198.51.100.7"), 443, index=after).allowed
    # ... and nothing next to it is.
    for dest, port, proto in (("198.51.100.7", 444, "TCP"), ("198.51.100.7", 443, "UDP"), ("198.51.100.8", 443, "TCP")):
        assert not evaluate_connection(state, src, ExternalPeer(dest), port, proto, index=after).allowed


def test_ingress_fix_names_the_source_namespace_and_workload() -> None:
    state = load("policy-payments")
    v = evaluate_connection(state, peer(state, "shop/cart-5f7c-q8"), peer(state, "payments/payments-api-6b9-k2"), 8080)
    assert not v.allowed
    assert v.egress is not None
    assert v.egress.allowed
    fix = smallest_fix(state, v)
    assert fix is not None
    assert fix.verified
    spec = fix.manifest["spec"]
    assert fix.manifest["metadata"]["namespace"] == "payments"
    assert spec["policyTypes"] == ["Ingress"]
    assert spec["ingress"] == [
        {
            "from": [
                {
                    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "shop"}},
                    "podSelector": {"matchLabels": {"app": "cart"}},
                }
            ],
            "ports": [{"protocol": "TCP", "port": 8080}],
        }
    ]


def test_both_sides_denied_gives_two_policies_in_a_list() -> None:
    state = load("policy-default-deny")
    v = evaluate_connection(state, peer(state, "deny-all/a"), peer(state, "deny-in/a"), 80)
    assert len(v.denied_sides) == 2
    fix = smallest_fix(state, v)
    assert fix is not None
    assert fix.verified
    assert fix.manifest["kind"] == "List"
    assert [(p["metadata"]["namespace"], p["spec"]["policyTypes"]) for p in fix.policies] == [
        ("deny-all", ["Egress"]),
        ("deny-in", ["Ingress"]),
    ]
    # What kubectl apply would store: the manifests convert cleanly.
    for doc in fix.policies:
        kind, obj = convert(doc)
        assert kind == "NetworkPolicy"
        assert isinstance(obj, NetworkPolicy)


def test_no_fix_for_allowed_or_portless_questions() -> None:
    state = load("policy-payments")
    src = peer(state, "payments/payments-api-6b9-k2")
    allowed = evaluate_connection(state, src, peer(state, "kube-system/coredns-a"), 53, "UDP")
    assert allowed.allowed
    assert smallest_fix(state, allowed) is None
    portless = evaluate_connection(state, src, ExternalPeer("198.51.100.7"), None)
    assert not portless.allowed
    assert smallest_fix(state, portless) is None


def _state(*docs: dict[str, Any]) -> ClusterState:
    state = ClusterState()
    for doc in docs:
        kind, obj = convert(doc)
        state.put(kind, obj)
    return state


def _policy(name: str, ns: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": ns},
        "spec": spec,
    }


def test_fix_name_does_not_replace_an_existing_policy() -> None:
    state = _state(
        pod_dict("web", "ns", {"app": "web"}, "10.0.0.1"),
        _policy("deny", "ns", {"podSelector": {}, "policyTypes": ["Egress"]}),
        _policy("allow-web-to-1-2-3-4-tcp-443", "ns", {"podSelector": {"matchLabels": {"app": "other"}}}),
    )
    v = evaluate_connection(state, PodPeer(state.pod("ns", "web")), ExternalPeer("1.2.3.4"), 443)  # type: ignore[arg-type]
    fix = smallest_fix(state, v)
    assert fix is not None
    assert fix.verified
    assert fix.manifest["metadata"]["name"] == "allow-web-to-1-2-3-4-tcp-443-2"


def test_pod_without_labels_gets_a_label_first() -> None:
    state = _state(
        pod_dict("bare", "ns", {}, "10.0.0.1"),
        pod_dict("other", "ns", {}, "10.0.0.2"),
        _policy("deny", "ns", {"podSelector": {}, "policyTypes": ["Egress"]}),
    )
    bare = PodPeer(state.pod("ns", "bare"))  # type: ignore[arg-type]
    v = evaluate_connection(state, bare, ExternalPeer("1.2.3.4"), 443)
    fix = smallest_fix(state, v)
    assert fix is not None
    assert fix.verified
    assert fix.prerequisites == (f"kubectl label pod -n ns bare {FIX_LABEL}=bare",)
    assert fix.manifest["spec"]["podSelector"] == {"matchLabels": {FIX_LABEL: "bare"}}
    # Until the label is there, the fix allows nothing (and never the unlabelled neighbour).
    after = apply_fix(state, fix)
    other = PodPeer(state.pod("ns", "other"))  # type: ignore[arg-type]
    assert not evaluate_connection(state, other, ExternalPeer("1.2.3.4"), 443, index=after).allowed


def test_workloads_sharing_every_label_are_told_apart_by_a_label() -> None:
    state = _state(
        pod_dict("a-1", "ns", {"app": "same"}, "10.0.0.1", owner=("StatefulSet", "a")),
        pod_dict("b-1", "ns", {"app": "same"}, "10.0.0.2", owner=("StatefulSet", "b")),
        _policy("deny", "ns", {"podSelector": {}, "policyTypes": ["Egress"]}),
    )
    v = evaluate_connection(state, PodPeer(state.pod("ns", "a-1")), ExternalPeer("1.2.3.4"), 443)  # type: ignore[arg-type]
    fix = smallest_fix(state, v)
    assert fix is not None
    assert fix.verified
    assert fix.manifest["spec"]["podSelector"] == {"matchLabels": {"app": "same", FIX_LABEL: "a"}}
    assert any("ns/b-1 carry every label" in n for n in fix.notes)


def test_dns_fix_allows_udp_and_tcp_53_to_the_dns_pods() -> None:
    from kubetraffic.core.policy import check_dns

    state = load("policy-allow-dns")
    pod = state.pod("broken", "worker")
    assert pod is not None
    dns = check_dns(state, pod)
    fix = dns_fix(state, dns)
    assert fix is not None
    assert fix.verified
    assert fix.manifest["spec"]["egress"] == [
        {
            "to": [
                {
                    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                }
            ],
            "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
        }
    ]
    assert check_dns(state, pod, index=apply_fix(state, fix)).allowed
