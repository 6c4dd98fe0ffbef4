"""HTTPRoute rule matching and precedence across every route attached to a listener.

HTTPRouteRule.matches: a rule matches when any of its matches does; a match needs its path,
method, every header and every query param. Precedence (continuing on ties): Exact path,
then the PathPrefix with the most characters, then a method match, the most header matches,
the most query param matches; then the route hostname (non-wildcard characters, then
characters — the HTTPRouteSpec.hostnames rule); then the oldest route, ``namespace/name``,
and the first rule and match in list order. Rules of a wildcard-hostname route compete with
those of an exact-hostname route for the same host (conformance HTTPRouteMatchingAcrossRoutes).
RegularExpression precedence is implementation-specific: here below PathPrefix.
"""

from __future__ import annotations

from dataclasses import dataclass

from kubetraffic.core.objects import HeaderMatch, HTTPRoute, RouteMatch, RouteRule
from kubetraffic.core.routing.answer import Miss
from kubetraffic.core.routing.gateway_attach import Attachment
from kubetraffic.core.routing.hosts import gateway_host_matches, hostname_specificity
from kubetraffic.core.routing.paths import (
    EXACT,
    PATH_PREFIX,
    REGULAR_EXPRESSION,
    common_prefix_elements,
    compile_regex,
    gateway_path_matches,
)
from kubetraffic.core.routing.request import HttpRequest

DEFAULT_MATCH = RouteMatch()


@dataclass(frozen=True, slots=True)
class RuleMatch:
    """One (route, rule, match) that takes the request, with its precedence key."""

    attachment: Attachment
    rule_index: int
    match_index: int
    match: RouteMatch
    hostname: str | None

    @property
    def route(self) -> HTTPRoute:
        """The matched route."""
        return self.attachment.route

    @property
    def rule(self) -> RouteRule:
        """The matched rule."""
        return self.route.rules[self.rule_index]

    def key(self) -> tuple[object, ...]:
        """Sort key: smaller sorts first and wins."""
        m = self.match
        if m.path_type == EXACT:
            path_rank = (2, len(m.path_value))
        elif m.path_type == PATH_PREFIX:
            path_rank = (1, len(m.path_value))
        else:
            path_rank = (0, len(m.path_value))
        host = hostname_specificity(self.hostname)
        meta = self.route.meta
        return (
            -path_rank[0],
            -path_rank[1],
            0 if m.method else 1,
            -len(m.headers),
            -len(m.query_params),
            -host[0],
            -host[1],
            meta.created is None,
            meta.created or "",
            meta.ref,
            self.rule_index,
            self.match_index,
        )

    def describe(self) -> str:
        """``HTTPRoute shop/web rule 1 PathPrefix /api, header x-v: 2``."""
        return f"HTTPRoute {self.route.meta.ref} rule {self.rule_index} {describe_match(self.match)}"


def describe_match(m: RouteMatch) -> str:
    """A match in words: path, method, headers, query params."""
    parts = [f"{m.path_type} {m.path_value}"]
    if m.method:
        parts.append(f"method {m.method}")
    parts.extend(f"header {h.name}{_op(h)}{h.value}" for h in m.headers)
    parts.extend(f"query {q.name}{_op(q)}{q.value}" for q in m.query_params)
    return ", ".join(parts)


def _op(h: HeaderMatch) -> str:
    return " ~ " if h.type == REGULAR_EXPRESSION else ": "


def _value_matches(spec: HeaderMatch, value: str | None) -> bool:
    if value is None:
        return False
    if spec.type == REGULAR_EXPRESSION:
        rx = compile_regex(spec.value)
        return rx is not None and rx.fullmatch(value) is not None
    return spec.value == value


def match_failures(m: RouteMatch, req: HttpRequest) -> list[str]:
    """Why ``m`` does not take ``req`` (empty when it does)."""
    out: list[str] = []
    if not gateway_path_matches(m.path_type, m.path_value, req.path):
        if m.path_type == REGULAR_EXPRESSION and compile_regex(m.path_value) is None:
            out.append(f"path regex {m.path_value} is not valid here")
        elif m.path_type == EXACT:
            out.append(f"Exact path {m.path_value} only")
        else:
            out.append(f"{req.path} is not under {m.path_type} {m.path_value}")
    if m.method and m.method != req.method:
        out.append(f"method {m.method} required (request: {req.method})")
    for h in m.headers:
        value = req.header(h.name)
        if not _value_matches(h, value):
            has = "none" if value is None else repr(value)
            out.append(f"header {h.name}{_op(h)}{h.value} required (request: {has})")
    for q in m.query_params:
        value = req.query_param(q.name)
        if not _value_matches(q, value):
            has = "none" if value is None else repr(value)
            out.append(f"query param {q.name}{_op(q)}{q.value} required (request: {has})")
    return out


def _host_for(attachment: Attachment, host: str) -> tuple[bool, str | None]:
    if attachment.hostnames is None:
        return True, None
    best: str | None = None
    for name in attachment.hostnames:
        if gateway_host_matches(name, host) and (
            best is None or hostname_specificity(name) > hostname_specificity(best)
        ):
            best = name
    return best is not None, best


def rank_matches(attachments: list[Attachment], req: HttpRequest) -> tuple[list[RuleMatch], list[Miss]]:
    """Every (route, rule, match) taking ``req``, best first; and the closest that do not."""
    host = req.authority
    hits: list[RuleMatch] = []
    near: list[tuple[int, Miss]] = []
    for att in attachments:
        ok, hostname = _host_for(att, host)
        label = f"HTTPRoute {att.route.meta.ref}"
        if not ok:
            names = ", ".join(att.hostnames or ())
            near.append((99, Miss(label, f"hostnames {names} do not match {host}")))
            continue
        for ri, rule in enumerate(att.route.rules):
            for mi, m in enumerate(rule.matches or (DEFAULT_MATCH,)):
                failures = match_failures(m, req)
                if not failures:
                    hits.append(RuleMatch(att, ri, mi, m, hostname))
                else:
                    score = len(failures) * 10 - common_prefix_elements(m.path_value, req.path)
                    near.append((score, Miss(f"{label} rule {ri} ({describe_match(m)})", "; ".join(failures))))
    hits.sort(key=RuleMatch.key)
    near.sort(key=lambda item: item[0])
    return hits, [m for _, m in near]
