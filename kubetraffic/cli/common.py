"""Shared plumbing of the commands: choose and open the cluster source, report problems."""

from __future__ import annotations

import sys
from typing import NoReturn

import click

from kubetraffic.adapters.choose import open_source
from kubetraffic.adapters.dns import HostResolver, ResolveFlagError, parse_resolve_flags
from kubetraffic.adapters.source import ClusterSource, LoadReport, SourceError
from kubetraffic.cli.options import EXIT_USAGE, GlobalOptions, get_options
from kubetraffic.core.state import ClusterState
from kubetraffic.render.progress import progress
from kubetraffic.render.text import clean_line


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """One clear line on stderr, then exit with ``code``."""
    sys.stderr.write(f"kubetraffic: {clean_line(message)}\n")
    sys.stderr.flush()
    raise SystemExit(code)


def make_source(opts: GlobalOptions) -> ClusterSource:
    """--demo, --snapshot, or the live cluster (the default); a bad choice exits clearly."""
    try:
        return open_source(opts)
    except SourceError as exc:
        fail(str(exc), exc.exit_code)


def report_problems(report: LoadReport, *, limit: int = 20) -> None:
    """Print load problems (one line each) to stderr; the answer still goes on."""
    for problem in report.problems[:limit]:
        sys.stderr.write(f"kubetraffic: warning: {clean_line(problem)}\n")
    if len(report.problems) > limit:
        sys.stderr.write(f"kubetraffic: warning: ... and {len(report.problems) - limit} more problems\n")


def open_state(opts: GlobalOptions | None = None) -> tuple[ClusterState, ClusterSource]:
    """Open the chosen source and load its initial state, or exit with a clear error."""
    opts = opts or get_options()
    source = make_source(opts)
    try:
        with progress(source.progress):
            state = source.open()
    except SourceError as exc:
        fail(str(exc), exc.exit_code)
    report_problems(source.report)
    if state.info.mode == "demo":  # every answer on the bundled cluster says so (stderr: stdout stays data)
        sys.stderr.write(f"kubetraffic: demo: {state.info.server or 'the bundled demo cluster'}, not a real cluster\n")
    for kind, reason in sorted(state.gaps.items()):
        sys.stderr.write(f"kubetraffic: warning: {kind}: {clean_line(reason)}\n")
    return state, source


def make_resolver(opts: GlobalOptions, source: ClusterSource, *, allow_system: bool) -> HostResolver:
    """Name resolution for this invocation: --resolve, then the source's table, then DNS.

    ``allow_system`` is False where answers must stay offline (snapshot and demo traces).
    """
    try:
        overrides = parse_resolve_flags(opts.resolve)
    except ResolveFlagError as exc:
        usage_error(str(exc))
    table = getattr(source, "dns_table", None)
    return HostResolver(overrides, table, system=allow_system)


def scope_namespace(opts: GlobalOptions, state: ClusterState) -> str | None:
    """The namespace the command is scoped to: None for -A, else -n or the source's default."""
    if opts.all_namespaces:
        return None
    return opts.namespace or state.info.namespace or None


def usage_error(message: str) -> NoReturn:
    """A usage error (exit 2) in click's format."""
    raise click.UsageError(message)
