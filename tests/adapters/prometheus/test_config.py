"""Connection settings: URL forms, credentials from env or files, TLS, and never leaking secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from kubetraffic.adapters.prometheus.config import DEFAULT_TIMEOUT, ConfigError, config_from, display_url


def test_plain_url_and_defaults() -> None:
    cfg = config_from("https://prom.example:9090/", env={})
    assert cfg.url == "https://prom.example:9090"
    assert cfg.verify is True
    assert cfg.headers == {}
    assert cfg.basic_auth is None
    assert cfg.timeout == DEFAULT_TIMEOUT


def test_bare_host_port_means_http_and_prefixes_are_kept() -> None:
    assert config_from("prom:9090", env={}).url == "http://prom:9090"
    assert config_from("https://mimir.example/prometheus/?x=1", env={}).url == "https://mimir.example/prometheus"


def test_bearer_token_from_env_or_file(tmp_path: Path) -> None:
    assert config_from("http://p", env={"KUBETRAFFIC_PROMETHEUS_TOKEN": "abc"}).headers == {
        "Authorization": "Bearer abc"
    }
    token = tmp_path / "token"
    token.write_text("from-file\n")
    env = {"KUBETRAFFIC_PROMETHEUS_TOKEN": "abc", "KUBETRAFFIC_PROMETHEUS_TOKEN_FILE": str(token)}
    assert config_from("http://p", env=env).headers["Authorization"] == "Bearer from-file"


def test_basic_auth_from_url_or_env(tmp_path: Path) -> None:
    cfg = config_from("https://al%40ice:pa%3Ass@prom.example/", env={})
    assert cfg.basic_auth == ("al@ice", "pa:ss")
    assert cfg.url == "https://prom.example"
    password = tmp_path / "pw"
    password.write_text("filepw")
    env = {"KUBETRAFFIC_PROMETHEUS_USERNAME": "bob", "KUBETRAFFIC_PROMETHEUS_PASSWORD_FILE": str(password)}
    assert config_from("https://prom.example", env=env).basic_auth == ("bob", "filepw")


def test_tls_settings_and_tenant(tmp_path: Path) -> None:
    assert config_from("https://p", insecure=True, env={}).verify is False
    ca = tmp_path / "ca.pem"
    ca.write_text("---")
    env = {"KUBETRAFFIC_PROMETHEUS_CA_FILE": str(ca), "KUBETRAFFIC_PROMETHEUS_TENANT": "team-a"}
    cfg = config_from("https://p", env=env)
    assert cfg.verify == str(ca)
    assert cfg.headers == {"X-Scope-OrgID": "team-a"}


@pytest.mark.parametrize(
    ("url", "env", "message"),
    [
        ("ftp://p", {}, "expected http(s)://HOST[:PORT][/PATH]"),
        ("http://", {}, "expected http(s)://HOST[:PORT][/PATH]"),
        ("http://p:99999", {}, "bad port"),
        (
            "http://p",
            {"KUBETRAFFIC_PROMETHEUS_TOKEN_FILE": "/nonexistent/token"},
            "cannot read KUBETRAFFIC_PROMETHEUS_TOKEN_FILE",
        ),
        ("http://p", {"KUBETRAFFIC_PROMETHEUS_CA_FILE": "/nonexistent/ca"}, "no such file"),
        ("http://p", {"KUBETRAFFIC_PROMETHEUS_TIMEOUT": "soon"}, "expected seconds"),
        ("http://p", {"KUBETRAFFIC_PROMETHEUS_TIMEOUT": "0"}, "more than zero"),
    ],
)
def test_bad_settings_are_one_clear_error(url: str, env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        config_from(url, env=env)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_secrets_never_shown() -> None:
    cfg = config_from("https://u:hunter2@p.example:9090/x?token=t", env={"KUBETRAFFIC_PROMETHEUS_TOKEN": "tok"})
    for text in (repr(cfg), cfg.display_url, cfg.where):
        assert "hunter2" not in text
        assert "tok" not in text
    assert display_url("http://u:p@[::1]:9090/api?x=y") == "http://[::1]:9090/api"
