"""Properties on random small clusters: the matrix says what single verdicts say, and a
fix allows exactly the connection asked for — never a neighbouring port, protocol,
address or pod."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubetraffic.core.policy import ExternalPeer, Peer, PodPeer, build_matrix, evaluate_connection, smallest_fix
from kubetraffic.core.policy.fix import apply_fix
from kubetraffic.core.ports import PortSet
from kubetraffic.core.state import ClusterState
from tests.core.policy.clusters import EXTERNAL_IPS, cluster

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _key(ps: PortSet) -> tuple[object, ...]:
    return tuple(sorted((p, r) for p, r in ps.by_protocol.items() if r))


def _pairs(state: ClusterState, a: list[PodPeer], b: list[PodPeer]) -> list[tuple[PodPeer, PodPeer]]:
    return [(s, d) for s in a for d in b if s.pod.key != d.pod.key]


@SETTINGS
@given(cluster())
def test_matrix_agrees_with_single_verdicts(state: ClusterState) -> None:
    refs = state.workloads()
    matrix = build_matrix(state, refs)
    rows = {(c.src, c.dst): c for c in matrix.connections}
    pods = {r: [PodPeer(p) for p in state.pods_of(r)] for r in refs}
    for a in refs:
        for b in refs:
            sets = [evaluate_connection(state, s, d, None).ports for s, d in _pairs(state, pods[a], pods[b])]
            union = PortSet()
            for ps in sets:
                assert ps is not None
                union = union | ps
            row = rows.get((a.ref, b.ref))
            if not union:
                assert row is None, (a, b, row)
                continue
            assert row is not None, (a, b, union)
            assert _key(row.ports) == _key(union), (a, b, row.ports, union)
            uniform = all(ps is not None and _key(ps) == _key(union) for ps in sets)
            assert row.partial is (not uniform), (a, b)
    for ref in refs:
        for ip in EXTERNAL_IPS:
            for direction in ("egress", "ingress"):
                sets = []
                for p in pods[ref]:
                    src, dst = (p, ExternalPeer(ip)) if direction == "egress" else (ExternalPeer(ip), p)
                    v = evaluate_connection(state, src, dst, None)
                    assert v.ports is not None
                    sets.append(v.ports)
                union = PortSet()
                for ps in sets:
                    union = union | ps
                found = [
                    c
                    for c in matrix.connections
                    if (c.src == ref.ref if direction == "egress" else c.dst == ref.ref)
                    and _contains(c.dst if direction == "egress" else c.src, ip)
                ]
                if not union:
                    assert not found, (ref, ip, direction, found)
                    continue
                assert len(found) == 1, (ref, ip, direction, found)
                assert _key(found[0].ports) == _key(union), (ref, ip, direction, found[0].ports, union)


def _contains(text: str, ip: str) -> bool:
    """Whether an ip-range of the matrix (CIDR or ``a-b``) holds ``ip``; False for a workload."""
    import ipaddress

    addr = ipaddress.ip_address(ip)
    try:
        net = ipaddress.ip_network(text)
    except ValueError:
        lo_text, _, hi_text = text.partition("-")
        try:
            lo, hi = ipaddress.ip_address(lo_text), ipaddress.ip_address(hi_text)
        except ValueError:
            return False
        return lo.version == addr.version and int(lo) <= int(addr) <= int(hi)
    return net.version == addr.version and addr in net


@SETTINGS
@given(cluster(), st.data())
def test_fix_allows_exactly_the_asked_connection(state: ClusterState, data: st.DataObject) -> None:
    pods: list[Peer] = [PodPeer(p) for p in state.pods()]
    src = data.draw(st.sampled_from(pods))
    dst = data.draw(st.sampled_from([*pods, *(ExternalPeer(ip) for ip in EXTERNAL_IPS)]))
    port = data.draw(st.sampled_from((53, 8080, 8050, 9100, 443)))
    proto = data.draw(st.sampled_from(("TCP", "UDP", "SCTP")))
    v = evaluate_connection(state, src, dst, port, proto)
    if v.allowed:
        return
    fix = smallest_fix(state, v)
    if fix is None:  # nothing to select: a host-network pod without an address
        assert all(
            isinstance(p, PodPeer) and p.pod.host_network for p in (v.source, v.destination) if isinstance(p, PodPeer)
        )
        return
    assert fix.verified, fix.notes
    after = apply_fix(state, fix)
    if not fix.prerequisites:
        assert evaluate_connection(state, src, dst, port, proto, index=after).allowed
    assert isinstance(src, PodPeer)
    src_group = _group(state, src)
    dst_group = _group(state, dst) if isinstance(dst, PodPeer) else {dst.ip}
    others = [*pods, *(ExternalPeer(ip) for ip in EXTERNAL_IPS)]
    for s in pods:
        for d in others:
            for p in (port - 1, port, port + 1):
                for pr in ("TCP", "UDP", "SCTP"):
                    before = evaluate_connection(state, s, d, p, pr).allowed
                    now = evaluate_connection(state, s, d, p, pr, index=after).allowed
                    if now and not before:
                        assert (p, pr) == (port, proto), (s, d, p, pr)
                        assert _ident(s) in src_group, (s, d)
                        assert _ident(d) in dst_group, (s, d)


def _ident(peer: Peer) -> str:
    if isinstance(peer, ExternalPeer):
        return peer.ip
    return peer.pod.ip or "" if peer.pod.host_network else peer.name


def _group(state: ClusterState, peer: PodPeer) -> set[str]:
    """What a fix may open for ``peer``: its workload's pods; for a host-network pod, its node
    address (every host-network pod there shares it)."""
    if peer.pod.host_network:
        return {peer.pod.ip or ""}
    return {p.meta.ref for p in state.pods_of(state.workload_of(peer.pod))}
