"""Which cluster to talk to, chosen exactly as kubectl chooses it.

Precedence (client-go's loading rules): ``--kubeconfig`` (files that must exist), else
``KUBECONFIG`` (a ':'-separated list; missing files are skipped), else ``~/.kube/config``;
when none of those exists and the process runs in a pod, the in-cluster service account.
Several files are merged the way kubectl merges them: for clusters, users and contexts the
first file to define a name wins, and so does the first file to set ``current-context``
(the Python client's own merger lets the last one win). ``--context`` picks another context;
the namespace is the context's, else ``default``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from kubernetes.client import Configuration
from kubernetes.config.config_exception import ConfigException
from kubernetes.config.incluster_config import InClusterConfigLoader
from kubernetes.config.kube_config import ConfigNode, KubeConfigLoader

from kubetraffic.adapters.source import SourceError

SERVICE_ACCOUNT_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")
DEFAULT_KUBECONFIG = "~/.kube/config"


class KubeconfigError(SourceError):
    """The kubeconfig cannot be used (missing, malformed, unknown context): a usage error."""

    exit_code = 2


class NoClusterError(SourceError):
    """No kubeconfig and not in a pod: there is no cluster to reach."""

    exit_code = 3


@dataclass
class ClusterConfig:
    """A ready client configuration plus what the header shows about it."""

    configuration: Configuration
    context: str
    server: str
    namespace: str
    files: tuple[str, ...] = ()


def _candidate_files(explicit: str | None, env: str | None) -> tuple[list[str], bool]:
    """The kubeconfig files to merge and whether each must exist (an explicit flag)."""
    if explicit and explicit != env:
        return [p for p in explicit.split(os.pathsep) if p], True
    if env:
        return [p for p in env.split(os.pathsep) if p], False
    return [DEFAULT_KUBECONFIG], False


def _read(path: str, must_exist: bool) -> dict[str, Any] | None:
    full = os.path.expanduser(path)
    if not os.path.exists(full):
        if must_exist:
            raise KubeconfigError(f"kubeconfig {path}: no such file")
        return None
    try:
        with open(full, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except (OSError, yaml.YAMLError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc).splitlines()[0]
        raise KubeconfigError(f"kubeconfig {path}: cannot be read ({reason})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise KubeconfigError(f"kubeconfig {path}: not a kubeconfig (expected a mapping)")
    return data


def merge_kubeconfigs(paths: list[str], *, must_exist: bool = False) -> tuple[dict[str, Any], list[str]]:
    """kubectl's merge: first definition of each named item and of current-context wins."""
    merged: dict[str, Any] = {"clusters": [], "users": [], "contexts": []}
    seen: dict[str, set[str]] = {k: set() for k in merged}
    used: list[str] = []
    for path in paths:
        data = _read(path, must_exist)
        if data is None:
            continue
        used.append(path)
        full = os.path.abspath(os.path.expanduser(path))
        for section in ("clusters", "users", "contexts"):
            for item in data.get(section) or []:
                if not isinstance(item, dict) or "name" not in item:
                    raise KubeconfigError(f"kubeconfig {path}: an entry of {section} has no name")
                if item["name"] not in seen[section]:
                    seen[section].add(item["name"])
                    # Relative certificate paths are relative to the file that names them.
                    merged[section].append(ConfigNode(f"{section}[name={item['name']}]", item, full))
        if data.get("current-context") and not merged.get("current-context"):
            merged["current-context"] = data["current-context"]
    return merged, used


def list_contexts(kubeconfig: str | None) -> tuple[list[str], str | None]:
    """(context names, current-context) of the merged kubeconfig, as kubectl sees them."""
    paths, must_exist = _candidate_files(kubeconfig, os.environ.get("KUBECONFIG"))
    merged, _ = merge_kubeconfigs(paths, must_exist=must_exist)
    return sorted(c.value["name"] for c in merged["contexts"]), merged.get("current-context")


def load_cluster_config(kubeconfig: str | None, context: str | None) -> ClusterConfig:
    """Resolve flags, environment and files into a client configuration."""
    env = os.environ.get("KUBECONFIG")
    paths, must_exist = _candidate_files(kubeconfig, env)
    merged, used = merge_kubeconfigs(paths, must_exist=must_exist)
    if not used:
        if os.environ.get("KUBERNETES_SERVICE_HOST") and not kubeconfig and not env:
            return _in_cluster()
        where = "KUBECONFIG files" if env else DEFAULT_KUBECONFIG
        raise NoClusterError(
            f"no kubeconfig found ({where} missing) and not running in a pod; "
            "use --kubeconfig PATH, --snapshot PATH or --demo"
        )
    names = [c.value["name"] for c in merged["contexts"]]
    chosen = context or merged.get("current-context")
    if not chosen:
        raise KubeconfigError(
            f"kubeconfig {', '.join(used)}: no current-context; pick one with --context ({', '.join(names) or 'none defined'})"
        )
    if chosen not in names:
        raise KubeconfigError(f'context "{chosen}" not found in kubeconfig (contexts: {", ".join(names) or "none"})')
    configuration = Configuration()
    try:
        loader = KubeConfigLoader(config_dict=merged, active_context=chosen, config_base_path=None)
        loader.load_and_set(configuration)
    except ConfigException as exc:
        raise KubeconfigError(f'kubeconfig context "{chosen}": {exc}') from None
    ctx = loader.current_context.get("context") or {}
    namespace = ctx.get("namespace") or "default"
    return ClusterConfig(configuration, chosen, configuration.host, namespace, tuple(used))


def _in_cluster() -> ClusterConfig:
    """The pod's service account, as client-go's in-cluster config."""
    configuration = Configuration()
    token = SERVICE_ACCOUNT_DIR / "token"
    try:
        InClusterConfigLoader(
            token_filename=str(token), cert_filename=str(SERVICE_ACCOUNT_DIR / "ca.crt")
        ).load_and_set(configuration)
    except ConfigException as exc:
        raise NoClusterError(f"in-cluster configuration unusable: {exc}") from None
    namespace = os.environ.get("POD_NAMESPACE", "")
    if not namespace:
        try:
            namespace = (SERVICE_ACCOUNT_DIR / "namespace").read_text().strip()
        except OSError:
            namespace = ""
    return ClusterConfig(configuration, "in-cluster", configuration.host, namespace or "default")
