"""``trace URL...``: where does a request go, and where does it break?"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Any

import click

from kubetraffic.cli.common import fail, make_resolver, open_state
from kubetraffic.cli.metrics import enrich_traces, open_metrics, time_flags
from kubetraffic.cli.options import EXIT_FAIL, EXIT_OK, EXIT_USAGE, get_options, global_options
from kubetraffic.cli.watching import print_json_line, print_rule, remember, run_watch, watch_option
from kubetraffic.cli.wire import capture_options
from kubetraffic.core.diagnose.model import Trace
from kubetraffic.core.diagnose.observations import DnsAnswer, TlsObservation
from kubetraffic.core.diagnose.trace import TracePlan, build_trace, plan_trace
from kubetraffic.core.routing import RequestError, ViaError, parse_header, parse_request
from kubetraffic.core.state import ClusterState
from kubetraffic.render.output import make_console, write_data
from kubetraffic.render.text import clean_line
from kubetraffic.render.trace import summary_view, trace_data, trace_view


def _probe_target(plan: TracePlan) -> tuple[str, int, str] | None:
    """Where to handshake: the entry point, when the request is (or is redirected to) https."""
    req = plan.request
    redirected = plan.answer.outcome == "redirect" and "https://" in (plan.answer.response or "")
    if req.scheme != "https" and not redirected:
        return None
    address = plan.probe_address
    if address is None:
        return None
    return address, req.port if req.scheme == "https" else 443, req.host


def _probe(address: str, port: int, sni: str) -> TlsObservation:
    """One handshake with the entry point."""
    from kubetraffic.adapters.tls import probe_tls

    return probe_tls(address, port, sni)


@click.command(short_help="Follow a URL hop by hop and name the first broken hop.")
@click.argument("urls", nargs=-1, required=True, metavar="URL...")
@click.option("-X", "--method", default="GET", show_default=True, help="HTTP method of the request.")
@click.option("-H", "--header", "headers", multiple=True, metavar="NAME:VALUE", help="Request header; repeatable.")
@click.option("--via", metavar="NS/GATEWAY|CLASS", help="Only this Gateway (namespace/name) or IngressClass.")
@click.option(
    "--probe/--no-probe",
    default=None,
    help="TLS handshake with the entry point to read the served certificate (default: on for live clusters).",
)
@capture_options
@watch_option
@global_options
def trace(
    urls: tuple[str, ...],
    method: str,
    headers: tuple[str, ...],
    via: str | None,
    probe: bool | None,
    capture: str | None,
    capture_yes: bool,
    watch: bool,
) -> None:
    """Follow each URL: client → DNS → entry point → controller → rule → TLS → Service →
    EndpointSlices → pods → NetworkPolicy. Each hop says ok / WARN / FAIL with evidence and a
    fix; the first failure is named at the top. Snapshots and --demo stay offline: no DNS
    (use --resolve HOST=IP) and no TLS probe unless --probe. Exit 1 when a URL is broken,
    2 when a URL or flag is malformed (the other URLs are still answered). With --watch,
    keep following the cluster and print the trace again whenever it changes."""
    for header in headers:
        try:
            parse_header(header)
        except RequestError as exc:
            fail(str(exc), EXIT_USAGE)
    opts = get_options()
    if watch and capture:
        fail("--capture and --watch cannot be used together: a capture is a bounded sample, taken once", EXIT_USAGE)
    time_flags(opts)  # a malformed --at or --window is a usage error before any work
    state, source = open_state(opts)
    live = state.info.mode == "live"
    resolver = make_resolver(opts, source, allow_system=live)
    do_probe = live if probe is None else probe
    requests = []
    malformed = False
    for url in urls:
        try:
            requests.append(parse_request(url, method, list(headers)))
        except RequestError as exc:
            sys.stderr.write(f"kubetraffic: {clean_line(exc)}\n")
            malformed = True
    # While watching, DNS answers and TLS handshakes are reused for 30 s, not redone per change.
    resolve = remember(resolver.resolve, 30.0) if watch else resolver.resolve
    handshake = remember(_probe, 30.0) if watch else _probe

    def compute(state: ClusterState) -> list[Trace]:
        now = datetime.now(UTC)
        traces = []
        for req in requests:
            res = resolve(req.host)
            dns = DnsAnswer(res.host, res.addresses, res.how, res.error)
            try:
                plan = plan_trace(state, req, via=via, dns=dns)
            except ViaError as exc:
                fail(str(exc), EXIT_USAGE)
            target = _probe_target(plan) if do_probe else None
            traces.append(build_trace(state, plan, probe=handshake(*target) if target else None, now=now))
        return traces

    metrics = remember(lambda: open_metrics(opts, state, source), float("inf"))  # opened once, when needed
    shown: list[list[Trace]] = []

    def show(traces: list[Trace]) -> None:
        if traces:  # figures per hop; a dead or slow Prometheus is one stderr line, never a failure
            traces = enrich_traces(traces, opts, metrics(), sparklines=opts.output == "table")
        if capture and traces:
            from kubetraffic.cli.wire import add_wire_hops

            traces = add_wire_hops(opts, traces, capture, state=state, yes=capture_yes)
        shown.append(traces)
        if opts.output in ("json", "yaml"):
            docs = [trace_data(t) for t in traces]
            doc: Any = docs[0] if len(urls) == 1 and docs else docs
            if watch and opts.output == "json":
                print_json_line(doc)
            elif docs or len(urls) > 1:
                write_data(doc, opts.output)
        elif traces:
            if len(shown) > 1:
                print_rule(opts.color)
            console = make_console(opts.color)
            console.print(trace_view(traces[0]) if len(urls) == 1 else summary_view(traces))

    if watch:  # printed again when the cluster changes the trace; figures are as of each print
        run_watch(state, source, compute, show, key=lambda ts: [trace_data(t) for t in ts])
    else:
        show(compute(state))
    if malformed:
        sys.exit(EXIT_USAGE)
    sys.exit(EXIT_FAIL if any(t.verdict == "broken" for t in shown[-1]) else EXIT_OK)
