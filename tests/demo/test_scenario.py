"""The shop scenario: deterministic, realistic, and carrying exactly the planted faults."""

from __future__ import annotations

import ipaddress
import json

import pytest

from kubetraffic.core.convert import convert
from kubetraffic.demo.clock import DEMO_EPOCH
from kubetraffic.demo.facts import (
    APPLY_LABEL,
    CERT_NOT_AFTER_ANNOTATION,
    DAY,
    HOUR,
    KUBE_DNS_IP,
    LB_IP,
    NODES,
    STRIPE_HOST,
    STRIPE_IP,
)
from kubetraffic.demo.scenario import build


def _by_kind(objects: list[dict], kind: str) -> dict[tuple[str, str], dict]:
    return {(o["metadata"].get("namespace", ""), o["metadata"]["name"]): o for o in objects if o["kind"] == kind}


def _ready(pod: dict) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True" for c in pod["status"]["conditions"])


@pytest.fixture(scope="module")
def objects() -> list[dict]:
    return build(now=DEMO_EPOCH).objects()


def test_same_seed_and_time_give_the_same_bytes() -> None:
    assert json.dumps(build(8, DEMO_EPOCH).objects()) == json.dumps(build(8, DEMO_EPOCH).objects())


def test_another_seed_changes_identities_but_not_the_story() -> None:
    a, b = build(8, DEMO_EPOCH).objects(), build(9, DEMO_EPOCH).objects()
    assert {o["metadata"]["uid"] for o in a}.isdisjoint({o["metadata"]["uid"] for o in b})
    for objs in (a, b):
        cart = [p for p in _by_kind(objs, "Pod").values() if p["metadata"]["labels"].get("app") == "cart"]
        assert sorted(_ready(p) for p in cart) == [False, False, True]


def test_every_object_converts_and_kinds_are_complete(objects: list[dict]) -> None:
    for obj in objects:
        convert(obj)  # raises on anything the API server would reject
    kinds = {o["kind"] for o in objects}
    assert kinds == {
        "Namespace", "Node", "IngressClass", "Secret", "Service", "Deployment",
        "ReplicaSet", "Pod", "EndpointSlice", "Ingress", "NetworkPolicy",
    }  # fmt: skip


def test_the_ownership_chain_is_real(objects: list[dict]) -> None:
    deployments, replicasets = _by_kind(objects, "Deployment"), _by_kind(objects, "ReplicaSet")
    for (ns, name), pod in _by_kind(objects, "Pod").items():
        ref = pod["metadata"]["ownerReferences"][0]
        rs = replicasets[(ns, ref["name"])]
        assert ref["uid"] == rs["metadata"]["uid"]
        assert ref["kind"] == "ReplicaSet"
        template_hash = pod["metadata"]["labels"]["pod-template-hash"]
        assert rs["metadata"]["name"].endswith("-" + template_hash)
        assert name.startswith(rs["metadata"]["name"] + "-")
        owner = rs["metadata"]["ownerReferences"][0]
        assert deployments[(ns, owner["name"])]["metadata"]["uid"] == owner["uid"]
        for status in pod["status"]["containerStatuses"]:
            assert "@sha256:" in status["imageID"]
            assert status["containerID"].startswith("containerd://")


def test_pod_ips_are_unique_and_inside_their_node_cidr(objects: list[dict]) -> None:
    cidrs = {name: ipaddress.ip_network(cidr) for name, _, cidr in NODES}
    ips = []
    for pod in _by_kind(objects, "Pod").values():
        ip = ipaddress.ip_address(pod["status"]["podIP"])
        assert ip in cidrs[pod["spec"]["nodeName"]]
        ips.append(ip)
    assert len(ips) == len(set(ips)) == 15


def test_endpoint_slices_agree_with_pod_readiness(objects: list[dict]) -> None:
    pods = _by_kind(objects, "Pod")
    services = _by_kind(objects, "Service")
    for (ns, _), es in _by_kind(objects, "EndpointSlice").items():
        svc = services[(ns, es["metadata"]["labels"]["kubernetes.io/service-name"])]
        selector = svc["spec"].get("selector")
        if not selector:
            continue
        selected = {
            name for (pns, name), p in pods.items()
            if pns == ns and all(p["metadata"]["labels"].get(k) == v for k, v in selector.items())
        }  # fmt: skip
        assert {e["targetRef"]["name"] for e in es["endpoints"] or ()} == selected
        for e in es["endpoints"] or ():
            assert e["conditions"]["ready"] == _ready(pods[(ns, e["targetRef"]["name"])])
            assert e["addresses"] == [pods[(ns, e["targetRef"]["name"])]["status"]["podIP"]]


