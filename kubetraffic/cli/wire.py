"""``--capture S|FILE`` for egress and trace: the wire hop beside the policy verdict.

A capture is an auxiliary source: when it cannot run, the answer comes without the wire hop
and says why on stderr; the exit code stays the verdict's.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from kubetraffic.cli.options import GlobalOptions
from kubetraffic.core.capture import CaptureLimits, CaptureSummary, Namer, Summariser
from kubetraffic.core.capture.evidence import Target, wire_hop
from kubetraffic.core.diagnose.model import Hop, Trace
from kubetraffic.core.state import ClusterState
from kubetraffic.render.text import clean_line

F = TypeVar("F", bound=Callable[..., Any])
WIRE_PACKETS, WIRE_SNAPLEN = 20_000, 4096


def capture_options(func: F) -> F:
    """``--capture S|FILE`` and ``--yes`` (for the debug container a timed capture adds)."""
    func = click.option(
        "-y", "--yes", "capture_yes", is_flag=True, help="With --capture S: create the debug container without asking."
    )(func)
    return click.option(
        "--capture",
        "capture",
        metavar="S|FILE",
        help="Add what the wire shows: capture S seconds from the source pod (an ephemeral debug container "
        "running tcpdump), or read a pcap FILE taken there.",
    )(func)


def _seconds(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value > 0 else None


def capture_filter(targets: Sequence[Target], protocol: str, *, dns: bool) -> str:
    """A BPF filter for traffic to ``targets`` (plus DNS when a name had to be resolved)."""
    proto = protocol.lower()
    parts = []
    for ip, port in targets:
        parts.append(f"(host {ip} and {proto} port {port})" if port is not None else f"(host {ip})")
    if dns or not parts:
        parts.append("(port 53)")
    return " or ".join(parts)


def wire_evidence(
    opts: GlobalOptions,
    spec: str,
    *,
    pod: str | None,
    targets: Sequence[Target],
    protocol: str,
    host: str | None,
    state: ClusterState,
    yes: bool,
) -> Hop | None:
    """Run the capture ``spec`` asks for and turn it into the wire hop (None when it could not run)."""
    summary = run_wire_capture(
        opts, spec, pod=pod, bpf=capture_filter(targets, protocol, dns=bool(host)), state=state, yes=yes
    )
    return None if summary is None else wire_hop(summary, targets, protocol=protocol, host=host)


def run_wire_capture(
    opts: GlobalOptions, spec: str, *, pod: str | None, bpf: str, state: ClusterState, yes: bool
) -> CaptureSummary | None:
    """The summary of a pcap FILE, or of S seconds captured in ``pod``; None (with a warning) when none ran."""
    from kubetraffic.adapters.capture.base import CaptureError, CaptureSource
    from kubetraffic.adapters.capture.runner import run_capture

    seconds = _seconds(spec)
    source: CaptureSource
    limits: CaptureLimits
    try:
        if seconds is None:
            from kubetraffic.adapters.capture.pcap_file import PcapSource

            source, limits = PcapSource(spec), CaptureLimits()
        else:
            if pod is None:
                _note("warning: no wire evidence: --capture S needs a pod to capture in; give a pcap FILE instead")
                return None
            from kubetraffic.cli.capture_pod import pod_source

            limits = CaptureLimits(max_packets=WIRE_PACKETS, max_seconds=seconds, snaplen=WIRE_SNAPLEN)
            source = pod_source(opts, pod, container=None, image=_image(), bpf=bpf, limits=limits, yes=yes)
            _note(f"capturing {seconds:g} s in {source.description}; Ctrl+C stops early")
        summary = run_capture(source, Summariser(source.description, limits, names=Namer(state)))
    except CaptureError as exc:
        _note(f"warning: no wire evidence: {exc}")
        return None
    if summary.error:
        _note(f"warning: {source.description}: {summary.error}")
    return summary


def add_wire_hops(
    opts: GlobalOptions, traces: list[Trace], spec: str, *, state: ClusterState, yes: bool
) -> list[Trace]:
    """``trace --capture``: append the wire hop (traffic to the route's backends) to each trace.

    A pcap FILE is read once for all URLs; a timed capture runs in the first backend pod of
    the first URL (so it takes one URL).
    """
    import dataclasses

    from kubetraffic.core.capture.evidence import trace_targets

    wanted = [trace_targets(t, state) for t in traces]
    if _seconds(spec) is not None and len(traces) > 1:
        _note("warning: no wire evidence: --capture S follows one URL; give a pcap FILE for several")
        return traces
    pods, targets = wanted[0]
    bpf = capture_filter(targets, "TCP", dns=False)
    summary = run_wire_capture(opts, spec, pod=pods[0] if pods else None, bpf=bpf, state=state, yes=yes)
    if summary is None:
        return traces
    return [
        dataclasses.replace(t, hops=(*t.hops, wire_hop(summary, tg, protocol="TCP")))
        for t, (_, tg) in zip(traces, wanted, strict=True)
    ]


def _image() -> str:
    from kubetraffic.adapters.capture.pod_plan import DEFAULT_IMAGE

    return DEFAULT_IMAGE


def _note(message: str) -> None:
    sys.stderr.write(f"kubetraffic: {clean_line(message)}\n")
