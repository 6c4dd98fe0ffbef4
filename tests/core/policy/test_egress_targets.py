"""What users name as a source or destination, resolved; the egress answer built on it."""

from __future__ import annotations

import pytest

from kubetraffic.core.convert import convert
from kubetraffic.core.diagnose.egress import build_answer
from kubetraffic.core.diagnose.targets import Spec, TargetError, parse_spec, resolve
from kubetraffic.core.policy import ExternalPeer, PodPeer
from kubetraffic.core.state import ClusterState
from tests.core.builders import deployment_dict, pod_dict
from tests.core.policy.scenarios import load

PAY = "policy-payments"


@pytest.mark.parametrize(
    ("text", "kind", "ref", "port", "protocol"),
    [
        ("payments/payments-api-6b9-k2", "pod", "payments/payments-api-6b9-k2", None, None),
        ("payments/payments-api-6b9-k2:8080", "pod", "payments/payments-api-6b9-k2", 8080, None),
        ("payments/payments-api", "service", "payments/payments-api", None, None),
        ("payments/payments-api:80", "service", "payments/payments-api", 80, None),
        ("payments/payments-api:8080", "workload", "payments/payments-api", 8080, None),
        ("payments/deploy/payments-api:80", "workload", "payments/payments-api", 80, None),
        ("payments-api.payments:http", "service", "payments/payments-api", "http", None),
        ("payments-api.payments.svc.cluster.local:80", "service", "payments/payments-api", 80, None),
        ("shop/cart", "workload", "shop/cart", None, None),
        ("198.51.100.7", "ip", "198.51.100.7", None, None),
        ("10.96.10.10:80", "service", "payments/payments-api", 80, None),
        ("198.51.100.7:53/udp", "ip", "198.51.100.7", 53, "UDP"),
        ("[2001:db8::1]:443", "ip", "2001:db8::1", 443, None),
        ("2001:db8::1", "ip", "2001:db8::1", None, None),
        ("10.20.0.0/16", "cidr", "10.20.0.0/16", None, None),
        ("10.20.0.0/16:5432", "cidr", "10.20.0.0/16", 5432, None),
        ("api.stripe.com:443", "host", "api.stripe.com", 443, None),
        ("api.stripe.com", "host", "api.stripe.com", None, None),
    ],
)
def test_destination_forms(text: str, kind: str, ref: str, port: object, protocol: str | None) -> None:
    spec = parse_spec(load(PAY), text, "default")
    assert (spec.kind, spec.ref, spec.port, spec.protocol) == (kind, ref, port, protocol)


