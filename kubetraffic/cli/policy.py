"""``egress``, ``explain``, ``policies`` and ``matrix``: the NetworkPolicy engine's answers.

Exit codes: 0 allowed, 1 denied, 2 input the cluster does not know (unknown pod,
ambiguous name, bad port, unresolvable host), 3 no cluster source.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import NoReturn

import click

from kubetraffic.adapters.source import ClusterSource
from kubetraffic.cli.common import fail, make_resolver, open_state, scope_namespace, usage_error
from kubetraffic.cli.options import EXIT_FAIL, EXIT_OK, GlobalOptions, get_options, global_options
from kubetraffic.cli.watching import print_json_line, print_rule, remember, run_watch, watch_option
from kubetraffic.cli.wire import capture_options
from kubetraffic.core.diagnose.egress import EgressAnswer, build_answer
from kubetraffic.core.diagnose.model import Hop
from kubetraffic.core.diagnose.targets import Spec, TargetError, parse_spec, source_pods
from kubetraffic.core.labels import SelectorError, parse_label_query
from kubetraffic.core.objects import Pod
from kubetraffic.core.policy.model import PodPeer
from kubetraffic.core.state import ClusterState
from kubetraffic.render.output import make_console, write_data

PROTOCOL = click.Choice(["TCP", "UDP", "SCTP"], case_sensitive=False)
MATRIX_PROGRESS_AT = 200


def _namespace(opts: GlobalOptions, state: ClusterState) -> str:
    return opts.namespace or state.info.namespace or "default"


def _spec(state: ClusterState, text: str, namespace: str, *, source: bool = False) -> Spec:
    try:
        return parse_spec(state, text, namespace, source=source)
    except TargetError as exc:
        fail(str(exc))


def _addresses(
    opts: GlobalOptions, source: ClusterSource, state: ClusterState, spec: Spec
) -> tuple[tuple[str, ...], list[str]]:
    """Resolve a host name (or an ExternalName Service) here: core does no I/O."""
    host = spec.host if spec.kind == "host" else ""
    if spec.kind == "service":
        svc = state.service(spec.namespace, spec.name)
        if svc is not None and svc.type == "ExternalName":
            host = svc.external_name
    if not host:
        return (), []
    res = make_resolver(opts, source, allow_system=True).resolve(host)
    if not res.addresses:
        why = (res.error or "no addresses").removeprefix(f"cannot resolve {host}: ")
        hint = "" if "--resolve" in why else f" (use --resolve {host}=IP)"
        fail(f"cannot resolve {host}: {why}{hint}")
    how = {"override": "--resolve", "table": "the source's table", "system": "this machine's resolver"}.get(
        res.how, res.how
    )
    note = f"{host} resolved to {', '.join(res.addresses)} by {how}"
    if res.how == "system":
        note += " (the pod may resolve it differently)"
    return res.addresses, [note]


def _answer(
    opts: GlobalOptions, source: Spec, dest: Spec, protocol: str, state: ClusterState, src: ClusterSource
) -> EgressAnswer:
    addresses, notes = _addresses(opts, src, state, dest)
    try:
        return build_answer(state, source, dest, protocol.upper(), addresses=addresses, notes=tuple(notes))
    except TargetError as exc:
        fail(str(exc))


def _emit(
    opts: GlobalOptions, answer: EgressAnswer, state: ClusterState, source: ClusterSource, wire: Hop | None = None
) -> None:
    from kubetraffic.cli.metrics import enrich_egress, open_metrics
    from kubetraffic.render.verdict import answer_data, answer_view

    # Measured drops join the answer as notes; they never change the verdict or the exit code.
    answer, measured = enrich_egress(answer, opts, open_metrics(opts, state, source))
    if opts.output in ("json", "yaml"):
        document = answer_data(answer)
        if measured:
            document["metrics"] = measured
        if wire is not None:  # only with --capture: what the wire showed (a trace-style hop)
            from kubetraffic.render.capture import hop_data

            document["wire"] = hop_data(wire)
        write_data(document, opts.output)
    else:
        console = make_console(opts.color)
        console.print(answer_view(answer, state))
        if wire is not None:
            from kubetraffic.render.capture import wire_lines

            console.print(*wire_lines(wire), sep="\n")
    sys.exit(EXIT_OK if answer.allowed else EXIT_FAIL)


@click.command(short_help="Can POD reach DEST, why, and the smallest fix.")
@click.argument("pod", metavar="POD")
@click.argument("dest", metavar="DEST[:PORT]")
@click.option("--protocol", type=PROTOCOL, default="TCP", show_default=True, help="Protocol when DEST has no /proto.")
@capture_options
@watch_option
@global_options
def egress(pod: str, dest: str, protocol: str, capture: str | None, capture_yes: bool, watch: bool) -> None:
    """Can POD (ns/pod, ns/workload, or a name in -n) reach DEST?

    DEST is ns/pod, ns/workload, a Service (ns/svc, svc.ns), an IP, a CIDR or a host
    name, with an optional :PORT (443, 53/udp, or a named port). A Service is followed to
    its endpoints and target port. Exit 0 when allowed, 1 when denied. With --watch, keep
    following the cluster and print the verdict again whenever it changes (e.g. until the
    fix lands).
    """
    opts = get_options()
    if watch and capture:
        usage_error("--capture and --watch cannot be used together: a capture is a bounded sample, taken once")
    state, source = open_state(opts)

    def compute(state: ClusterState) -> EgressAnswer:
        ns = _namespace(opts, state)
        src = _spec(state, pod, ns, source=True)
        if src.kind not in ("pod", "workload") or src.port is not None:
            fail(f"{pod!r}: POD must be a pod or a workload (ns/name), without a port")
        return _answer(opts, src, _spec(state, dest, ns), protocol, state, source)

    if watch:
        _watch_egress(opts, state, source, compute)
    answer = compute(state)
    _emit(opts, answer, state, source, _wire(opts, answer, state, capture, capture_yes) if capture else None)


def _watch_egress(
    opts: GlobalOptions, state: ClusterState, source: ClusterSource, compute: Callable[[ClusterState], EgressAnswer]
) -> NoReturn:
    """egress --watch: printed again when the cluster changes the verdict; figures as of each print."""
    from kubetraffic.cli.metrics import enrich_egress, open_metrics
    from kubetraffic.render.verdict import answer_data, answer_view

    metrics = remember(lambda: open_metrics(opts, state, source), float("inf"))  # opened once, when needed
    shown = [0]

    def show(answer: EgressAnswer) -> None:
        shown[0] += 1
        answer, measured = enrich_egress(answer, opts, metrics())
        if opts.output in ("json", "yaml"):
            document = answer_data(answer)
            if measured:
                document["metrics"] = measured
            if opts.output == "json":
                print_json_line(document)
            else:
                write_data(document, "yaml")
        else:
            if shown[0] > 1:
                print_rule(opts.color)
            make_console(opts.color).print(answer_view(answer, state))

    last = run_watch(state, source, compute, show, key=answer_data)
    sys.exit(EXIT_OK if last.allowed else EXIT_FAIL)


def _wire(opts: GlobalOptions, answer: EgressAnswer, state: ClusterState, capture: str, yes: bool) -> Hop | None:
    """``--capture``: the wire hop for this answer (None, with a warning, when no capture ran)."""
    from kubetraffic.cli.wire import wire_evidence
    from kubetraffic.core.capture.evidence import egress_targets

    v = answer.verdict
    pod = v.source.name if v is not None and isinstance(v.source, PodPeer) and not v.source.pod.template else None
    host = answer.destination.host if answer.destination.kind == "host" else None
    protocol = v.protocol if v is not None else answer.protocol
    targets = egress_targets(answer, state)
    return wire_evidence(opts, capture, pod=pod, targets=targets, protocol=protocol, host=host, state=state, yes=yes)


@click.command(short_help="The verdict for any pair, both directions of policy.")
@click.option("--from", "from_", required=True, metavar="X", help="Source: ns/pod, ns/workload or an IP.")
@click.option(
    "--to", "to", required=True, metavar="Y", help="Destination: ns/pod, ns/workload, Service, IP, CIDR or host."
)
@click.option("--port", metavar="P", help="Destination port: 443, 53/udp or a named port (default: which ports).")
@click.option("--protocol", type=PROTOCOL, default="TCP", show_default=True)
@global_options
def explain(from_: str, to: str, port: str | None, protocol: str) -> None:
    """Explain whether X may connect to Y: the source's egress, the destination's ingress,
    the rule that allows it or why each rule misses, and the smallest fix."""
    opts = get_options()
    state, source = open_state(opts)
    ns = _namespace(opts, state)
    src = _spec(state, from_, ns, source=True)
    if src.kind not in ("pod", "workload", "ip", "cidr") or src.port is not None:
        fail(f"--from {from_!r}: expected a pod, a workload or an IP address, without a port")
    dest = _spec(state, to, ns)
    if port is not None:
        if dest.port is not None:
            usage_error(f"give the port once: --to {to!r} already has one")
        dest = _spec(state, f"[{to}]:{port}" if ":" in to else f"{to}:{port}", ns)
    _emit(opts, _answer(opts, src, dest, protocol, state, source), state, source)


def _one_pod(state: ClusterState, spec: Spec, text: str) -> Pod:
    if spec.kind not in ("pod", "workload"):
        fail(f"{text!r}: expected a pod or a workload (ns/name)")
    pods = source_pods(state, spec)
    if not pods:
        fail(f"{spec.ref} has no pods")
    return pods[0]


@click.command(short_help="Which policies select POD, in words.")
@click.argument("pod", metavar="POD")
@global_options
def policies(pod: str) -> None:
    """Which NetworkPolicies select POD for ingress and egress, their rules in words, the
    namespace's other policies and why they leave it out, and whether DNS is allowed."""
    from kubetraffic.core.policy import check_dns, dns_fix, policies_selecting
    from kubetraffic.render.policies import policies_data, policies_view

    opts = get_options()
    state, _ = open_state(opts)
    spec = _spec(state, pod, _namespace(opts, state), source=True)
    target = _one_pod(state, spec, pod)
    answer = policies_selecting(state, target)
    dns = check_dns(state, target) if not target.host_network else None
    fix = dns_fix(state, dns) if dns is not None else None
    workload = state.workload_of(target)
    if opts.output in ("json", "yaml"):
        write_data(policies_data(answer, workload, dns, fix), opts.output)
    else:
        make_console(opts.color).print(policies_view(answer, workload, dns, fix))


@click.command(short_help="Connectivity between workloads and with external ranges.")
@global_options
def matrix() -> None:
    """Which workloads may reach which, on which ports, and which external address ranges
    each may reach and be reached from. -n / -A choose the namespaces, -l the workloads
    (by their pods' labels)."""
    from kubetraffic.core.policy import build_matrix
    from kubetraffic.render.matrix import matrix_data, matrix_view

    opts = get_options()
    state, _ = open_state(opts)
    # -A, -n, the context's namespace; a snapshot with none of them: the whole cluster.
    refs = state.workloads(scope_namespace(opts, state))
    if opts.selector:
        try:
            sel = parse_label_query(opts.selector)
        except SelectorError as exc:
            usage_error(str(exc))
        refs = [r for r in refs if any(sel.matches(p.labels) for p in state.pods_of(r))]
    if len(refs) >= MATRIX_PROGRESS_AT:
        sys.stderr.write(f"kubetraffic: computing the matrix of {len(refs)} workloads ...\n")
    result = build_matrix(state, refs)
    if opts.output in ("json", "yaml"):
        write_data(matrix_data(result), opts.output)
    else:
        make_console(opts.color).print(matrix_view(result))
