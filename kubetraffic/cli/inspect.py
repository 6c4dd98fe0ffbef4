"""``summary`` and ``get``: inspect what kubetraffic loaded."""

from __future__ import annotations

from typing import Any

import click

from kubetraffic.cli.common import open_state, scope_namespace, usage_error
from kubetraffic.cli.options import get_options, global_options
from kubetraffic.cli.watching import print_json_line, run_watch, watch_option
from kubetraffic.core.labels import SelectorError, parse_label_query
from kubetraffic.core.state import ClusterState
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
@watch_option
@global_options
def get(kind: str, watch: bool) -> None:
    """List objects of KIND: ns, nodes, pods, workloads, svc, ep, ing, ingressclass,
    netpol, gateways, gatewayclasses, httproutes, referencegrants, listenersets.

    With --watch, keep following the cluster and print the list again when it changes."""
    resolved = KIND_ALIASES.get(kind.lower())
    if resolved is None:
        usage_error(f"unknown kind {kind!r}; try one of: {', '.join(sorted(set(KIND_ALIASES)))}")
    opts = get_options()
    sel = None
    if opts.selector:
        try:
            sel = parse_label_query(opts.selector)
        except SelectorError as exc:
            usage_error(str(exc))
    state, source = open_state(opts)

    def listing(state: ClusterState) -> tuple[list[Any], Any]:
        rows = get_rows(state, resolved, scope_namespace(opts, state))
        if sel is not None and resolved != "Workload":
            rows = [r for r in rows if sel.matches(r.meta.labels)]
        return rows, get_data(state, resolved, rows)

    def show(answer: tuple[list[Any], Any]) -> None:
        rows, data = answer
        if opts.output == "json" and watch:
            print_json_line(data)
        elif opts.output in ("json", "yaml"):
            write_data(data, opts.output)
        else:
            make_console(opts.color).print(get_view(state, resolved, rows))

    if watch:
        run_watch(state, source, listing, show, key=lambda answer: answer[1])
    else:
        show(listing(state))
