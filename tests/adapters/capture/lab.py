"""A two-pod network in namespaces the test creates: nothing leaves the machine.

    client ns (eth0 10.77.0.1, fd77::1) ── veth ── bridge ns (br0) ── veth ── server ns (eth0 .2, ::2)

The server namespace rejects and drops with iptables, like a NetworkPolicy would:
TCP 8081 -> REJECT with a TCP reset, 8082 -> DROP (silent), 8083 -> REJECT with ICMP port
unreachable (the same for IPv6). Every process the lab starts is tracked and killed, and every
namespace deleted, even when the test fails.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import IO

HERE = Path(__file__).resolve().parent
CLIENT_V4, SERVER_V4 = "10.77.0.1", "10.77.0.2"
CLIENT_V6, SERVER_V6 = "fd77::1", "fd77::2"
RULES = [
    ["-A", "INPUT", "-p", "tcp", "--dport", "8081", "-j", "REJECT", "--reject-with", "tcp-reset"],
    ["-A", "INPUT", "-p", "tcp", "--dport", "8082", "-j", "DROP"],
]
REJECT_ICMP = {
    "iptables": [
        "-A",
        "INPUT",
        "-p",
        "tcp",
        "--dport",
        "8083",
        "-j",
        "REJECT",
        "--reject-with",
        "icmp-port-unreachable",
    ],
    "ip6tables": [
        "-A",
        "INPUT",
        "-p",
        "tcp",
        "--dport",
        "8083",
        "-j",
        "REJECT",
        "--reject-with",
        "icmp6-port-unreachable",
    ],
}
TIMEOUT = 20.0


def run(*cmd: str) -> None:
    """Run a setup command; its stderr becomes the failure message."""
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    if done.returncode:
        raise RuntimeError(f"{' '.join(cmd)}: {done.stderr.strip()}")


class Lab:
    """The namespaces, addresses, rules and processes of one test run."""

    def __init__(self) -> None:
        tag = uuid.uuid4().hex[:8]
        self.client, self.server, self.bridge = f"ktc-{tag}", f"kts-{tag}", f"ktb-{tag}"
        self.procs: list[subprocess.Popen[bytes]] = []

    # -- topology
    def up(self) -> Lab:
        """Create namespaces, links, addresses and the firewall rules."""
        for ns in (self.bridge, self.client, self.server):
            run("ip", "netns", "add", ns)
        run("ip", "-n", self.bridge, "link", "add", "br0", "type", "bridge")
        run("ip", "-n", self.bridge, "link", "set", "br0", "up")
        for ns, port, v4, v6 in ((self.client, "pc", CLIENT_V4, CLIENT_V6), (self.server, "ps", SERVER_V4, SERVER_V6)):
            run("ip", "-n", self.bridge, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns)
            run("ip", "-n", self.bridge, "link", "set", port, "master", "br0", "up")
            run("ip", "-n", ns, "link", "set", "lo", "up")
            run("ip", "-n", ns, "addr", "add", f"{v4}/24", "dev", "eth0")
            run("ip", "-n", ns, "addr", "add", f"{v6}/64", "dev", "eth0", "nodad")
            run("ip", "-n", ns, "link", "set", "eth0", "up")
        # ICMP errors are rate-limited per destination; the lab wants every one of them.
        for knob in ("net.ipv4.icmp_ratelimit=0", "net.ipv6.icmp.ratelimit=0"):
            run("ip", "netns", "exec", self.server, "sysctl", "-qw", knob)
        for tool in ("iptables", "ip6tables"):
            for rule in (*RULES, REJECT_ICMP[tool]):
                run("ip", "netns", "exec", self.server, tool, *rule)
        return self

    def down(self) -> None:
        """Kill every process we started, then delete the namespaces (errors ignored)."""
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
        for ns in (self.client, self.server, self.bridge):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=TIMEOUT, check=False)

    # -- processes
    def start(
        self, ns: str, *cmd: str, stdin: bool = True, stdout: int | None = subprocess.PIPE
    ) -> subprocess.Popen[bytes]:
        """Start ``cmd`` inside namespace ``ns`` (tracked for cleanup)."""
        proc = subprocess.Popen(
            ["ip", "netns", "exec", ns, *cmd],
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=stdout,
            stderr=subprocess.PIPE,
        )
        self.procs.append(proc)
        return proc

    def track(self, proc: subprocess.Popen[bytes]) -> subprocess.Popen[bytes]:
        """Register a process started elsewhere for cleanup."""
        self.procs.append(proc)
        return proc

    def start_server(self) -> subprocess.Popen[bytes]:
        """The server script, once it says it is ready."""
        proc = self.start(self.server, sys.executable, str(HERE / "lab_server.py"), SERVER_V4, SERVER_V6)
        expect_line(proc, b"ready")
        return proc

    def start_client(self) -> subprocess.Popen[bytes]:
        """The client script, once its pre-capture connection is open."""
        proc = self.start(self.client, sys.executable, str(HERE / "lab_client.py"), SERVER_V4, SERVER_V6)
        expect_line(proc, b"pre")
        return proc

    def tcpdump(self, ns: str, *, bpf: str = "tcp or udp or icmp or icmp6") -> subprocess.Popen[bytes]:
        """``tcpdump -i any --immediate-mode -U -w -`` in ``ns`` (the pod backend's command), once listening.

        The snap length matters: in immediate mode libpcap's ring has one fixed-size slot per
        packet, so whole-packet slots (256 KiB) leave room for only eight packets in flight.
        """
        proc = self.start(
            ns, "tcpdump", "-i", "any", "--immediate-mode", "-U", "-s", "4096", "-w", "-", bpf, stdin=False
        )
        wait_stderr(proc, b"listening on")
        return proc


MARKER = b"lab-done"
"""The server's reply to the client's last datagram: a capture that has it has everything."""


class Relay:
    """Copies a capture stream (tcpdump -> kubetraffic) and notices the end marker go by."""

    def __init__(self, source: IO[bytes], sink: IO[bytes]) -> None:
        self.source, self.sink = source, sink
        self.seen = threading.Event()
        self.head = b""
        """The first bytes of the stream (its pcap header)."""
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        tail = b""
        try:
            while chunk := os.read(self.source.fileno(), 65536):
                self.sink.write(chunk)
                self.sink.flush()
                if len(self.head) < 24:
                    self.head += chunk[:24]
                if MARKER in tail + chunk:
                    self.seen.set()
                tail = (tail + chunk)[-len(MARKER) :]
        except (BrokenPipeError, OSError):
            pass
        finally:
            self.sink.close()


def wait_for(condition: Callable[[], bool], what: str) -> None:
    """Poll ``condition`` (there is no event to wait on, e.g. a file growing) for up to TIMEOUT."""
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def expect_line(proc: subprocess.Popen[bytes], expected: bytes) -> bytes:
    """The next stdout line of ``proc``; it must start with ``expected``."""
    assert proc.stdout is not None
    line = read_line(proc.stdout.fileno(), TIMEOUT)
    if not line.startswith(expected):
        proc.kill()
        _, err = proc.communicate(timeout=5)
        raise AssertionError(f"expected {expected!r}, got {line!r}; stderr: {err.decode(errors='replace')[-2000:]}")
    return line


def read_line(fd: int, timeout: float) -> bytes:
    """One line from a pipe, or what came before the timeout/EOF (no blocking forever)."""
    import select

    out = b""
    deadline = time.monotonic() + timeout
    while not out.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0:
            break
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            break
        byte = os.read(fd, 1)
        if not byte:
            break
        out += byte
    return out


def wait_stderr(proc: subprocess.Popen[bytes], marker: bytes) -> bytes:
    """Read ``proc``'s stderr until a line containing ``marker`` (the process is ready)."""
    assert proc.stderr is not None
    seen = b""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        line = read_line(proc.stderr.fileno(), deadline - time.monotonic())
        seen += line
        if marker in line:
            return seen
        if not line:
            break
    proc.kill()
    raise AssertionError(f"{proc.args!r} never said {marker!r}: {seen.decode(errors='replace')[-2000:]}")


def interrupt(proc: subprocess.Popen[bytes]) -> None:
    """Ctrl+C, as a user would stop a capture."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
