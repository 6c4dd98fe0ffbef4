"""``egress`` and ``explain`` answers: the JSON contract (DESIGN.md §4) and a walkthrough
for people — traffic, DNS, egress side, ingress side, verdict, fix — with the policy and
rule names a user can grep for."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from kubetraffic.core.diagnose.egress import EgressAnswer
from kubetraffic.core.objects import NetworkPolicy
from kubetraffic.core.policy import NO_RULES, ConnectionVerdict, DnsCheck, ExternalPeer, Fix, Peer, PodPeer, SideVerdict
from kubetraffic.core.policy.describe import describe_rule
from kubetraffic.core.ports import PortSet
from kubetraffic.core.state import ClusterState
from kubetraffic.render.text import data

MAX_MISSES_SHOWN = 6
MAX_TARGETS_SHOWN = 10
LABEL_WIDTH = 9


# --------------------------------------------------------------------------------- JSON
def ports_data(ports: PortSet | None) -> Any:
    """``"all"`` or ``{"TCP": [80, "8000-9000"]}`` (the matrix shape); None stays None."""
    if ports is None:
        return None
    return "all" if ports.is_all() else ports.describe()


def side_data(side: SideVerdict | None) -> dict[str, Any] | None:
    """One side per the contract, plus exempt, notes, also_matched and each miss's failed parts."""
    if side is None:
        return None
    out: dict[str, Any] = {
        "allowed": side.allowed,
        "isolated": side.isolated,
        "policies": list(side.policies),
        "matched": None if side.matched is None else {"policy": side.matched.policy, "rule": side.matched.rule},
        "misses": [
            {"policy": m.policy, "rule": m.rule, "reason": m.reason, "failed": list(m.failed)} for m in side.misses
        ],
        "pod": side.pod,
        "exempt": side.exempt,
        "also_matched": [{"policy": r.policy, "rule": r.rule} for r in side.also_matched],
        "notes": list(side.notes),
    }
    if side.ports is not None:
        out["ports"] = ports_data(side.ports)
    return out


def peer_data(peer: Peer) -> dict[str, Any]:
    """A peer as ip/pod fields."""
    if isinstance(peer, PodPeer):
        return {"pod": peer.name, "ip": peer.pod.ip}
    return {"pod": None, "ip": peer.ip, "host": peer.host}


def fix_yaml(fix: Fix) -> str:
    """The fix as YAML documents, ready for ``kubectl apply -f -`` (long lines kept whole)."""
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    docs = [yaml.dump(p, Dumper=dumper, sort_keys=False, default_flow_style=False, width=10_000) for p in fix.policies]
    return "---\n".join(docs)


def fix_data(fix: Fix | None) -> dict[str, Any] | None:
    """``{"summary", "yaml"}`` plus verified, notes, prerequisites and the manifest."""
    if fix is None:
        return None
    return {
        "summary": fix.summary,
        "yaml": fix_yaml(fix),
        "verified": fix.verified,
        "prerequisites": list(fix.prerequisites),
        "notes": list(fix.notes),
        "manifest": fix.manifest,
    }


def dns_data(dns: DnsCheck | None, fix: Fix | None = None) -> dict[str, Any] | None:
    """The DNS check: allowed, per protocol, the servers judged and the fix when denied."""
    if dns is None:
        return None
    denied = next((v for v in (dns.udp, dns.tcp) if not v.allowed), None)
    return {
        "allowed": dns.allowed,
        "udp": dns.udp.allowed,
        "tcp": dns.tcp.allowed,
        "summary": dns.summary,
        "servers": list(dns.servers),
        "assumed": dns.assumed,
        "denied_servers": list(dns.denied_servers),
        "egress": side_data((denied or dns.udp).egress),
        "ingress": side_data((denied or dns.udp).ingress),
        "fix": fix_data(fix),
    }


