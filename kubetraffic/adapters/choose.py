"""Which cluster source to open: ``--demo``, ``--snapshot PATH``, or the live cluster.

One decision for the CLI and the TUI alike. Problems are ``SourceError``s carrying the
exit code (2 for flags that contradict each other, 3 when no cluster can be used): the
CLI prints them and exits, the TUI shows them and keeps the current cluster on screen.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Protocol

from kubetraffic.adapters.source import ClusterSource, SourceError


class Flags(Protocol):
    """The global flags that choose a source (cli.options.GlobalOptions has them)."""

    demo: bool
    snapshot: tuple[str, ...]
    namespace: str | None
    kubeconfig: str | None
    context: str | None


class FlagConflict(SourceError):
    """Flags that contradict each other (exit code 2)."""

    exit_code = 2


class NoCluster(SourceError):
    """No usable live cluster configuration (exit code 3)."""

    exit_code = 3


def open_source(flags: Flags) -> ClusterSource:
    """The source the flags ask for; nothing is loaded yet (call ``open()``)."""
    if flags.demo and flags.snapshot:
        raise FlagConflict("--demo and --snapshot cannot be used together")
    if flags.demo:
        from kubetraffic.adapters.demo import DemoSource

        return DemoSource()
    if flags.snapshot:
        from kubetraffic.adapters.snapshot import SnapshotSource

        return SnapshotSource(flags.snapshot, default_namespace=flags.namespace or "default")
    from kubetraffic.adapters.kube import LiveSource

    try:
        return LiveSource.from_options(flags)
    except SourceError:
        raise
    except Exception as exc:  # the client reports kubeconfig problems with many exception types
        raise NoCluster(f"cannot use the cluster configuration: {exc}") from None


def source_for_context(flags: Any, context: str) -> ClusterSource:
    """A live source for another kubeconfig context (the TUI's ``:ctx``)."""
    if flags is None:
        raise FlagConflict("no cluster options to switch context with")
    return open_source(dataclasses.replace(flags, context=context, demo=False, snapshot=()))


def kube_contexts(flags: Flags) -> tuple[list[str], str | None]:
    """(context names, the one in use) from the merged kubeconfig, as kubectl sees them."""
    from kubetraffic.adapters.kube.kubeconfig import list_contexts

    names, current = list_contexts(flags.kubeconfig)
    return names, flags.context or current
