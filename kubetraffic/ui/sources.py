"""Which cluster source the app opens, from the global flags (and again on ``:ctx``).

The UI may not import the CLI, so this mirrors its choice (demo, snapshot, live) but
raises ``SourceError`` instead of exiting: ``run`` prints it, and a failed context switch
becomes a notification while the current cluster stays on screen.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from kubetraffic.adapters.source import ClusterSource, SourceError


class UsageError(SourceError):
    """Flags that contradict each other."""

    exit_code = 2


class Unreachable(SourceError):
    """No usable cluster source (exit code 3, as for the CLI)."""

    exit_code = 3


def make_source(opts: Any) -> ClusterSource:
    """--demo, --snapshot, or the live cluster (the default)."""
    if getattr(opts, "demo", False) and getattr(opts, "snapshot", ()):
        raise UsageError("--demo and --snapshot cannot be used together")
    if getattr(opts, "demo", False):
        try:
            from kubetraffic.adapters.demo import DemoSource
        except ImportError as exc:
            raise UsageError(f"the demo cluster is not in this build ({exc}); use --snapshot PATH") from None
        return DemoSource()
    if getattr(opts, "snapshot", ()):
        from kubetraffic.adapters.snapshot import SnapshotSource

        return SnapshotSource(opts.snapshot, default_namespace=getattr(opts, "namespace", None) or "default")
    try:
        from kubetraffic.adapters.kube import LiveSource
    except ImportError as exc:
        raise Unreachable(f"no live cluster source in this build ({exc}); use --snapshot PATH or --demo") from None
    try:
        source: ClusterSource = LiveSource.from_options(opts)
    except SourceError:
        raise
    except Exception as exc:  # kubeconfig problems arrive as many exception types
        raise Unreachable(f"cannot use the cluster configuration: {exc}") from None
    return source


def source_for_context(opts: Any, context: str) -> ClusterSource:
    """A live source for another kubeconfig context (``:ctx``)."""
    if opts is None:
        raise UsageError("no cluster options to switch context with")
    return make_source(dataclasses.replace(opts, context=context, demo=False, snapshot=()))


def contexts(opts: Any) -> tuple[list[str], str | None]:
    """(context names, current) from the kubeconfig, as kubectl sees them."""
    try:
        from kubernetes import config
    except ImportError as exc:
        raise Unreachable(f"the kubernetes client is not installed ({exc})") from None
    try:
        found, active = config.list_kube_config_contexts(config_file=getattr(opts, "kubeconfig", None))
    except Exception as exc:
        raise Unreachable(f"cannot read the kubeconfig: {exc}") from None
    names = sorted(c["name"] for c in found or [])
    current = getattr(opts, "context", None) or (active or {}).get("name")
    return names, current
