"""``capture``: a bounded packet sample from a pod, an interface or a pcap, summarised.

kubetraffic capture POD|--interface IF|--pcap FILE [-f BPF] [--count N] [--duration S]
                    [--write out.pcap] [--sample N] [--payload] [--yes] [-o json]
"""

from __future__ import annotations

import importlib.util
import re
import sys

import click

from kubetraffic.adapters.capture.base import CaptureError, CaptureSource
from kubetraffic.cli.common import fail, make_source, usage_error
from kubetraffic.cli.options import EXIT_OK, EXIT_USAGE, GlobalOptions, get_options, global_options
from kubetraffic.core.capture import CaptureLimits, CaptureSummary, Namer, Summariser
from kubetraffic.core.capture.limits import DEFAULT_SNAPLEN
from kubetraffic.render.text import clean_line

LIVE_COUNT, LIVE_SECONDS, LIVE_BYTES = 10_000, 30.0, 100_000_000
LIVE_SNAPLEN = 4096
"""Live captures keep 4 KiB per packet: headers and DNS answers whole, and a ring of one slot
per packet (tcpdump --immediate-mode) that does not overflow on a burst."""
DEFAULT_IMAGE = "nicolaka/netshoot:v0.13"
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg]?)i?b?\s*$", re.IGNORECASE)


def parse_size(text: str) -> int:
    """``500000``, ``500k``, ``50MB``, ``1G`` (decimal units) -> bytes."""
    match = _SIZE.match(text)
    if not match:
        raise click.BadParameter(f"{text!r} is not a size like 50MB")
    scale = {"": 1, "k": 1_000, "m": 1_000_000, "g": 1_000_000_000}[match.group(2).lower()]
    return int(float(match.group(1)) * scale)


def note(message: str) -> None:
    """A diagnostic line on stderr."""
    sys.stderr.write(f"kubetraffic: {clean_line(message)}\n")
    sys.stderr.flush()


@click.command(short_help="Capture packets and summarise them into flows and a diagnosis.")
@click.argument("pod", required=False, metavar="[POD]")
@click.option("-i", "--interface", metavar="IF", help="Sniff a local interface (on a node, or in --netns).")
@click.option("--pcap", "pcap_path", metavar="FILE", help="Read a pcap/pcapng file, or '-' for stdin.")
@click.option("--netns", metavar="NAME", help="With --interface: the network namespace (ip netns name) it lives in.")
@click.option("-f", "--filter", "bpf", metavar="BPF", help="Capture filter (tcpdump syntax), e.g. 'tcp port 443'.")
@click.option(
    "--count", type=click.IntRange(min=1), metavar="N", help=f"Stop after N packets (live default {LIVE_COUNT})."
)
@click.option(
    "--duration",
    type=click.FloatRange(min=0, min_open=True),
    metavar="S",
    help=f"Stop after S seconds (live default {LIVE_SECONDS:g}).",
)
@click.option("--max-bytes", metavar="SIZE", help="Stop after SIZE captured bytes, e.g. 50MB (live default 100MB).")
@click.option(
    "--snaplen",
    type=click.IntRange(64, DEFAULT_SNAPLEN),
    metavar="BYTES",
    help=f"Bytes kept per packet (live default {LIVE_SNAPLEN}).",
)
@click.option("-w", "--write", "write_to", metavar="FILE", help="Also write the packets to FILE (pcap, mode 0600).")
@click.option(
    "--sample",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    metavar="N",
    help="Summarise 1 flow in N (whole flows).",
)
@click.option("--payload", is_flag=True, help="Show the first payload bytes of each flow (hidden by default).")
@click.option("-y", "--yes", is_flag=True, help="Create the pod's debug container without asking.")
@click.option(
    "--image", default=DEFAULT_IMAGE, show_default=True, help="Image with tcpdump for the pod's debug container."
)
@click.option("--container", metavar="NAME", help="The pod's container to capture beside (default: its first).")
@global_options
def capture(
    pod: str | None,
    interface: str | None,
    pcap_path: str | None,
    netns: str | None,
    bpf: str | None,
    count: int | None,
    duration: float | None,
    max_bytes: str | None,
    snaplen: int | None,
    write_to: str | None,
    sample: int,
    payload: bool,
    yes: bool,
    image: str,
    container: str | None,
) -> None:
    """Capture packets from POD (an ephemeral debug container running tcpdump), a local
    --interface, or a --pcap file, and summarise them: flows with their state
    (established, closed, reset, no-reply, icmp-unreachable, partial, udp), SYN
    retransmits, handshake RTT, DNS queries and answers, and a one-line diagnosis each.

    Live captures are bounded (packets, seconds, bytes; Ctrl+C ends early and still
    prints the summary). Payloads are never shown unless --payload is given.
    """
    opts = get_options()
    chosen = [name for name, value in (("POD", pod), ("--interface", interface), ("--pcap", pcap_path)) if value]
    if len(chosen) != 1:
        usage_error("give exactly one of POD, --interface IF or --pcap FILE")
    if netns and not interface:
        usage_error("--netns goes with --interface")
    if bpf and pcap_path:
        usage_error(
            "-f filters live captures; filter a file with: tcpdump -r FILE -w - 'FILTER' | kubetraffic capture --pcap -"
        )
    if write_to is not None and write_to == "-":
        usage_error("--write needs a file name (stdout carries the summary)")
    live = pcap_path is None
    limits = CaptureLimits(
        max_packets=count if count is not None else (LIVE_COUNT if live else None),
        max_seconds=duration if duration is not None else (LIVE_SECONDS if live else None),
        max_bytes=parse_size(max_bytes) if max_bytes else (LIVE_BYTES if live else None),
        snaplen=snaplen or (LIVE_SNAPLEN if live else DEFAULT_SNAPLEN),
        sample=sample,
    )
    source: CaptureSource
    if pcap_path is not None:
        from kubetraffic.adapters.capture.pcap_file import PcapSource

        source = PcapSource(pcap_path)
        namer = _namer(opts, live_cluster=False)
    elif interface is not None:
        from kubetraffic.adapters.capture.interface import InterfaceSource

        source = InterfaceSource(interface, bpf=bpf, snaplen=limits.snaplen, netns=netns)
        namer = _namer(opts, live_cluster=False)
    else:
        assert pod is not None
        from kubetraffic.cli.capture_pod import pod_source

        try:
            source = pod_source(opts, pod, container=container, image=image, bpf=bpf, limits=limits, yes=yes)
        except CaptureError as exc:
            fail(str(exc), getattr(exc, "exit_code", EXIT_USAGE))
        namer = _namer(opts, live_cluster=True)
    summariser = Summariser(source.description, limits, names=namer, keep_payload=payload)
    summary = _run(source, summariser, bpf, write_to)
    _print(summary, opts, payload=payload, written=write_to)
    for line in source.notes():
        note(line)
    if summary.error:
        note(f"{source.description}: {summary.error}")
        raise SystemExit(EXIT_USAGE)
    raise SystemExit(EXIT_OK)


