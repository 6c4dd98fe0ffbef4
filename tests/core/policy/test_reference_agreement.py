"""The engine agrees with an independent reference model of NetworkPolicy on random small
clusters: single verdicts, any-port verdicts, the matrix, and applied fixes.

``KT_REFERENCE_EXAMPLES`` raises the example count for a long local run (the committed
default keeps the suite fast; the ``@example``s pin every disagreement found so far).
"""

from __future__ import annotations

import copy
import ipaddress
import os
import random
import shlex
from typing import Any

from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from kubetraffic.core.policy import ExternalPeer, Fix, Peer, PodPeer, build_matrix, evaluate_connection, smallest_fix
from kubetraffic.core.ports import PortSet
from kubetraffic.core.state import ClusterState
from tests.core.policy import reference
from tests.core.policy.reference_clusters import EXTERNAL_IPS, NODES, PROBE_PORTS, PROTOCOLS, pod, raw_cluster, to_state

EXAMPLES = int(os.environ.get("KT_REFERENCE_EXAMPLES", "40"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PROBES = [(port, proto) for port in PROBE_PORTS for proto in PROTOCOLS]

End = dict[str, Any] | str


# ---------------------------------------------------------- disagreements found, pinned
def _nodes() -> list[dict[str, Any]]:
    return [
        {"kind": "Node", "metadata": {"name": n}, "status": {"addresses": [{"type": "InternalIP", "address": a}]}}
        for n, a in NODES.items()
    ]


def _policy(name: str, ns: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "NetworkPolicy", "metadata": {"name": name, "namespace": ns}, "spec": spec}


# A scheduled host-network pod without a podIP was an unknown address, so an ipBlock of
# its node's range did not match it.
HOSTNET_WITHOUT_IP = reference.Cluster(
    nodes=_nodes(),
    pods=[
        pod("agent", "a", {"app": "web"}, [], "n1", [], host_network=True, phase="Pending"),
        pod("db", "c", {"app": "db"}, ["10.244.0.2"], "n2", []),
    ],
    policies=[
        _policy("p2", "c", {"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]}]}),
        _policy(
            "p3",
            "c",
            {
                "podSelector": {},
                "policyTypes": ["Egress"],
                "egress": [{"to": [{"ipBlock": {"cidr": "192.168.0.0/24"}}]}],
            },
        ),
    ],
)

# A fix selecting the whole Deployment isolated its old revision for the first time.
FIX_ISOLATES_A_REVISION = reference.Cluster(
    nodes=_nodes(),
    pods=[
        pod("g0-0-0", "b", {"app": "web", "pod-template-hash": "h0"}, [], "n1", [], owner="d0-h0", phase="Pending"),
        pod(
            "g0-1-0",
            "b",
            {"app": "web", "tier": "web", "pod-template-hash": "h1"},
            ["10.244.0.2"],
            "n1",
            [],
            owner="d0-h1",
        ),
        pod("g1", "a", {}, ["192.168.0.11"], "n1", [], host_network=True),
    ],
    policies=[_policy("p0", "b", {"podSelector": {"matchLabels": {"tier": "web"}}, "ingress": [], "egress": []})],
)


def ends(cluster: reference.Cluster) -> list[End]:
    """Every pod, every pod IP, and the external addresses."""
    ips = [ip for p in cluster.pods for ip in reference.pod_ips(p)]
    return [*cluster.pods, *sorted(set(ips)), *EXTERNAL_IPS]


def engine_peer(state: ClusterState, end: End) -> Peer:
    if isinstance(end, str):
        return ExternalPeer(end)
    pod = state.pod(end["metadata"]["namespace"], end["metadata"]["name"])
    assert pod is not None
    return PodPeer(pod)


def label(end: End) -> str:
    return end if isinstance(end, str) else f"{end['metadata']['namespace']}/{end['metadata']['name']}"


def connections(cluster: reference.Cluster, rnd: random.Random, per_pair: int) -> list[tuple[End, End, int, str]]:
    """Every pair of ends with at least one pod, each with a few random port/protocol probes."""
    out = []
    all_ends = ends(cluster)
    for src in all_ends:
        for dst in all_ends:
            if isinstance(src, str) and isinstance(dst, str):
                continue
            for port, proto in rnd.sample(PROBES, per_pair):
                out.append((src, dst, port, proto))
    return out


@SETTINGS
@given(raw_cluster(), st.integers(0, 2**32))
@example(HOSTNET_WITHOUT_IP, 0)
def test_verdicts_agree_with_reference(cluster: reference.Cluster, seed: int) -> None:
    state = to_state(cluster)
    for src, dst, port, proto in connections(cluster, random.Random(seed), 3):
        want = reference.allowed(cluster, src, dst, port, proto)
        got = evaluate_connection(state, engine_peer(state, src), engine_peer(state, dst), port, proto)
        assert got.allowed == want, (label(src), label(dst), port, proto, want, got)


@SETTINGS
@given(raw_cluster())
@example(HOSTNET_WITHOUT_IP)
def test_any_port_verdicts_agree_with_reference(cluster: reference.Cluster) -> None:
    """A question without a port answers the set of allowed ports: each probe is in it
    exactly when the reference allows that port."""
    state = to_state(cluster)
    all_ends = ends(cluster)
    for src in all_ends:
        for dst in all_ends:
            if isinstance(src, str) and isinstance(dst, str):
                continue
            got = evaluate_connection(state, engine_peer(state, src), engine_peer(state, dst), None)
            assert got.ports is not None
            for port, proto in PROBES:
                want = reference.allowed(cluster, src, dst, port, proto)
                assert got.ports.contains(port, proto) == want, (label(src), label(dst), port, proto, want, got)
                assert got.allowed == bool(got.ports)


# ----------------------------------------------------------------------------- the matrix
def _node_ips(cluster: reference.Cluster) -> set[str]:
    return {a for n in cluster.nodes for a in cluster.node_addresses(n["metadata"]["name"])}


def _contains(text: str, ip: str) -> bool:
    """Whether an ip-range of the matrix (CIDR or ``a-b``) holds ``ip``."""
    addr = ipaddress.ip_address(ip)
    lo_text, dash, hi_text = text.partition("-")
    if not dash:
        net = ipaddress.ip_network(text)
        return net.version == addr.version and addr in net
    lo, hi = ipaddress.ip_address(lo_text), ipaddress.ip_address(hi_text)
    return lo.version == addr.version and int(lo) <= int(addr) <= int(hi)


@SETTINGS
@given(raw_cluster())
@example(HOSTNET_WITHOUT_IP)
def test_matrix_agrees_with_reference_and_single_verdicts(cluster: reference.Cluster) -> None:
    """Every workload pair's ports are the union over its pod pairs (a pod with itself left
    out), per the reference and per single verdicts, and ``partial`` says whether every pod
    pair gets the same ports; external ranges likewise for addresses that are neither pods
    nor nodes (the matrix leaves the own-node exception out of ranges)."""
    state = to_state(cluster)
    refs = state.workloads()
    matrix = build_matrix(state, refs)
    rows = {(c.src, c.dst): c for c in matrix.connections}
    raw = {(p["metadata"]["namespace"], p["metadata"]["name"]): p for p in cluster.pods}
    pods = {r: [raw[p.key] for p in state.pods_of(r)] for r in refs}
    for a in refs:
        for b in refs:
            pairs = [(s, d) for s in pods[a] for d in pods[b] if s is not d]
            row = rows.get((a.ref, b.ref))
            sets = [
                evaluate_connection(state, engine_peer(state, s), engine_peer(state, d), None).ports for s, d in pairs
            ]
            for (s, d), ps in zip(pairs, sets, strict=True):
                assert ps is not None
                for port, proto in PROBES:
                    want = reference.allowed(cluster, s, d, port, proto)
                    assert ps.contains(port, proto) == want, (label(s), label(d), port, proto, want)
            union = PortSet()
            for ps in sets:
                union = union | (ps or PortSet())
            if not union:
                assert row is None, (a, b, row)
                continue
            assert row is not None, (a, b, union)
            assert _port_key(row.ports) == _port_key(union), (a, b, row.ports, union)
            uniform = all(ps is not None and _port_key(ps) == _port_key(union) for ps in sets)
            assert row.partial is (not uniform), (a, b, row.partial)
    skip = _node_ips(cluster) | {ip for p in cluster.pods for ip in reference.pod_ips(p)}
    for ref in refs:
        for ip in EXTERNAL_IPS:
            if ip in skip:
                continue
            for direction in ("egress", "ingress"):
                found = []
                for c in matrix.connections:
                    mine, other = (c.src, c.dst) if direction == "egress" else (c.dst, c.src)
                    if mine == ref.ref and _is_range(other) and _contains(other, ip):
                        found.append(c)
                assert len(found) <= 1, (ref, ip, direction, found)
                for port, proto in PROBES:
                    want = any(
                        reference.allowed(cluster, *((p, ip) if direction == "egress" else (ip, p)), port, proto)
                        for p in pods[ref]
                    )
                    got = bool(found) and found[0].ports.contains(port, proto)
                    assert got == want, (ref, ip, direction, port, proto, want, found)


def _is_range(text: str) -> bool:
    return text[:1].isdigit() or ":" in text.split("/")[0]


def _port_key(ps: PortSet) -> tuple[object, ...]:
    return tuple(sorted((p, r) for p, r in ps.by_protocol.items() if r))


# --------------------------------------------------------------------------------- fixes
def _apply(cluster: reference.Cluster, fix: Fix) -> reference.Cluster:
    """The cluster after running the fix's prerequisites and ``kubectl apply`` of its
    manifests (same namespace/name replaces), on the raw objects."""
    pods = copy.deepcopy(cluster.pods)
    for command in fix.prerequisites:
        words = shlex.split(command)
        assert words[:5] == ["kubectl", "label", "pod", "-n", words[4]], command
        ns, names, (key, _, value) = words[4], words[5:-1], words[-1].partition("=")
        for p in pods:
            if p["metadata"]["namespace"] == ns and p["metadata"]["name"] in names:
                p["metadata"].setdefault("labels", {})[key] = value
    new = {(p["metadata"]["namespace"], p["metadata"]["name"]): p for p in fix.policies}
    kept = [p for p in cluster.policies if (p["metadata"]["namespace"], p["metadata"]["name"]) not in new]
    return reference.Cluster(cluster.namespaces, cluster.nodes, pods, [*kept, *new.values()])


def _same_in(cluster: reference.Cluster, end: End) -> End:
    """``end`` as it is in ``cluster`` (a pod after its prerequisite labels)."""
    if isinstance(end, str):
        return end
    key = (end["metadata"]["namespace"], end["metadata"]["name"])
    return next(p for p in cluster.pods if (p["metadata"]["namespace"], p["metadata"]["name"]) == key)


def _scope(state: ClusterState, cluster: reference.Cluster, end: End) -> object:
    """What a fix may open for an end: a pod's whole workload; an address (a host-network
    pod's is its node's) as itself."""
    match reference.endpoint(cluster, end):
        case reference.PodEnd(pod=p):
            found = state.pod(p["metadata"]["namespace"], p["metadata"]["name"])
            assert found is not None
            return state.workload_of(found)
        case reference.AddressEnd(ip=ip):
            return ip


@SETTINGS
@given(raw_cluster(), st.integers(0, 2**32))
@example(HOSTNET_WITHOUT_IP, 0)
@example(FIX_ISOLATES_A_REVISION, 0)
def test_fix_allows_exactly_the_asked_connection(cluster: reference.Cluster, seed: int) -> None:
    """Applied as ``kubectl apply`` would, the smallest fix allows the connection asked for,
    and every other verdict of the cluster stays as it was — except the same port and
    protocol between the same two workloads (a fix selects workloads, not pods)."""
    state = to_state(cluster)
    all_ends = ends(cluster)
    candidates = [(s, d, *probe) for s in cluster.pods for d in all_ends for probe in PROBES]
    random.Random(seed).shuffle(candidates)
    denied = next((c for c in candidates if not reference.allowed(cluster, *c)), None)
    event("denied connection found" if denied else "everything allowed")
    if denied is None:
        return
    src, dst, port, proto = denied
    verdict = evaluate_connection(state, engine_peer(state, src), engine_peer(state, dst), port, proto)
    assert not verdict.allowed
    fix = smallest_fix(state, verdict)
    assert fix is not None, verdict
    assert fix.verified, fix.notes
    after = _apply(cluster, fix)
    assert reference.allowed(after, _same_in(after, src), _same_in(after, dst), port, proto), fix.manifest
    wanted = (_scope(state, cluster, src), _scope(state, cluster, dst), port, proto)
    probes = [(p, pr) for p in {port - 1, port, port + 1, 53, 8080} for pr in PROTOCOLS]
    for s in all_ends:
        for d in all_ends:
            if isinstance(s, str) and isinstance(d, str):
                continue
            for p, pr in probes:
                was = reference.allowed(cluster, s, d, p, pr)
                now = reference.allowed(after, _same_in(after, s), _same_in(after, d), p, pr)
                if was != now:
                    changed = (_scope(state, cluster, s), _scope(state, cluster, d), p, pr)
                    assert now, ("newly denied", label(s), label(d), p, pr, fix.manifest)
                    assert changed == wanted, ("newly allowed", label(s), label(d), p, pr, fix.manifest)