def test_the_planted_faults(objects: list[dict]) -> None:
    services, pods, slices = _by_kind(objects, "Service"), _by_kind(objects, "Pod"), _by_kind(objects, "EndpointSlice")
    # admin: the Service selects app=admin-v2, the only admin pod is app=admin.
    assert services[("shop", "admin")]["spec"]["selector"] == {"app": "admin-v2"}
    admin_pods = [p for (ns, _), p in pods.items() if p["metadata"]["labels"].get("app", "").startswith("admin")]
    assert [p["metadata"]["labels"]["app"] for p in admin_pods] == ["admin"]
    admin_slice = next(
        s for (ns, _), s in slices.items() if s["metadata"]["labels"]["kubernetes.io/service-name"] == "admin"
    )
    assert admin_slice["endpoints"] is None
    assert admin_slice["ports"] is None
    # cart: 1 of 3 ready; the other two restart.
    cart = [p for p in pods.values() if p["metadata"]["labels"].get("app") == "cart"]
    unready = [p for p in cart if not _ready(p)]
    assert len(cart) == 3
    assert len(unready) == 2
    assert all(p["status"]["containerStatuses"][0]["restartCount"] > 0 for p in unready)
    assert all(p["status"]["containerStatuses"][0]["lastState"]["terminated"]["exitCode"] == 137 for p in unready)
    # The shop policies allow ingress-nginx to frontend, api and cart, not admin.
    allow = _by_kind(objects, "NetworkPolicy")[("shop", "allow-from-ingress")]
    assert allow["spec"]["podSelector"]["matchExpressions"][0]["values"] == ["frontend", "api", "cart"]
    # payments: egress only to DNS and the database range.
    policies = sorted(n for (ns, n) in _by_kind(objects, "NetworkPolicy") if ns == "payments")
    assert policies == ["allow-db", "allow-dns", "allow-from-shop-api", "default-deny"]


def test_entry_points_and_certificates(objects: list[dict]) -> None:
    services = _by_kind(objects, "Service")
    lb = services[("ingress-nginx", "ingress-nginx-controller")]
    assert lb["spec"]["type"] == "LoadBalancer"
    assert lb["status"]["loadBalancer"]["ingress"][0]["ip"] == LB_IP
    assert services[("kube-system", "kube-dns")]["spec"]["clusterIP"] == KUBE_DNS_IP
    ingress_class = _by_kind(objects, "IngressClass")[("", "nginx")]
    assert ingress_class["metadata"]["annotations"]["ingressclass.kubernetes.io/is-default-class"] == "true"
    secret = _by_kind(objects, "Secret")[("shop", "shop-tls")]
    assert secret["type"] == "kubernetes.io/tls"
    assert "data" not in secret
    _, converted = convert(secret)
    expiry = converted.meta.annotations[CERT_NOT_AFTER_ANNOTATION]
    assert expiry == "2025-06-20T21:06:40Z"  # DEMO_EPOCH + 5 days 6 hours: "expires in 5 days"
    assert DEMO_EPOCH + 5 * DAY + 6 * HOUR == 1_750_453_600


def test_dns_table() -> None:
    table = build().dns_table
    assert table[STRIPE_HOST] == (STRIPE_IP,)
    assert table["shop.example.com"] == table["admin.example.com"] == (LB_IP,)


def test_apply_label_marks_only_authored_app_objects(objects: list[dict]) -> None:
    marked = {(o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"])
              for o in objects if o["metadata"].get("labels", {}).get(APPLY_LABEL[0]) == APPLY_LABEL[1]}  # fmt: skip
    assert {k for k in marked if k[0] in ("Pod", "ReplicaSet", "EndpointSlice", "Node", "Secret")} == set()
    assert {k[1] or k[2] for k in marked} == {"shop", "payments"}
    assert ("Deployment", "shop", "cart") in marked
    assert ("NetworkPolicy", "payments", "allow-db") in marked
    assert ("Deployment", "kube-system", "coredns") not in marked