def test_bare_names_use_the_namespace_and_sources_prefer_workloads() -> None:
    state = load(PAY)
    assert parse_spec(state, "payments-api", "payments").kind == "service"
    assert parse_spec(state, "payments-api", "payments", source=True).kind == "workload"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("payments/nope", "no payments/nope: not a pod, Service or workload"),
        ("nowhere/x", "(namespace nowhere is not loaded)"),
        ("payments/frob/x", "unknown kind 'frob'"),
        ("198.51.100.7:99999", "bad port '99999'"),
        ("198.51.100.7:80/icmp", "unknown protocol"),
        ("a/b/c/d", "expected ns/name"),
        ("x.payments.svc.cluster.local", "no Service payments/x"),
        ("10.0.0.0/33", "bad CIDR '10.0.0.0/33'"),
        ("10.0.0.0/33:443", "bad CIDR '10.0.0.0/33'"),
        ("2001:db8::/129", "bad CIDR '2001:db8::/129'"),
    ],
)
def test_bad_names_are_one_line_errors(text: str, message: str) -> None:
    with pytest.raises(TargetError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_spec(load(PAY), text, "default")


def test_ambiguous_workload_names() -> None:
    state = ClusterState(template_pods=True)
    sts = deployment_dict("db", "ns", {"app": "db"})
    sts["kind"] = "StatefulSet"
    for doc in (deployment_dict("db", "ns", {"app": "db"}), sts):
        kind, obj = convert(doc)
        state.put(kind, obj)
    with pytest.raises(TargetError, match="ambiguous: it names ns/deployment/db, ns/statefulset/db"):
        parse_spec(state, "ns/db", "default")
    assert parse_spec(state, "ns/sts/db", "default").workload.kind == "StatefulSet"  # type: ignore[union-attr]


def test_a_service_resolves_to_its_pods_and_target_port() -> None:
    state = load(PAY)
    targets = resolve(state, parse_spec(state, "payments/payments-api:80", "default"), "TCP")
    assert [(t.peer.name, t.port, t.protocol) for t in targets] == [
        ("payments/payments-api-6b9-k2", "http", "TCP"),
        ("payments/payments-api-6b9-x8", "http", "TCP"),
    ]
    assert targets[0].via == "Service payments/payments-api port 80/TCP → targetPort http"
    with pytest.raises(TargetError, match="has no port 443; it has 80/TCP \\(http\\)"):
        resolve(state, Spec("x", "service", "payments", "payments-api", port=443), "TCP")


def test_endpoint_slices_win_over_the_selector() -> None:
    state = ClusterState()
    docs = [
        pod_dict("web-1", "ns", {"app": "web"}, "10.0.0.1"),
        pod_dict("web-2", "ns", {"app": "web"}, "10.0.0.2"),
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "web", "namespace": "ns"},
            "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": 8080}]},
        },
        {
            "apiVersion": "discovery.k8s.io/v1",
            "kind": "EndpointSlice",
            "metadata": {"name": "web-x", "namespace": "ns", "labels": {"kubernetes.io/service-name": "web"}},
            "endpoints": [
                {"addresses": ["10.0.0.2"], "targetRef": {"kind": "Pod", "name": "web-2"}},
                {"addresses": ["10.9.9.9"]},
            ],
            "ports": [{"name": "http", "port": 8080}],
        },
    ]
    for doc in docs:
        kind, obj = convert(doc)
        state.put(kind, obj)
    targets = resolve(state, parse_spec(state, "web.ns:80", "default"), "TCP")
    assert [(type(t.peer).__name__, t.peer.name, t.port) for t in targets] == [
        ("PodPeer", "ns/web-2", 8080),
        ("ExternalPeer", "10.9.9.9", 8080),
    ]


def test_egress_answer_to_a_host() -> None:
    state = load(PAY)
    src = parse_spec(state, "payments/payments-api", "default", source=True)
    dest = parse_spec(state, "api.stripe.com:443", "default")
    answer = build_answer(state, src, dest, addresses=("198.51.100.7", "198.51.100.8"))
    assert not answer.allowed
    assert len(answer.verdicts) == 4  # two replicas × two addresses
    assert answer.verdict is not None
    assert isinstance(answer.verdict.source, PodPeer)
    assert answer.verdict.destination == ExternalPeer("198.51.100.7", host="api.stripe.com")
    assert answer.dns is not None
    assert answer.dns.allowed
    assert answer.fix is not None
    assert answer.fix.verified
    cidrs = [p["spec"]["egress"][0]["to"][0]["ipBlock"]["cidr"] for p in answer.fix.policies]
    assert cidrs == ["198.51.100.7/32", "198.51.100.8/32"]  # one per address; the replicas share them


def test_egress_answer_through_a_service_resolves_named_target_ports_per_pod() -> None:
    state = load(PAY)
    src = parse_spec(state, "kube-system/coredns-a", "default", source=True)
    answer = build_answer(state, src, parse_spec(state, "payments-api.payments:80", "default"))
    assert [v.port for v in answer.verdicts] == [8080, 8080]
    assert [v.port_name for v in answer.verdicts] == ["http", "http"]
    assert not answer.allowed
    assert answer.verdict is not None
    assert answer.verdict.ingress is not None
    assert "namespace kube-system lacks team=shop" in answer.verdict.ingress.misses[0].reason


def test_a_host_without_addresses_has_nothing_to_judge() -> None:
    state = load(PAY)
    src = parse_spec(state, "payments/payments-api", "default", source=True)
    answer = build_answer(state, src, parse_spec(state, "nowhere.example:443", "default"))
    assert not answer.verdicts
    assert not answer.allowed
