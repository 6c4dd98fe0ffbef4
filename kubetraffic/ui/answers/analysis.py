"""One entry point for the analysis pane: what to compute for a selection, and what it reads.

``analyse`` runs in a worker under the model lock; ``dependencies`` tells the pane which
changes make its answer stale, so it re-evaluates only when something it read changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kubetraffic.core.capture import CaptureSummary
from kubetraffic.core.diagnose.model import Trace
from kubetraffic.ui import targets as t
from kubetraffic.ui.answers import Problem, Unavailable
from kubetraffic.ui.answers.details import Facts, pod_facts, workload_facts
from kubetraffic.ui.answers.egress import EgressView, egress_view
from kubetraffic.ui.answers.inventory import GROUP_KINDS, NamespaceRows, NavRow, namespace_rows
from kubetraffic.ui.answers.policy import PolicyAnswer, policy_answer
from kubetraffic.ui.answers.service import ServiceAnswer, service_answer
from kubetraffic.ui.answers.trace import route_health, trace_target
from kubetraffic.ui.model import ClusterModel
from kubetraffic.ui.targets import Target

ROUTING_KINDS = frozenset(
    {
        "Ingress",
        "IngressClass",
        "Gateway",
        "GatewayClass",
        "ListenerSet",
        "HTTPRoute",
        "ReferenceGrant",
        "Service",
        "EndpointSlice",
        "Endpoints",
        "Pod",
        "NetworkPolicy",
        "Namespace",
        "Secret",
        "Node",
    }
)
POLICY_KINDS = frozenset({"NetworkPolicy", "Pod", "Namespace", "Service", "EndpointSlice"})


@dataclass(frozen=True, slots=True)
class Gone:
    """The selected object no longer exists."""

    target: Target


@dataclass(slots=True)
class GroupAnswer:
    """A group row: its children with their statuses."""

    title: str
    rows: list[NavRow] = field(default_factory=list)


@dataclass(slots=True)
class Analysis:
    """The answer for one target plus the supporting answers shown next to it."""

    target: Target
    main: Any
    extra: list[Any] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Context:
    """What answers may use besides the model: name resolution, whether to probe TLS."""

    resolver: object = None
    probe: bool = False
    wire: CaptureSummary | None = None
    """The last capture, for the egress view's "seen on the wire" rows."""


def analyse(
    model: ClusterModel, target: Target, ctx: Context | None = None, destination: str | None = None
) -> Analysis:
    """Compute the answer for ``target`` (call from a worker; takes the lock as needed)."""
    ctx = ctx or Context()
    kind = target.kind
    if kind in t.ROUTE_KINDS:
        return Analysis(target, trace_target(model, target, ctx.resolver, probe=ctx.probe))
    if kind in (t.INGRESS, t.HTTP_ROUTE):
        with model.read() as state:
            rows = namespace_rows(state, target.namespace, route_health)
        group_name = "Ingresses" if kind == t.INGRESS else "HTTPRoutes"
        owner = next(
            (r for g in rows.groups if g.name == group_name for r in g.children if r.target.name == target.name),
            None,
        )
        if owner is None:
            return Analysis(target, Gone(target))
        # The rule to show: the first failing one, else the first degraded one, else the first.
        chosen = next((r for r in owner.children if r.status == "fail"), None) or next(
            (r for r in owner.children if r.status == "warn"), owner.children[0] if owner.children else None
        )
        rules = GroupAnswer(f"rules of {target.title()}", owner.children)
        if chosen is None:
            return Analysis(target, rules)
        return Analysis(target, trace_target(model, chosen.target, ctx.resolver, probe=ctx.probe), [rules])
    if kind in t.TRAFFIC_SOURCES:
        with model.read() as state:
            if kind == t.POD:
                facts = pod_facts(state, target.namespace, target.name)
            else:
                facts = workload_facts(state, target.namespace, target.detail, target.name)
        if facts is None:
            return Analysis(target, Gone(target))
        return Analysis(target, egress_view(model, target, destination, ctx.resolver, ctx.wire), [facts])
    with model.read() as state:
        if kind == t.NAMESPACE:
            return Analysis(target, namespace_rows(state, target.name, route_health))
        if kind == t.GROUP:
            rows = namespace_rows(state, target.namespace, route_health)
            group = next((g for g in rows.groups if g.name == target.detail), None)
            return Analysis(target, GroupAnswer(target.title(), group.children if group else []))
        if kind == t.SERVICE:
            return Analysis(target, service_answer(state, target.namespace, target.name) or Gone(target))
        if kind == t.POLICY:
            return Analysis(target, policy_answer(state, target.namespace, target.name) or Gone(target))
    return Analysis(target, Unavailable(f"nothing to analyse for {target.title()}"))


def dependencies(target: Target) -> tuple[frozenset[str], set[str] | None]:
    """(kinds, namespaces or None for any) whose changes make the answer stale."""
    kind = target.kind
    if kind in t.ROUTE_KINDS or kind in (t.INGRESS, t.HTTP_ROUTE, t.NAMESPACE):
        return ROUTING_KINDS, None
    if kind == t.GROUP:
        return frozenset(GROUP_KINDS.get(target.detail, ())) | {"Ingress", "Service"}, {target.namespace}
    if kind == t.SERVICE:
        return frozenset({"Service", "EndpointSlice", "Endpoints", "Pod", "Ingress", "HTTPRoute"}), None
    if kind == t.POLICY:
        return frozenset({"NetworkPolicy", "Pod", "Namespace"}), None
    return POLICY_KINDS | {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"}, None


ANSWER_TYPES = (
    Trace,
    EgressView,
    ServiceAnswer,
    PolicyAnswer,
    NamespaceRows,
    Facts,
    GroupAnswer,
    Gone,
    Problem,
    Unavailable,
)
