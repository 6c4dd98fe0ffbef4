"""The pcap/pcapng stream reader: formats, incremental feeding, and damaged input."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import pytest
from scapy.layers.l2 import Ether
from scapy.utils import PcapNgWriter, PcapWriter

from kubetraffic.core.capture import PcapReader, Summariser
from kubetraffic.core.capture.pcap import pcap_header, pcap_record
from tests.core.capture.wire import CLIENT, SERVER, Wire, frame, tcp

PACKETS = [tcp(CLIENT, SERVER, 40000 + i, 80, "S", seq=i) for i in range(5)]


def records(stream: bytes, chunk: int | None = None) -> tuple[list[tuple[float, int, bytes, int, int]], PcapReader]:
    reader = PcapReader()
    out = []
    step = chunk or max(1, len(stream))
    for i in range(0, len(stream), step):
        reader.feed(stream[i : i + step])
        out.extend(reader.records())
    reader.finish()
    return out, reader


def scapy_file(tmp_path: Path, **kwargs: object) -> bytes:
    path = tmp_path / "x.pcap"
    writer = PcapWriter(str(path), linktype=1, **kwargs)  # type: ignore[arg-type]
    for i, pkt in enumerate(PACKETS):
        p = Ether() / pkt
        p.time = 1_700_000_000 + i + 0.123456789
        writer.write(p)
    writer.close()
    return path.read_bytes()


@pytest.mark.parametrize(
    ("endianness", "nano", "precision"),
    [("<", False, 1e-6), (">", False, 1e-6), ("<", True, 1e-9), (">", True, 1e-9)],
    ids=["le-micro", "be-micro", "le-nano", "be-nano"],
)
def test_classic_pcap_byte_orders_and_precisions(tmp_path: Path, endianness: str, nano: bool, precision: float) -> None:
    data = scapy_file(tmp_path, endianness=endianness, nano=nano)
    got, reader = records(data)
    assert reader.error is None
    assert reader.format == "pcap"
    assert reader.linktype == 1
    assert [r[2] for r in got] == [bytes(Ether() / p) for p in PACKETS]
    assert got[2][0] == pytest.approx(1_700_000_002.123456789, abs=precision * 1.5)


def test_pcapng_with_time_resolution_and_drop_statistics(tmp_path: Path) -> None:
    path = tmp_path / "x.pcapng"
    writer = PcapNgWriter(str(path))
    for i, pkt in enumerate(PACKETS):
        p = Ether() / pkt
        p.time = 1_700_000_000 + i + 0.5
        writer.write(p)
    writer.close()
    # An Interface Statistics Block saying the kernel dropped 42 packets on interface 0.
    opts = struct.pack("<HHQ", 5, 8, 42) + b"\0\0\0\0"
    body = struct.pack("<III", 0, 0, 0) + opts
    isb = struct.pack("<II", 5, 12 + len(body)) + body + struct.pack("<I", 12 + len(body))
    got, reader = records(path.read_bytes() + isb, chunk=7)
    assert reader.error is None
    assert reader.format == "pcapng"
    assert len(got) == 5
    assert got[1][0] == pytest.approx(1_700_000_001.5, abs=1e-6)
    assert reader.interface_drops == {0: 42}


def test_modified_pcap_records_are_longer() -> None:
    header = bytearray(pcap_header(1))
    header[0:4] = struct.pack("<I", 0xA1B2CD34)
    data = bytes(Ether() / PACKETS[0])
    rec = struct.pack("<IIII", 5, 0, len(data), len(data)) + b"\0" * 8 + data
    got, reader = records(bytes(header) + rec * 2)
    assert reader.error is None
    assert [r[2] for r in got] == [data, data]


@pytest.mark.parametrize("chunk", [1, 3, 17, 1000])
def test_any_chunking_gives_the_same_records(chunk: int) -> None:
    stream = Wire().extend(PACKETS).pcap(276)
    whole, _ = records(stream)
    pieces, reader = records(stream, chunk)
    assert reader.error is None
    assert pieces == whole
    assert len(whole) == 5


def test_truncated_stream_keeps_what_was_read() -> None:
    stream = Wire().extend(PACKETS).pcap()
    got, reader = records(stream[:-10])
    assert len(got) == 4
    assert reader.error is not None
    assert str(reader.error).startswith("truncated: the stream ends")
    assert "record 5" in str(reader.error)


def test_truncated_summary_still_has_the_flows() -> None:
    stream = Wire().extend(PACKETS).pcap()
    s = Summariser("cut.pcap")
    s.feed(stream[:-10])
    summary = s.finish()
    assert len(summary.flows) == 4
    assert summary.error is not None
    assert "truncated" in summary.error


def test_a_stream_we_cut_ourselves_is_not_an_error() -> None:
    s = Summariser("live")
    s.feed(Wire().extend(PACKETS).pcap()[:-10])
    assert s.finish(stopped=True).error is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty input: no pcap header"),
        (b"\xd4\xc3", "input ends after 2 bytes, before a complete pcap header"),
        (b"GET / HTTP/1.1\r\n", "it starts with text 'GET / HT' (was tcpdump run without -w -?)"),
        (b"12:00:01.000 IP 10.0.0.1 > 10.0.0.2: tcp 0\n", "it starts with text"),
        (gzip.compress(b"x" * 100), "it is gzip-compressed; decompress it first"),
        (bytes(range(200, 232)), "it starts with bytes c8 c9 ca cb cc cd ce cf"),
    ],
)
def test_garbage_gets_a_clear_error(data: bytes, message: str) -> None:
    s = Summariser("junk")
    s.feed(data)
    summary = s.finish()
    assert summary.error is not None
    assert message in summary.error
    assert summary.flows == ()


def test_garbage_after_good_records_keeps_the_good_ones() -> None:
    stream = Wire().extend(PACKETS[:3]).pcap()
    damaged = stream + struct.pack("<IIII", 1, 0, 5_000_000, 5_000_000) + b"\xff" * 64
    s = Summariser("damaged")
    for i in range(0, len(damaged), 50):
        s.feed(damaged[i : i + 50])
    summary = s.finish()
    assert len(summary.flows) == 3
    assert summary.error is not None
    assert "record 4 at byte offset" in summary.error
    assert "the stream is damaged" in summary.error


def test_damaged_pcapng_block() -> None:
    shb = struct.pack("<IIIHHq", 0x0A0D0D0A, 28, 0x1A2B3C4D, 1, 0, -1) + struct.pack("<I", 28)
    bad = struct.pack("<II", 6, 40) + b"\0" * 28 + struct.pack("<I", 44)
    _, reader = records(shb + bad)
    assert reader.error is not None
    assert "lengths 40 and 44 differ" in str(reader.error)


def test_writer_round_trip() -> None:
    data = frame(PACKETS[0], 1)
    stream = pcap_header(1, 128) + pcap_record(12.5, data[:60], len(data)) + pcap_record(13.25, data)
    got, reader = records(stream)
    assert reader.snaplen == 128
    assert got == [(12.5, 1, data[:60], len(data), 0), (13.25, 1, data, len(data), 0)]