def answer_data(answer: EgressAnswer) -> dict[str, Any]:
    """The ``egress -o json`` / ``explain -o json`` document."""
    v = answer.verdict
    src = answer.source
    source: dict[str, Any] = {"text": src.text, "kind": src.kind}
    dest: dict[str, Any] = {"ip": None, "host": None, "pod": None, "port": None, "protocol": answer.protocol}
    if v is not None:
        source.update(peer_data(v.source))
        dest.update(peer_data(v.destination))
        dest["host"] = v.destination.host if isinstance(v.destination, ExternalPeer) else None
        dest["port"] = v.port
        dest["protocol"] = v.protocol
        dest["named_port"] = v.port_name
    if src.workload is not None:
        source["workload"] = src.workload.ref
    dst = answer.destination
    if dst.kind == "host":
        dest["host"] = dst.host
        dest["addresses"] = list(answer.addresses)
    dest.update({"text": dst.text, "kind": dst.kind, "via": answer.via})
    if dst.kind == "service":
        dest["service"] = dst.ref
    if dst.kind == "workload" and dst.workload is not None:
        dest["workload"] = dst.workload.ref
    if dst.kind == "cidr":
        dest["cidr"] = dst.host
    return {
        "source": source,
        "destination": dest,
        "allowed": answer.allowed,
        "egress": side_data(v.egress if v else None),
        "ingress": side_data(v.ingress if v else None),
        "dns": dns_data(answer.dns, answer.dns_fix),
        "fix": fix_data(answer.fix),
        "ports": ports_data(v.ports) if v is not None else None,
        "notes": list(dict.fromkeys([*answer.notes, *(v.notes if v else ())])),
        "targets": [
            {
                "source": v2.source.name,
                "destination": v2.destination.name,
                "port": v2.port,
                "protocol": v2.protocol,
                "allowed": v2.allowed,
                "via": via,
            }
            for v2, via in zip(answer.verdicts, answer.vias, strict=True)
        ],
    }


# ------------------------------------------------------------------------------- people
INDENT = "  "
NESTED = INDENT + " " * LABEL_WIDTH


def _line(label: str, body: Text | str, style: str = "", indent: str = INDENT) -> Text:
    out = Text(indent + label.ljust(LABEL_WIDTH), style="bold")
    out.append(body if isinstance(body, Text) else data(body, style))
    return out


def _more(body: Text | str, indent: str = INDENT) -> Text:
    out = Text(indent + " " * LABEL_WIDTH)
    out.append(body if isinstance(body, Text) else data(body))
    return out


def _traffic(v: ConnectionVerdict) -> str:
    port = "any port" if v.port is None else f"{v.protocol} {v.port}"
    if v.port_name:
        port += f" ({v.port_name})"
    return f"{v.source.name} → {v.destination.name} {port}"


def _rule_text(state: ClusterState | None, policy: str, rule: int, direction: str) -> str:
    if state is None or rule == NO_RULES:
        return ""
    ns, _, name = policy.partition("/")
    pol: NetworkPolicy | None = state.get("NetworkPolicy", (ns, name))
    rules = (pol.ingress if direction == "ingress" else pol.egress) if pol else ()
    return f" ({describe_rule(rules[rule], direction, ns)})" if 0 <= rule < len(rules) else ""


def side_lines(
    side: SideVerdict | None, label: str, state: ClusterState | None, outside: str, indent: str = INDENT
) -> list[Text]:
    """One side as lines: not isolated / allowed by / denied with nearest misses."""
    if side is None:
        return [_line(label, outside, "dim", indent)]
    if side.exempt:
        return [_line(label, f"allowed — {side.exempt}", "green", indent)]
    if not side.isolated:
        return [
            _line(label, f"allowed — not isolated: no policy selects {side.pod} for {side.direction}", "green", indent)
        ]
    names = ", ".join(side.policies)
    count = f"{len(side.policies)} polic{'y' if len(side.policies) == 1 else 'ies'}"
    if side.allowed:
        if side.ports is not None:
            return [_line(label, f"allows {side.ports} (isolated by {count}: {names})", "green", indent)]
        out = []
        if side.matched is not None:
            m = side.matched
            body = f"allowed by {m.policy} rule {m.rule}{_rule_text(state, m.policy, m.rule, side.direction)}"
            out.append(_line(label, body, "green", indent))
        out.append(_more(f"isolated by {count}: {names}", indent))
        out += [_more(n, indent) for n in side.notes]
        return out
    out = [_line(label, f"isolated by {count} ({names}); none allows this traffic", "red", indent)]
    for i, miss in enumerate(side.misses[:MAX_MISSES_SHOWN]):
        where = miss.policy if miss.rule == NO_RULES else f"{miss.policy} rule {miss.rule}"
        out.append(_more(f"{'nearest: ' if i == 0 else ''}{where} — {miss.reason}", indent))
    if len(side.misses) > MAX_MISSES_SHOWN:
        out.append(
            _more(indent=indent, body=f"… and {len(side.misses) - MAX_MISSES_SHOWN} more misses (-o json lists all)")
        )
    return out


