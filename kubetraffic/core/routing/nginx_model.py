"""ingress-nginx's view of the Ingresses of one class: nginx ``server`` blocks and their locations.

Mirrors the controller's configuration builder (internal/ingress/controller/controller.go):

- Ingresses are taken oldest first; canary Ingresses never create locations.
- One server per rule host (rules without host go to the catch-all server ``_``). Its root
  location ``/`` uses the defaultBackend of the first Ingress naming the host, else the
  controller's default backend (404). An Ingress with a defaultBackend and no rules becomes
  the catch-all server's root.
- A path already defined for the server with the same pathType keeps its first (oldest)
  owner; only the placeholder root location is replaced.
- ``Prefix`` paths without their own use-regex/rewrite-target become a ``/path/`` prefix
  location plus an exact ``= /path`` location (updateServerLocations).
- Locations are sorted by path length, longest first; if any location of the server uses
  ``use-regex`` or ``rewrite-target``, every location becomes ``~* "^path"``
  (enforceRegexModifier), i.e. a case-insensitive regex anchored at the start.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from kubetraffic.core.objects import Ingress, IngressBackend
from kubetraffic.core.routing.hosts import tls_host_covers
from kubetraffic.core.routing.ingress_index import ClassRoutes, RuleRef, wildcard_key
from kubetraffic.core.routing.paths import EXACT, PREFIX

ANN = "nginx.ingress.kubernetes.io/"
CATCH_ALL = "_"


def annotation(ing: Ingress, name: str) -> str | None:
    """An ``nginx.ingress.kubernetes.io/<name>`` annotation value."""
    return ing.meta.annotations.get(ANN + name)


def flag(ing: Ingress, name: str, default: bool) -> bool:
    """A boolean ``nginx.ingress.kubernetes.io/<name>`` annotation, with its default."""
    value = annotation(ing, name)
    if value is None:
        return default
    # ingress-nginx parses booleans with Go's strconv.ParseBool; anything else keeps the default.
    text = value.strip()
    if text in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if text in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    return default


def is_canary(ing: Ingress) -> bool:
    """``nginx.ingress.kubernetes.io/canary: "true"``: an alternative backend, not a location."""
    return flag(ing, "canary", False)


@dataclass(frozen=True, slots=True)
class Location:
    """One nginx ``location`` of a server."""

    path: str
    path_type: str
    ingress: Ingress | None
    backend: IngressBackend | None
    is_default: bool = False
    ingress_path: str = ""
    """The path as written in the Ingress (before Prefix normalisation)."""
    ingress_path_type: str = ""
    """The pathType as written in the Ingress (an added exact location keeps ``Prefix``)."""

    @property
    def use_regex(self) -> bool:
        """The location's own Ingress sets use-regex."""
        return self.ingress is not None and flag(self.ingress, "use-regex", False)

    @property
    def needs_rewrite(self) -> bool:
        """rewrite-target is set and differs from the path (needsRewrite)."""
        if self.ingress is None:
            return False
        target = annotation(self.ingress, "rewrite-target")
        return bool(target) and target != self.path


@dataclass(frozen=True, slots=True)
class Server:
    """An nginx ``server`` block: its name, ordered locations, and TLS."""

    hostname: str
    locations: tuple[Location, ...]
    enforce_regex: bool
    tls_secret: tuple[str, str] | None
    """(namespace, secretName) of the certificate, when an Ingress of this host configures one."""
    conflicts: tuple[str, ...] = ()


def _default_backend(ing: Ingress | None) -> IngressBackend | None:
    if ing is None or ing.default_backend is None or ing.default_backend.is_resource:
        return None
    return ing.default_backend


def _add_paths(locations: list[Location], rules: list[RuleRef], conflicts: list[str]) -> None:
    for ing, ri in rules:
        if is_canary(ing):
            continue
        for p in ing.rules[ri].paths:
            if p.backend.is_resource:  # "skip non-service backends": served by the default backend
                continue
            path = p.path or "/"
            add = True
            for i, loc in enumerate(locations):
                if loc.path != path:
                    continue
                if loc.path_type != p.path_type:  # same path, different type: both exist
                    break
                add = False
                if loc.is_default:
                    locations[i] = Location(path, p.path_type, ing, p.backend, False, path, p.path_type)
                elif loc.ingress is not None and loc.ingress is not ing:
                    conflicts.append(
                        f"{path} {p.path_type} is defined by Ingress {loc.ingress.meta.ref} and "
                        f"{ing.meta.ref}; the oldest ({loc.ingress.meta.ref}) wins"
                    )
                break
            if add:
                locations.append(Location(path, p.path_type, ing, p.backend, False, path, p.path_type))


def _update_locations(locations: list[Location]) -> list[Location]:
    """updateServerLocations: Prefix /foo -> prefix location /foo/ plus exact location /foo."""
    exact = {loc.path for loc in locations if loc.path_type == EXACT}
    out: list[Location] = []
    for loc in locations:
        if loc.path == "/" or loc.path_type != PREFIX or loc.needs_rewrite or loc.use_regex:
            out.append(loc)
            continue
        normalised = loc.path if loc.path.endswith("/") else loc.path + "/"
        out.append(replace(loc, path=normalised))
        if loc.path not in exact:
            out.append(replace(loc, path_type=EXACT))
    return out


def _sort(locations: list[Location]) -> tuple[Location, ...]:
    ordered = sorted(locations, key=lambda loc: loc.path, reverse=True)
    ordered.sort(key=lambda loc: len(loc.path), reverse=True)
    return tuple(ordered)


def _tls_secret(rules: list[RuleRef], host: str) -> tuple[str, str] | None:
    for ing, _ in rules:
        for tls in ing.tls:
            if tls.secret_name and any(tls_host_covers(h, host) for h in tls.hosts):
                return (ing.meta.namespace, tls.secret_name)
    return None


def build_server(routes: ClassRoutes, hostname: str, rules: list[RuleRef]) -> Server:
    """The server block ingress-nginx writes for ``hostname`` from ``rules`` (oldest first)."""
    owners = [ing for ing, _ in rules if not is_canary(ing)]
    if hostname == CATCH_ALL:
        first = next((i for i in routes.catch_all if not is_canary(i)), None)
        root = Location("/", PREFIX, first, _default_backend(first), is_default=True, ingress_path="/")
    else:
        first = owners[0] if owners else None
        root = Location("/", PREFIX, first, _default_backend(first), is_default=True, ingress_path="/")
    locations = [root]
    conflicts: list[str] = []
    _add_paths(locations, rules, conflicts)
    updated = _update_locations(locations)
    return Server(
        hostname=hostname,
        locations=_sort(updated),
        enforce_regex=any(loc.use_regex or loc.needs_rewrite for loc in updated),
        tls_secret=None if hostname == CATCH_ALL else _tls_secret(rules, hostname),
        conflicts=tuple(dict.fromkeys(conflicts)),
    )


def select_server(routes: ClassRoutes, host: str) -> Server:
    """The server nginx picks for a Host: exact server_name, then ``*.`` (one label), then ``_``."""
    exact = [r for r in routes.exact.get(host, []) if not is_canary(r[0])]
    if exact:
        return build_server(routes, host, exact)
    key = wildcard_key(host)
    wild = [r for r in routes.wildcard.get(key, []) if not is_canary(r[0])] if key else []
    if wild and key is not None:
        return build_server(routes, key, wild)
    return build_server(routes, CATCH_ALL, routes.hostless)
