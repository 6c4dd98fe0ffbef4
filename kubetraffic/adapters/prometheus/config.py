"""How to reach a Prometheus-compatible server: URL, credentials, TLS, timeouts.

Connection settings follow what users of Grafana and promtool expect: a URL (with
optional ``user:password@``), a bearer token or basic auth from the environment or a
file, TLS verification on unless ``--prometheus-insecure``, an optional CA bundle, and a
tenant header for Mimir/Cortex. Credentials are never printed: ``display_url`` drops them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

DEFAULT_TIMEOUT = 5.0
"""Seconds one query may take (connect + answer) before the server counts as slow."""
CONNECT_TIMEOUT = 2.0

ENV_TOKEN = "KUBETRAFFIC_PROMETHEUS_TOKEN"
ENV_TOKEN_FILE = "KUBETRAFFIC_PROMETHEUS_TOKEN_FILE"
ENV_USERNAME = "KUBETRAFFIC_PROMETHEUS_USERNAME"
ENV_PASSWORD = "KUBETRAFFIC_PROMETHEUS_PASSWORD"
ENV_PASSWORD_FILE = "KUBETRAFFIC_PROMETHEUS_PASSWORD_FILE"
ENV_CA_FILE = "KUBETRAFFIC_PROMETHEUS_CA_FILE"
ENV_TENANT = "KUBETRAFFIC_PROMETHEUS_TENANT"
ENV_TIMEOUT = "KUBETRAFFIC_PROMETHEUS_TIMEOUT"


class ConfigError(ValueError):
    """The connection settings themselves are wrong (bad URL, unreadable token file)."""


@dataclass(frozen=True)
class PrometheusConfig:
    """Everything needed to talk to one Prometheus HTTP API endpoint."""

    url: str
    """Base URL; ``/api/v1/query`` is appended (e.g. ``https://prom:9090`` or a Thanos/Mimir prefix)."""
    headers: Mapping[str, str] = field(default_factory=dict)
    basic_auth: tuple[str, str] | None = None
    verify: bool | str = True
    """True (system CAs), False (``--prometheus-insecure``) or a CA bundle path."""
    client_cert: tuple[str, str] | None = None
    """(cert file, key file) for mutual TLS, e.g. through the API server's service proxy."""
    timeout: float = DEFAULT_TIMEOUT
    label: str = ""
    """How to name this server to people (defaults to the URL without credentials)."""
    proxied_namespace: str = ""
    """Set when reached through the API server's service proxy: the Service's namespace (for RBAC hints)."""

    def __repr__(self) -> str:  # never show credentials, even in tracebacks
        return f"PrometheusConfig(url={self.display_url!r}, verify={self.verify!r}, timeout={self.timeout})"

    @property
    def display_url(self) -> str:
        """The URL without user info or query string."""
        return display_url(self.url)

    @property
    def where(self) -> str:
        """What status lines call this server."""
        return self.label or self.display_url


def display_url(url: str) -> str:
    """``url`` with credentials and query string removed (never raises, even for a bad port)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc.rsplit("@", 1)[-1], parts.path, "", ""))


def _read_secret_file(path: str, what: str) -> str:
    try:
        return Path(path).read_text().strip()
    except OSError as exc:
        raise ConfigError(f"cannot read {what} file {path}: {exc.strerror or exc}") from None


def config_from(
    url: str, *, insecure: bool = False, env: Mapping[str, str] | None = None, label: str = ""
) -> PrometheusConfig:
    """A config for ``url`` with credentials, CA, tenant and timeout from the environment.

    Bearer token: ``KUBETRAFFIC_PROMETHEUS_TOKEN`` or ``..._TOKEN_FILE``; basic auth:
    ``user:pass@`` in the URL or ``..._USERNAME`` with ``..._PASSWORD`` / ``..._PASSWORD_FILE``.
    """
    env = os.environ if env is None else env
    raw = url.strip()
    if "://" not in raw:
        raw = "http://" + raw  # like promtool: a bare host:port means plain HTTP
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"--prometheus {display_url(url) or url!r}: expected http(s)://HOST[:PORT][/PATH]")
    try:
        parts.port  # noqa: B018 - validates the port
    except ValueError:
        raise ConfigError(f"--prometheus {display_url(raw)!r}: bad port") from None
    basic: tuple[str, str] | None = None
    if parts.username is not None:
        basic = (unquote(parts.username), unquote(parts.password or ""))
    if env.get(ENV_USERNAME):
        password = env.get(ENV_PASSWORD, "")
        if env.get(ENV_PASSWORD_FILE):
            password = _read_secret_file(env[ENV_PASSWORD_FILE], ENV_PASSWORD_FILE)
        basic = (env[ENV_USERNAME], password)
    headers: dict[str, str] = {}
    token = env.get(ENV_TOKEN, "")
    if env.get(ENV_TOKEN_FILE):
        token = _read_secret_file(env[ENV_TOKEN_FILE], ENV_TOKEN_FILE)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if env.get(ENV_TENANT):
        headers["X-Scope-OrgID"] = env[ENV_TENANT]
    verify: bool | str = not insecure
    if env.get(ENV_CA_FILE) and not insecure:
        if not Path(env[ENV_CA_FILE]).is_file():
            raise ConfigError(f"{ENV_CA_FILE}: no such file {env[ENV_CA_FILE]}")
        verify = env[ENV_CA_FILE]
    timeout = env_timeout(env)
    clean = urlunsplit((parts.scheme, parts.netloc.rsplit("@", 1)[-1], parts.path.rstrip("/"), "", ""))
    return PrometheusConfig(clean, headers, basic, verify, None, timeout, label)


def env_timeout(env: Mapping[str, str] | None = None) -> float:
    """Seconds per query: ``KUBETRAFFIC_PROMETHEUS_TIMEOUT`` or the default."""
    env = os.environ if env is None else env
    if not env.get(ENV_TIMEOUT):
        return DEFAULT_TIMEOUT
    try:
        timeout = float(env[ENV_TIMEOUT])
    except ValueError:
        raise ConfigError(f"{ENV_TIMEOUT}={env[ENV_TIMEOUT]!r}: expected seconds, e.g. 5") from None
    if not timeout > 0:
        raise ConfigError(f"{ENV_TIMEOUT} must be more than zero seconds")
    return timeout
