"""One line per flow saying what the wire showed, in the words an SRE would use.

"SYN sent 4 times, no reply: silently dropped", "RST from 10.244.2.20:8080: port closed or
rejected", "ICMP port unreachable from 10.96.0.10: nothing listens on UDP 53 there, or a
firewall rejects it". The state decides the sentence; counts and addresses fill it in.
"""

from __future__ import annotations

from kubetraffic.core.capture.decode import ICMP, TCP, UDP, endpoint_text, ip_text
from kubetraffic.core.capture.flows import Flow, IcmpError

_ICMP4_UNREACH = {
    0: "network unreachable",
    1: "host unreachable",
    2: "protocol unreachable",
    3: "port unreachable",
    4: "fragmentation needed",
    5: "source route failed",
    6: "destination network unknown",
    7: "destination host unknown",
    9: "network administratively prohibited",
    10: "host administratively prohibited",
    13: "communication administratively prohibited",
}
_ICMP6_UNREACH = {
    0: "no route to destination",
    1: "communication administratively prohibited",
    2: "beyond scope of source address",
    3: "address unreachable",
    4: "port unreachable",
    5: "source address failed policy",
    6: "reject route to destination",
}
_PROTO_NAMES = {TCP: "TCP", UDP: "UDP", ICMP: "ICMP", 58: "ICMPv6", 132: "SCTP", 47: "GRE", 50: "ESP", 2: "IGMP"}


def protocol_name(proto: int) -> str:
    """TCP, UDP, ICMP, ICMPv6, SCTP, ... or the protocol number."""
    return _PROTO_NAMES.get(proto, str(proto))


def icmp_text(error: IcmpError) -> str:
    """``ICMP port unreachable``, ``ICMPv6 packet too big``, ..."""
    v4 = error.proto == ICMP
    label = "ICMP" if v4 else "ICMPv6"
    if (v4 and error.type == 3) or (not v4 and error.type == 1):
        what = (_ICMP4_UNREACH if v4 else _ICMP6_UNREACH).get(
            error.code, f"destination unreachable (code {error.code})"
        )
    elif (v4 and error.type == 11) or (not v4 and error.type == 3):
        what = "time exceeded (TTL)" if error.code == 0 else "fragment reassembly time exceeded"
    elif not v4 and error.type == 2:
        what = "packet too big"
    elif (v4 and error.type == 12) or (not v4 and error.type == 4):
        what = "parameter problem"
    elif v4 and error.type == 5:
        what = "redirect"
    else:
        what = f"type {error.type} code {error.code}"
    return f"{label} {what}"


def _why_icmp(error: IcmpError, flow: Flow) -> str:
    """What an unreachable error usually means, for the flow it quotes."""
    text = icmp_text(error)
    proto = protocol_name(flow.proto)
    if text.endswith("port unreachable"):
        return f"nothing listens on {proto} {flow.dport} there, or a firewall rejects it"
    if "prohibited" in text or "failed policy" in text or "reject route" in text:
        return "a firewall or network policy rejects it"
    if "time exceeded" in text:
        return "a routing loop or a TTL too small"
    if "unreachable" in text or "unknown" in text or "no route" in text:
        return "no route to it"
    return "the packet was not delivered"


def human_bytes(count: int) -> str:
    """``512 B``, ``1.2 kB``, ``3.4 MB`` (decimal units, as network tools count)."""
    if count < 1000:
        return f"{count} B"
    for unit in ("kB", "MB", "GB"):
        count_f = count / 1000
        if count_f < 1000 or unit == "GB":
            return f"{count_f:.1f} {unit}"
        count = int(count_f)
    return f"{count} B"  # pragma: no cover


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _times(n: int) -> str:
    return "once" if n == 1 else "twice" if n == 2 else f"{n} times"


def diagnose(flow: Flow, state: str | None = None, src: str | None = None, dst: str | None = None) -> str:
    """The one-line diagnosis of a flow, from its state and counters.

    ``state``, ``src`` and ``dst`` (``ip:port`` text) may be passed when already computed.
    """
    state = state or flow.state
    src = src or endpoint_text(flow.src, flow.sport)
    dst = dst or endpoint_text(flow.dst, flow.dport)
    line = _line(flow, state, src, dst)
    notes = [icmp_text(e) + f" from {ip_text(e.reporter)}" for e in flow.icmp_notes if e is not flow.icmp]
    if flow.began_mid and state not in ("partial", "icmp-unreachable"):
        notes.append("capture began mid-flow")
    return line + "".join(f"; {n}" for n in notes[:2])


def _line(flow: Flow, state: str, src: str, dst: str) -> str:
    if state == "icmp-unreachable":
        assert flow.icmp is not None
        reporter = ip_text(flow.icmp.reporter)
        return f"{icmp_text(flow.icmp)} from {reporter}: {_why_icmp(flow.icmp, flow)}"
    if flow.proto == TCP:
        return _tcp_line(flow, state, src, dst)
    if flow.proto == UDP:
        if flow.dns_queries:
            queries = "1 query" if flow.dns_queries == 1 else f"{flow.dns_queries} queries"
            return f"DNS: {queries}, {flow.dns_answers} answered"
        if flow.rev_packets:
            return f"{_count(flow.fwd_packets, 'packet')} out, {flow.rev_packets} back"
        return f"{_count(flow.fwd_packets, 'packet')} sent, no reply seen"
    if flow.proto in (ICMP, 58) and (flow.sport or flow.dport):
        if flow.rev_packets:
            replies = "1 reply" if flow.rev_packets == 1 else f"{flow.rev_packets} replies"
            return f"echo: {_count(flow.fwd_packets, 'request')}, {replies}"
        return f"echo request sent {_times(flow.fwd_packets)}, no reply"
    return f"{flow.packets} packets, {human_bytes(flow.bytes)}"


def _tcp_line(flow: Flow, state: str, src: str, dst: str) -> str:
    rtt = flow.handshake_rtt
    if state == "no-reply":
        if flow.synacks:
            return f"SYN-ACK sent {_times(flow.synacks)}, never acknowledged: replies to {src} are lost on the way back"
        if flow.syns >= 2:
            return f"SYN sent {_times(flow.syns)}, no reply: silently dropped"
        return "SYN sent once, no reply yet: too soon to call it a drop (no retransmit captured)"
    if state == "reset":
        who = dst if flow.rst == 2 else src
        if not flow.synacks and flow.established_ts is None and not flow.began_mid:
            if flow.rst == 2:
                return f"RST from {who}: port closed or rejected"
            return f"RST from {who}: the client aborted the connection attempt"
        side = "server" if flow.rst == 2 else "client"
        return f"RST from {who} ({side}) after {human_bytes(flow.bytes)}: connection aborted"
    if state == "closed":
        timing = f", handshake {rtt * 1000:.2f} ms" if rtt is not None else ""
        return f"closed (FIN) after {human_bytes(flow.fwd_bytes)} out, {human_bytes(flow.rev_bytes)} back{timing}"
    if state == "established":
        if flow.established_ts is None and not flow.began_mid:
            return "SYN-ACK seen, handshake not completed in the capture"
        timing = f"handshake {rtt * 1000:.2f} ms, " if rtt is not None else ""
        return f"open: {timing}{human_bytes(flow.fwd_bytes)} out, {human_bytes(flow.rev_bytes)} back"
    return f"capture began mid-flow: {flow.packets} packets, {human_bytes(flow.bytes)}, no handshake seen"
