"""DemoCapture through the CaptureSource interface and the real summariser."""

from __future__ import annotations

import threading

import pytest

from kubetraffic.adapters.capture.base import CaptureError
from kubetraffic.adapters.capture.runner import run_capture
from kubetraffic.adapters.demo import DemoSource
from kubetraffic.core.capture import CaptureLimits, Summariser
from kubetraffic.demo.clock import DEMO_EPOCH, ManualClock


def _summary(source, limits=None):
    return run_capture(source, Summariser(source.description, limits or CaptureLimits()))


def test_payments_api_shows_the_silent_drop_to_stripe() -> None:
    demo = DemoSource(clock=ManualClock(DEMO_EPOCH))
    summary = _summary(demo.capture_source("payments/payments-api", seconds=10))
    assert summary.error is None
    stripe = [f for f in summary.flows if f.dst == "198.51.100.7:443"]
    assert len(stripe) == 1
    assert stripe[0].state == "no-reply"
    assert stripe[0].syn_retransmits == 3
    assert stripe[0].silently_dropped
    answered = [d for d in summary.dns if d.query == "api.stripe.com" and d.type == "A"]
    assert answered[0].answers == ("198.51.100.7",)
    assert answered[0].rcode == "NOERROR"


def test_a_deployment_name_captures_its_first_ready_pod() -> None:
    demo = DemoSource(clock=ManualClock(DEMO_EPOCH))
    capture = demo.capture_source("cart", namespace="shop")
    ready = [r.name for r in demo.scenario.cluster.deployments[("shop", "cart")].pods if r.ready]
    assert capture.pod == ready[0]
    summary = _summary(capture)
    assert any(f.state == "closed" and f.handshake_rtt_ms for f in summary.flows)


def test_an_unknown_pod_cannot_start() -> None:
    demo = DemoSource(clock=ManualClock(DEMO_EPOCH))
    with pytest.raises(CaptureError, match="no pod shop/nope in the demo cluster"):
        _summary(demo.capture_source("shop/nope"))


def test_paced_capture_follows_the_demo_clock_and_stops() -> None:
    clock = ManualClock(DEMO_EPOCH)
    demo = DemoSource(clock=clock)
    capture = demo.capture_source("payments/payments-api", seconds=10, paced=True)
    capture.start()
    chunks = capture.chunks(idle=0.01)
    assert len(next(chunks)) == 24  # the pcap header, at once
    got: list[bytes] = []
    done = threading.Event()

    def consume() -> None:
        for chunk in chunks:
            got.append(chunk)
        done.set()

    thread = threading.Thread(target=consume, daemon=True)
    thread.start()
    clock.advance(0.5)  # only the packets of the first half second may arrive
    while not any(got):
        threading.Event().wait(0.01)
    capture.stop()
    assert done.wait(5)
    records = [c for c in got if c]  # paced: one record per chunk
    stamps = [int.from_bytes(r[0:4], "little") + int.from_bytes(r[4:8], "little") / 1e6 for r in records]
    assert stamps
    assert max(stamps) <= DEMO_EPOCH + 0.5  # nothing from the demo's future
