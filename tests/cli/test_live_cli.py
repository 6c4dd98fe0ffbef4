"""The CLI against the emulated API server, as a user runs it; and ``snapshot save`` round trips."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from bench.synth import Shape, generate
from kubetraffic.adapters.kube import LiveSource
from kubetraffic.adapters.kube.kubeconfig import load_cluster_config
from kubetraffic.adapters.snapshot import SnapshotSource
from tests.adapters.kube.conftest import policy_dict
from tests.core.builders import pod_dict
from tests.support.kube_api import KubeAPI


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("KUBECONFIG", "KUBERNETES_SERVICE_HOST")}
    env["KUBETRAFFIC_COLOR"] = "never"
    return env


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kubetraffic", *args], capture_output=True, text=True, timeout=60, env=_env()
    )


def _json(*args: str) -> Any:
    out = run(*args)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.fixture
def cluster(kube_api: KubeAPI) -> KubeAPI:
    """A small but realistic cluster: deployments, services, slices, ingresses, policies, TLS."""
    kube_api.load(generate(Shape(pods=60, namespaces=4, policies=10, ingresses=4, nodes=3)))
    tls = {"tls.crt": "Q0VSVElGSUNBVEU=", "tls.key": "UFJJVkFURSBLRVk="}
    for name, kind in (("site-tls", "kubernetes.io/tls"), ("db-password", "Opaque")):
        secret = {"apiVersion": "v1", "kind": "Secret", "type": kind, "data": tls}
        kube_api.create({**secret, "metadata": {"name": name, "namespace": "payments-000"}})
    return kube_api


def _expected_objects(api: KubeAPI) -> int:
    """What snapshot save must write: the followed kinds (workloads are not)."""
    kinds = ("Pod", "Namespace", "Node", "Service", "EndpointSlice", "Ingress", "IngressClass", "NetworkPolicy")
    return sum(len(api.objects(k)) for k in (*kinds, "Secret"))


def test_summary_live_names_context_and_server(cluster: KubeAPI) -> None:
    doc = _json("--kubeconfig", str(cluster.kubeconfig), "summary", "-A", "-o", "json")
    assert doc["source"] == {"mode": "live", "context": "emulated", "server": cluster.url}
    assert doc["counts"]["Pod"] == 64
    assert doc["counts"]["NetworkPolicy"] == 10
    assert doc["gaps"] == {}
    assert doc["problems"] == []
    workloads = {w["name"]: w["kind"] for w in doc["workloads"]}
    assert workloads["kube-system/coredns"] == "Deployment"  # from pod-template-hash, no ReplicaSet needed
    table = run("--kubeconfig", str(cluster.kubeconfig), "summary")
    assert table.returncode == 0
    assert f"source: live  context emulated  server {cluster.url}  namespace default" in table.stdout


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_answers_are_identical_live_and_from_a_saved_snapshot(cluster: KubeAPI, tmp_path: Path, fmt: str) -> None:
    saved = tmp_path / "snap"
    out = run("--kubeconfig", str(cluster.kubeconfig), "snapshot", "save", str(saved), "--format", fmt, "-o", "json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["objects"] == _expected_objects(cluster)
    assert f"pods.{fmt}" in report["files"]
    assert f"networkpolicies.{fmt}" in report["files"]
    live = ["--kubeconfig", str(cluster.kubeconfig)]
    offline = ["--snapshot", str(saved)]
    questions = [["summary", "-A"], ["summary", "-n", "payments-000"]]
    if fmt == "json":  # the state itself is compared in full below; these are the answers people see
        questions += [["get", kind, "-A"] for kind in ("pods", "workloads", "svc", "ep", "netpol", "ing")]
    for question in questions:
        a, b = _json(*live, *question, "-o", "json"), _json(*offline, *question, "-o", "json")
        if question[0] == "summary":
            assert a.pop("source")["mode"] == "live"
            assert b.pop("source")["mode"] == "snapshot"
        assert a == b, question


def test_the_saved_snapshot_reads_back_into_an_identical_state(cluster: KubeAPI, tmp_path: Path) -> None:
    out = run("--kubeconfig", str(cluster.kubeconfig), "snapshot", "save", str(tmp_path / "s"))
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"saved {_expected_objects(cluster)} objects to ")
    live = LiveSource(load_cluster_config(str(cluster.kubeconfig), None))
    state = live.open()
    live.close()
    offline = SnapshotSource([str(tmp_path / "s")]).open()
    assert state.kinds() == offline.kinds()
    for kind in state.kinds():
        assert {o.meta.key: o for o in state.objects(kind)} == {o.meta.key: o for o in offline.objects(kind)}, kind
    assert state.pods() == offline.pods()
    assert state.namespaces() == offline.namespaces()
    assert [(w, state.pods_of(w)) for w in state.workloads()] == [(w, offline.pods_of(w)) for w in offline.workloads()]


def test_snapshot_files_are_shareable_and_hold_no_secret_data(cluster: KubeAPI, tmp_path: Path) -> None:
    saved = tmp_path / "new" / "dir"
    old_umask = os.umask(0o077)
    try:
        assert run("--kubeconfig", str(cluster.kubeconfig), "snapshot", "save", str(saved)).returncode == 0
    finally:
        os.umask(old_umask)
    files = sorted(p.name for p in saved.iterdir())
    assert ".kubetraffic-snapshot.json" in files
    assert "secrets.json" in files
    for path in saved.iterdir():
        assert path.stat().st_mode & 0o777 == 0o644, path
        text = path.read_text()
        assert "Q0VSVElGSUNBVEU" not in text
        assert "UFJJVkFURSBLRVk" not in text
    secrets = json.loads((saved / "secrets.json").read_text())["items"]
    assert [s["metadata"]["name"] for s in secrets] == ["db-password", "site-tls"]
    assert all(set(s) == {"apiVersion", "kind", "metadata"} for s in secrets)  # no data, ever


def test_saving_again_replaces_the_old_snapshot_and_foreign_dirs_are_refused(cluster: KubeAPI, tmp_path: Path) -> None:
    saved = tmp_path / "s"
    kubeconfig = str(cluster.kubeconfig)
    assert run("--kubeconfig", kubeconfig, "snapshot", "save", str(saved)).returncode == 0
    for policy in cluster.objects("NetworkPolicy"):
        cluster.delete("NetworkPolicy", policy["metadata"]["namespace"], policy["metadata"]["name"])
    assert run("--kubeconfig", kubeconfig, "snapshot", "save", str(saved)).returncode == 0
    assert not (saved / "networkpolicies.json").exists()  # a stale file would resurrect them
    assert _json("--snapshot", str(saved), "get", "netpol", "-A", "-o", "json")["items"] == []

    foreign = tmp_path / "manifests"
    foreign.mkdir()
    (foreign / "app.yaml").write_text("kind: ConfigMap\n")
    out = run("--kubeconfig", kubeconfig, "snapshot", "save", str(foreign))
    assert out.returncode == 2
    assert out.stderr.strip().endswith("choose a new or empty directory")
    assert sorted(p.name for p in foreign.iterdir()) == ["app.yaml"]


def test_an_unreachable_api_server_is_exit_3_with_one_line(kube_api: KubeAPI, tmp_path: Path) -> None:
    kube_api.stop()
    out = run("--kubeconfig", str(kube_api.kubeconfig), "summary")
    assert out.returncode == 3
    assert (
        out.stderr
        == f"kubetraffic: cannot reach the API server {kube_api.url} (context emulated): connection refused\n"
    )
    out = run("--kubeconfig", str(kube_api.kubeconfig), "snapshot", "save", str(tmp_path / "never"))
    assert out.returncode == 3
    assert not (tmp_path / "never").exists()


def test_forbidden_networkpolicies_degrade_the_answer_and_say_so(cluster: KubeAPI, tmp_path: Path) -> None:
    cluster.forbid("list", "networkpolicies")
    out = run("--kubeconfig", str(cluster.kubeconfig), "summary", "-A", "-o", "json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert "NetworkPolicy" not in doc["counts"]
    assert doc["counts"]["Pod"] == 64
    assert doc["gaps"]["NetworkPolicy"].startswith("NetworkPolicies not visible (forbidden: cannot list")
    assert "verdict may be wrong" in out.stderr
    # The answers that depend on policies say so, instead of a confident verdict.
    trace = _json("--kubeconfig", str(cluster.kubeconfig), "trace", *TRACE, "-o", "json")
    policy = next(h for h in trace["hops"] if h["kind"] == "policy")
    assert policy["status"] == "unknown"
    assert policy["evidence"][0] == doc["gaps"]["NetworkPolicy"]
    egress = run("--kubeconfig", str(cluster.kubeconfig), "egress", "payments-000/api", "8.8.8.8:443", "-o", "json")
    assert doc["gaps"]["NetworkPolicy"] in json.loads(egress.stdout)["notes"]
    table = run("--kubeconfig", str(cluster.kubeconfig), "egress", "payments-000/api", "8.8.8.8:443")
    assert "NetworkPolicies not visible" in table.stdout
    # A snapshot of what could be seen keeps saying what could not.
    saved = run("--kubeconfig", str(cluster.kubeconfig), "snapshot", "save", str(tmp_path / "s"))
    assert saved.returncode == 0
    assert "kubetraffic: warning: NetworkPolicy not saved: NetworkPolicies not visible" in saved.stderr
    offline = _json("--snapshot", str(tmp_path / "s"), "summary", "-A", "-o", "json")
    assert offline["gaps"] == doc["gaps"]


def _read_line(proc: subprocess.Popen[str], timeout: float, *, stderr: bool = False) -> str:
    """One line of a running process's stdout (or stderr), or fail after ``timeout`` seconds."""
    import selectors

    stream = proc.stderr if stderr else proc.stdout
    assert stream is not None
    with selectors.DefaultSelector() as sel:
        sel.register(stream, selectors.EVENT_READ)
        assert sel.select(timeout), f"no output within {timeout} s"
    return stream.readline()


