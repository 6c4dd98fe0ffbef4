"""Build the hop-by-hop ``Trace`` of one request: client → DNS → entry → controller → rule →
TLS → Service → EndpointSlices → pods → NetworkPolicy.

Two steps so the CLI can probe TLS in between: ``plan_trace`` routes the request at every
entry and picks the one it reaches (the entry whose address DNS returns; else the one whose
rules take it; IngressClasses before Gateways, the default class first); ``build_trace``
turns the plan plus observations into hops. Every hop is evaluated even after a failure, so
a fix can be checked end to end; renderers mark hops after the first failure as not reached.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from kubetraffic.core.diagnose.backend_hops import endpoints_hop, pods_hop, service_hop
from kubetraffic.core.diagnose.controllers import ControllerInfo, find_gateway_controller, find_ingress_controller
from kubetraffic.core.diagnose.front_hops import client_hop, controller_hop, dns_hop, entry_hop
from kubetraffic.core.diagnose.gaps import all_gaps
from kubetraffic.core.diagnose.model import Hop, Trace
from kubetraffic.core.diagnose.observations import DnsAnswer, TlsObservation
from kubetraffic.core.diagnose.policy_hop import policy_hop
from kubetraffic.core.diagnose.rule_hop import route_choice, rule_hop
from kubetraffic.core.diagnose.tls_hop import tls_hop
from kubetraffic.core.ipset import is_ip
from kubetraffic.core.objects import Gateway
from kubetraffic.core.routing.answer import RouteAnswer
from kubetraffic.core.routing.ingress_index import ingress_index
from kubetraffic.core.routing.request import HttpRequest
from kubetraffic.core.routing.route import cross_entry_misses, route_all, secret_checker
from kubetraffic.core.state import ClusterState


@dataclass(frozen=True, slots=True)
class TracePlan:
    """The routing decision for a request and the controller it reaches."""

    request: HttpRequest
    answer: RouteAnswer
    controller: ControllerInfo
    gateway: Gateway | None = None
    dns: DnsAnswer | None = None
    others: tuple[RouteAnswer, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def probe_address(self) -> str | None:
        """Where a TLS probe should connect: the DNS answer, else the entry's first IP."""
        if self.request.host_is_ip:
            return self.request.host
        if self.dns is not None and self.dns.addresses:
            return self.dns.addresses[0]
        return next((a for a in self.controller.addresses if is_ip(a)), None)


def _controller(state: ClusterState, answer: RouteAnswer, req: HttpRequest) -> tuple[ControllerInfo, Gateway | None]:
    entry = answer.entry
    if entry.kind == "Gateway":
        ns, _, name = entry.name.partition("/")
        gateway = next((g for g in state.gateways(ns) if g.meta.name == name), None)
        return (find_gateway_controller(state, gateway) if gateway else ControllerInfo()), gateway
    routes = ingress_index(state).classes.get(entry.name)
    if routes is None:
        return ControllerInfo(), None
    return find_ingress_controller(state, routes, req.authority), None


def plan_trace(
    state: ClusterState, req: HttpRequest, *, via: str | None = None, dns: DnsAnswer | None = None
) -> TracePlan:
    """Route ``req`` everywhere and choose the entry it reaches; raises ViaError for a bad ``via``."""
    answers = route_all(state, req, via)
    controllers = {id(a): _controller(state, a, req) for a in answers}
    chosen = None
    notes: list[str] = []
    if dns is not None and dns.addresses:
        reached = [a for a in answers if set(dns.addresses) & set(controllers[id(a)][0].addresses)]
        chosen = next((a for a in reached if a.matched), reached[0] if reached else None)
    if chosen is None:
        matched = [a for a in answers if a.matched]
        chosen = matched[0] if matched else _closest(answers)
    for other in answers:
        if other is not chosen and other.matched:
            notes.append(f"also routed by {other.entry.describe()}: {other.decision()} (choose with --via)")
    info, gateway = controllers[id(chosen)]
    others = tuple(a for a in answers if a is not chosen)
    return TracePlan(req, chosen, info, gateway, dns, others, (*chosen.notes, *notes))


def _closest(answers: list[RouteAnswer]) -> RouteAnswer:
    """With no match anywhere: the entry that came closest (has the most near misses)."""
    return max(answers, key=lambda a: (len(a.misses), -answers.index(a)))


def build_trace(
    state: ClusterState, plan: TracePlan, *, probe: TlsObservation | None = None, now: datetime | None = None
) -> Trace:
    """The hops for a planned request, with an optional live TLS observation."""
    req, answer, info = plan.request, plan.answer, plan.controller
    entry_label = answer.entry.describe()
    hops: list[Hop] = [
        client_hop(req),
        dns_hop(req, plan.dns, info.addresses, entry_label),
        entry_hop(state, req, answer.entry, info, plan.gateway),
        controller_hop(answer.entry, info),
        rule_hop(answer, req, cross_entry_misses(state, req, answer)),
    ]
    https = req.scheme == "https" or (answer.outcome == "redirect" and "https://" in (answer.response or ""))
    if https and (answer.matched or answer.tls):
        hops.append(tls_hop(answer, req, secret_checker(state), probe, now))
    backend = answer.primary
    if backend is not None and backend.service and answer.outcome != "error" and not backend.resource:
        owner = answer.ref or "the rule"
        service, ctx = service_hop(state, backend, owner)
        hops.append(service)
        if ctx.service is not None and ctx.service.type != "ExternalName":
            hops.append(endpoints_hop(ctx))
            hops.append(pods_hop(state, ctx))
            hops.append(policy_hop(state, info, ctx))
    return Trace(req.url, tuple(hops), route_choice(answer), (*plan.notes, *all_gaps(state)))


def trace_request(
    state: ClusterState,
    req: HttpRequest,
    *,
    via: str | None = None,
    dns: DnsAnswer | None = None,
    probe: TlsObservation | None = None,
    now: datetime | None = None,
) -> Trace:
    """Plan and build in one go (no probe in between)."""
    return build_trace(state, plan_trace(state, req, via=via, dns=dns), probe=probe, now=now)
