"""Route one request at every entry (IngressClass or Gateway) and explain the near misses.

For an IngressClass whose controller is ingress-nginx the answer is nginx's, with the
generic Ingress answer recorded as evidence when the two differ; for other controllers the
answer is the generic one. Which entry the request actually reaches (by DNS address) is
decided by the trace, which knows the controllers' addresses.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import replace

from kubetraffic.core.objects import Gateway
from kubetraffic.core.routing.answer import NGINX_CONTROLLER, Entry, Miss, RouteAnswer, TlsSource
from kubetraffic.core.routing.gateway_route import gateway_entry, route_gateway
from kubetraffic.core.routing.hosts import tls_host_covers
from kubetraffic.core.routing.ingress_generic import route_generic
from kubetraffic.core.routing.ingress_index import ClassRoutes, IngressIndex, ingress_index, wildcard_key
from kubetraffic.core.routing.nginx_model import ANN
from kubetraffic.core.routing.nginx_route import route_nginx
from kubetraffic.core.routing.request import HttpRequest
from kubetraffic.core.state import ClusterState


class ViaError(ValueError):
    """``--via`` names no IngressClass and no Gateway."""


def secret_checker(state: ClusterState) -> Callable[[str, str], bool | None]:
    """``exists(ns, name)``: True/False, or None when Secrets are not visible at all."""
    visible = state.count("Secret") > 0 and "Secret" not in state.gaps

    def exists(namespace: str, name: str) -> bool | None:
        if not visible:
            return None
        return state.secret(namespace, name) is not None

    return exists


def ingress_tls(routes: ClassRoutes, host: str) -> tuple[TlsSource, ...]:
    """TLS entries of the class's Ingresses that have a rule for ``host``."""
    exact, wild = routes.rules_for(host)
    seen: set[tuple[str, str]] = set()
    out: list[TlsSource] = []
    for ing, _ in exact + wild:
        if ing.key in seen:
            continue
        seen.add(ing.key)
        for tls in ing.tls:
            covers = any(tls_host_covers(h, host) for h in tls.hosts)
            out.append(TlsSource(f"Ingress {ing.meta.ref}", ing.meta.namespace, tls.secret_name, tls.hosts, covers))
    return tuple(out)


def route_class(state: ClusterState, routes: ClassRoutes, req: HttpRequest) -> RouteAnswer:
    """The decision of the controller behind one IngressClass."""
    controller = routes.ingress_class.controller
    entry = Entry("IngressClass", routes.name, controller)
    generic = route_generic(routes, entry, req)
    tls = ingress_tls(routes, req.authority) if req.scheme == "https" or controller == NGINX_CONTROLLER else ()
    if controller != NGINX_CONTROLLER:
        notes = list(generic.notes)
        used = sorted({k for i in routes.ingresses for k in i.meta.annotations if k.startswith(ANN)})
        if generic.name and used:
            notes.append(f"{controller or 'this controller'} is not ingress-nginx: {ANN}* annotations have no effect")
        return replace(generic, tls=tls, notes=tuple(notes))
    nginx = route_nginx(routes, entry, req, secret_checker(state))
    evidence = list(nginx.evidence)
    notes = list(nginx.notes)
    if not nginx.same_decision(generic):
        evidence.append(f"generic Ingress semantics would answer: {generic.decision()}")
        notes.append(f"ingress-nginx and the generic Ingress rules differ here; generic: {generic.decision()}")
    return replace(nginx, evidence=tuple(evidence), notes=tuple(notes), misses=generic.misses, tls=tls)


def entries_for(state: ClusterState, via: str | None = None) -> tuple[list[ClassRoutes], list[Gateway]]:
    """IngressClasses (default first) and Gateways to consider, or only the one ``via`` names."""
    index = ingress_index(state)
    gateways = sorted(state.gateways(), key=lambda g: g.meta.ref)
    classes = sorted(index.classes.values(), key=lambda r: (not r.ingress_class.default, r.name))
    if via is None:
        return classes, gateways
    if "/" in via:
        found = [g for g in gateways if g.meta.ref == via]
        if not found:
            raise ViaError(f"--via {via}: no Gateway {via}")
        return [], found
    if via not in index.classes:
        names = ", ".join(sorted(index.classes)) or "none"
        raise ViaError(f"--via {via}: no IngressClass {via!r} (IngressClasses: {names})")
    return [index.classes[via]], []


def route_all(state: ClusterState, req: HttpRequest, via: str | None = None) -> list[RouteAnswer]:
    """One answer per entry, IngressClasses first; raises ViaError for an unknown ``--via``."""
    classes, gateways = entries_for(state, via)
    answers = [route_class(state, routes, req) for routes in classes]
    answers.extend(route_gateway(state, gw, req) for gw in gateways)
    if not answers:
        ingresses = len(state.ingresses())
        why = (
            f"no IngressClass serves the {ingresses} Ingress(es) and there is no Gateway"
            if ingresses
            else "no Ingress and no Gateway in the cluster"
        )
        return [RouteAnswer(Entry("IngressClass", "(no controller)"), "no-match", response=why)]
    return answers


def cross_entry_misses(state: ClusterState, req: HttpRequest, chosen: RouteAnswer) -> list[Miss]:
    """Objects elsewhere that name this host: other classes, unserved Ingresses, similar hosts."""
    index = ingress_index(state)
    host = req.authority
    out: list[Miss] = []
    keys = [host, wildcard_key(host) or ""]
    for key in keys:
        for ing, _ in index.by_host.get(key, []):
            choice = index.choices[ing.key]
            label = f"Ingress {ing.meta.ref} (host {key})"
            if not choice.served:
                out.append(Miss(label, choice.problem or "not served"))
            elif chosen.entry.kind == "IngressClass" and choice.name != chosen.entry.name:
                ctrl = choice.ingress_class.controller if choice.ingress_class else ""
                out.append(Miss(label, f"belongs to {choice.describe()} ({ctrl}), not {chosen.entry.name}"))
    out.extend(_wildcard_depth(index, host))
    if not out and not chosen.matched:
        out.extend(_similar_hosts(state, index, host))
    return list(dict.fromkeys(out))


def _wildcard_depth(index: IngressIndex, host: str) -> list[Miss]:
    out = []
    for rule_host in index.wildcards:
        refs = index.by_host[rule_host]
        if host.endswith(rule_host[1:]) and not tls_host_covers(rule_host, host):
            ing = refs[0][0]
            out.append(
                Miss(f"Ingress {ing.meta.ref} (host {rule_host})", "an Ingress wildcard covers exactly one DNS label")
            )
    return out[:3]


def _similar_hosts(state: ClusterState, index: IngressIndex, host: str) -> list[Miss]:
    hosts = {h for h in index.by_host if h}
    for route in state.http_routes():
        hosts.update(route.hostnames)
    close = difflib.get_close_matches(host, sorted(hosts), n=3, cutoff=0.8)
    return [Miss(f"host {h}", f"is configured and looks like {host}") for h in close if h != host]


__all__ = ["ViaError", "cross_entry_misses", "entries_for", "gateway_entry", "route_all", "route_class"]
