"""The pod backend against an emulated API server, with the "pod" a real network namespace.

``kubetraffic capture POD`` runs as a user would, with the real kubernetes client. The
emulated server records the API calls (access reviews, the ephemeralcontainers patch, the
attach) and plays the kubelet, running the debug container's command in the lab's client
namespace with the real tcpdump — so the stream that comes back is a real capture.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.adapters.capture.kube_glue import KubeGlue
from tests.adapters.capture.lab import SERVER_V4, TIMEOUT, Lab, expect_line, interrupt, wait_stderr
from tests.support.tools import require_root, require_tool

KUBETRAFFIC = [sys.executable, "-m", "kubetraffic"]


def pod_object(name: str = "web-1", phase: str = "Running") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "shop", "labels": {"app": "web"}},
        "spec": {"containers": [{"name": "web", "image": "web:1"}, {"name": "proxy", "image": "envoy"}]},
        "status": {"phase": phase, "podIP": "10.77.0.1"},
    }


@pytest.fixture
def glue(tmp_path: Path) -> Iterator[tuple[KubeGlue, Path]]:
    kubeconfig = tmp_path / "kubeconfig"
    server = KubeGlue(pods={"shop/web-1": pod_object(), "shop/pending-1": pod_object("pending-1", "Pending")})
    server.namespace_labels["shop"] = {"kubernetes.io/metadata.name": "shop"}
    try:
        yield server.start(kubeconfig), kubeconfig
    finally:
        server.close()


def kt(kubeconfig: Path, *args: str, stdin: bytes | None = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [*KUBETRAFFIC, "--kubeconfig", str(kubeconfig), *args], capture_output=True, input=stdin, timeout=TIMEOUT
    )


@pytest.mark.netns
def test_capture_from_a_pod_end_to_end(glue: tuple[KubeGlue, Path]) -> None:
    server, kubeconfig = glue
    require_root()
    for tool in ("ip", "tcpdump", "iptables", "ip6tables"):
        require_tool(tool)
    lab = Lab()
    try:
        lab.up()
        server.netns["shop/web-1"] = lab.client
        lab.start_server()
        client = lab.start_client()
        cli = lab.track(
            subprocess.Popen(
                [*KUBETRAFFIC, "--kubeconfig", str(kubeconfig), "capture", "web-1", "--yes", "-o", "json",
                 "-f", "tcp or udp or icmp or icmp6", "--duration", "60"],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            )
        )  # fmt: skip
        plan = wait_stderr(cli, b"capturing on pod shop/web-1")
        assert server.attached.wait(TIMEOUT)
        assert client.stdin is not None
        client.stdin.write(b"go\n")
        client.stdin.flush()
        outcome = json.loads(expect_line(client, b"{"))
        assert server.marker_seen.wait(TIMEOUT), "the pod's tcpdump never sent the end marker"
        interrupt(cli)  # Ctrl+C: stop tcpdump, print the summary
        out, err = cli.communicate(timeout=TIMEOUT)
        client.stdin.close()
        client.wait(TIMEOUT)
    finally:
        lab.down()
    assert cli.returncode == 0, err.decode()
    doc = json.loads(out)
    assert doc["source"] == "pod shop/web-1"
    assert doc["dropped_by_kernel"] == 0, "read from tcpdump's own statistics on stderr"
    flows = {f["src"].rsplit(":", 1)[1]: f for f in doc["flows"] if f["src"].startswith("10.77.0.1:")}

    def state(scenario: str) -> tuple[str, str]:
        flow = flows[str(outcome[scenario]["sport"])]
        return flow["state"], flow["diagnosis"]

    assert state("http")[0] == "closed"
    assert state("reset") == ("reset", f"RST from {SERVER_V4}:8081: port closed or rejected")
    assert state("drop")[0] == "no-reply"
    assert "silently dropped" in state("drop")[1]
    assert state("icmp")[0] == "icmp-unreachable"
    assert state("udp") == ("udp", "1 packet out, 1 back")
    assert {d["query"]: d["rcode"] for d in doc["dns"]} == {"svc.lab": "NOERROR", "missing.lab": "NXDOMAIN"}
    # The plan was shown before anything was created, and the debug container stopped.
    text = (plan + err).decode()
    assert "kubetraffic will add an ephemeral debug container to pod shop/web-1" in text
    assert "stays in pod shop/web-1" in text
    assert server.exit_codes == [0], "tcpdump stopped cleanly when asked"
    # The API calls, as the server saw them.
    reviews = [r.body["spec"]["resourceAttributes"] for r in server.recorded("POST", "/selfsubjectaccessreviews")]
    assert [(r["verb"], r["resource"], r["subresource"], r["namespace"], r["name"]) for r in reviews] == [
        ("get", "pods", "", "shop", "web-1"),
        ("patch", "pods", "ephemeralcontainers", "shop", "web-1"),
        ("create", "pods", "attach", "shop", "web-1"),
    ]
    (patch,) = server.recorded("PATCH", "/pods/web-1/ephemeralcontainers")
    assert patch.content_type == "application/strategic-merge-patch+json"
    (container,) = patch.body["spec"]["ephemeralContainers"]
    assert container["name"].startswith("kubetraffic-capture-")
    assert container["image"] == "nicolaka/netshoot:v0.13"
    assert container["targetContainerName"] == "web"
    assert (container["stdin"], container["stdinOnce"], container["tty"]) == (True, True, False)
    assert container["securityContext"] == {"capabilities": {"add": ["NET_RAW"]}}
    assert container["command"][:2] == ["sh", "-c"]
    assert (
        "tcpdump -i any --immediate-mode -U -n -s 4096 -c 10000 -w - 'tcp or udp or icmp or icmp6'"
        in container["command"][2]
    )
    (attach,) = server.recorded("GET", "/pods/web-1/attach")
    assert attach.query == {
        "container": container["name"],
        "stdin": "true",
        "stdout": "true",
        "stderr": "true",
        "tty": "false",
    }


def test_rbac_refusal_is_explained_and_nothing_is_created(glue: tuple[KubeGlue, Path]) -> None:
    server, kubeconfig = glue
    server.forbidden = {("patch", "pods/ephemeralcontainers"), ("create", "pods/attach")}
    out = kt(kubeconfig, "capture", "shop/web-1", "--yes")
    assert out.returncode == 1
    message = out.stderr.decode().splitlines()[-1]
    assert message.startswith("kubetraffic: RBAC does not allow this capture; missing: ")
    assert "patch pods/ephemeralcontainers in namespace shop, to add the debug container" in message
    assert "create pods/attach in namespace shop, to stream tcpdump's output" in message
    assert server.recorded("PATCH", "/ephemeralcontainers") == []
    assert "kubetraffic will add" not in out.stderr.decode(), "refused before the plan is offered"


def test_pod_security_refusal_is_explained(glue: tuple[KubeGlue, Path]) -> None:
    server, kubeconfig = glue
    server.namespace_labels["shop"]["pod-security.kubernetes.io/enforce"] = "restricted"
    server.refuse_patch = (
        'pods "web-1" is forbidden: violates PodSecurity "restricted:latest": non-default capabilities '
        '(container "kubetraffic-capture-x" must not include "NET_RAW" in securityContext.capabilities.add)'
    )
    out = kt(kubeconfig, "capture", "web-1", "--yes")
    assert out.returncode == 1
    err = out.stderr.decode()
    assert "warning     the namespace enforces PodSecurity 'restricted'" in err  # in the plan, before trying
    assert "the namespace's PodSecurity admission (restricted) refused the debug container" in err
    assert "capture on the pod's node instead" in err


def test_baseline_namespaces_get_no_added_capability(glue: tuple[KubeGlue, Path]) -> None:
    server, kubeconfig = glue
    server.namespace_labels["shop"]["pod-security.kubernetes.io/enforce"] = "baseline"
    server.refuse_patch = "stop here"  # only the request shape matters
    kt(kubeconfig, "capture", "web-1", "--yes")
    (patch,) = server.recorded("PATCH", "/ephemeralcontainers")
    assert "securityContext" not in patch.body["spec"]["ephemeralContainers"][0]


def test_no_confirmation_no_container(glue: tuple[KubeGlue, Path]) -> None:
    server, kubeconfig = glue
    out = kt(kubeconfig, "capture", "web-1", "-f", "port 443")
    assert out.returncode == 2
    err = out.stderr.decode()
    assert "  filter      port 443" in err
    assert "  image       nicolaka/netshoot:v0.13" in err
    assert err.splitlines()[-1] == "kubetraffic: not creating anything without confirmation: add --yes to proceed"
    assert server.recorded("PATCH", "/ephemeralcontainers") == []


@pytest.mark.parametrize(
    ("pod", "code", "message"),
    [
        ("missing", 2, 'not found while trying to read pod shop/missing: pods "missing" not found'),
        ("pending-1", 1, "pod shop/pending-1 is Pending, not Running"),
    ],
)
def test_pods_that_cannot_be_captured(glue: tuple[KubeGlue, Path], pod: str, code: int, message: str) -> None:
    _, kubeconfig = glue
    out = kt(kubeconfig, "capture", pod, "--yes")
    assert out.returncode == code
    assert message in out.stderr.decode()


def test_unreachable_api_server(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    KubeGlue().start(kubeconfig).close()  # a kubeconfig for a server that is gone
    out = kt(kubeconfig, "capture", "web-1", "--yes")
    assert out.returncode == 3
    assert b"cannot reach the API server" in out.stderr


def test_a_bad_filter_is_refused_before_anything_is_created(glue: tuple[KubeGlue, Path]) -> None:
    server, kubeconfig = glue
    out = kt(kubeconfig, "capture", "web-1", "--yes", "-f", "tcp port eighty")
    assert out.returncode == 2
    assert "kubetraffic: bad capture filter 'tcp port eighty'" in out.stderr.decode()
    assert server.recorded("PATCH", "/ephemeralcontainers") == []


@pytest.mark.netns
def test_an_image_without_tcpdump_is_reported(glue: tuple[KubeGlue, Path]) -> None:
    server, kubeconfig = glue
    require_root()
    lab = Lab()
    try:
        subprocess.run(["ip", "netns", "add", lab.client], check=True, timeout=TIMEOUT)
        server.netns["shop/web-1"] = lab.client
        out = kt(kubeconfig, "capture", "web-1", "--yes", "--image", "busybox:1.36")
    finally:
        lab.down()
    assert out.returncode == 1
    err = out.stderr.decode()
    assert "kubetraffic: tcpdump in the debug container stopped: " in err
    assert "not found (is tcpdump in busybox:1.36?)" in err
    assert server.exit_codes == [127]
