"""The summariser: bounds, names from the cluster model, the packet ring, payload hiding."""

from __future__ import annotations

import pytest

from kubetraffic.core.capture import CaptureLimits, Namer, Summariser
from kubetraffic.core.convert import convert
from kubetraffic.core.state import ClusterState
from tests.core.builders import make_pod
from tests.core.capture.wire import CLIENT, SERVER, Wire, tcp, udp


def syns(n: int, step: float = 1.0) -> Wire:
    w = Wire()
    for i in range(n):
        w.add(tcp(CLIENT, SERVER, 40000 + i, 80, "S"), at=100 + i * step)
    return w


def test_packet_bound_stops_exactly() -> None:
    s = Summariser("x", CaptureLimits(max_packets=3))
    assert s.feed(syns(10).pcap()) is False
    summary = s.finish(stopped=True)
    assert summary.packets == 3
    assert len(summary.flows) == 3
    assert summary.stop_reason == "packet count"
    assert summary.error is None


def test_duration_bound_uses_capture_time() -> None:
    s = Summariser("x", CaptureLimits(max_seconds=2.5))
    s.feed(syns(10).pcap())
    summary = s.finish(stopped=True)
    assert summary.packets == 3  # t = 0, 1, 2
    assert summary.stop_reason == "duration"


def test_byte_bound() -> None:
    stream = syns(10).pcap()
    one = (len(stream) - 24) // 10 - 16
    s = Summariser("x", CaptureLimits(max_bytes=one * 4))
    s.feed(stream)
    summary = s.finish(stopped=True)
    assert summary.packets == 4
    assert summary.stop_reason == "byte bound"


def test_feeding_after_the_bound_is_ignored() -> None:
    s = Summariser("x", CaptureLimits(max_packets=1))
    stream = syns(2).pcap()
    s.feed(stream[:100])
    s.feed(stream[100:])
    assert s.feed(b"more") is False
    assert s.summary().packets == 1


@pytest.mark.parametrize(
    ("limits", "problem"),
    [
        (CaptureLimits(max_packets=0), "packet count"),
        (CaptureLimits(max_seconds=0), "duration"),
        (CaptureLimits(snaplen=10), "snap length"),
        (CaptureLimits(sample=0), "sampling"),
    ],
)
def test_bad_limits_are_explained(limits: CaptureLimits, problem: str) -> None:
    assert any(problem in p for p in limits.problems())


def test_limits_describe_themselves() -> None:
    text = CaptureLimits(max_packets=1000, max_seconds=30, max_bytes=50_000_000, sample=10).describe()
    assert text == "1000 packets, 30 s, 50.0 MB, snap 262144 B, 1 flow in 10"


def test_names_from_the_cluster_model() -> None:
    state = ClusterState()
    state.put("Pod", make_pod("web-1", "shop", {"app": "web"}, CLIENT))
    _, svc = convert(
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "cart", "namespace": "shop"},
         "spec": {"clusterIP": SERVER, "ports": [{"port": 80}]}}
    )  # fmt: skip
    state.put("Service", svc)
    _, node = convert(
        {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "worker-2"},
         "status": {"addresses": [{"type": "InternalIP", "address": "192.168.1.12"}]}}
    )  # fmt: skip
    state.put("Node", node)
    w = syns(1)
    w.add(tcp(CLIENT, "192.168.1.12", 40100, 10250, "S"))
    w.add(tcp("192.0.2.1", CLIENT, 40200, 80, "S"))
    summary = w.summary(names=Namer(state))
    names = [(f.src_name, f.dst_name) for f in summary.flows]
    assert names == [("shop/web-1", "cart.shop.svc"), ("shop/web-1", "node/worker-2"), (None, "shop/web-1")]


def test_ring_keeps_recent_headers_and_hides_payloads() -> None:
    w = Wire().add(udp(CLIENT, SERVER, 1, 2, b"secret-1")).add(udp(CLIENT, SERVER, 1, 2, b"secret-2"))
    w.add(udp(CLIENT, SERVER, 1, 2, b"secret-3"))
    hidden = Summariser("x", ring_size=2)
    hidden.feed(w.pcap())
    assert hidden.ring is not None
    assert [p.payload for p in hidden.ring.packets] == [None, None]
    assert hidden.ring.total == 3
    assert hidden.ring.packets[-1].length == 28 + 8
    summary = hidden.finish()
    assert all(f.payloads == () for f in summary.flows)
    shown = Summariser("x", ring_size=2, keep_payload=True)
    shown.feed(w.pcap())
    assert shown.ring is not None
    assert [p.payload for p in shown.ring.packets] == [b"secret-2", b"secret-3"]
    assert [p[2] for p in shown.finish().flows[0].payloads] == [b"secret-1", b"secret-2", b"secret-3"]


def test_non_flow_packets_are_counted_not_listed() -> None:
    from scapy.layers.inet6 import ICMPv6ND_NS, IPv6

    w = (
        Wire()
        .add(IPv6(src="fe80::1", dst="ff02::1:ff00:2") / ICMPv6ND_NS(tgt="fe80::2"))
        .extend(syns(1).frames[0][1:2])
    )
    summary = w.summary()
    assert summary.other_packets == 1
    assert len(summary.flows) == 1
    assert summary.link_type == "Ethernet"
