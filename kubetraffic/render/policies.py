"""``policies POD``: which policies select a pod for ingress and egress, their rules in words."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from kubetraffic.core.policy import DnsCheck, Fix, PodPolicies
from kubetraffic.core.state import WorkloadRef
from kubetraffic.render.text import data
from kubetraffic.render.verdict import dns_data, dns_lines


def policies_data(
    answer: PodPolicies, workload: WorkloadRef | None, dns: DnsCheck | None, fix: Fix | None = None
) -> dict[str, Any]:
    """The ``policies -o json`` document."""
    return {
        "pod": answer.pod,
        "workload": None if workload is None else {"kind": workload.kind, "name": workload.ref},
        "ingress": {"isolated": answer.ingress_isolated, "policies": list(answer.ingress)},
        "egress": {"isolated": answer.egress_isolated, "policies": list(answer.egress)},
        "policies": [{"name": name, "rules": lines} for name, lines in answer.rules.items()],
        "not_selecting": [{"name": name, "reason": why} for name, why in answer.others],
        "dns": dns_data(dns, fix),
        "notes": list(answer.notes),
    }


def policies_view(
    answer: PodPolicies, workload: WorkloadRef | None, dns: DnsCheck | None, fix: Fix | None = None
) -> RenderableType:
    """The pod, each direction's isolation, each selecting policy with its rules, the rest."""
    head = Text(style="bold")
    head.append(data(answer.pod))
    if workload is not None:
        head.append(data(f"  ({workload})", "dim"))
    rows: list[Text] = [head]
    for direction, names in (("ingress", answer.ingress), ("egress", answer.egress)):
        label = Text(f"  {direction.ljust(8)} ", style="bold")
        if names:
            label.append(data(f"isolated by {len(names)}: {', '.join(names)}", "yellow"))
        else:
            label.append(data("not isolated: every connection is allowed", "green"))
        rows.append(label)
    for name, lines in answer.rules.items():
        title = Text("  policy   ", style="bold")
        title.append(data(name, "cyan"))
        rows.append(title)
        rows += [Text("    ") + data(line) for line in lines]
    for name, why in answer.others:
        line = Text("  not selecting ", style="dim")
        line.append(data(f"{name} — {why}", "dim"))
        rows.append(line)
    if dns is not None:
        rows += dns_lines(dns, fix, None)
    rows += [Text("  note     ", style="bold") + data(n, "dim") for n in answer.notes]
    return Group(*rows)
