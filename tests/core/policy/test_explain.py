"""Explanations: misses ranked nearest first, policies in words, which policies select a
pod, the DNS check, and evaluate_connection's input handling."""

from __future__ import annotations

import pytest

from kubetraffic.core.objects import NetworkPolicy
from kubetraffic.core.policy import (
    NO_RULES,
    ExternalPeer,
    PodPeer,
    PortNameError,
    check_dns,
    describe_policy,
    evaluate_connection,
    policies_selecting,
)
from tests.core.policy.scenarios import load, peer


def test_misses_rank_nearest_first_and_cover_every_selecting_policy() -> None:
    state = load("policy-payments")
    v = evaluate_connection(state, peer(state, "payments/payments-api-6b9-k2"), ExternalPeer("198.51.100.7"), 443)
    assert not v.allowed
    assert v.ingress is None  # the destination is outside the cluster
    egress = v.egress
    assert egress is not None
    assert egress.isolated
    assert egress.policies == ("payments/allow-db", "payments/allow-dns", "payments/default-deny")
    order = [(m.policy, m.rule) for m in egress.misses]
    assert order == [("payments/allow-db", 0), ("payments/allow-dns", 0), ("payments/default-deny", NO_RULES)]
    nearest = egress.misses[0]
    assert nearest.reason == "port 443/TCP not in [5432/TCP]; 198.51.100.7 not in 10.20.0.0/16"
    assert nearest.failed == ("port", "peer")
    assert egress.misses[2].reason.startswith("no egress rules")


def test_an_allowed_side_names_the_rule_and_the_other_allowing_rules() -> None:
    state = load("policy-default-deny")
    v = evaluate_connection(state, ExternalPeer("203.0.113.9"), peer(state, "allow-in/a"), 80)
    assert v.allowed
    assert v.egress is None
    assert v.ingress is not None
    assert v.ingress.matched is not None
    assert (v.ingress.matched.policy, v.ingress.matched.rule) == ("allow-in/allow-all-ingress", 0)
    assert [m.policy for m in v.ingress.misses] == ["allow-in/default-deny-ingress"]


def test_any_port_question_gives_the_ports_both_sides_allow() -> None:
    state = load("policy-ports")
    v = evaluate_connection(state, peer(state, "ports/client"), peer(state, "ports/web-8080"), None)
    assert v.allowed
    assert v.ports is not None
    assert v.ports.describe() == {"TCP": [8080], "UDP": [5353]}
    none = evaluate_connection(state, peer(state, "ports/client"), peer(state, "ports/web-unnamed"), None)
    assert not none.allowed
    assert none.ports is not None
    assert not none.ports
    assert none.ingress is not None
    assert "named port http/TCP, dns/UDP matches nothing on ports/web-unnamed" in none.ingress.misses[0].reason


def test_named_port_asked_must_exist_on_the_destination() -> None:
    state = load("policy-ports")
    with pytest.raises(PortNameError, match="has no TCP port named 'grpc'"):
        evaluate_connection(state, peer(state, "ports/client"), peer(state, "ports/web-8080"), "grpc")
    with pytest.raises(PortNameError, match="needs a destination pod"):
        evaluate_connection(state, peer(state, "ports/client"), ExternalPeer("8.8.8.8"), "http")


def test_a_service_address_points_at_the_service() -> None:
    state = load("policy-payments")
    v = evaluate_connection(state, peer(state, "shop/cart-5f7c-q8"), ExternalPeer("10.96.10.10"), 80)
    assert any("address of Service payments/payments-api" in n for n in v.notes)


def test_neither_end_in_the_cluster() -> None:
    state = load("policy-payments")
    v = evaluate_connection(state, ExternalPeer("203.0.113.1"), ExternalPeer("198.51.100.7"), 443)
    assert v.allowed
    assert v.egress is None
    assert v.ingress is None
    assert any("NetworkPolicy does not apply" in n for n in v.notes)


def test_invalid_peer_matches_nothing() -> None:
    from kubetraffic.core.convert import convert
    from kubetraffic.core.state import ClusterState
    from tests.core.builders import pod_dict

    state = ClusterState()
    for doc in (
        pod_dict("a", "ns", {"app": "a"}, "10.0.0.1"),
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": "odd", "namespace": "ns"},
            "spec": {
                "podSelector": {},
                "ingress": [{"from": [{}, {"ipBlock": {"cidr": "0.0.0.0/0"}, "podSelector": {}}]}],
            },
        },
    ):
        kind, obj = convert(doc)
        state.put(kind, obj)
    v = evaluate_connection(state, ExternalPeer("1.2.3.4"), PodPeer(state.pod("ns", "a")), 80)  # type: ignore[arg-type]
    assert not v.allowed
    assert v.ingress is not None
    assert "invalid peer" in v.ingress.misses[0].reason
    assert "invalid" in v.ingress.misses[0].failed


