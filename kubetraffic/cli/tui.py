"""Launch the interactive view (imports textual only here, only when asked for)."""

from __future__ import annotations

import click

from kubetraffic.cli.common import fail
from kubetraffic.cli.options import EXIT_USAGE, get_options


def run_tui(ctx: click.Context) -> int:
    """Open the TUI on the chosen source; returns the exit code."""
    opts = get_options(ctx)
    try:
        from kubetraffic.ui.app import run
    except ImportError as exc:
        fail(f"the interactive view is not available in this build ({exc}); try 'kubetraffic --help'", EXIT_USAGE)
    return run(opts)
