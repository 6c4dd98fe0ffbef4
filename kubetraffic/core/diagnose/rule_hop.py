"""The routing hop: which rule took the request (or why none did), and the near misses."""

from __future__ import annotations

from kubetraffic.core.diagnose.model import Hop, RouteChoice, Status
from kubetraffic.core.metrics import MetricsTarget
from kubetraffic.core.routing.answer import Miss, RouteAnswer
from kubetraffic.core.routing.request import HttpRequest

MAX_MISSES = 5


def route_choice(answer: RouteAnswer) -> RouteChoice | None:
    """The JSON ``route`` object; None when nothing (no rule, no default backend) matched."""
    if answer.kind is None or not answer.name:
        return None
    backend = answer.primary
    return RouteChoice(
        kind=answer.kind,
        namespace=answer.namespace,
        name=answer.name,
        host=answer.host,
        path=answer.path,
        path_type=answer.path_type,
        default_backend=answer.default_backend,
        backend_service=backend.ref if backend else "",
        backend_port=backend.port if backend else None,
    )


def _target(answer: RouteAnswer) -> MetricsTarget | None:
    if not answer.name:
        return None
    backend = answer.primary
    return MetricsTarget(
        "rule" if answer.kind == "Ingress" else "route",
        answer.namespace,
        answer.name,
        host=answer.host,
        path=answer.path,
        service=backend.service if backend else None,
        port=backend.port if backend else None,
    )


def _no_match_fix(answer: RouteAnswer, req: HttpRequest, misses: list[Miss]) -> str:
    for miss in misses:
        obj = miss.what.split(" (")[0]
        if "does not exist" in miss.reason or "no default IngressClass" in miss.reason:
            to = (
                answer.entry.name
                if answer.entry.kind == "IngressClass" and "(" not in answer.entry.name
                else "an existing IngressClass"
            )
            return f"set spec.ingressClassName of {obj} to {to} ({miss.reason.split(';')[0]})"
        if "belongs to class" in miss.reason:
            return f"move {obj} to class {answer.entry.name}, or send the request to its controller"
    if answer.entry.kind == "Gateway":
        return f"add an HTTPRoute rule for {req.authority}{req.path} attached to {answer.entry.name}"
    return f"add a rule for host {req.authority} with a path covering {req.path} (class {answer.entry.name})"


def rule_hop(answer: RouteAnswer, req: HttpRequest, extra_misses: list[Miss]) -> Hop:
    """The hop for the routing decision at the chosen entry."""
    misses = list(dict.fromkeys([*answer.misses, *extra_misses]))[:MAX_MISSES]
    if answer.outcome == "routed":
        misses = [m for m in extra_misses if "does not exist" in m.reason or "belongs to" in m.reason][:MAX_MISSES]
    evidence = [*answer.evidence, *(f"not chosen: {m}" for m in misses)]
    evidence.extend(f"route status: {c}" for c in answer.route_conditions)
    target = _target(answer)
    name = answer.ref or f"{answer.entry.kind} {answer.entry.name}"
    if answer.outcome == "no-match":
        summary = f"no rule matches {req.authority}{req.path}" + (f": {answer.response}" if answer.response else "")
        return Hop("rule", name, "fail", summary, tuple(evidence), _no_match_fix(answer, req, misses), target)
    summary = answer.decision()
    if answer.outcome == "error":
        problems = [f"{b.describe()}: {b.problem}" for b in answer.backends if b.problem]
        fix = problems[0] if problems else "give the rule a valid backendRef"
        evidence[:0] = problems
        return Hop("rule", name, "fail", summary, tuple(evidence), f"fix the backend: {fix}", target)
    status: Status = "ok"
    if answer.outcome == "default":
        status = "warn"
        evidence.insert(0, "served by a defaultBackend: no path of a rule matched")
    if any(b.problem for b in answer.backends):
        status = "warn"
        evidence[:0] = [f"{b.describe()}: {b.problem}" for b in answer.backends if b.problem]
    if any(c.endswith("=False") or "=False " in c for c in answer.route_conditions):
        status = "warn"
    if answer.primary is not None and answer.primary.resource:
        evidence.append("a Resource backend is not a Service: the trace stops here")
    return Hop("rule", name, status, summary, tuple(evidence), None, target)
