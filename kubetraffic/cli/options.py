"""Global flags, accepted before or after the subcommand (kubectl conventions).

Every global option is attached to the group *and* to each subcommand by
``global_options``; whichever the user typed wins, so ``kubetraffic --demo trace URL``
and ``kubetraffic trace URL --demo`` mean the same thing.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import click
from click.core import ParameterSource

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_SOURCE = 0, 1, 2, 3


@dataclass
class GlobalOptions:
    """Values of the global flags for one invocation."""

    kubeconfig: str | None = None
    context: str | None = None
    namespace: str | None = None
    all_namespaces: bool = False
    selector: str | None = None
    output: str = "table"
    snapshot: tuple[str, ...] = ()
    demo: bool = False
    color: str = "auto"
    prometheus: str | None = None
    prometheus_insecure: bool = False
    at: str | None = None
    window: str = "5m"
    resolve: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


def _store(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """Record a global option in the root context's GlobalOptions when the user gave it."""
    root = ctx.find_root()
    if root.obj is None:
        root.obj = GlobalOptions()
    assert param.name is not None
    source = ctx.get_parameter_source(param.name)
    if source in (None, ParameterSource.DEFAULT):
        return value
    if param.name in ("snapshot", "resolve"):  # repeatable, and may be given on both sides
        current = getattr(root.obj, param.name)
        value = tuple(current) + tuple(v for v in value if v not in current)
    setattr(root.obj, param.name, value)
    return value


_OPTIONS: list[Callable[[F], F]] = [
    click.option(
        "--kubeconfig",
        metavar="PATH",
        envvar="KUBECONFIG",
        show_envvar=True,
        help="Kubeconfig file(s) to use (KUBECONFIG may list several, ':'-separated).",
    ),
    click.option("--context", metavar="NAME", help="Kubeconfig context to use."),
    click.option("-n", "--namespace", metavar="NS", help="Namespace scope (default: the context's)."),
    click.option("-A", "--all-namespaces", is_flag=True, default=None, help="All namespaces."),
    click.option("-l", "--selector", metavar="QUERY", help="Label selector, e.g. app=web,tier!=db."),
    click.option(
        "-o",
        "--output",
        type=click.Choice(["table", "json", "yaml"]),
        help="Output format: table (for people), json or yaml (for scripts).",
    ),
    click.option(
        "--snapshot",
        metavar="PATH",
        multiple=True,
        help="Read the cluster from manifests or dumps (file, directory or '-'); repeatable.",
    ),
    click.option("--demo", is_flag=True, default=None, help="Use the bundled demo cluster."),
    click.option("--color", type=click.Choice(["auto", "always", "never"]), help="Colour output (default: auto)."),
    click.option(
        "--prometheus",
        metavar="URL",
        envvar="KUBETRAFFIC_PROMETHEUS",
        show_envvar=True,
        help="Prometheus-compatible query URL for metrics (live clusters: auto-discovered; 'none' turns metrics off).",
    ),
    click.option(
        "--prometheus-insecure",
        is_flag=True,
        default=None,
        help="Do not verify the Prometheus server's TLS certificate.",
    ),
    click.option(
        "--at",
        metavar="TIME",
        help="Evaluate metrics at TIME: RFC 3339 (2024-05-01T12:00:00Z) or relative (-15m). Default: now.",
    ),
    click.option("--window", metavar="DURATION", help="Rate window for metrics, e.g. 1m, 5m (default), 1h."),
    click.option(
        "--resolve",
        metavar="HOST=IP",
        multiple=True,
        help="Resolve HOST to IP (comma-separated IPs allowed) instead of asking DNS; repeatable.",
    ),
]


def global_options(func: F) -> F:
    """Attach every global option (stored on the root context, not passed as arguments)."""
    for option in reversed(_OPTIONS):
        func = option(func)
    for param in getattr(func, "__click_params__", []):
        if param.name in GlobalOptions.__dataclass_fields__:
            param.expose_value = False
            param.callback = _store
            param.is_eager = True
    return func


def get_options(ctx: click.Context | None = None) -> GlobalOptions:
    """The GlobalOptions of the running invocation."""
    ctx = ctx or click.get_current_context()
    root = ctx.find_root()
    if root.obj is None:
        root.obj = GlobalOptions()
    opts: GlobalOptions = root.obj
    if opts.all_namespaces is None:
        opts.all_namespaces = False
    if opts.demo is None:
        opts.demo = False
    if opts.output is None:
        opts.output = "table"
    if opts.prometheus_insecure is None:
        opts.prometheus_insecure = False
    if opts.window is None:
        opts.window = "5m"
    if opts.color is None:
        opts.color = os.environ.get("KUBETRAFFIC_COLOR", "auto")
    return opts
