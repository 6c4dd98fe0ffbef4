"""Synthetic packets: real pcap bytes that tell the scenario's story on the wire."""

from __future__ import annotations

import io

import pytest

from kubetraffic.demo.clock import DEMO_EPOCH
from kubetraffic.demo.facts import STRIPE_IP
from kubetraffic.demo.packets import capture
from kubetraffic.demo.scenario import build

scapy_utils = pytest.importorskip("scapy.utils")
from scapy.layers.dns import DNS  # noqa: E402
from scapy.layers.inet import IP, TCP  # noqa: E402


@pytest.fixture(scope="module")
def scenario():
    return build(now=DEMO_EPOCH)


def _pod(scenario, ns: str, name: str, index: int = 0) -> str:
    return scenario.cluster.deployments[(ns, name)].pods[index].name


def _read(data: bytes) -> list:
    return list(scapy_utils.PcapReader(io.BytesIO(data)))


def test_payments_api_resolves_stripe_then_its_syns_go_unanswered(scenario) -> None:
    pod = _pod(scenario, "payments", "payments-api")
    packets = _read(capture(scenario.cluster, "payments", pod, start=DEMO_EPOCH, duration=10, seed=8))
    assert all(DEMO_EPOCH <= float(p.time) <= DEMO_EPOCH + 10 for p in packets)
    syns = [p for p in packets if TCP in p and p[IP].dst == STRIPE_IP and p[TCP].flags == "S"]
    assert [round(float(p.time) - float(syns[0].time)) for p in syns] == [0, 1, 3, 7]  # 1 s, then doubling
    assert len({(p[TCP].sport, p[TCP].seq) for p in syns}) == 1  # retransmissions of one SYN
    assert not [p for p in packets if IP in p and p[IP].src == STRIPE_IP]
    answers = [p[DNS] for p in packets if DNS in p and p[DNS].qr == 1]
    stripe = [a for a in answers if a.qd[0].qname == b"api.stripe.com." and a.ancount]
    assert stripe[0].an[0].rdata == STRIPE_IP
    assert sum(1 for a in answers if a.rcode == 3) == 6  # the search path first (ndots:5)


def test_the_frontend_serves_healthy_http_from_the_controllers(scenario) -> None:
    pod = _pod(scenario, "shop", "frontend")
    packets = _read(capture(scenario.cluster, "shop", pod, start=DEMO_EPOCH, duration=10, seed=8))
    controllers = {r.ip for r in scenario.cluster.deployments[("ingress-nginx", "ingress-nginx-controller")].pods}
    handshakes = [p for p in packets if TCP in p and p[TCP].flags == "SA" and p[IP].dst in controllers]
    assert len(handshakes) >= 20
    responses = [bytes(p[TCP].payload) for p in packets if TCP in p and p[TCP].sport == 8080 and len(p[TCP].payload)]
    ok = sum(r.startswith(b"HTTP/1.1 200 ") for r in responses)
    assert ok / len(responses) > 0.95  # a healthy service still fails a request now and then


def test_the_ready_cart_pod_answers_some_503_and_unready_ones_get_only_probes(scenario) -> None:
    cart = scenario.cluster.deployments[("shop", "cart")]
    ready = next(r for r in cart.pods if r.ready)
    unready = next(r for r in cart.pods if not r.ready)
    statuses = [
        bytes(p[TCP].payload)[9:12]
        for p in _read(capture(scenario.cluster, "shop", ready.name, start=DEMO_EPOCH, duration=60, seed=8))
        if TCP in p and p[TCP].sport == 8080 and len(p[TCP].payload)
    ]
    assert 0.03 < statuses.count(b"503") / len(statuses) < 0.3
    probes = _read(capture(scenario.cluster, "shop", unready.name, start=DEMO_EPOCH, duration=10, seed=8))
    assert {p[IP].src for p in probes if p[IP].dst == unready.ip} == {unready.host_ip}  # only the kubelet
    answers = [bytes(p[TCP].payload) for p in probes if TCP in p and len(p[TCP].payload) and p[IP].src == unready.ip]
    assert answers
    assert all(a.startswith(b"HTTP/1.1 503 ") for a in answers)


def test_same_inputs_same_bytes(scenario) -> None:
    pod = _pod(scenario, "shop", "api")
    one = capture(scenario.cluster, "shop", pod, start=DEMO_EPOCH, duration=5, seed=8)
    two = capture(scenario.cluster, "shop", pod, start=DEMO_EPOCH, duration=5, seed=8)
    assert one == two
    assert one[:4] == b"\xd4\xc3\xb2\xa1"  # classic pcap, little-endian
    assert int.from_bytes(one[20:24], "little") == 276  # LINUX_SLL2, as tcpdump -i any writes


def test_an_unknown_pod_is_a_clear_error(scenario) -> None:
    with pytest.raises(KeyError, match="no demo pod shop/nope"):
        capture(scenario.cluster, "shop", "nope", start=DEMO_EPOCH, duration=5, seed=8)