def fix_lines(fix: Fix, label: str = "fix", indent: str = INDENT) -> list[Text]:
    """The fix: summary, prerequisites, the heredoc to paste, and how it was verified."""
    out = [_line(label, fix.summary, "yellow", indent)]
    out += [_more(f"first: {cmd}", indent) for cmd in fix.prerequisites]
    out.append(_more("kubectl apply -f - <<'EOF'", indent))
    out += [_more(line, indent) for line in fix_yaml(fix).rstrip("\n").split("\n")]
    out.append(_more("EOF", indent))
    out += [_more(n, indent) for n in fix.notes]
    return out


def dns_lines(dns: DnsCheck, fix: Fix | None, state: ClusterState | None) -> list[Text]:
    """The DNS line (allowed by, or what denies it, with its fix)."""
    if dns.allowed:
        out = [_line("DNS", dns.summary, "green")]
    else:
        out = [_line("DNS", f"denied — {dns.summary}", "red")]
        bad = next(v for v in (dns.udp, dns.tcp) if not v.allowed)
        for side in bad.denied_sides:
            out += side_lines(side, side.direction, state, "", NESTED)
        if fix is not None:
            out += fix_lines(fix, "fix", NESTED)
    if dns.assumed:
        out.append(_more("no kube-system k8s-app=kube-dns pod is loaded: judged against one with those labels"))
    return out


def answer_view(answer: EgressAnswer, state: ClusterState | None = None) -> RenderableType:
    """The walkthrough: traffic → DNS → egress side → ingress side → verdict → fix."""
    v = answer.verdict
    rows: list[Text] = []
    head = Text("✔ allowed  " if answer.allowed else "✖ denied  ", style="bold green" if answer.allowed else "bold red")
    if v is None:
        head.append(data(f"{answer.source.text} → {answer.destination.text}: nothing to judge"))
        rows.append(head)
        rows += [_line("note", n) for n in answer.notes]
        return Group(*rows)
    head.append(data(_traffic(v)))
    rows.append(head)
    if answer.via:
        rows.append(_line("via", answer.via))
    if answer.destination.kind == "host":
        rows.append(_line("resolved", f"{answer.destination.host} → {', '.join(answer.addresses) or 'nothing'}"))
    if answer.dns is not None and not answer.dns.allowed:
        rows += dns_lines(answer.dns, answer.dns_fix, state)
    rows += side_lines(v.egress, "egress", state, "(source outside the cluster: no egress policy applies)")
    rows += side_lines(v.ingress, "ingress", state, "(destination outside the cluster: no ingress policy applies)")
    if answer.dns is not None and answer.dns.allowed:
        rows += dns_lines(answer.dns, None, state)
    rows.append(_verdict_line(answer, v))
    if v.ports is not None and v.allowed:
        rows.append(_more(f"ports allowed: {v.ports}"))
    rows += _targets(answer)
    if answer.fix is not None:
        rows += fix_lines(answer.fix)
    for note in dict.fromkeys([*v.notes, *answer.notes]):
        rows.append(_line("note", note, "dim"))
    return Group(*rows)


def _verdict_line(answer: EgressAnswer, v: ConnectionVerdict) -> Text:
    if answer.allowed:
        return _line("verdict", "allowed: " + _why_allowed(v), "green")
    if v.allowed and answer.dns_blocks:
        return _line(
            "verdict", "denied: the connection is allowed, but the name cannot be resolved (DNS denied)", "red"
        )
    sides = " and ".join(f"{s.direction} of {s.pod}" for s in v.denied_sides)
    if v.allowed:
        return _line("verdict", "denied for some targets (see below)", "red")
    if not sides and v.ports is not None:
        return _line("verdict", "denied: egress and ingress allow no port in common", "red")
    return _line("verdict", f"denied by the {sides}", "red")


def _why_allowed(v: ConnectionVerdict) -> str:
    sides = [s for s in (v.egress, v.ingress) if s is not None]
    if not sides:
        return "NetworkPolicy does not apply"
    return " and ".join(f"{s.direction} allows it" for s in sides)


def _targets(answer: EgressAnswer) -> list[Text]:
    if len(answer.verdicts) <= 1:
        return []
    denied = sum(1 for v in answer.verdicts if not v.allowed)
    out = [_line("targets", f"{len(answer.verdicts)} pairs: {len(answer.verdicts) - denied} allowed, {denied} denied")]
    for v in answer.verdicts[:MAX_TARGETS_SHOWN]:
        mark = Text("✔ " if v.allowed else "✖ ", style="green" if v.allowed else "red")
        mark.append(data(_traffic(v)))
        out.append(_more(mark))
    if len(answer.verdicts) > MAX_TARGETS_SHOWN:
        out.append(_more(f"… and {len(answer.verdicts) - MAX_TARGETS_SHOWN} more (-o json lists all)"))
    return out
