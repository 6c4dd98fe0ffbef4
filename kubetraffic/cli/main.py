"""The ``kubetraffic`` / ``kubectl-traffic`` entry point.

Subcommands are loaded lazily from ``COMMANDS`` so that ``--help`` and every command
start fast: nothing heavy (kubernetes, scapy, textual) is imported until a command
needs it.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from kubetraffic import __version__
from kubetraffic.cli.options import global_options

# name -> (module, attribute, one-line help). Help lives here so listing is import-free.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "summary": ("kubetraffic.cli.inspect", "summary", "What was loaded: objects per kind, unknown kinds, problems."),
    "get": ("kubetraffic.cli.inspect", "get", "List loaded objects of one kind (pods, svc, ing, netpol, ...)."),
    "snapshot": ("kubetraffic.cli.snapshot_cmd", "snapshot", "snapshot save DIR: the objects used, as files."),
    "trace": ("kubetraffic.cli.trace", "trace", "Follow a URL hop by hop and name the first broken hop."),
    "capture": ("kubetraffic.cli.capture", "capture", "Capture packets (pod, interface, pcap); diagnose the flows."),
    "egress": (
        "kubetraffic.cli.policy",
        "egress",
        "Can POD reach DEST (IP, CIDR, host, ns/pod, svc.ns), why, and the fix.",
    ),
    "explain": (
        "kubetraffic.cli.policy",
        "explain",
        "The policy verdict for any pair (pod, workload, IP), both directions.",
    ),
    "policies": (
        "kubetraffic.cli.policy",
        "policies",
        "Which NetworkPolicies select POD, for ingress and egress, in words.",
    ),
    "matrix": (
        "kubetraffic.cli.policy",
        "matrix",
        "Connectivity between workloads and with external IP ranges, with ports.",
    ),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported only when invoked (or asked for help)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module = importlib.import_module(entry[0])
        command: click.Command = getattr(module, entry[1])
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(
    cls=LazyGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, "--version", prog_name="kubetraffic")
@global_options
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Follow traffic through a Kubernetes cluster.

    With no command, opens the interactive view (the live cluster, or --demo / --snapshot).
    Every command works on a live cluster (default), on --snapshot PATH, or on --demo.

    Exit codes: 0 ok or allowed, 1 a broken hop or denied, 2 usage or input error,
    3 the cluster source cannot be reached.
    """
    if ctx.invoked_subcommand is None:
        from kubetraffic.cli.tui import run_tui

        ctx.exit(run_tui(ctx))


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point."""
    try:
        return cli.main(args=argv, prog_name=_prog_name(), standalone_mode=True)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)


def _prog_name() -> str:
    name = sys.argv[0].rsplit("/", 1)[-1] if sys.argv and sys.argv[0] else "kubetraffic"
    return "kubectl traffic" if name == "kubectl-traffic" else "kubetraffic"
