"""The HTTP request a trace follows: parsed from a URL plus ``--method`` and ``--header``.

Routing uses the Host header when one is given (as ``curl -H 'Host: ...'`` does), DNS and
TLS SNI use the URL's host. Paths are kept exactly as written (percent-encoding included)
because Ingress ``Exact`` and Gateway ``Exact`` matches compare them byte for byte.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from kubetraffic.core.ipset import is_ip

_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")  # RFC 9110 token (methods, header names)
_DEFAULT_PORTS = {"http": 80, "https": 443}


class RequestError(ValueError):
    """A URL, method or header that cannot be a request; the message names the input."""


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """One request: where it goes (scheme, host, port), what it asks (method, path, query, headers)."""

    url: str
    scheme: str
    host: str
    """The URL's host, lower-case, without port or trailing dot (what DNS and SNI use)."""
    port: int
    path: str
    query: tuple[tuple[str, str], ...] = ()
    method: str = "GET"
    headers: tuple[tuple[str, str], ...] = ()
    """(lower-case name, value) pairs, in the order given."""

    @property
    def authority(self) -> str:
        """The host routing matches on: the Host header if given, else the URL's host."""
        for name, value in self.headers:
            if name == "host":
                return normalize_host(value)
        return self.host

    @property
    def host_is_ip(self) -> bool:
        """True when the URL names an IP address rather than a DNS name."""
        return is_ip(self.host)

    def header(self, name: str) -> str | None:
        """The value of a header (case-insensitive name); repeated headers are joined by ','."""
        values = [v for n, v in self.headers if n == name.lower()]
        return ",".join(values) if values else None

    def query_param(self, name: str) -> str | None:
        """The first value of a query parameter (names are case-sensitive)."""
        for n, v in self.query:
            if n == name:
                return v
        return None


def normalize_host(value: str) -> str:
    """``Shop.Example.com.:8443`` -> ``shop.example.com``; ``[::1]:80`` -> ``::1``.

    Gateway API and Ingress both ignore the port in the Host header when matching.
    """
    host = value.strip()
    if host.startswith("["):
        end = host.find("]")
        return host[1:end].lower() if end > 0 else host.lower()
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host.lower().rstrip(".")


def parse_header(text: str) -> tuple[str, str]:
    """``"X-Version: v2"`` -> ``("x-version", "v2")``."""
    name, sep, value = text.partition(":")
    name = name.strip()
    if not sep or not name or not _TOKEN.match(name):
        raise RequestError(f"header {text!r}: expected NAME:VALUE")
    return name.lower(), value.strip()


def parse_request(url: str, method: str = "GET", headers: tuple[str, ...] | list[str] = ()) -> HttpRequest:
    """Parse a URL (``http://`` assumed when no scheme is given, like curl) into a request."""
    text = url.strip()
    if not text:
        raise RequestError("empty URL")
    if "://" not in text:
        text = "http://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
        hostname = parts.hostname
    except ValueError as exc:
        raise RequestError(f"invalid URL {url!r}: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise RequestError(f"invalid URL {url!r}: scheme must be http or https, not {parts.scheme!r}")
    if not hostname:
        raise RequestError(f"invalid URL {url!r}: no host")
    host = normalize_host(hostname if ":" not in hostname else f"[{hostname}]")
    if any(c.isspace() for c in host) or ".." in host:
        raise RequestError(f"invalid URL {url!r}: bad host {hostname!r}")
    if port == 0:
        raise RequestError(f"invalid URL {url!r}: port 0")
    if any(c.isspace() for c in parts.path):
        raise RequestError(f"invalid URL {url!r}: whitespace in the path")
    verb = method.strip().upper()
    if not _TOKEN.match(verb):
        raise RequestError(f"invalid method {method!r}")
    return HttpRequest(
        url=url.strip(),
        scheme=scheme,
        host=host,
        port=port or _DEFAULT_PORTS[scheme],
        path=parts.path or "/",
        query=tuple(parse_qsl(parts.query, keep_blank_values=True)),
        method=verb,
        headers=tuple(parse_header(h) for h in headers),
    )