def _run(source: CaptureSource, summariser: Summariser, bpf: str | None, write_to: str | None) -> CaptureSummary:
    """Run the capture with progress on stderr; a capture that cannot start is a one-line error."""
    from kubetraffic.adapters.capture.runner import Progress, run_capture

    tty = sys.stderr.isatty()

    announce = source.live and (tty or source.description != "stdin")  # a pipe into us is quiet

    def started() -> None:
        """One line once packets are being captured (tests and scripts wait for it)."""
        if announce:
            where = f" (filter: {bpf})" if bpf else ""
            note(f"capturing on {source.description}{where}, up to {summariser.limits.describe()}; Ctrl+C stops")

    def progress(p: Progress) -> None:
        """Packets so far and seconds left, rewritten in place on a terminal."""
        if tty and source.live:
            left = f", {p.remaining:.0f} s left" if p.remaining is not None else ""
            sys.stderr.write(f"\r\x1b[K  {p.packets} packets, {p.bytes / 1000:.1f} kB{left}")
            sys.stderr.flush()

    try:
        summary = run_capture(source, summariser, write_to=write_to, on_started=started, on_progress=progress)
    except CaptureError as exc:
        fail(str(exc), getattr(exc, "exit_code", EXIT_USAGE))
    if tty and source.live:
        sys.stderr.write("\r\x1b[K")
    if summary.stop_reason and source.live:
        note(f"capture ended: {summary.stop_reason} ({summary.packets} packets)")
    return summary


def _print(summary: CaptureSummary, opts: GlobalOptions, *, payload: bool, written: str | None) -> None:
    if opts.output in ("json", "yaml"):
        from kubetraffic.render.capture import capture_data
        from kubetraffic.render.output import write_data

        write_data(capture_data(summary), opts.output)
    else:
        from kubetraffic.render.capture import capture_view
        from kubetraffic.render.output import make_console

        make_console(opts.color).print(capture_view(summary, payload=payload))
    if written:
        note(f"wrote {written} (mode 0600)")


def _namer(opts: GlobalOptions, *, live_cluster: bool) -> Namer:
    """Names for addresses from the chosen cluster source; without one, only DNS answers name them.

    Offline captures (--pcap, --interface) consult a cluster only when one was chosen
    explicitly (--snapshot, --demo or --context); a pod capture uses the live cluster. Either
    way a cluster that cannot be read just means fewer names.
    """
    wanted = bool(opts.snapshot or opts.demo or opts.context or live_cluster)
    module = "kubetraffic.adapters.demo" if opts.demo else None if opts.snapshot else "kubetraffic.adapters.kube"
    if not wanted or (module is not None and importlib.util.find_spec(module) is None):
        return Namer()
    try:
        state = make_source(opts).open()
    except (Exception, SystemExit) as exc:
        note(f"warning: no names from the cluster ({exc})")
        return Namer()
    return Namer(state)
