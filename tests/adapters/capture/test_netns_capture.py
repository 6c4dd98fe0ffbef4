"""Real packets between network namespaces, captured four ways at once, diagnosed per flow.

One traffic run (every scenario of ``lab_client.py``) is captured concurrently by:

- ``iface``: the interface backend in this process (scapy sniffer on the client's eth0);
- ``cli-iface``: ``kubetraffic capture --interface eth0 --netns ... -o json --write``, ended by Ctrl+C;
- ``tcpdump``: ``tcpdump -i any --immediate-mode -U -w -`` in the client namespace piped into
  ``kubetraffic capture --pcap -`` — the pod backend's stream, Linux cooked v2 (SLL2) frames;
- ``bridge``: the same in the bridge namespace, where ``-i any`` sees every frame twice.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kubetraffic.adapters.capture.interface import InterfaceSource
from kubetraffic.adapters.capture.runner import run_capture
from kubetraffic.core.capture import CaptureLimits, PcapReader, Summariser
from kubetraffic.render.capture import capture_data
from tests.adapters.capture.lab import (
    MARKER,
    SERVER_V4,
    TIMEOUT,
    Lab,
    Relay,
    expect_line,
    interrupt,
    wait_for,
    wait_stderr,
)
from tests.support.tools import require_root, require_tool

pytestmark = pytest.mark.netns
KUBETRAFFIC = [sys.executable, "-m", "kubetraffic"]
CAPTURES = ["iface", "cli-iface", "tcpdump", "bridge"]


@dataclass
class Run:
    """What the client saw, and what each capture made of it (``capture -o json`` documents)."""

    client: dict[str, dict[str, Any]]
    captures: dict[str, dict[str, Any]]
    stderr: dict[str, str]
    written: Path
    link_types: dict[str, int | None]


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    require_root()
    for tool in ("ip", "tcpdump", "iptables", "ip6tables"):
        require_tool(tool)
    lab = Lab()
    try:
        yield lab.up()
    finally:
        lab.down()


def _pipe_to_cli(lab: Lab, tcpdump: subprocess.Popen[bytes]) -> tuple[subprocess.Popen[bytes], Relay]:
    """tcpdump's stream into ``kubetraffic capture --pcap -``, through a relay that spots the end marker."""
    cli = lab.track(
        subprocess.Popen(
            [*KUBETRAFFIC, "capture", "--pcap", "-", "-o", "json"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
    )
    assert tcpdump.stdout is not None
    assert cli.stdin is not None
    sink, cli.stdin = cli.stdin, None  # the relay owns (and closes) it; communicate() must not
    return cli, Relay(tcpdump.stdout, sink)


@pytest.fixture(scope="module")
def run(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Run:
    written = tmp_path_factory.mktemp("capture") / "client.pcap"
    lab.start_server()
    client = lab.start_client()  # its "partial" connection is open before any capture starts
    # 1. in-process interface backend, stopped by an event
    source = InterfaceSource("eth0", netns=lab.client, bpf="tcp or udp or icmp or icmp6")
    summariser = Summariser(source.description, CaptureLimits(max_seconds=60))
    ready, stop = threading.Event(), threading.Event()
    result: dict[str, Any] = {}
    thread = threading.Thread(
        target=lambda: result.update(summary=run_capture(source, summariser, on_started=ready.set, stop=stop)),
        daemon=True,
    )
    thread.start()
    # 2. the CLI on the same interface, writing a pcap; 3. and 4. tcpdump streams into the CLI
    cli_iface = lab.track(
        subprocess.Popen(
            [*KUBETRAFFIC, "capture", "--interface", "eth0", "--netns", lab.client, "-o", "json", "--write", str(written),
             "--duration", "60", "-f", "tcp or udp or icmp or icmp6"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
    )  # fmt: skip
    cli_started = wait_stderr(cli_iface, b"capturing on")
    dumps = [lab.tcpdump(lab.client), lab.tcpdump(lab.bridge)]
    (pod_like, pod_relay), (bridge, bridge_relay) = (_pipe_to_cli(lab, dump) for dump in dumps)
    assert ready.wait(TIMEOUT), "the in-process sniffer did not start"
    # Traffic: every scenario at once; the client prints what its sockets saw.
    assert client.stdin is not None
    client.stdin.write(b"go\n")
    client.stdin.flush()
    outcome = json.loads(expect_line(client, b"{"))
    # Stop every capture once it has seen the end marker, while the "open" connection is open.
    marker = outcome["marker"]["sport"]
    wait_for(
        lambda: any(f.sport == marker and f.rev_packets for f in summariser.table.flows),
        "the sniffer to see the marker",
    )
    stop.set()
    thread.join(TIMEOUT)
    wait_for(lambda: written.exists() and MARKER in written.read_bytes(), "the CLI sniffer to write the marker")
    interrupt(cli_iface)
    for relay in (pod_relay, bridge_relay):
        assert relay.seen.wait(TIMEOUT), "tcpdump never delivered the end marker"
    for dump in dumps:
        interrupt(dump)
    captures, errors = {"iface": capture_data(result["summary"])}, {"iface": ""}
    for name, proc in (("cli-iface", cli_iface), ("tcpdump", pod_like), ("bridge", bridge)):
        out, err = proc.communicate(timeout=TIMEOUT)
        errors[name] = (cli_started.decode() if name == "cli-iface" else "") + err.decode()
        assert proc.returncode == 0, f"{name}: exit {proc.returncode}: {errors[name]}"
        captures[name] = json.loads(out)
    client.stdin.close()
    client.wait(TIMEOUT)
    link_types = {name: _link_type(relay.head) for name, relay in (("tcpdump", pod_relay), ("bridge", bridge_relay))}
    return Run(outcome, captures, errors, written, link_types)


def _link_type(head: bytes) -> int | None:
    reader = PcapReader()
    reader.feed(head)
    list(reader.records())
    return reader.linktype


def flow(run: Run, capture: str, scenario: str, dport: int | None = None) -> dict[str, Any]:
    """The flow of ``scenario`` (found by the client's source port) in ``capture``."""
    sport = run.client[scenario]["sport"]
    found = [
        f
        for f in run.captures[capture]["flows"]
        if f["src"].endswith(f":{sport}") and (dport is None or f["dst"].endswith(f":{dport}"))
    ]
    assert len(found) == 1, f"{capture}/{scenario}: {found or run.captures[capture]['flows']}"
    return found[0]


def test_the_lab_behaves_as_designed(run: Run) -> None:
    """The sockets themselves saw what the firewall rules intend (else the rest proves nothing)."""
    seen = {name: r["outcome"] for name, r in run.client.items()}
    assert seen["http"].startswith("HTTP/1.0 200")
    assert seen["reset"] == seen["reset6"] == "ConnectionRefusedError"
    assert seen["icmp"] == seen["icmp6"] == "ConnectionRefusedError"
    assert seen["drop"] in ("TimeoutError", "timeout")
    assert seen["drop6"] in ("TimeoutError", "timeout")
    assert (seen["udp"], seen["udp-closed"]) == ("ping", "ConnectionRefusedError")
    assert (seen["dns-ok"], seen["dns-nx"]) == ("NOERROR", "NXDOMAIN")


@pytest.mark.parametrize("capture", CAPTURES)
def test_tcp_states_and_diagnoses(run: Run, capture: str) -> None:
    closed = flow(run, capture, "http", 8080)
    assert closed["state"] == "closed"
    assert closed["handshake_rtt_ms"] is not None
    assert closed["handshake_rtt_ms"] >= 0
    assert closed["diagnosis"].startswith("closed (FIN) after")
    assert closed["dst_name"] == "svc.lab", "named by the captured DNS answer"
    assert flow(run, capture, "http6", 8080)["state"] == "closed"
    assert flow(run, capture, "open", 8080)["state"] == "established"
    partial = flow(run, capture, "partial", 8080)
    assert partial["state"] == "partial"
    assert partial["diagnosis"].startswith("capture began mid-flow")
    for scenario, server in (("reset", f"{SERVER_V4}:8081"), ("reset6", "[fd77::2]:8081")):
        reset = flow(run, capture, scenario, 8081)
        assert reset["state"] == "reset"
        assert reset["diagnosis"] == f"RST from {server}: port closed or rejected"
    for scenario in ("drop", "drop6"):
        dropped = flow(run, capture, scenario, 8082)
        assert dropped["state"] == "no-reply"
        assert dropped["syn_retransmits"] >= 1
        assert re.fullmatch(r"SYN sent (twice|\d+ times), no reply: silently dropped", dropped["diagnosis"])
    icmp = flow(run, capture, "icmp", 8083)
    assert icmp["state"] == "icmp-unreachable"
    assert (
        icmp["diagnosis"]
        == f"ICMP port unreachable from {SERVER_V4}: nothing listens on TCP 8083 there, or a firewall rejects it"
    )
    icmp6 = flow(run, capture, "icmp6", 8083)
    assert icmp6["state"] == "icmp-unreachable"
    assert icmp6["diagnosis"].startswith("ICMPv6 port unreachable from fd77::2")


@pytest.mark.parametrize("capture", CAPTURES)
def test_udp_and_dns(run: Run, capture: str) -> None:
    echo = flow(run, capture, "udp", 9000)
    assert (echo["state"], echo["diagnosis"]) == ("udp", "1 packet out, 1 back")
    closed = flow(run, capture, "udp-closed", 9001)
    assert closed["state"] == "icmp-unreachable"
    assert (
        closed["diagnosis"]
        == f"ICMP port unreachable from {SERVER_V4}: nothing listens on UDP 9001 there, or a firewall rejects it"
    )
    dns = {d["query"]: d for d in run.captures[capture]["dns"]}
    assert dns["svc.lab"]["rcode"] == "NOERROR"
    assert dns["svc.lab"]["answers"] == [SERVER_V4]
    assert dns["svc.lab"]["server"] == SERVER_V4
    assert dns["svc.lab"]["latency_ms"] is not None
    assert dns["missing.lab"]["rcode"] == "NXDOMAIN"
    assert dns["missing.lab"]["answers"] == []


def test_any_interface_streams_are_linux_cooked_v2(run: Run) -> None:
    """``-i any`` (what the pod backend runs) gives LINUX_SLL2, link type 276."""
    assert run.link_types == {"tcpdump": 276, "bridge": 276}


def test_bridge_copies_are_not_double_counted(run: Run) -> None:
    """On the bridge, ``-i any`` sees each frame on both ports; the SYN count must not double."""
    for scenario, port in (("drop", 8082), ("drop6", 8082), ("icmp", 8083), ("udp-closed", 9001), ("http", 8080)):
        on_bridge = flow(run, "bridge", scenario, port)
        at_client = flow(run, "tcpdump", scenario, port)
        assert on_bridge["syn_retransmits"] == at_client["syn_retransmits"]
        assert (on_bridge["packets"], on_bridge["bytes"]) == (at_client["packets"], at_client["bytes"])


def test_interface_capture_reports_kernel_drops_and_writes_a_private_pcap(run: Run) -> None:
    assert run.captures["iface"]["dropped_by_kernel"] == 0
    assert run.captures["cli-iface"]["dropped_by_kernel"] == 0
    assert "capturing on interface eth0" in run.stderr["cli-iface"]
    assert stat.S_IMODE(os.stat(run.written).st_mode) == 0o600
    again = subprocess.run(
        [*KUBETRAFFIC, "capture", "--pcap", str(run.written), "-o", "json"],
        capture_output=True,
        timeout=TIMEOUT,
        check=True,
    )
    reread = json.loads(again.stdout)
    assert [(f["src"], f["dst"], f["state"]) for f in reread["flows"]] == [
        (f["src"], f["dst"], f["state"]) for f in run.captures["cli-iface"]["flows"]
    ]


def test_a_truncated_live_stream_keeps_its_flows(run: Run) -> None:
    """The written capture cut mid-record, streamed through stdin: flows so far plus a clear error."""
    data = run.written.read_bytes()
    cut = subprocess.run(
        [*KUBETRAFFIC, "capture", "--pcap", "-", "-o", "json"],
        input=data[: len(data) - 7],
        capture_output=True,
        timeout=TIMEOUT,
    )
    assert cut.returncode == 2
    partial = json.loads(cut.stdout)
    assert 0 < len(partial["flows"]) <= len(run.captures["cli-iface"]["flows"])
    assert b"truncated: the stream ends" in cut.stderr
    assert b"Traceback" not in cut.stderr


def test_loopback_packets_are_seen_once(lab: Lab) -> None:
    """lo hands a packet socket every packet twice (out and in); like libpcap, we keep one."""
    source = InterfaceSource("lo", netns=lab.client, bpf="udp or icmp")
    summariser = Summariser(source.description, CaptureLimits(max_seconds=30))
    ready, stop = threading.Event(), threading.Event()
    result: dict[str, Any] = {}
    thread = threading.Thread(
        target=lambda: result.update(s=run_capture(source, summariser, on_started=ready.set, stop=stop)), daemon=True
    )
    thread.start()
    assert ready.wait(TIMEOUT)
    code = "import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\ns.sendto(b'x', ('127.0.0.1', 9))"
    subprocess.run(["ip", "netns", "exec", lab.client, sys.executable, "-c", code], check=True, timeout=TIMEOUT)
    wait_for(lambda: any(f.icmp is not None for f in summariser.table.flows), "the ICMP error on lo")
    stop.set()
    thread.join(TIMEOUT)
    (udp,) = result["s"].flows
    assert (udp.packets, udp.state) == (2, "icmp-unreachable")
    assert (
        udp.diagnosis
        == "ICMP port unreachable from 127.0.0.1: nothing listens on UDP 9 there, or a firewall rejects it"
    )
