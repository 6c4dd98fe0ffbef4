"""Matching a connection's port and protocol against a rule's ``ports``.

Semantics (networking.k8s.io/v1 NetworkPolicyPort):

- No ``ports`` in a rule: every port of every protocol.
- ``protocol`` defaults to TCP; an entry with a protocol and no ``port`` means every port
  of that protocol.
- ``port`` + ``endPort``: the inclusive range; ``endPort`` requires a numeric port.
- A named port is resolved against the *destination* pod's container ports, per pod, by
  name and protocol. A destination that does not define the name — or any address outside
  the cluster's pods — matches nothing: a named port never widens to all ports.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kubetraffic.core.objects import Pod, PolicyPort
from kubetraffic.core.policy.index import CompiledRule, port_ranges
from kubetraffic.core.ports import PortRange, PortSet


def describe_port(p: PolicyPort) -> str:
    """``5432/TCP``, ``30000-32767/TCP``, ``http/TCP`` or ``all UDP ports``."""
    if p.port is None:
        return f"all {p.protocol} ports"
    if p.end_port is not None and p.end_port != p.port:
        return f"{p.port}-{p.end_port}/{p.protocol}"
    return f"{p.port}/{p.protocol}"


def describe_ports(ports: Iterable[PolicyPort]) -> str:
    """The ports of a rule in words: ``[5432/TCP, http/TCP]`` or ``all ports``."""
    items = [describe_port(p) for p in ports]
    return f"[{', '.join(items)}]" if items else "all ports"


def named_ports_of(dst: Pod | None) -> Mapping[tuple[str, str], int]:
    """``(name, protocol) -> port`` of a destination pod; nothing for an address."""
    return dst.named_ports() if dst is not None else {}


def rule_ports(rule: CompiledRule, dst: Pod | None) -> PortSet:
    """The numeric ports ``rule`` allows toward ``dst`` (named ports resolved on that pod)."""
    if rule.numeric is not None:
        return rule.numeric
    named = named_ports_of(dst)
    ranges = port_ranges(rule.ports)
    for p in rule.ports:
        if isinstance(p.port, str):
            number = named.get((p.port, p.protocol))
            if number is not None:
                ranges.append(PortRange(p.protocol, number, number))
    return PortSet.of(ranges)


@dataclass(frozen=True, slots=True)
class PortMatch:
    """Whether the rule's ports admit the connection; ``failed`` is port or protocol."""

    matched: bool
    reason: str = ""
    failed: str = "port"


PORT_OK = PortMatch(True)


def match_port(rule: CompiledRule, port: int, protocol: str, dst: Pod | None, dst_text: str) -> PortMatch:
    """Match one numeric port/protocol against ``rule.ports``, explaining a miss
    (``rule_ports`` decides, as for the any-port question and the matrix)."""
    if rule_ports(rule, dst).contains(port, protocol):
        return PORT_OK
    wanted = describe_ports(rule.ports)
    if all(p.protocol != protocol for p in rule.ports):
        return PortMatch(False, f"protocol {protocol} not in rule ports {wanted}", "protocol")
    reason = f"port {port}/{protocol} not in {wanted}"
    named = named_ports_of(dst)
    unresolved = [
        p.port
        for p in rule.ports
        if isinstance(p.port, str) and p.protocol == protocol and (p.port, protocol) not in named
    ]
    if unresolved:
        names = ", ".join(unresolved)
        if dst is None:
            reason += f"; named port {names} never matches an address outside the cluster's pods"
        else:
            reason += f"; {dst_text} defines no {protocol} port named {names}"
    return PortMatch(False, reason)


def unresolved_names(rule: CompiledRule, dst: Pod | None) -> list[str]:
    """Named ports of ``rule`` that ``dst`` does not define (they match nothing there)."""
    named = named_ports_of(dst)
    return [
        f"{p.port}/{p.protocol}" for p in rule.ports if isinstance(p.port, str) and (p.port, p.protocol) not in named
    ]
