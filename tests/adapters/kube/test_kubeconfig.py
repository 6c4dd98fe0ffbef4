"""Choosing the cluster exactly like kubectl: flags, KUBECONFIG merging, contexts, in-cluster."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from kubetraffic.adapters.kube import kubeconfig
from kubetraffic.adapters.kube.kubeconfig import KubeconfigError, NoClusterError, load_cluster_config


def _config(path: Path, current: str | None, *contexts: tuple[str, str, str | None], clusters: dict[str, Any]) -> Path:
    doc: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": n, "cluster": c} for n, c in clusters.items()],
        "users": [{"name": "u", "user": {"token": "t"}}],
        "contexts": [
            {"name": name, "context": {"cluster": cluster, "user": "u", **({"namespace": ns} if ns else {})}}
            for name, cluster, ns in contexts
        ],
    }
    if current:
        doc["current-context"] = current
    path.write_text(yaml.safe_dump(doc))
    return path


@pytest.fixture
def two_files(tmp_path: Path) -> tuple[Path, Path]:
    a = _config(
        tmp_path / "a.yaml",
        "prod",
        ("prod", "prod-eu", "shop"),
        clusters={"prod-eu": {"server": "https://prod.example:6443", "certificate-authority": "certs/ca.crt"}},
    )
    (tmp_path / "certs").mkdir()
    (tmp_path / "certs" / "ca.crt").write_text("-----BEGIN CERTIFICATE-----\n")
    b = _config(
        tmp_path / "b.yaml",
        "dev",  # loses: the first file to set current-context wins
        ("dev", "dev", None),
        ("prod", "dev", "ignored"),  # loses: the first definition of a name wins
        clusters={"dev": {"server": "http://127.0.0.1:1"}, "prod-eu": {"server": "https://wrong:1"}},
    )
    return a, b


def test_kubeconfig_files_merge_like_kubectl(two_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = two_files
    monkeypatch.setenv("KUBECONFIG", f"{a}:{b}:/nonexistent/skipped.yaml")
    cfg = load_cluster_config(None, None)
    assert (cfg.context, cfg.server, cfg.namespace) == ("prod", "https://prod.example:6443", "shop")
    assert cfg.files == (str(a), str(b))
    # A relative certificate path is relative to the file that names it, not to the cwd.
    assert cfg.configuration.ssl_ca_cert == str(a.parent / "certs" / "ca.crt")
    dev = load_cluster_config(None, "dev")
    assert (dev.context, dev.server, dev.namespace) == ("dev", "http://127.0.0.1:1", "default")


def test_the_flag_wins_over_the_environment(two_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = two_files
    monkeypatch.setenv("KUBECONFIG", str(a))
    assert load_cluster_config(str(b), None).context == "dev"


def test_errors_name_what_is_wrong(
    tmp_path: Path, two_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KUBECONFIG", raising=False)
    with pytest.raises(KubeconfigError, match=r"kubeconfig .*missing\.yaml: no such file") as exc:
        load_cluster_config(str(tmp_path / "missing.yaml"), None)
    assert exc.value.exit_code == 2
    with pytest.raises(KubeconfigError, match=r'context "nope" not found in kubeconfig \(contexts: prod\)'):
        load_cluster_config(str(two_files[0]), "nope")
    bad = tmp_path / "bad.yaml"
    bad.write_text("clusters: [\n")
    with pytest.raises(KubeconfigError, match=r"bad\.yaml: cannot be read"):
        load_cluster_config(str(bad), None)
    bare = _config(tmp_path / "bare.yaml", None, ("x", "c", None), clusters={"c": {"server": "http://h"}})
    with pytest.raises(KubeconfigError, match="no current-context; pick one with --context \\(x\\)"):
        load_cluster_config(str(bare), None)


def test_no_kubeconfig_and_not_in_a_pod_is_exit_code_3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(NoClusterError, match="no kubeconfig found") as exc:
        load_cluster_config(None, None)
    assert exc.value.exit_code == 3


def test_in_cluster_service_account(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sa = tmp_path / "sa"
    sa.mkdir()
    (sa / "token").write_text("sa-token")
    (sa / "ca.crt").write_text("-----BEGIN CERTIFICATE-----\n")
    (sa / "namespace").write_text("payments\n")
    monkeypatch.setattr(kubeconfig, "SERVICE_ACCOUNT_DIR", sa)
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.delenv("POD_NAMESPACE", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "443")
    cfg = load_cluster_config(None, None)
    assert (cfg.context, cfg.server, cfg.namespace) == ("in-cluster", "https://10.96.0.1:443", "payments")
    assert cfg.configuration.api_key["BearerToken"] == "bearer sa-token"
    assert cfg.configuration.ssl_ca_cert == str(sa / "ca.crt")
