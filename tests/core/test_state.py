"""ClusterState: incremental indexes, owners, template stand-ins, synthetic namespaces."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kubetraffic.core.convert import convert
from kubetraffic.core.events import ChangeEvent
from kubetraffic.core.labels import LabelSelector, parse_selector
from kubetraffic.core.state import ClusterState, WorkloadRef
from tests.core.builders import deployment_dict, make_pod


def _put(state: ClusterState, obj: dict) -> None:
    kind, converted = convert(obj)
    state.apply(ChangeEvent("ADDED", kind, converted.meta.key, converted))


def test_pods_are_indexed_by_ip_and_labels() -> None:
    state = ClusterState()
    state.put("Pod", make_pod("a", "shop", {"app": "web"}, "10.0.0.1"))
    state.put("Pod", make_pod("b", "shop", {"app": "db"}, "10.0.0.2"))
    pod = state.pod_by_ip("10.0.0.1")
    assert pod is not None
    assert pod.meta.name == "a"
    assert [p.meta.name for p in state.pods_matching("shop", parse_selector({"matchLabels": {"app": "db"}}))] == ["b"]
    state.apply(ChangeEvent("DELETED", "Pod", ("shop", "a")))
    assert state.pod_by_ip("10.0.0.1") is None
    assert state.pods_matching("shop", parse_selector({"matchLabels": {"app": "web"}})) == []


def test_modified_pod_moves_in_every_index() -> None:
    state = ClusterState()
    state.put("Pod", make_pod("a", "shop", {"app": "web"}, "10.0.0.1"))
    state.apply(ChangeEvent("MODIFIED", "Pod", ("shop", "a"), make_pod("a", "shop", {"app": "api"}, "10.0.0.9")))
    assert state.pod_by_ip("10.0.0.1") is None
    assert state.pod_by_ip("10.0.0.9") is not None
    assert state.pods_matching("shop", parse_selector({"matchLabels": {"app": "web"}})) == []
    assert len(state.pods_matching("shop", parse_selector({"matchLabels": {"app": "api"}}))) == 1


def test_a_completed_pod_never_hides_the_running_owner_of_a_reused_ip() -> None:
    state = ClusterState()
    state.put("Pod", make_pod("old", "batch", {}, "10.0.0.7", phase="Succeeded"))
    state.put("Pod", make_pod("new", "web", {}, "10.0.0.7"))
    pod = state.pod_by_ip("10.0.0.7")
    assert pod is not None
    assert pod.meta.name == "new"


def test_host_network_pods_do_not_claim_pod_ips() -> None:
    state = ClusterState()
    state.put("Pod", make_pod("kube-proxy-x", "kube-system", {}, "192.168.1.10", host_network=True))
    assert state.pod_by_ip("192.168.1.10") is None
    assert [p.meta.name for p in state.hostnetwork_pods_by_ip("192.168.1.10")] == ["kube-proxy-x"]


def test_top_owner_follows_replicaset_to_deployment_by_hash_when_rs_is_absent() -> None:
    state = ClusterState()
    state.put(
        "Pod",
        make_pod("web-7d9f-x", "shop", {"app": "web", "pod-template-hash": "7d9f"}, owner=("ReplicaSet", "web-7d9f")),
    )
    state.put("Pod", make_pod("solo", "shop", {}))
    state.put("Pod", make_pod("db-0", "shop", {}, owner=("StatefulSet", "db")))
    refs = {p.meta.name: state.workload_of(p) for p in state.pods()}
    assert refs["web-7d9f-x"] == WorkloadRef("shop", "Deployment", "web")
    assert refs["solo"] == WorkloadRef("shop", "Pod", "solo")
    assert refs["db-0"] == WorkloadRef("shop", "StatefulSet", "db")


def test_a_loaded_replicaset_decides_the_owner_and_rewires_existing_pods() -> None:
    state = ClusterState()
    state.put("Pod", make_pod("x-abc-1", "ns", {"pod-template-hash": "abc"}, owner=("ReplicaSet", "x-abc")))
    assert state.workloads("ns") == [WorkloadRef("ns", "Deployment", "x")]
    # The ReplicaSet turns out to be bare (no owner): the pods belong to it.
    _put(state, {"kind": "ReplicaSet", "metadata": {"name": "x-abc", "namespace": "ns"}, "spec": {}})
    assert state.workloads("ns") == [WorkloadRef("ns", "ReplicaSet", "x-abc")]


def test_job_pods_belong_to_their_cronjob() -> None:
    state = ClusterState()
    _put(
        state,
        {
            "kind": "Job",
            "metadata": {
                "name": "nightly-2900",
                "namespace": "b",
                "ownerReferences": [{"kind": "CronJob", "name": "nightly"}],
            },
            "spec": {},
        },
    )
    state.put("Pod", make_pod("nightly-2900-q", "b", {}, owner=("Job", "nightly-2900")))
    assert state.workloads("b") == [WorkloadRef("b", "CronJob", "nightly")]


def test_template_stand_in_appears_until_a_real_pod_exists() -> None:
    state = ClusterState(template_pods=True)
    _put(state, deployment_dict("api", "shop", {"app": "api"}))
    pods = state.pods("shop")
    assert [p.meta.name for p in pods] == ["api-template"]
    assert pods[0].template
    assert state.workload_of(pods[0]) == WorkloadRef("shop", "Deployment", "api")
    real = make_pod(
        "api-5f-1", "shop", {"app": "api", "pod-template-hash": "5f"}, "10.0.0.3", owner=("ReplicaSet", "api-5f")
    )
    state.put("Pod", real)
    assert [p.meta.name for p in state.pods("shop")] == ["api-5f-1"]
    state.apply(ChangeEvent("DELETED", "Pod", real.key))
    assert [p.meta.name for p in state.pods("shop")] == ["api-template"]
    state.apply(ChangeEvent("DELETED", "Deployment", ("shop", "api")))
    assert state.pods("shop") == []
    assert state.pods_matching("shop", LabelSelector()) == []


def test_live_states_never_invent_pods_from_templates() -> None:
    state = ClusterState(template_pods=False)
    _put(state, deployment_dict("api", "shop", {"app": "api"}))
    assert state.pods() == []


def test_referenced_namespaces_are_synthesised_with_the_name_label() -> None:
    state = ClusterState()
    state.put("Pod", make_pod("a", "ghost", {}))
    ns = state.namespace("ghost")
    assert ns is not None
    assert ns.synthetic
    assert ns.meta.labels == {"kubernetes.io/metadata.name": "ghost"}
    assert state.namespace_labels("never-seen") == {"kubernetes.io/metadata.name": "never-seen"}
    state.apply(ChangeEvent("DELETED", "Pod", ("ghost", "a")))
    assert state.namespace("ghost") is None


def test_legacy_endpoints_only_when_no_slice_exists() -> None:
    state = ClusterState()
    _put(
        state,
        {
            "kind": "Endpoints",
            "metadata": {"name": "web", "namespace": "n"},
            "subsets": [
                {"addresses": [{"ip": "10.0.0.1"}], "notReadyAddresses": [{"ip": "10.0.0.2"}], "ports": [{"port": 80}]}
            ],
        },
    )
    slices = state.endpoint_slices("n", "web")
    assert len(slices) == 1
    assert slices[0].legacy
    assert [e.conditions.ready for e in slices[0].endpoints] == [True, False]
    _put(
        state,
        {
            "kind": "EndpointSlice",
            "metadata": {"name": "web-x1", "namespace": "n", "labels": {"kubernetes.io/service-name": "web"}},
            "addressType": "IPv4",
            "endpoints": [{"addresses": ["10.0.0.1"], "conditions": {"ready": True}}],
            "ports": [{"port": 80}],
        },
    )
    assert [s.meta.name for s in state.endpoint_slices("n", "web")] == ["web-x1"]


def test_derived_values_rebuild_only_when_their_kinds_change() -> None:
    state = ClusterState()
    calls = []

    def build() -> int:
        calls.append(1)
        return len(state.services())

    assert state.derived("n-svc", ["Service"], build) == 0
    assert state.derived("n-svc", ["Service"], build) == 0
    state.put("Pod", make_pod("a", "n", {}))
    assert state.derived("n-svc", ["Service"], build) == 0
    assert len(calls) == 1
    _put(state, {"kind": "Service", "metadata": {"name": "s", "namespace": "n"}})
    assert state.derived("n-svc", ["Service"], build) == 1
    assert len(calls) == 2


# ------------------------------------------------------------------------ properties
names = st.sampled_from([f"p{i}" for i in range(6)])
label_maps = st.dictionaries(st.sampled_from(["app", "tier"]), st.sampled_from(["a", "b"]), max_size=2)
ops = st.lists(
    st.tuples(st.sampled_from(["put", "delete"]), names, label_maps, st.integers(1, 4)),
    max_size=25,
)
selectors = st.dictionaries(st.sampled_from(["app", "tier"]), st.sampled_from(["a", "b"]), max_size=2).map(
    lambda m: parse_selector({"matchLabels": m})
)


@settings(max_examples=150)
@given(ops, selectors)
def test_indexes_agree_with_a_brute_force_model(operations: list, selector: LabelSelector) -> None:
    state = ClusterState()
    model: dict[str, tuple[dict, str]] = {}
    for op, name, labels, ipn in operations:
        ip = f"10.0.0.{ipn}"
        if op == "put":
            state.apply(
                ChangeEvent(
                    "MODIFIED" if name in model else "ADDED", "Pod", ("ns", name), make_pod(name, "ns", labels, ip)
                )
            )
            model[name] = (labels, ip)
        else:
            state.apply(ChangeEvent("DELETED", "Pod", ("ns", name)))
            model.pop(name, None)
    got = sorted(p.meta.name for p in state.pods_matching("ns", selector))
    want = sorted(n for n, (labels, _) in model.items() if selector.matches(labels))
    assert got == want
    for n in range(1, 5):
        ip = f"10.0.0.{n}"
        owners = sorted(p.meta.name for p in state.pods_by_ip(ip))
        assert owners == sorted(name for name, (_, pip) in model.items() if pip == ip)
    assert state.pod_count() == len(model)