TRACE_HOST = "site-0.payments-000.example.com"
TRACE = [f"http://{TRACE_HOST}/web", "--resolve", f"{TRACE_HOST}=203.0.113.10", "--no-probe"]  # stay offline


def test_trace_and_egress_answer_identically_live_and_from_a_snapshot(cluster: KubeAPI, tmp_path: Path) -> None:
    saved = str(tmp_path / "s")
    assert run("--kubeconfig", str(cluster.kubeconfig), "snapshot", "save", saved).returncode == 0
    questions = [
        ["trace", *TRACE],
        ["egress", "payments-000/api", "8.8.8.8:443"],
        ["egress", "payments-000/api", "payments-000/web:8080"],
        ["explain", "--from", "search-001/web", "--to", "payments-000/admin", "--port", "80"],
    ]
    verdicts = set()
    for question in questions:
        live = run("--kubeconfig", str(cluster.kubeconfig), *question, "-o", "json")
        offline = run("--snapshot", saved, *question, "-o", "json")
        assert live.returncode == offline.returncode, question
        assert json.loads(live.stdout) == json.loads(offline.stdout), question
        verdicts.add(live.returncode)
    assert verdicts == {0, 1}  # both kinds of answer were compared


def _watching(kubeconfig: Path, *args: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "kubetraffic", "--kubeconfig", str(kubeconfig), *args, "--watch", "-o", "json"]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())


