"""Ingress routing as the networking.k8s.io/v1 API defines it (the controller-neutral answer).

Host first: rules for the exact host, then ``*.`` rules covering it (one label), then rules
without a host (they apply to all traffic). Within those, every matching path of every
Ingress of the class competes: the longest path wins regardless of order, Exact beats
Prefix on a tie, and between Ingresses the oldest wins. A request no path takes goes to a
``defaultBackend``: the one of the oldest Ingress whose host rule matched, else an Ingress
with only a defaultBackend; with none the controller answers itself (usually 404).
"""

from __future__ import annotations

from kubetraffic.core.objects import Ingress, IngressBackend, IngressPath
from kubetraffic.core.routing.answer import Backend, Entry, Miss, RouteAnswer
from kubetraffic.core.routing.ingress_index import ClassRoutes, RuleRef
from kubetraffic.core.routing.paths import (
    EXACT,
    IMPLEMENTATION_SPECIFIC,
    common_prefix_elements,
    ingress_path_matches,
    ingress_precedence,
    prefix_matches,
)
from kubetraffic.core.routing.request import HttpRequest

Candidate = tuple[Ingress, int, int, IngressPath]
"""(ingress, rule index, path index, path)."""


def to_backend(namespace: str, backend: IngressBackend) -> Backend:
    """An IngressBackend as a routing Backend (Resource backends keep their kind)."""
    if backend.is_resource:
        group = f".{backend.resource_group}" if backend.resource_group else ""
        return Backend(namespace, "", None, resource=f"{backend.resource_kind}{group} {backend.resource_name}")
    return Backend(namespace, backend.service, backend.port)


def path_miss_reason(path: IngressPath, request_path: str) -> str:
    """Why one HTTPIngressPath does not take ``request_path``, in words."""
    if path.path_type == EXACT:
        if path.path.lower() == request_path.lower():
            return f"Exact {path.path} is case-sensitive; the request has {request_path}"
        return f"Exact {path.path} matches only that path"
    base = path.path.rstrip("/") or "/"
    if prefix_matches(path.path.lower(), request_path.lower()):
        return f"Prefix {path.path} is case-sensitive; the request has {request_path}"
    if request_path.startswith(base):
        return f"Prefix {path.path} matches whole path elements: {request_path} is not under {base}/"
    return f"{request_path} is not under {base}"


def _candidates(rules: list[RuleRef], request_path: str) -> tuple[list[Candidate], list[Candidate]]:
    hits: list[Candidate] = []
    misses: list[Candidate] = []
    for ing, ri in rules:
        for pi, p in enumerate(ing.rules[ri].paths):
            (hits if ingress_path_matches(p.path_type, p.path, request_path) else misses).append((ing, ri, pi, p))
    return hits, misses


def _label(ing: Ingress, host: str, p: IngressPath) -> str:
    return f"Ingress {ing.meta.ref} {host or '(any host)'} {p.path} {p.path_type}"


def route_generic(routes: ClassRoutes, entry: Entry, req: HttpRequest) -> RouteAnswer:
    """The controller-neutral routing decision for ``req`` among the Ingresses of one class."""
    host = req.authority
    exact, wild = ([], []) if req.host_is_ip and host == req.host else routes.rules_for(host)
    order = routes.rank
    tiers = [("host", exact), ("wildcard host", wild), ("rule without host", routes.hostless)]
    misses: list[Miss] = []
    evidence: list[str] = []
    notes: list[str] = []
    for tier, rules in tiers:
        if not rules:
            continue
        hits, missed = _candidates(rules, req.path)
        missed.sort(key=lambda c: -common_prefix_elements(c[3].path, req.path))
        misses.extend(Miss(_label(i, i.rules[r].host, p), path_miss_reason(p, req.path)) for i, r, _, p in missed)
        if not hits:
            evidence.append(f"{len(missed)} path(s) for the {tier} match; none takes {req.path}")
            continue
        hits.sort(key=lambda c: (ingress_precedence(c[3].path_type, c[3].path), -order[c[0].key], -c[1], -c[2]))
        ing, ri, _, best = hits[-1]
        for other in reversed(hits[:-1]):
            o_ing, o_ri, _, o_p = other
            why = (
                "shorter path"
                if ingress_precedence(o_p.path_type, o_p.path) < ingress_precedence(best.path_type, best.path)
                else ("Exact beats Prefix" if best.path_type == EXACT and o_p.path_type != EXACT else "newer Ingress")
            )
            evidence.append(f"also matches: {_label(o_ing, o_ing.rules[o_ri].host, o_p)} ({why})")
        if best.path_type == IMPLEMENTATION_SPECIFIC:
            notes.append("pathType ImplementationSpecific: its meaning is up to the controller; read here as Prefix")
        return RouteAnswer(
            entry=entry,
            outcome="routed",
            kind="Ingress",
            namespace=ing.meta.namespace,
            name=ing.meta.name,
            host=ing.rules[ri].host or None,
            path=best.path,
            path_type=best.path_type,
            backends=(to_backend(ing.meta.namespace, best.backend),),
            evidence=(f"{tier} rule matches {host}", *evidence),
            misses=tuple(misses[:5]),
            notes=tuple(notes),
        )
    return _default(routes, entry, exact or wild, misses, evidence)


def _default(
    routes: ClassRoutes, entry: Entry, host_rules: list[RuleRef], misses: list[Miss], evidence: list[str]
) -> RouteAnswer:
    owners = [ing for ing, _ in host_rules if ing.default_backend is not None]
    pool = owners or routes.catch_all
    if pool:
        ing = pool[0]
        assert ing.default_backend is not None
        why = "of the Ingress whose host rule matched" if owners else "of an Ingress without rules"
        return RouteAnswer(
            entry=entry,
            outcome="default",
            kind="Ingress",
            namespace=ing.meta.namespace,
            name=ing.meta.name,
            default_backend=True,
            backends=(to_backend(ing.meta.namespace, ing.default_backend),),
            evidence=(*evidence, f"no path matches; spec.defaultBackend {why} takes the request"),
            misses=tuple(misses[:5]),
        )
    return RouteAnswer(
        entry=entry,
        outcome="no-match",
        response="no rule and no defaultBackend matches: the controller answers itself (usually 404)",
        evidence=tuple(evidence),
        misses=tuple(misses[:5]),
    )
