"""Policies in words: what a NetworkPolicy selects and allows, and which ones select a pod."""

from __future__ import annotations

from kubetraffic.core.objects import NetworkPolicy, Pod, PolicyPeer, PolicyRule
from kubetraffic.core.policy.index import compile_peer, policy_index
from kubetraffic.core.policy.model import PodPolicies
from kubetraffic.core.policy.peers import describe_block, term_reason
from kubetraffic.core.policy.portmatch import describe_ports
from kubetraffic.core.state import ClusterState


def describe_peer(peer: PolicyPeer, namespace: str) -> str:
    """One ``from``/``to`` entry in words (the namespace is the policy's)."""
    compiled = compile_peer(0, peer)
    if compiled.kind == "invalid":
        return f"nothing (invalid peer: {compiled.problem})"
    if compiled.kind == "ipblock":
        return describe_block(compiled.cidr, compiled.excepts)
    pods = peer.pod_selector
    nss = peer.namespace_selector
    if nss is None:
        assert pods is not None
        return f"all pods in namespace {namespace}" if pods.is_empty else f"pods {pods.describe()} in {namespace}"
    where = "all namespaces" if nss.is_empty else f"namespaces {nss.describe()}"
    if pods is None or pods.is_empty:
        return f"all pods in {where}"
    return f"pods {pods.describe()} in {where}"


def describe_rule(rule: PolicyRule, direction: str, namespace: str) -> str:
    """``from pods app=web in shop, on [8080/TCP]`` — peers OR'd, then the ports."""
    word = "from" if direction == "ingress" else "to"
    if rule.peers:
        peers = " or ".join(describe_peer(p, namespace) for p in rule.peers)
    else:
        peers = "anywhere (all pods and all addresses)"
    return f"{word} {peers}, on {describe_ports(rule.ports)}"


def describe_policy(policy: NetworkPolicy) -> list[str]:
    """The policy in words: which pods it selects, the directions it isolates, each rule."""
    ns = policy.meta.namespace
    sel = policy.pod_selector
    target = f"all pods in namespace {ns}" if sel.is_empty else f"pods {sel.describe()} in namespace {ns}"
    types = " and ".join(t.lower() for t in policy.policy_types)
    defaulted = "" if policy.policy_types_explicit else " (policyTypes defaulted)"
    lines = [f"selects {target}; isolates them for {types}{defaulted}"]
    for direction, rules in (("ingress", policy.ingress), ("egress", policy.egress)):
        if not policy.affects(direction.capitalize()):
            if rules:
                lines.append(f"{direction}: {len(rules)} rule(s) ignored — {direction.capitalize()} not in policyTypes")
            continue
        if not rules:
            lines.append(f"{direction}: no rules — denies all {direction}")
        for i, rule in enumerate(rules):
            lines.append(f"{direction} rule {i}: allow {describe_rule(rule, direction, ns)}")
    return lines


def policies_selecting(state: ClusterState, pod: Pod) -> PodPolicies:
    """Which policies select ``pod`` for ingress and egress, in words; and the namespace's
    other policies with the selector terms that leave the pod out."""
    index = policy_index(state)
    ingress = tuple(cp.ref for cp in index.selecting(pod, "ingress"))
    egress = tuple(cp.ref for cp in index.selecting(pod, "egress"))
    rules: dict[str, list[str]] = {}
    others: list[tuple[str, str]] = []
    for cp in index.in_namespace(pod.meta.namespace):
        if cp.ref in ingress or cp.ref in egress:
            rules[cp.ref] = describe_policy(cp.policy)
        elif not pod.host_network:
            failing = cp.policy.pod_selector.failing_terms(pod.labels)
            why = ", ".join(term_reason(r, pod.labels) for r in failing)
            others.append((cp.ref, f"podSelector needs {why}"))
    notes = []
    if pod.host_network:
        notes.append("host-network pod: no NetworkPolicy selects it (its traffic is node traffic)")
    if not ingress:
        notes.append("not isolated for ingress: every connection to it is allowed")
    if not egress:
        notes.append("not isolated for egress: every connection from it is allowed")
    return PodPolicies(pod.meta.ref, ingress, egress, rules, tuple(others), tuple(notes))
