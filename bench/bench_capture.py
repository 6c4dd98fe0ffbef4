"""Packet summaries from a pcap stream vs ``tcpdump -r FILE -nn -q > /dev/null`` on the same file.

Budget (DESIGN.md §7): ≥ 200,000 packets/s, and at least half of tcpdump's rate measured in
the same run. The capture is a deterministic ~100k-packet HTTP-like pcap (bench/pcapgen.py).
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.common import CACHE, report
from bench.pcapgen import http_capture
from kubetraffic.core.capture import Summariser

CONNECTIONS = 10_112  # ~100,000 packets
CHUNK = 1 << 20


def capture_file() -> Path:
    """The benchmark pcap, generated once and cached."""
    path = CACHE / f"http-{CONNECTIONS}.pcap"
    if not path.exists():
        print(f"generating {path.name} ...", file=sys.stderr)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(http_capture(CONNECTIONS))
    return path


def summarise(path: Path) -> tuple[float, int]:
    """Seconds to read ``path`` as a stream (1 MiB chunks) and summarise it; packets seen."""
    t0 = time.perf_counter()
    summariser = Summariser(str(path))
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            summariser.feed(chunk)
    summary = summariser.finish()
    elapsed = time.perf_counter() - t0
    assert summary.error is None
    assert len(summary.flows) > CONNECTIONS
    return elapsed, summary.packets


def tcpdump_seconds(path: Path) -> float:
    """Wall time of ``tcpdump -r FILE -nn -q > /dev/null``."""
    t0 = time.perf_counter()
    subprocess.run(
        ["tcpdump", "-r", str(path), "-nn", "-q"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True
    )
    return time.perf_counter() - t0


def cli_seconds(path: Path) -> float:
    """Wall time of the whole command, process start to JSON written."""
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "kubetraffic", "capture", "--pcap", str(path), "-o", "json"],
        stdout=subprocess.DEVNULL,
        check=True,
    )
    return time.perf_counter() - t0


def bench_capture() -> list[tuple[str, str, str]]:
    """Median of 5 runs each, interleaved so both see the same machine state."""
    path = capture_file()
    ours, theirs = [], []
    packets = 0
    for _ in range(5):
        elapsed, packets = summarise(path)
        ours.append(elapsed)
        if shutil.which("tcpdump"):
            theirs.append(tcpdump_seconds(path))
    rate = packets / statistics.median(ours)
    rows = [(f"flow summary, {packets:,}-packet HTTP pcap stream", f"{rate:,.0f} pkt/s", "≥ 200,000 pkt/s")]
    if theirs:
        reference = packets / statistics.median(theirs)
        rows.append(("tcpdump -r FILE -nn -q > /dev/null, same file", f"{reference:,.0f} pkt/s", "reference"))
        rows.append(("flow summary / tcpdump", f"{rate / reference:.2f}×", "≥ 0.5×"))
    else:
        rows.append(("tcpdump -r FILE -nn -q", "tcpdump not installed", "reference"))
    rows.append(
        (
            "kubetraffic capture --pcap FILE -o json (whole command)",
            f"{statistics.median(cli_seconds(path) for _ in range(3)):.2f} s",
            "—",
        )
    )
    return rows


BENCHMARKS = {"capture": bench_capture}

if __name__ == "__main__":
    report(bench_capture())
