"""The NetworkPolicy view: the rules in words (from the policy engine) and the pods selected."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from kubetraffic.render.text import data
from kubetraffic.ui.answers.policy import PolicyAnswer
from kubetraffic.ui.palette import Palette, palette


class PolicyView(VerticalScroll):
    """Shows one ``PolicyAnswer``."""

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static(id="policy-body")

    def show(self, answer: PolicyAnswer) -> None:
        """Render the answer."""
        self.query_one("#policy-body", Static).update(render_policy(answer, palette(self.app)))


def render_policy(answer: PolicyAnswer, pal: Palette) -> RenderableType:
    """Rich rendering of a PolicyAnswer."""
    pol = answer.policy
    parts: list[RenderableType] = [
        data(f"NetworkPolicy {pol.meta.ref}", "bold"),
        Text.assemble(
            ("selects ", "dim"), data(pol.pod_selector.describe()), ("  in ", "dim"), data(pol.meta.namespace)
        ),
        Text.assemble(("policyTypes ", "dim"), ", ".join(pol.policy_types)),
        Text(""),
    ]
    for line in answer.words:
        head, sep, rest = line.partition(": ")
        if sep and (head.startswith(("ingress", "egress"))):
            parts.append(Text.assemble((head, pal.primary), ": ", data(rest)))
        else:
            parts.append(data(line))
    parts += [Text(""), Text(f"selects {answer.pod_count} pod{'s' if answer.pod_count != 1 else ''}", style="bold")]
    if answer.pods:
        more = f" (+{answer.pod_count - len(answer.pods)} more)" if answer.pod_count > len(answer.pods) else ""
        parts.append(data(", ".join(answer.pods) + more, "dim"))
    return Group(*parts)