def test_describe_policy_reads_like_the_documentation() -> None:
    state = load("policy-docs-example")
    policy: NetworkPolicy = state.get("NetworkPolicy", ("default", "test-network-policy"))
    assert describe_policy(policy) == [
        "selects pods role=db in namespace default; isolates them for ingress and egress",
        "ingress rule 0: allow from 172.17.0.0/16 except 172.17.1.0/24 or all pods in namespaces project=myproject "
        "or pods role=frontend in default, on [6379/TCP]",
        "egress rule 0: allow to 10.0.0.0/24, on [5978/TCP]",
    ]


@pytest.mark.parametrize(
    ("scenario", "ns", "name", "expected"),
    [
        ("policy-default-deny", "deny-out", "default-deny-egress", ["egress: no rules — denies all egress"]),
        (
            "policy-default-deny",
            "allow-in",
            "allow-all-ingress",
            ["ingress rule 0: allow from anywhere (all pods and all addresses), on all ports"],
        ),
        (
            "policy-types",
            "types",
            "implied-egress",
            ["(policyTypes defaulted)", "egress rule 0: allow to 192.0.2.0/24"],
        ),
        (
            "policy-types",
            "types",
            "egress-type-with-ingress-rules",
            ["ingress: 1 rule(s) ignored — Ingress not in policyTypes"],
        ),
        ("policy-empty", "one", "all-namespaces", ["from all pods in all namespaces"]),
        ("policy-empty", "one", "own-namespace", ["from all pods in namespace one"]),
        ("policy-ports", "ports", "node-port-range", ["on [30000-32767/TCP]"]),
        ("policy-ports", "ports", "any-udp", ["on [all UDP ports]"]),
    ],
)
def test_describe_policy_phrases(scenario: str, ns: str, name: str, expected: list[str]) -> None:
    policy = load(scenario).get("NetworkPolicy", (ns, name))
    text = "\n".join(describe_policy(policy))
    for phrase in expected:
        assert phrase in text


def test_policies_selecting_splits_directions_and_explains_the_rest() -> None:
    state = load("policy-payments")
    pod = state.pod("payments", "payments-api-6b9-k2")
    assert pod is not None
    answer = policies_selecting(state, pod)
    assert answer.ingress == ("payments/allow-from-shop", "payments/default-deny")
    assert answer.egress == ("payments/allow-db", "payments/allow-dns", "payments/default-deny")
    assert set(answer.rules) == {
        "payments/allow-db",
        "payments/allow-dns",
        "payments/allow-from-shop",
        "payments/default-deny",
    }
    other = state.pod("shop", "cart-5f7c-q8")
    assert other is not None
    cart = policies_selecting(state, other)
    assert not cart.ingress
    assert not cart.egress
    assert "not isolated for ingress: every connection to it is allowed" in cart.notes


def test_policies_selecting_names_the_term_that_leaves_a_pod_out() -> None:
    state = load("policy-namespaces")
    pod = state.pod("target", "from-ns")
    assert pod is not None
    others = dict(policies_selecting(state, pod).others)
    assert others["target/alice-clients"] == "podSelector needs app=and-peer (has app=from-ns)"


def test_dns_allowed_by_the_allow_dns_recipe() -> None:
    state = load("policy-allow-dns")
    dns = check_dns(state, state.pod("app", "web"))  # type: ignore[arg-type]
    assert dns.allowed
    assert dns.udp.allowed
    assert dns.tcp.allowed
    assert not dns.assumed
    assert dns.servers == ("kube-system/coredns-1",)
    assert dns.summary.startswith("allowed by app/allow-dns")


def test_dns_denied_after_a_bare_default_deny_egress() -> None:
    state = load("policy-allow-dns")
    dns = check_dns(state, state.pod("broken", "worker"))  # type: ignore[arg-type]
    assert not dns.allowed
    assert not dns.udp.allowed
    assert not dns.tcp.allowed
    assert dns.udp.egress is not None
    assert dns.udp.egress.misses[0].policy == "broken/default-deny-egress"
    assert dns.summary == "DNS UDP/TCP 53 to kube-system k8s-app=kube-dns is denied"


def test_dns_against_a_stand_in_when_no_dns_pod_is_loaded() -> None:
    state = load("policy-default-deny")
    dns = check_dns(state, state.pod("allow-out", "a"))  # type: ignore[arg-type]
    assert dns.assumed
    assert dns.allowed
    dns = check_dns(state, state.pod("deny-out", "a"))  # type: ignore[arg-type]
    assert dns.assumed
    assert not dns.allowed
