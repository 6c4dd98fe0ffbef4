"""The pod capture plan: what is created, under which PodSecurity level, and its shell script run for real."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from kubetraffic.adapters.capture.pod_plan import PSA_ENFORCE, make_plan
from kubetraffic.core.capture import CaptureLimits, Summariser
from tests.adapters.capture.lab import TIMEOUT, read_line, wait_stderr
from tests.support.tools import require_root, require_tool

LIMITS = CaptureLimits(max_packets=500, max_seconds=20, snaplen=4096)


def pod(**spec: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": "web-1", "namespace": "shop"},
        "spec": {"containers": [{"name": "web"}, {"name": "sidecar"}], **spec},
        "status": {"phase": "Running"},
    }


def test_the_ephemeral_container_spec() -> None:
    plan = make_plan(pod(ephemeralContainers=[{"name": "old"}]), {}, bpf="tcp port 443", limits=LIMITS)
    spec = plan.container_spec()
    assert spec["name"].startswith("kubetraffic-capture-")
    assert spec["name"] != "old"
    assert spec["targetContainerName"] == "web"
    assert spec["image"] == "nicolaka/netshoot:v0.13"
    assert (spec["stdin"], spec["stdinOnce"], spec["tty"]) == (True, True, False)
    assert spec["securityContext"] == {"capabilities": {"add": ["NET_RAW"]}}
    assert spec["command"][:2] == ["sh", "-c"]
    assert plan.tcpdump == [
        "tcpdump",
        "-i",
        "any",
        "--immediate-mode",
        "-U",
        "-n",
        "-s",
        "4096",
        "-c",
        "500",
        "-w",
        "-",
        "tcp port 443",
    ]
    assert "tcpdump -i any --immediate-mode -U -n -s 4096 -c 500 -w - 'tcp port 443' &" in plan.script
    text = "\n".join(plan.describe())
    assert "cannot be removed" in text
    assert "NET_RAW" in text
    assert "500 packets, 20 s" in text


def test_the_default_container_follows_kubectl() -> None:
    annotated = pod()
    annotated["metadata"]["annotations"] = {"kubectl.kubernetes.io/default-container": "sidecar"}
    assert make_plan(annotated, {}, limits=LIMITS).target == "sidecar"
    assert make_plan(annotated, {}, container="web", limits=LIMITS).target == "web"


def test_each_capture_gets_a_new_container_name() -> None:
    names = {make_plan(pod(), {}, limits=LIMITS).container for _ in range(20)}
    assert len(names) == 20


def test_pod_security_levels_shape_the_plan() -> None:
    baseline = make_plan(pod(), {PSA_ENFORCE: "baseline"}, limits=LIMITS)
    assert baseline.capabilities == ()
    assert "securityContext" not in baseline.container_spec()
    assert "forbids adding NET_RAW" in baseline.warnings[0]
    restricted = make_plan(pod(), {PSA_ENFORCE: "restricted"}, limits=LIMITS)
    assert "will most likely refuse" in restricted.warnings[0]


def test_non_root_pods_get_a_root_debug_container_and_say_so() -> None:
    plan = make_plan(pod(securityContext={"runAsNonRoot": True, "runAsUser": 1000}), {}, limits=LIMITS)
    assert plan.container_spec()["securityContext"] == {
        "capabilities": {"add": ["NET_RAW"]},
        "runAsUser": 0,
        "runAsNonRoot": False,
    }
    assert "as root" in "\n".join(plan.describe())


def test_refusals_before_anything_is_created() -> None:
    with pytest.raises(ValueError, match="has no container 'db' \\(it has: web, sidecar\\)"):
        make_plan(pod(), {}, container="db", limits=LIMITS)
    pending = pod()
    pending["status"]["phase"] = "Pending"
    with pytest.raises(ValueError, match="is Pending, not Running"):
        make_plan(pending, {}, limits=LIMITS)


@pytest.fixture
def netns() -> Iterator[str]:
    require_root()
    require_tool("ip")
    require_tool("tcpdump")
    name = f"ktp-{uuid.uuid4().hex[:8]}"
    subprocess.run(["ip", "netns", "add", name], check=True, timeout=TIMEOUT)
    subprocess.run(["ip", "-n", name, "link", "set", "lo", "up"], check=True, timeout=TIMEOUT)
    try:
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], check=False, timeout=TIMEOUT)


def _send_udp(ns: str, count: int) -> None:
    code = f"import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\nfor _ in range({count}): s.sendto(b'x', ('127.0.0.1', 9999))"
    subprocess.run(["ip", "netns", "exec", ns, "python3", "-c", code], check=True, timeout=TIMEOUT)


@pytest.mark.netns
@pytest.mark.parametrize("ending", ["stdin-closed", "stop-line", "packet-count"])
def test_the_container_script_with_real_tcpdump(netns: str, ending: str) -> None:
    """The script as the container runs it: silent until "go", a pcap stream, stopped on cue."""
    limits = CaptureLimits(max_packets=3 if ending == "packet-count" else 100, max_seconds=20, snaplen=4096)
    plan = make_plan(pod(), {}, bpf="udp", limits=limits)
    proc = subprocess.Popen(
        ["ip", "netns", "exec", netns, "sh", "-c", plan.script],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert proc.stdin is not None
        assert proc.stdout is not None
        assert proc.stderr is not None
        assert read_line(proc.stdout.fileno(), 0.3) == b"", "nothing before kubetraffic says go"
        proc.stdin.write(b"go\n")
        proc.stdin.flush()
        wait_stderr(proc, b"listening on any")
        _send_udp(netns, 3)
        if ending == "stdin-closed":
            proc.stdin.close()
        elif ending == "stop-line":
            proc.stdin.write(b"stop\n")
            proc.stdin.flush()
        out = proc.stdout.read()  # EOF once tcpdump is gone: no helper holds stdout
        err = proc.stderr.read()
        assert proc.wait(TIMEOUT) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    summariser = Summariser("script")
    summariser.feed(out)
    summary = summariser.finish()
    assert summary.error is None
    assert summary.packets >= 3
    assert summary.flows[0].diagnosis.startswith("3 packets sent")
    assert b"packets dropped by kernel" in err


@pytest.mark.netns
def test_the_container_leaves_when_nobody_attaches(netns: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """kubetraffic interrupted between creating the container and attaching: it must not idle forever."""
    import kubetraffic.adapters.capture.pod_plan as pod_plan

    monkeypatch.setattr(pod_plan, "ATTACH_TIMEOUT", 1)
    script = make_plan(pod(), {}, limits=LIMITS).script
    proc = subprocess.Popen(
        ["ip", "netns", "exec", netns, "sh", "-c", script],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        code = proc.wait(TIMEOUT)  # stdin stays open: only the guard can end it
        assert proc.stdout is not None
        out = proc.stdout.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert out == b""
    assert code != 0
