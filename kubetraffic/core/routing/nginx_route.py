"""How nginx picks a location in an ingress-nginx server, and what it answers.

nginx first normalises the URI (percent-decoding, merging slashes, resolving ``.``/``..``).
Without regex locations: an exact ``= /path`` location wins; else the longest prefix
location (case-sensitive); a request for ``/foo`` when only a ``/foo/`` prefix location
exists is redirected (301) to ``/foo/``. With regex enforced for the server, the first
``~* "^path"`` location in order (longest path first) that matches wins.

Then ingress-nginx's own answers: ``ssl-redirect`` (default on when the server has a TLS
certificate) and ``force-ssl-redirect`` send http requests to https with a 308;
``permanent-redirect``/``temporal-redirect``/``app-root`` answer with redirects.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from urllib.parse import unquote

from kubetraffic.core.routing.answer import Backend, Entry, RouteAnswer
from kubetraffic.core.routing.ingress_generic import to_backend
from kubetraffic.core.routing.ingress_index import ClassRoutes
from kubetraffic.core.routing.nginx_model import ANN, CATCH_ALL, Location, Server, annotation, flag, select_server
from kubetraffic.core.routing.paths import EXACT, compile_regex
from kubetraffic.core.routing.request import HttpRequest

DEFAULT_BACKEND_ANSWER = "404 from the controller's default backend"


def nginx_uri(path: str) -> str:
    """The URI nginx matches locations against: decoded, slashes merged, dot segments resolved."""
    decoded = re.sub("/{2,}", "/", unquote(path))
    segments = decoded.split("/")[1:] if decoded.startswith("/") else decoded.split("/")
    out: list[str] = []
    for i, segment in enumerate(segments):
        last = i == len(segments) - 1
        if segment in (".", ".."):
            if segment == ".." and out:
                out.pop()
            if last:
                out.append("")
            continue
        out.append(segment)
    return "/" + "/".join(out)


def find_location(server: Server, uri: str) -> tuple[Location | None, str | None, list[str]]:
    """(location, auto-redirect target, evidence) for ``uri`` in ``server``."""
    evidence: list[str] = []
    if server.enforce_regex:
        evidence.append("use-regex/rewrite-target on this host: every path is a case-insensitive regex ^path")
        for loc in server.locations:
            rx = compile_regex("^" + loc.path, re.IGNORECASE)
            if rx is None:
                evidence.append(f"regex ^{loc.path} is not valid here; skipped")
                continue
            if rx.match(uri):
                return loc, None, evidence
        return None, None, evidence
    for loc in server.locations:
        if loc.path_type == EXACT and loc.path == uri:
            return loc, None, evidence
    prefixes = [loc for loc in server.locations if loc.path_type != EXACT]
    for loc in prefixes:
        if loc.path.endswith("/") and loc.path[:-1] == uri and loc.path != "/":
            evidence.append(f"only the prefix location {loc.path} exists for {uri}: nginx redirects (301)")
            return loc, uri + "/", evidence
    best = max((loc for loc in prefixes if uri.startswith(loc.path)), key=lambda loc: len(loc.path), default=None)
    return best, None, evidence


def route_nginx(
    routes: ClassRoutes, entry: Entry, req: HttpRequest, secret_exists: Callable[[str, str], bool | None]
) -> RouteAnswer:
    """ingress-nginx's routing decision for ``req`` among the Ingresses of one class."""
    host = req.authority
    server = select_server(routes, host)
    uri = nginx_uri(req.path)
    where = "catch-all server _" if server.hostname == CATCH_ALL else f"server {server.hostname}"
    evidence = [f"nginx {where} takes Host {host}"]
    if uri != req.path:
        evidence.append(f"nginx normalises the path to {uri}")
    evidence.extend(server.conflicts)
    loc, redirect_to, found = find_location(server, uri)
    evidence.extend(found)
    if loc is None:  # only possible with regex locations none of which match
        return RouteAnswer(entry, "no-match", response=DEFAULT_BACKEND_ANSWER, evidence=tuple(evidence))
    ing = loc.ingress
    if ing is None or loc.backend is None:  # the controller's own default backend
        evidence.append("no location of an Ingress takes the path: the server's root location answers")
        return RouteAnswer(entry, "no-match", response=DEFAULT_BACKEND_ANSWER, evidence=tuple(evidence))
    backends: tuple[Backend, ...] = (to_backend(ing.meta.namespace, loc.backend),)
    if loc.is_default:
        evidence.append(f"no path matches: spec.defaultBackend of Ingress {ing.meta.ref} (root location)")
    answer = RouteAnswer(
        entry=entry,
        outcome="default" if loc.is_default else "routed",
        kind="Ingress",
        namespace=ing.meta.namespace,
        name=ing.meta.name,
        host=None if server.hostname == CATCH_ALL else server.hostname,
        path=None if loc.is_default else loc.ingress_path,
        path_type=None if loc.is_default else loc.ingress_path_type,
        default_backend=loc.is_default,
        backends=backends,
        evidence=tuple(evidence),
    )
    if redirect_to is not None:
        return replace(answer, outcome="redirect", response=f"301 redirect to {redirect_to}")
    return _ingress_answers(answer, server, loc, req, secret_exists)


def _ingress_answers(
    answer: RouteAnswer,
    server: Server,
    loc: Location,
    req: HttpRequest,
    secret_exists: Callable[[str, str], bool | None],
) -> RouteAnswer:
    ing = loc.ingress
    if ing is None:
        return answer
    for name, code in (("permanent-redirect", "301"), ("temporal-redirect", "302")):
        target = annotation(ing, name)
        if target:
            code = annotation(ing, f"{name}-code") or code
            return replace(answer, outcome="redirect", response=f"{code} redirect to {target} ({ANN}{name})")
    app_root = annotation(ing, "app-root")
    if app_root and req.path == "/":
        return replace(answer, outcome="redirect", response=f"302 redirect to {app_root} ({ANN}app-root)")
    if req.scheme != "http":
        return answer
    has_cert = server.tls_secret is not None and secret_exists(*server.tls_secret) is not False
    force = flag(ing, "force-ssl-redirect", False)
    if force or (has_cert and flag(ing, "ssl-redirect", True)):
        why = "force-ssl-redirect" if force else "the host has TLS and ssl-redirect is on (the default)"
        target = f"https://{req.host}{req.path}"
        return replace(answer, outcome="redirect", response=f"308 redirect to {target} ({why})")
    return answer
