"""run_capture with in-memory and file sources: bounds, the --write copy, interruption, errors."""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from kubetraffic.adapters.capture.base import CaptureError
from kubetraffic.adapters.capture.memory import MemorySource, packets_to_pcap
from kubetraffic.adapters.capture.pcap_file import PcapSource
from kubetraffic.adapters.capture.runner import Progress, open_private, run_capture
from kubetraffic.core.capture import CaptureLimits, PcapReader, Summariser
from kubetraffic.core.capture.pcap import pcap_header
from tests.core.capture.wire import CLIENT, SERVER, Wire, frame, tcp


def stream(n: int = 10) -> bytes:
    w = Wire()
    for i in range(n):
        w.add(tcp(CLIENT, SERVER, 42000 + i, 80, "S"), at=10.0 + i)
    return w.pcap()


def records(data: bytes) -> int:
    reader = PcapReader()
    reader.feed(data)
    count = len(list(reader.records()))
    assert reader.finish() is None
    return count


def test_write_holds_exactly_the_summarised_records(tmp_path: Path) -> None:
    out = tmp_path / "w.pcap"
    summariser = Summariser("mem", CaptureLimits(max_packets=4))
    summary = run_capture(MemorySource(stream(), chunk=7), summariser, write_to=str(out))
    assert summary.packets == 4
    assert summary.error is None
    assert records(out.read_bytes()) == 4, "a valid pcap, cut at a record boundary"
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600


def test_duration_bound_on_capture_time_is_exact_in_the_copy(tmp_path: Path) -> None:
    out = tmp_path / "d.pcap"
    summary = run_capture(MemorySource(stream()), Summariser("mem", CaptureLimits(max_seconds=2.5)), write_to=str(out))
    assert (summary.packets, summary.stop_reason) == (3, "duration")
    assert records(out.read_bytes()) == 3


def test_a_zero_packet_capture_writes_a_valid_empty_pcap(tmp_path: Path) -> None:
    out = tmp_path / "e.pcap"
    summary = run_capture(MemorySource(pcap_header(1)), Summariser("mem"), write_to=str(out))
    assert summary.packets == 0
    assert out.read_bytes() == pcap_header(1)


class Interrupted(MemorySource):
    """Raises KeyboardInterrupt (Ctrl+C) after a few chunks, like a user stopping a live capture."""

    stopped = False

    def chunks(self, idle: float = 0.2) -> Iterator[bytes]:
        for i, chunk in enumerate(super().chunks(idle)):
            if i == 3:
                raise KeyboardInterrupt
            yield chunk

    def stop(self) -> None:
        self.stopped = True


def test_ctrl_c_still_gives_the_summary() -> None:
    data = stream()
    source = Interrupted(data, chunk=len(data) // 5, live=True)
    summary = run_capture(source, Summariser("mem"))
    assert source.stopped
    assert summary.stop_reason == "interrupted"
    assert summary.error is None, "a stream we cut is not damaged"
    assert 0 < summary.packets < 10


class Broken(MemorySource):
    """A stream that breaks off with an error (a dropped connection to the pod, say)."""

    def chunks(self, idle: float = 0.2) -> Iterator[bytes]:
        yield self.stream
        raise CaptureError("the connection to the pod was lost")


def test_a_broken_stream_keeps_its_flows_and_says_why() -> None:
    summary = run_capture(Broken(stream(3), live=True), Summariser("pod"))
    assert len(summary.flows) == 3
    assert summary.error == "the connection to the pod was lost"


def test_stop_event_and_progress() -> None:
    stop = threading.Event()
    seen: list[Progress] = []

    def progress(p: Progress) -> None:
        seen.append(p)
        stop.set()

    summary = run_capture(
        MemorySource(stream(), chunk=60), Summariser("mem"), on_progress=progress, progress_interval=0, stop=stop
    )
    assert seen[0].packets <= summary.packets < 10
    assert seen[0].remaining is None


def test_live_wall_clock_deadline_with_an_idle_source() -> None:
    class Idle(MemorySource):
        def chunks(self, idle: float = 0.2) -> Iterator[bytes]:
            yield pcap_header(1)
            while not self._stopped:
                yield b""  # nothing arrives

    summary = run_capture(Idle(b"", live=True), Summariser("idle", CaptureLimits(max_seconds=0.3)), idle=0.05)
    assert summary.stop_reason == "duration"
    assert summary.packets == 0


def test_open_private_fixes_the_mode_of_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "x.pcap"
    path.write_bytes(b"")
    path.chmod(0o666)
    with open_private(str(path)) as out:
        out.write(b"x")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with pytest.raises(CaptureError, match="cannot write"):
        open_private(str(tmp_path / "missing" / "x.pcap"))


def test_pcap_source_reads_files_and_pipes(tmp_path: Path) -> None:
    path = tmp_path / "f.pcap"
    path.write_bytes(stream(5))
    assert run_capture(PcapSource(str(path)), Summariser("f")).packets == 5
    read_fd, write_fd = os.pipe()
    os.write(write_fd, stream(2))
    os.close(write_fd)
    source = PcapSource("-")
    saved = os.dup(0)
    try:
        os.dup2(read_fd, 0)
        summary = run_capture(source, Summariser("stdin"))
    finally:
        os.dup2(saved, 0)
        os.close(saved)
        os.close(read_fd)
    assert source.live
    assert summary.packets == 2


def test_packets_to_pcap_for_synthetic_sources() -> None:
    data = packets_to_pcap([(1.0, frame(tcp(CLIENT, SERVER, 1, 2, "S"), 1))])
    summary = run_capture(MemorySource(data, description="demo"), Summariser("demo"))
    assert summary.flows[0].state == "no-reply"
