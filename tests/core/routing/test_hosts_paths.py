"""Host and path matching, table-driven from the Kubernetes Ingress documentation and the
Gateway API HTTPRoute spec / conformance tests."""

from __future__ import annotations

import pytest

from kubetraffic.core.routing.hosts import (
    effective_hostnames,
    gateway_host_matches,
    ingress_host_matches,
    intersect_hostname,
)
from kubetraffic.core.routing.paths import gateway_path_matches, ingress_path_matches
from kubetraffic.core.routing.request import RequestError, normalize_host, parse_request

# kubernetes.io/docs/concepts/services-networking/ingress/#hostname-wildcards
INGRESS_WILDCARD_TABLE = [
    ("*.foo.com", "bar.foo.com", True),  # Matches based on shared suffix
    ("*.foo.com", "baz.bar.foo.com", False),  # No match, wildcard only covers a single DNS label
    ("*.foo.com", "foo.com", False),  # No match, wildcard only covers a single DNS label
]


@pytest.mark.parametrize(("rule", "host", "expected"), INGRESS_WILDCARD_TABLE)
def test_ingress_wildcard_table_from_the_docs(rule: str, host: str, expected: bool) -> None:
    assert ingress_host_matches(rule, host) is expected


@pytest.mark.parametrize(
    ("rule", "host", "expected"),
    [
        ("foo.bar.com", "foo.bar.com", True),  # precise match
        ("foo.bar.com", "bar.foo.com", False),
        ("", "anything.example", True),  # a rule without host matches all traffic
        ("*.foo.com", "x.foo.com.evil", False),
    ],
)
def test_ingress_exact_hosts(rule: str, host: str, expected: bool) -> None:
    assert ingress_host_matches(rule, host) is expected


# HTTPRouteSpec.hostnames: "*.example.com" is a suffix match over one or more labels.
@pytest.mark.parametrize(
    ("pattern", "host", "expected"),
    [
        ("*.example.com", "test.example.com", True),
        ("*.example.com", "foo.test.example.com", True),
        ("*.example.com", "example.com", False),
        ("test.example.com", "test.example.com", True),
        ("test.example.com", "foo.test.example.com", False),
        (None, "anything.io", True),
    ],
)
def test_gateway_hostname_matching(pattern: str | None, host: str, expected: bool) -> None:
    assert gateway_host_matches(pattern, host) is expected


# conformance/tests/httproute-hostname-intersection.yaml and the HTTPRouteSpec.hostnames text.
@pytest.mark.parametrize(
    ("listener", "route", "expected"),
    [
        ("very.specific.com", "very.specific.com", "very.specific.com"),
        ("very.specific.com", "non.matching.com", None),
        ("very.specific.com", "*.nonmatchingwildcard.io", None),
        ("very.specific.com", "*.specific.com", "very.specific.com"),  # route wildcard covers the listener
        ("*.wildcard.io", "foo.wildcard.io", "foo.wildcard.io"),
        ("*.wildcard.io", "foo.bar.wildcard.io", "foo.bar.wildcard.io"),
        ("*.wildcard.io", "wildcard.io", None),
        ("*.anotherwildcard.io", "*.anotherwildcard.io", "*.anotherwildcard.io"),
        ("*.example.com", "test.example.net", None),
        (None, "first.com", "first.com"),
    ],
)
def test_listener_route_hostname_intersection(listener: str | None, route: str, expected: str | None) -> None:
    assert intersect_hostname(listener, route) == expected


def test_effective_hostnames() -> None:
    assert effective_hostnames(None, ()) is None  # any host
    assert effective_hostnames("a.example.com", ()) == ("a.example.com",)
    assert effective_hostnames("very.specific.com", ("specific.but.wrong.com", "wildcard.io")) == ()
    assert effective_hostnames("*.wildcard.io", ("non.matching.com", "wildcard.io", "foo.wildcard.io")) == (
        "foo.wildcard.io",
    )


