"""Traces for the analysis pane and route health for the navigator, from the trace engine.

A navigator rule becomes one sample request (``sample_request``): its host (a wildcard
host gets an ``any.`` label, a host-less rule the Ingress address) and its path as written,
``https`` when an Ingress TLS entry lists the host; an HTTPRoute match also brings its
method and exact headers. The engine then routes that request like any typed URL, so the
answer is the controller's, not the navigator's guess. Name resolution and the live TLS
probe are I/O and run outside the model lock.
"""

from __future__ import annotations

from datetime import UTC, datetime

from kubetraffic.core.diagnose.model import Trace
from kubetraffic.core.diagnose.observations import DnsAnswer
from kubetraffic.core.diagnose.trace import build_trace, plan_trace, trace_request
from kubetraffic.core.routing import HttpRequest, RequestError, ViaError, parse_request
from kubetraffic.core.state import ClusterState
from kubetraffic.ui import targets as t
from kubetraffic.ui.answers import Problem
from kubetraffic.ui.model import ClusterModel
from kubetraffic.ui.targets import Target

NO_HOST = "ingress.invalid"
"""Host of the sample request for a host-less rule of an Ingress with no address."""


def _host(host: str | None, fallback: str) -> str:
    if not host:
        return fallback
    return "any." + host[2:] if host.startswith("*.") else host


def sample_request(state: ClusterState, target: Target) -> HttpRequest:
    """The request that exercises a navigator rule (or the typed URL itself)."""
    if target.kind == t.URL:
        return parse_request(target.name)
    if target.kind == t.INGRESS_RULE:
        ing = state.get("Ingress", target.key)
        if ing is None:
            raise RequestError(f"Ingress {target.namespace}/{target.name} no longer exists")
        host = _host(target.host, next(iter((*ing.lb_ips, *ing.lb_hostnames)), NO_HOST))
        tls = any(target.host in tls.hosts for tls in ing.tls) if target.host else bool(ing.tls)
        return parse_request(f"{'https' if tls else 'http'}://{host}{target.path or '/'}")
    if target.kind == t.ROUTE_RULE:
        route = state.get("HTTPRoute", target.key)
        if route is None:
            raise RequestError(f"HTTPRoute {target.namespace}/{target.name} no longer exists")
        match = next(
            (m for r in route.rules for m in r.matches if m.path_value == target.path and m.path_type == target.detail),
            None,
        )
        headers = [f"{h.name}: {h.value}" for h in match.headers if h.type == "Exact"] if match else []
        method = match.method if match is not None and match.method else "GET"
        url = f"http://{_host(target.host, NO_HOST)}{target.path or '/'}"
        return parse_request(url, method, headers)
    raise RequestError(f"{target.title()} is not a route")


def trace_target(
    model: ClusterModel, target: Target, resolver: object = None, *, probe: bool = False
) -> Trace | Problem:
    """The trace of a rule or typed URL: plan and build under the lock, I/O outside it."""
    with model.read() as state:
        try:
            req = sample_request(state, target)
        except RequestError as exc:
            return Problem(str(exc))
    dns = None
    if resolver is not None:
        res = resolver.resolve(req.host)  # type: ignore[attr-defined]
        dns = DnsAnswer(res.host, res.addresses, res.how, res.error)
    with model.read() as state:
        try:
            plan = plan_trace(state, req, dns=dns)
        except ViaError as exc:
            return Problem(str(exc))
    observation = None
    if probe and plan.probe_address is not None and (req.scheme == "https" or plan.answer.outcome == "redirect"):
        from kubetraffic.adapters.tls import probe_tls

        observation = probe_tls(plan.probe_address, req.port if req.scheme == "https" else 443, req.host)
    with model.read() as state:
        return build_trace(state, plan, probe=observation, now=datetime.now(UTC))


def route_health(state: ClusterState, target: Target) -> tuple[str, str]:
    """(status, detail) of one rule for the navigator: the offline trace of its sample request."""
    try:
        trace = trace_request(state, sample_request(state, target))
    except (RequestError, ViaError) as exc:
        return "unknown", str(exc)
    if trace.first_failure is not None:
        hop = trace.hops[trace.first_failure]
        return "fail", f"{hop.kind}: {hop.summary}"
    warn = next((h for h in trace.hops if h.status == "warn"), None)
    if warn is not None:
        return "warn", f"{warn.kind}: {warn.summary}"
    route = trace.route
    backend = f"→ {route.backend_service.split('/')[-1]}:{route.backend_port}" if route is not None else ""
    return "ok", backend
