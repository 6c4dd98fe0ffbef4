"""Host name matching: Ingress rules, TLS entries, Gateway listeners and HTTPRoute hostnames.

The two APIs differ on wildcards. An Ingress ``*.foo.com`` covers exactly one extra DNS
label (``bar.foo.com``, not ``baz.bar.foo.com`` nor ``foo.com``), as do TLS certificates
(RFC 6125). A Gateway API ``*.example.com`` is a suffix match covering one *or more*
labels (``foo.test.example.com`` matches), never the bare ``example.com``.
"""

from __future__ import annotations


def is_wildcard(pattern: str) -> bool:
    """A ``*.``-prefixed host pattern."""
    return pattern.startswith("*.")


def ingress_host_matches(rule_host: str, host: str) -> bool:
    """networking.k8s.io/v1 IngressRule.host: exact, or ``*.`` matching exactly one label.

    An empty rule host matches every host.
    """
    if not rule_host:
        return True
    if is_wildcard(rule_host):
        suffix = rule_host[1:]  # ".foo.com"
        if not host.endswith(suffix) or len(host) == len(suffix):
            return False
        return "." not in host[: -len(suffix)]
    return rule_host == host


tls_host_covers = ingress_host_matches
"""A TLS host entry (or certificate SAN) covers a host like an Ingress host rule does."""


def gateway_host_matches(pattern: str | None, host: str) -> bool:
    """Gateway API Hostname: exact, or ``*.`` suffix match over one or more labels.

    ``None`` (no hostname on a listener or route) matches every host.
    """
    if pattern is None or pattern == host:
        return True
    if is_wildcard(pattern):
        suffix = pattern[1:]
        return host.endswith(suffix) and len(host) > len(suffix)
    return False


def intersect_hostname(listener: str | None, route_host: str) -> str | None:
    """The hostname a route's hostname and a listener's hostname have in common, or None.

    HTTPRouteSpec.hostnames: a route hostname that the listener hostname matches is kept
    (``*.example.com`` listener, ``test.example.com`` route -> ``test.example.com``); a
    route wildcard that covers the listener hostname yields the listener's
    (``*.specific.com`` route, ``very.specific.com`` listener -> ``very.specific.com``).
    """
    if listener is None:
        return route_host
    if gateway_host_matches(listener, route_host):
        return route_host
    if is_wildcard(route_host) and gateway_host_matches(route_host, listener):
        return listener
    return None


def effective_hostnames(listener: str | None, route_hosts: tuple[str, ...]) -> tuple[str, ...] | None:
    """Hostnames a route answers on one listener: () when none intersect, None for "any host"."""
    if not route_hosts:
        return None if listener is None else (listener,)
    kept = [h for h in (intersect_hostname(listener, r) for r in route_hosts) if h is not None]
    return tuple(dict.fromkeys(kept))


def hostname_specificity(pattern: str | None) -> tuple[int, int]:
    """Precedence key of a matching hostname (HTTPRouteSpec.hostnames): characters of a
    non-wildcard hostname first, then characters of any hostname."""
    if pattern is None:
        return (0, 0)
    return (0 if is_wildcard(pattern) else len(pattern), len(pattern))


def parent_domain(host: str) -> str:
    """``shop.example.com`` -> ``example.com`` (for near-miss suggestions)."""
    return host.split(".", 1)[1] if "." in host else host
