"""A capture summary for people (flow table, DNS table, diagnosis lines) and for scripts
(the ``capture -o json`` contract of DESIGN.md §4, key for key).

Everything that came off the wire — DNS names, payloads — is data: it is rendered through
``render.text.data`` so a hostile packet cannot drive the terminal.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from kubetraffic.core.capture import CaptureSummary, DnsRecord, FlowRecord
from kubetraffic.core.capture.diagnosis import human_bytes
from kubetraffic.core.diagnose.model import Hop
from kubetraffic.render.text import data

PROBLEM_STATES = ("no-reply", "reset", "icmp-unreachable")
_STATE_STYLES = {
    "established": "green",
    "closed": "green",
    "udp": "cyan",
    "partial": "yellow",
    "no-reply": "bold red",
    "reset": "bold red",
    "icmp-unreachable": "bold red",
}
PAYLOAD_PREVIEW = 160
MAX_PROBLEMS = 20
MAX_ROWS = 100
"""Rows of the flow table for people; ``-o json`` lists every flow."""


def flow_data(flow: FlowRecord) -> dict[str, Any]:
    """One flow of the JSON contract."""
    return {
        "src": flow.src,
        "dst": flow.dst,
        "protocol": flow.protocol,
        "packets": flow.packets,
        "bytes": flow.bytes,
        "first": flow.first,
        "last": flow.last,
        "state": flow.state,
        "syn_retransmits": flow.syn_retransmits,
        "handshake_rtt_ms": flow.handshake_rtt_ms,
        "src_name": flow.src_name,
        "dst_name": flow.dst_name,
        "diagnosis": flow.diagnosis,
    }


def dns_data(entry: DnsRecord) -> dict[str, Any]:
    """One DNS entry of the JSON contract."""
    return {
        "query": entry.query,
        "type": entry.type,
        "rcode": entry.rcode,
        "answers": list(entry.answers),
        "latency_ms": entry.latency_ms,
        "server": entry.server,
    }


def capture_data(summary: CaptureSummary) -> dict[str, Any]:
    """The ``capture -o json`` document."""
    return {
        "source": summary.source,
        "packets": summary.packets,
        "sampled": summary.sampled,
        "dropped_by_kernel": summary.dropped_by_kernel,
        "flows": [flow_data(f) for f in summary.flows],
        "dns": [dns_data(d) for d in summary.dns],
    }


def _endpoint(address: str, name: str | None) -> Text:
    text = Text(address)
    if name:
        text.append(" ")
        text.append_text(data(name, "dim"))
    return text


def _clock(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%H:%M:%S.%f")[:-3]


def header_line(summary: CaptureSummary) -> Text:
    """``capture of interface eth0: 120 packets, 7 flows, 2 DNS queries · sampled · ...``."""
    text = Text("capture of ")
    text.append_text(data(summary.source, "bold"))
    parts = [f"{summary.packets} packets", f"{len(summary.flows)} flows", f"{len(summary.dns)} DNS queries"]
    if summary.first is not None and summary.last is not None:
        parts.append(f"{_clock(summary.first)}–{_clock(summary.last)} UTC")
    text.append(": " + ", ".join(parts))
    if summary.sampled:
        text.append(f" · sampled: {summary.skipped_packets} packets of unsampled flows skipped", "yellow")
    if summary.dropped_by_kernel:
        text.append(f" · {summary.dropped_by_kernel} dropped by the kernel", "bold yellow")
    return text


def flow_table(flows: tuple[FlowRecord, ...]) -> Table:
    """Flows in the order first seen, with state and diagnosis (at most MAX_ROWS of them)."""
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    for column in ("source", "destination", "proto", "state", "pkts", "bytes", "rtt", "diagnosis"):
        table.add_column(column, justify="right" if column in ("pkts", "bytes", "rtt") else "left")
    for flow in flows[:MAX_ROWS]:
        rtt = f"{flow.handshake_rtt_ms:.2f} ms" if flow.handshake_rtt_ms is not None else ""
        table.add_row(
            _endpoint(flow.src, flow.src_name),
            _endpoint(flow.dst, flow.dst_name),
            flow.protocol,
            Text(flow.state, _STATE_STYLES.get(flow.state, "")),
            str(flow.packets),
            human_bytes(flow.bytes),
            rtt,
            data(flow.diagnosis),
        )
    return table


def dns_table(entries: tuple[DnsRecord, ...]) -> Table:
    """DNS queries with answer, latency and server."""
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    for column in ("query", "type", "rcode", "answers", "latency", "server"):
        table.add_column(column, justify="right" if column == "latency" else "left")
    for entry in entries:
        rcode = entry.rcode or "no answer"
        style = "green" if entry.rcode == "NOERROR" else "bold red"
        if entry.search_of is not None and entry.rcode == "NXDOMAIN":
            rcode, style = "NXDOMAIN (search domain)", "dim"
        latency = f"{entry.latency_ms:.1f} ms" if entry.latency_ms is not None else ""
        table.add_row(
            data(entry.query),
            entry.type,
            Text(rcode, style),
            data(", ".join(entry.answers)),
            latency,
            entry.server + (f" ({entry.retries} retries)" if entry.retries else ""),
        )
    return table


def problem_lines(summary: CaptureSummary, *, limit: int = MAX_PROBLEMS) -> list[Text]:
    """What went wrong, first: failed flows grouped by destination and state, failed DNS queries."""
    groups: dict[tuple[str, str, str], list[FlowRecord]] = {}
    for flow in summary.flows:
        if flow.state in PROBLEM_STATES:
            groups.setdefault((flow.dst, flow.protocol, flow.state), []).append(flow)
    lines = []
    for flows in groups.values():
        first = flows[0]
        line = Text("✖ ", "bold red")
        if len(flows) == 1:
            line.append_text(_endpoint(first.src, first.src_name))
            line.append(" → ")
        line.append_text(_endpoint(first.dst, first.dst_name))
        line.append(f" {first.protocol}: ")
        line.append_text(data(first.diagnosis))
        if len(flows) > 1:
            sources = len({f.src_ip for f in flows})
            line.append(f"  ({len(flows)} flows from {sources} source{'s' if sources > 1 else ''})", "dim")
        lines.append(line)
    variants: dict[str, int] = {}
    for entry in summary.dns:
        if entry.search_of is not None and entry.rcode == "NXDOMAIN":
            variants[entry.search_of] = variants.get(entry.search_of, 0) + 1
    for entry in summary.dns:
        if entry.search_of is not None and entry.rcode == "NXDOMAIN":
            continue  # a search-domain try: expected, counted on its base name's line
        if entry.rcode not in ("NOERROR", None):
            line = Text("✖ ", "bold red")
            line.append_text(data(f"DNS query for {entry.query} ({entry.type}): {entry.rcode} from {entry.server}"))
            more = variants.get(entry.query.rstrip(".").lower())
            if more:
                line.append(f"  (and {more} search-domain variant{'s' if more > 1 else ''})", "dim")
            lines.append(line)
        elif entry.rcode is None:
            line = Text("▲ ", "yellow")
            line.append_text(data(f"DNS query for {entry.query} ({entry.type}) to {entry.server}: no answer captured"))
            lines.append(line)
    if len(lines) > limit:
        lines = [*lines[:limit], Text(f"  … and {len(lines) - limit} more problems", "dim")]
    return lines


def payload_lines(summary: CaptureSummary) -> list[Text]:
    """The first payloads of each flow as escaped text (only when payloads were kept)."""
    lines = []
    for flow in summary.flows:
        for _ts, from_src, payload in flow.payloads:
            arrow = f"{flow.src} → {flow.dst}" if from_src else f"{flow.dst} → {flow.src}"
            preview = payload[:PAYLOAD_PREVIEW].decode("latin-1")
            line = Text(f"{arrow} {len(payload)} B: ", "dim")
            line.append_text(data(preview.encode("unicode_escape").decode("ascii")))
            lines.append(line)
    return lines


def capture_view(summary: CaptureSummary, *, payload: bool = False) -> RenderableType:
    """The whole summary for a terminal."""
    parts: list[RenderableType] = [header_line(summary)]
    problems = problem_lines(summary)
    if problems:
        parts += [Text(""), *problems]
    if summary.flows:
        parts += [Text(""), flow_table(summary.flows)]
        if len(summary.flows) > MAX_ROWS:
            parts.append(Text(f"… and {len(summary.flows) - MAX_ROWS} more flows (-o json lists them all)", "dim"))
    else:
        parts += [Text("no flows captured", "dim")]
    if summary.dns:
        parts += [Text(""), Text("DNS", "bold"), dns_table(summary.dns)]
    if payload:
        shown = payload_lines(summary)
        parts += [Text(""), Text("payloads (first packets of each flow)", "bold"), *(shown or [Text("none", "dim")])]
    return Group(*parts)


_HOP_STYLES = {"ok": "green", "warn": "yellow", "fail": "bold red", "unknown": "dim"}


def hop_data(hop: Hop) -> dict[str, Any]:
    """A hop as the trace contract shows one (kind, name, status, summary, evidence, fix)."""
    return {
        "kind": hop.kind,
        "name": hop.name,
        "status": hop.status,
        "summary": hop.summary,
        "evidence": list(hop.evidence),
        "fix": hop.fix,
    }


def wire_lines(hop: Hop, *, indent: str = "  ", width: int = 9) -> list[Text]:
    """The wire hop under a verdict: its summary, then evidence and fix, indented."""
    head = Text(indent + "wire".ljust(width), style="bold")
    head.append_text(data(hop.summary, _HOP_STYLES.get(hop.status, "")))
    lines = [head]
    pad = indent + " " * width
    lines += [Text(pad) + data(line, "dim") for line in hop.evidence]
    if hop.fix:
        lines.append(Text(pad) + data(f"wire fix: {hop.fix}"))
    return lines
