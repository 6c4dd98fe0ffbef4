"""``summary`` and ``get``: inspect what kubetraffic loaded."""

from __future__ import annotations

import click

from kubetraffic.cli.common import open_state, scope_namespace, usage_error
from kubetraffic.cli.options import get_options, global_options
from kubetraffic.core.labels import SelectorError, parse_label_query
from kubetraffic.render.inventory import KIND_ALIASES, get_data, get_rows, get_view, summary_data, summary_view
from kubetraffic.render.output import make_console, write_data


@click.command(short_help="What was loaded.")
@global_options
def summary() -> None:
    """Objects per kind, workloads with their pods (template stand-ins marked), unknown
    kinds and loading problems."""
    opts = get_options()
    state, source = open_state(opts)
    namespace = scope_namespace(opts, state)
    if opts.output in ("json", "yaml"):
        write_data(summary_data(state, source.report, namespace), opts.output)
    else:
        make_console(opts.color).print(summary_view(state, source.report, namespace))


@click.command(short_help="List loaded objects of one kind.")
@click.argument("kind", metavar="KIND")
@global_options
def get(kind: str) -> None:
    """List objects of KIND: ns, nodes, pods, workloads, svc, ep, ing, ingressclass,
    netpol, gateways, gatewayclasses, httproutes, referencegrants, listenersets."""
    resolved = KIND_ALIASES.get(kind.lower())
    if resolved is None:
        usage_error(f"unknown kind {kind!r}; try one of: {', '.join(sorted(set(KIND_ALIASES)))}")
    opts = get_options()
    state, _ = open_state(opts)
    rows = get_rows(state, resolved, scope_namespace(opts, state))
    if opts.selector:
        try:
            sel = parse_label_query(opts.selector)
        except SelectorError as exc:
            usage_error(str(exc))
        if resolved != "Workload":
            rows = [r for r in rows if sel.matches(r.meta.labels)]
    if opts.output in ("json", "yaml"):
        write_data(get_data(state, resolved, rows), opts.output)
    else:
        make_console(opts.color).print(get_view(state, resolved, rows))