# kubernetes.io/docs/concepts/services-networking/ingress/#examples — single-path rows.
PATH_TYPE_TABLE = [
    ("Prefix", "/", ["/", "/foo", "/aaa/bbb/ccc"], True),  # (all paths)
    ("Exact", "/foo", ["/foo"], True),
    ("Exact", "/foo", ["/bar"], False),
    ("Exact", "/foo", ["/foo/"], False),
    ("Exact", "/foo/", ["/foo"], False),
    ("Prefix", "/foo", ["/foo", "/foo/"], True),
    ("Prefix", "/foo/", ["/foo", "/foo/"], True),
    ("Prefix", "/aaa/bb", ["/aaa/bbb"], False),
    ("Prefix", "/aaa/bbb", ["/aaa/bbb"], True),
    ("Prefix", "/aaa/bbb/", ["/aaa/bbb"], True),  # ignores trailing slash
    ("Prefix", "/aaa/bbb", ["/aaa/bbb/"], True),  # matches trailing slash
    ("Prefix", "/aaa/bbb", ["/aaa/bbb/ccc"], True),  # matches subpath
    ("Prefix", "/aaa/bbb", ["/aaa/bbbxyz"], False),  # does not match string prefix
    ("Prefix", "/aaa", ["/ccc"], False),  # uses default backend
]


@pytest.mark.parametrize(("path_type", "rule", "requests", "expected"), PATH_TYPE_TABLE)
def test_path_type_table_from_the_docs(path_type: str, rule: str, requests: list[str], expected: bool) -> None:
    for request in requests:
        assert ingress_path_matches(path_type, rule, request) is expected, request


def test_matching_is_case_sensitive() -> None:
    assert not ingress_path_matches("Exact", "/foo", "/FOO")
    assert not ingress_path_matches("Prefix", "/foo", "/Foo/bar")
    assert not gateway_path_matches("PathPrefix", "/foo", "/FOO")


@pytest.mark.parametrize(
    ("match_type", "value", "path", "expected"),
    [
        ("Exact", "/one", "/one", True),
        ("Exact", "/one", "/one/", False),
        ("PathPrefix", "/v2", "/v2/example", True),
        ("PathPrefix", "/v2", "/v2example", False),
        ("PathPrefix", "/v2/", "/v2", True),
        ("RegularExpression", r"/foo/\d+", "/foo/123", True),
        ("RegularExpression", r"/foo/\d+", "/foo/123/x", False),  # full match
        ("RegularExpression", "/foo/(", "/foo/(", False),  # invalid pattern never matches
    ],
)
def test_gateway_path_matches(match_type: str, value: str, path: str, expected: bool) -> None:
    assert gateway_path_matches(match_type, value, path) is expected


def test_parse_request() -> None:
    req = parse_request("https://Shop.Example.com./api/cart?x=1&y=", "post", ["X-Version: v2", "Host: other.io:8443"])
    assert (req.scheme, req.host, req.port, req.path, req.method) == (
        "https",
        "shop.example.com",
        443,
        "/api/cart",
        "POST",
    )
    assert req.query == (("x", "1"), ("y", ""))
    assert req.header("x-version") == "v2"
    assert req.authority == "other.io"  # the Host header routes; the URL host resolves and is the SNI
    assert parse_request("shop.example.com").scheme == "http"  # like curl
    assert parse_request("http://[::1]:8080/").host == "::1"
    assert normalize_host("EXAMPLE.com:80") == "example.com"


@pytest.mark.parametrize(
    "url", ["", "ftp://x/", "http://", "http://exa mple.com/", "http://h:99999/", "http://h/a b", "http://a..b/"]
)
def test_malformed_urls_name_the_input(url: str) -> None:
    with pytest.raises(RequestError):
        parse_request(url)


def test_malformed_headers_and_methods() -> None:
    with pytest.raises(RequestError, match="NAME:VALUE"):
        parse_request("http://h/", headers=["novalue"])
    with pytest.raises(RequestError, match="method"):
        parse_request("http://h/", method="GE T")