def _interrupt(proc: subprocess.Popen[str]) -> tuple[int, str]:
    """Ctrl+C: the exit code and stderr; it must stop at once and print nothing more."""
    t0 = time.monotonic()
    proc.send_signal(signal.SIGINT)
    code = proc.wait(timeout=5)
    assert time.monotonic() - t0 < 2.0
    rest, err = proc.communicate(timeout=5)
    assert rest == ""
    assert "Traceback" not in err
    return code, err


def test_egress_watch_prints_the_verdict_again_when_the_fix_lands(cluster: KubeAPI) -> None:
    import yaml

    proc = _watching(cluster.kubeconfig, "egress", "payments-000/api", "8.8.8.8:443")
    try:
        denied = json.loads(_read_line(proc, 20))
        assert denied["allowed"] is False
        cluster.wait_requests("watch", "networkpolicies", 1)
        cluster.create(yaml.safe_load(denied["fix"]["yaml"]))  # the fix kubetraffic proposed lands
        allowed = json.loads(_read_line(proc, 5))
        assert allowed["allowed"] is True
        fix = yaml.safe_load(denied["fix"]["yaml"])["metadata"]
        assert allowed["egress"]["matched"]["policy"] == f"{fix['namespace']}/{fix['name']}"
        code, _ = _interrupt(proc)
        assert code == 0  # the last verdict: allowed
    finally:
        proc.kill()
        proc.wait()


