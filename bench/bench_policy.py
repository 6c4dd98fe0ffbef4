"""The NetworkPolicy engine on the synthetic cluster (10,000 pods, 500 namespaces, 2,000
policies): policy index build, one verdict with its explanation, and the matrix of 1,000
workloads. The cluster is loaded once from JSON; each figure is measured in-process."""

from __future__ import annotations

import random
import statistics
import time

from bench.common import cluster_files

VERDICTS = 2_000
MATRIX_WORKLOADS = 1_000


def _state():  # type: ignore[no-untyped-def]
    """The synthetic cluster, loaded from JSON; its objects live as long as the process, so
    they are moved out of the collector's way (as a long-running TUI would see them)."""
    import gc

    from kubetraffic.adapters.snapshot import SnapshotSource

    state = SnapshotSource([str(cluster_files()["json"])]).open()
    gc.collect()
    gc.freeze()
    return state


def bench_policy() -> list[tuple[str, str, str]]:
    """Index build, verdict median (pod→pod and pod→address), matrix of 1,000 workloads."""
    from kubetraffic.core.policy import ExternalPeer, PodPeer, build_matrix, evaluate_connection, smallest_fix
    from kubetraffic.core.policy.index import PolicyIndex

    state = _state()
    policies = state.network_policies()
    builds = []
    for _ in range(5):
        t0 = time.perf_counter()
        index = PolicyIndex.build(policies)
        builds.append(time.perf_counter() - t0)
    rng = random.Random(7)
    pods = [p for p in state.iter_pods() if not p.template]
    pairs = []
    for _ in range(VERDICTS):
        src = PodPeer(rng.choice(pods))
        dst = (
            PodPeer(rng.choice(pods))
            if rng.random() < 0.7
            else ExternalPeer(f"203.0.{rng.randrange(256)}.{rng.randrange(1, 255)}")
        )
        pairs.append((src, dst, rng.choice((8080, 9090, 5432, 443, 53))))
    times = []
    denied = 0
    for src, dst, port in pairs:
        t0 = time.perf_counter()
        v = evaluate_connection(state, src, dst, port, index=index)
        times.append(time.perf_counter() - t0)
        denied += not v.allowed
    fixes = []
    for src, dst, port in pairs[:200]:
        v = evaluate_connection(state, src, dst, port, index=index)
        if not v.allowed:
            t0 = time.perf_counter()
            smallest_fix(state, v, index=index)
            fixes.append(time.perf_counter() - t0)
    refs = rng.sample(state.workloads(), MATRIX_WORKLOADS)
    pod_count = sum(len(state.pods_of(r)) for r in refs)
    t0 = time.perf_counter()
    matrix = build_matrix(state, refs, index=index)
    matrix_time = time.perf_counter() - t0
    # The worst case for size: nothing isolates them, so every pair is a row.
    t0 = time.perf_counter()
    dense = build_matrix(state, refs, index=PolicyIndex([]))
    dense_time = time.perf_counter() - t0
    hostnet_refs, hostnet_pods = _add_host_network_daemonsets(state)
    t0 = time.perf_counter()
    with_hosts = build_matrix(state, [*hostnet_refs, *refs[: MATRIX_WORKLOADS - len(hostnet_refs)]], index=index)
    hostnet_time = time.perf_counter() - t0
    return [
        (f"policy index build ({len(policies)} policies)", f"{statistics.median(builds) * 1000:.0f} ms", "≤ 2 s"),
        (
            f"one verdict with explanation (median of {VERDICTS}, {denied} denied)",
            f"{statistics.median(times) * 1e6:.0f} µs",
            "≤ 1 ms",
        ),
        ("one verdict, p99", f"{sorted(times)[int(len(times) * 0.99)] * 1e6:.0f} µs", "—"),
        (f"smallest fix, verified (median of {len(fixes)})", f"{statistics.median(fixes) * 1000:.1f} ms", "—"),
        (
            f"matrix of {len(refs)} workloads ({pod_count} pods, {len(matrix.connections)} rows)",
            f"{matrix_time:.2f} s",
            "≤ 10 s",
        ),
        (
            f"matrix of the same {len(refs)} workloads, no policy ({len(dense.connections)} rows)",
            f"{dense_time:.2f} s",
            "≤ 10 s",
        ),
        (
            f"matrix of {MATRIX_WORKLOADS} workloads incl. {len(hostnet_refs)} host-network DaemonSets "
            f"({hostnet_pods} pods; {len(with_hosts.connections)} rows)",
            f"{hostnet_time:.2f} s",
            "≤ 10 s",
        ),
    ]


def _add_host_network_daemonsets(state, count: int = 3, per_node: int = 10):  # type: ignore[no-untyped-def]
    """Host-network DaemonSet pods (kube-proxy, a CNI agent, node-exporter: node traffic,
    one matrix class per pod), as many as a 500-node cluster has (the synthetic cluster
    has 50 nodes, so ten of each per node)."""
    from kubetraffic.core.convert import convert
    from kubetraffic.core.state import WorkloadRef

    nodes = state.nodes()
    refs, pods = [], 0
    for d in range(count):
        name = f"hostnet-agent-{d}"
        refs.append(WorkloadRef("kube-system", "DaemonSet", name))
        for i in range(len(nodes) * per_node):
            node = nodes[i % len(nodes)]
            ip = node.internal_ips[0]
            owner = {"kind": "DaemonSet", "name": name, "controller": True, "apiVersion": "apps/v1"}
            doc = {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": f"{name}-{i}", "namespace": "kube-system", "ownerReferences": [owner]},
                "spec": {"nodeName": node.meta.name, "hostNetwork": True, "containers": [{"name": "c", "image": "i"}]},
                "status": {"phase": "Running", "podIP": ip, "hostIP": ip},
            }
            state.put(*convert(doc))
            pods += 1
    return refs, pods


def bench_policy_cli() -> list[tuple[str, str, str]]:
    """A whole ``kubetraffic egress`` answer (start, load the YAML snapshot, index, verdict,
    DNS check, fix), median of 3 fresh processes."""
    import subprocess
    import sys

    path = str(cluster_files()["yaml"])
    args = [sys.executable, "-m", "kubetraffic", "--snapshot", path, "egress", "payments-000/api", "203.0.113.7:443"]
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        out = subprocess.run([*args, "-o", "json"], capture_output=True, text=True)
        times.append(time.perf_counter() - t0)
        assert out.returncode == 1, out.stderr  # denied: default-deny egress in every namespace
    return [("kubetraffic egress, whole run from the YAML snapshot", f"{statistics.median(times):.2f} s", "≤ 3 s")]


BENCHMARKS = {"policy": bench_policy, "policy_cli": bench_policy_cli}

if __name__ == "__main__":
    from bench.common import report

    report(bench_policy())
