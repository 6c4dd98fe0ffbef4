"""``summary`` and ``get`` as a user runs them: a subprocess, JSON asserted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

FIXTURES = Path(__file__).parent.parent / "fixtures"
BASIC = str(FIXTURES / "basic")


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kubetraffic", *args], capture_output=True, text=True, input=stdin, timeout=60
    )


def test_summary_json_lists_workload_pods_from_templates() -> None:
    out = run("--snapshot", BASIC, "summary", "-o", "json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["schema"] == "kubetraffic/summary/v1"
    workloads = {w["name"]: w for w in doc["workloads"]}
    assert workloads["shop/frontend"] == {
        "name": "shop/frontend",
        "kind": "Deployment",
        "pods": ["shop/frontend-template"],
    }
    assert workloads["batch/report"]["kind"] == "CronJob"
    pods = {p["name"]: p for p in doc["pods"]}
    assert pods["shop/api-template"]["template"] is True
    assert pods["shop/api-template"]["labels"] == {"app": "api", "tier": "backend"}
    assert doc["unknown_kinds"] == {"ConfigMap": 1}
    assert len(doc["problems"]) == 2
    # Problems also go to stderr, one line each, naming file and line.
    assert "broken.yaml:14: invalid YAML" in out.stderr


def test_global_flags_work_after_the_subcommand_too() -> None:
    before = run("--snapshot", BASIC, "-o", "json", "summary")
    after = run("summary", "--snapshot", BASIC, "-o", "json")
    assert before.returncode == after.returncode == 0
    assert json.loads(before.stdout) == json.loads(after.stdout)


def test_namespace_scope() -> None:
    out = run("summary", "--snapshot", BASIC, "-n", "batch", "-o", "json")
    doc = json.loads(out.stdout)
    assert [w["name"] for w in doc["workloads"]] == ["batch/report"]


def test_get_with_label_selector() -> None:
    out = run("get", "pods", "--snapshot", BASIC, "-l", "tier=web", "-o", "json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert [i["meta"]["name"] for i in doc["items"]] == ["frontend-template"]


def test_get_table_is_plain_text_when_piped() -> None:
    out = run("get", "svc", "--snapshot", BASIC, "-n", "shop")
    assert out.returncode == 0
    assert "\x1b[" not in out.stdout
    assert "frontend" in out.stdout
    assert "app=frontend" in out.stdout


def test_usage_errors_exit_2() -> None:
    assert run("get", "widgets", "--snapshot", BASIC).returncode == 2
    assert run("summary", "--output", "xml").returncode == 2
    missing = run("summary", "--snapshot", "/nonexistent/path")
    assert missing.returncode == 2
    assert missing.stderr.strip() == "kubetraffic: /nonexistent/path: no such file or directory"


def test_stdin_snapshot() -> None:
    manifest = "kind: Namespace\napiVersion: v1\nmetadata: {name: piped}\n"
    out = run("--snapshot", "-", "get", "ns", "-o", "json", stdin=manifest)
    assert [i["meta"]["name"] for i in json.loads(out.stdout)["items"]] == ["piped"]


def test_version_and_help() -> None:
    assert run("--version").stdout.startswith("kubetraffic, version ")
    help_text = run("--help").stdout
    for word in ("summary", "--snapshot", "--demo", "--kubeconfig", "Exit codes"):
        assert word in help_text


def test_cluster_strings_cannot_smuggle_terminal_escapes(tmp_path: Path) -> None:
    evil = 'kind: Namespace\napiVersion: v1\nmetadata: {name: evil, labels: {x: "a\\e[31mred\\e[0m[bold]b"}}\n'
    (tmp_path / "evil.yaml").write_text(evil)
    out = run("get", "ns", "--snapshot", str(tmp_path), "--color", "always")
    assert "\x1b[31m" not in out.stdout
    assert "[bold]" in out.stdout


def test_a_terminal_sees_the_loading_line_and_a_pipe_never_does() -> None:
    import os
    import pty

    main, child = pty.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "kubetraffic", "--snapshot", BASIC, "summary", "-o", "json"],
            stdout=subprocess.PIPE,
            stderr=child,
            env={**os.environ, "TERM": "xterm"},
            timeout=60,
        )
        os.close(child)
        child = -1
        chunks = []
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # EIO: the writer is gone
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(main)
        if child >= 0:
            os.close(child)
    terminal = b"".join(chunks).decode()
    assert proc.returncode == 0
    assert f"reading {BASIC}" in terminal  # the line was drawn on the terminal ...
    assert "\x1b[2K" in terminal.split("reading")[-1]  # ... and erased afterwards
    assert "broken.yaml:14: invalid YAML" in terminal  # warnings still come after it
    piped = run("--snapshot", BASIC, "summary", "-o", "json")
    assert proc.stdout.decode() == piped.stdout  # the answer is the same either way
    assert "reading" not in piped.stderr
    assert "\x1b" not in piped.stderr