def test_trace_watch_follows_the_backend_and_survives_its_absence(cluster: KubeAPI) -> None:
    proc = _watching(cluster.kubeconfig, "trace", *TRACE)
    try:
        first = json.loads(_read_line(proc, 20))
        assert first["verdict"] in ("ok", "degraded")
        cluster.wait_requests("watch", "services", 1)
        web = cluster.delete("Service", "payments-000", "web")
        broken = json.loads(_read_line(proc, 5))
        assert broken["verdict"] == "broken"
        assert broken["hops"][broken["first_failure"]]["kind"] == "service"
        cluster.create({k: v for k, v in web.items() if k != "status"})
        again = json.loads(_read_line(proc, 5))
        assert again["verdict"] == first["verdict"]
        cluster.delete("Ingress", "payments-000", "site-0")  # no route at all: still an answer
        assert json.loads(_read_line(proc, 5))["route"] is None
        code, _ = _interrupt(proc)
        assert code == 1  # the last trace is broken
    finally:
        proc.kill()
        proc.wait()


def test_an_error_while_watching_is_said_once_and_watching_goes_on(cluster: KubeAPI) -> None:
    pod = next(p for p in cluster.objects("Pod") if p["metadata"]["name"].startswith("api-"))
    name = f"payments-000/{pod['metadata']['name']}"
    proc = _watching(cluster.kubeconfig, "egress", name, "8.8.8.8:443")
    try:
        first = json.loads(_read_line(proc, 20))
        cluster.wait_requests("watch", "pods", 1)
        cluster.delete("Pod", "payments-000", pod["metadata"]["name"])
        assert name in _read_line(proc, 5, stderr=True)  # said on stderr; nothing on stdout
        cluster.create(policy_dict("unrelated", "search-001"))  # more changes while it is gone
        server_set = ("uid", "resourceVersion", "creationTimestamp")
        metadata = {k: v for k, v in pod["metadata"].items() if k not in server_set}
        cluster.create({**pod, "metadata": metadata})  # the same pod back (as if recreated)
        again = json.loads(_read_line(proc, 5))  # the same verdict, said again after the error
        assert again == first
        code, err = _interrupt(proc)
        assert code == 1
        assert name not in err  # the error was said once, not again for the later changes
    finally:
        proc.kill()
        proc.wait()


def test_get_watch_prints_json_lines_on_change_and_stops_on_ctrl_c(kube_api: KubeAPI) -> None:
    kube_api.create(pod_dict("web-1", namespace="shop", labels={"app": "web"}))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kubetraffic",
            "--kubeconfig",
            str(kube_api.kubeconfig),
            "get",
            "pods",
            "-n",
            "shop",
            "-w",
            "-o",
            "json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    try:
        first = json.loads(_read_line(proc, 20))
        assert [p["meta"]["name"] for p in first["items"]] == ["web-1"]
        kube_api.wait_requests("watch", "pods", 1)
        t0 = time.monotonic()
        kube_api.create(pod_dict("web-2", namespace="shop", labels={"app": "web"}))
        second = json.loads(_read_line(proc, 5))
        assert time.monotonic() - t0 < 1.5
        assert [p["meta"]["name"] for p in second["items"]] == ["web-1", "web-2"]
        # A change elsewhere does not change this answer: nothing is printed for it.
        kube_api.create(policy_dict("deny", "shop"))
        kube_api.create(pod_dict("other", namespace="elsewhere"))
        kube_api.delete("Pod", "shop", "web-1")
        third = json.loads(_read_line(proc, 5))
        assert [p["meta"]["name"] for p in third["items"]] == ["web-2"]
        t0 = time.monotonic()
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=5) == 0
        assert time.monotonic() - t0 < 2.0
        rest, err = proc.communicate(timeout=5)
        assert rest == ""
        assert "Traceback" not in err
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize("command", [["trace", "http://shop.example.com/"], ["egress", "shop/frontend", "10.0.0.1:80"]])
def test_watch_and_capture_do_not_mix(command: list[str]) -> None:
    fixtures = str(Path(__file__).parent.parent / "fixtures" / "basic")
    out = run("--snapshot", fixtures, *command, "--watch", "--capture", "5")
    assert out.returncode == 2
    assert "--capture and --watch cannot be used together" in out.stderr
