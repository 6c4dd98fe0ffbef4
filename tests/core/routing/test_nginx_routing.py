"""ingress-nginx behaviour where it differs from the generic Ingress semantics."""

from __future__ import annotations

import pytest

from kubetraffic.core.routing import RouteAnswer, parse_request
from kubetraffic.core.routing.nginx_route import nginx_uri
from kubetraffic.core.routing.route import route_all
from tests.core.routing.helpers import ingress, ingress_class, path, secret, state_of

REGEX = {"nginx.ingress.kubernetes.io/use-regex": "true"}


def _route(url: str, *objects: dict) -> RouteAnswer:
    [answer] = route_all(state_of(ingress_class("nginx"), *objects), parse_request(url))
    return answer


def _backend(answer: RouteAnswer) -> str | None:
    return answer.primary.service if answer.primary else None


def test_implementation_specific_is_an_nginx_string_prefix() -> None:
    ing = ingress("i", [("a.com", [path("/foo", "foo", path_type="ImplementationSpecific")])])
    assert _backend(_route("http://a.com/foo/bar", ing)) == "foo"
    # nginx's plain "location /foo" is a string prefix: /foobar matches too, unlike Prefix.
    answer = _route("http://a.com/foobar", ing)
    assert _backend(answer) == "foo"
    assert any("generic" in n for n in answer.notes)  # the generic answer differs, and says so


def test_prefix_becomes_exact_plus_slash_location() -> None:
    ing = ingress("i", [("a.com", [path("/foo", "foo")])])
    assert _backend(_route("http://a.com/foo", ing)) == "foo"  # the added "= /foo"
    assert _backend(_route("http://a.com/foo/x", ing)) == "foo"  # "location /foo/"
    answer = _route("http://a.com/foobar", ing)
    assert answer.outcome == "no-match"
    assert "404" in (answer.response or "")


def test_prefix_with_trailing_slash_redirects_the_bare_path() -> None:
    ing = ingress("i", [("a.com", [path("/foo/", "foo")])])
    answer = _route("http://a.com/foo", ing)
    assert answer.outcome == "redirect"
    assert answer.response == "301 redirect to /foo/"
    assert any("generic" in n for n in answer.notes)  # generic: Prefix /foo/ matches /foo directly


def test_use_regex_makes_every_path_of_the_host_case_insensitive() -> None:
    regex = ingress(
        "regex", [("a.com", [path("/api/v[0-9]+", "versioned", path_type="ImplementationSpecific")])], annotations=REGEX
    )
    plain = ingress("plain", [("a.com", [path("/Admin", "admin", path_type="Exact")])])
    # The Exact path of the *other* Ingress becomes "~* ^/Admin": case-insensitive and a prefix.
    answer = _route("http://a.com/admin/users", regex, plain)
    assert _backend(answer) == "admin"
    assert any("case-insensitive" in e for e in answer.evidence)
    assert _backend(_route("http://a.com/API/V2/items", regex, plain)) == "versioned"
    # Another host is not affected.
    other = ingress("other", [("b.com", [path("/Admin", "admin-b", path_type="Exact")])])
    assert _route("http://b.com/admin", regex, plain, other).outcome == "no-match"


def test_rewrite_target_enforces_regex_too_and_longest_first_wins() -> None:
    rewrite = ingress(
        "rw",
        [("test.com", [path("/foo/bar/(.+)", "service3", path_type="ImplementationSpecific")])],
        annotations={"nginx.ingress.kubernetes.io/rewrite-target": "/$1"},
    )
    first = ingress(
        "first",
        [
            (
                "test.com",
                [
                    path("/foo/bar", "service1", path_type="ImplementationSpecific"),
                    path("/foo/bar/", "service2", path_type="ImplementationSpecific"),
                ],
            )
        ],
    )
    # docs/user-guide/ingress-path-matching.md: the three requests of its example.
    assert _backend(_route("http://test.com/foo/bar/1", rewrite, first)) == "service3"
    assert _backend(_route("http://test.com/foo/bar/", rewrite, first)) == "service2"
    assert _backend(_route("http://test.com/foo/bar", rewrite, first)) == "service1"


def test_regex_first_match_can_beat_a_longer_literal() -> None:
    # docs/user-guide/ingress-path-matching.md "Warning": /foo/bar/bar goes to the regex location.
    ing = ingress(
        "i",
        [
            (
                "test.com",
                [
                    path("/foo/bar/bar", "literal", path_type="ImplementationSpecific"),
                    path("/foo/bar/[A-Z0-9]{3}", "regex", path_type="ImplementationSpecific"),
                ],
            )
        ],
        annotations=REGEX,
    )
    assert _backend(_route("http://test.com/foo/bar/bar", ing)) == "regex"


def test_merge_of_several_ingresses_oldest_wins_conflicts() -> None:
    old = ingress(
        "old",
        [("a.com", [path("/api", "old-api")])],
        created="2026-01-01T00:00:00Z",
        default_backend=("old-default", 80),
    )
    new = ingress("new", [("a.com", [path("/api", "new-api"), path("/web", "web")])], created="2026-03-01T00:00:00Z")
    answer = _route("http://a.com/api", old, new)
    assert (answer.name, _backend(answer)) == ("old", "old-api")
    assert any("the oldest (shop/old) wins" in e for e in answer.evidence)
    assert _backend(_route("http://a.com/web/x", old, new)) == "web"  # merged into one server
    # Unmatched paths: the root location uses the oldest Ingress's defaultBackend.
    fallback = _route("http://a.com/nothing", old, new)
    assert fallback.outcome == "default"
    assert _backend(fallback) == "old-default"


def test_hostless_rules_only_serve_hosts_without_a_server() -> None:
    hosted = ingress("hosted", [("a.com", [path("/api", "api")])])
    hostless = ingress("any", [("", [path("/", "catch")])])
    answer = _route("http://a.com/other", hosted, hostless)
    assert answer.outcome == "no-match"  # server a.com exists: its root answers 404
    assert any("generic" in n and "catch" in n for n in answer.notes)
    assert _backend(_route("http://b.com/other", hosted, hostless)) == "catch"


@pytest.mark.parametrize(
    ("annotations", "with_tls", "scheme", "redirect"),
    [
        ({}, True, "http", True),  # TLS host: ssl-redirect is on by default
        ({}, False, "http", False),
        ({"nginx.ingress.kubernetes.io/ssl-redirect": "false"}, True, "http", False),
        ({"nginx.ingress.kubernetes.io/force-ssl-redirect": "true"}, False, "http", True),
        ({}, True, "https", False),
    ],
)
def test_tls_redirect(annotations: dict, with_tls: bool, scheme: str, redirect: bool) -> None:
    ing = ingress(
        "i", [("a.com", [path("/", "web")])], annotations=annotations, tls=[(["a.com"], "a-tls")] if with_tls else None
    )
    answer = _route(f"{scheme}://a.com/x", ing, secret("a-tls"))
    assert (answer.outcome == "redirect") is redirect
    if redirect:
        assert answer.response is not None
        assert answer.response.startswith("308 redirect to https://a.com/x")
        assert _backend(answer) == "web"  # the https request that follows lands here


def test_missing_tls_secret_means_no_redirect() -> None:
    ing = ingress("i", [("a.com", [path("/", "web")])], tls=[(["a.com"], "absent")])
    answer = _route("http://a.com/", ing, secret("other"))
    assert answer.outcome == "routed"


def test_canary_ingresses_do_not_take_the_location() -> None:
    main = ingress("main", [("a.com", [path("/", "stable")])])
    canary = ingress(
        "canary", [("a.com", [path("/", "canary")])], annotations={"nginx.ingress.kubernetes.io/canary": "true"}
    )
    assert _backend(_route("http://a.com/", canary, main)) == "stable"


def test_permanent_redirect_annotation() -> None:
    ing = ingress(
        "i",
        [("a.com", [path("/", "web")])],
        annotations={"nginx.ingress.kubernetes.io/permanent-redirect": "https://b.com"},
    )
    answer = _route("http://a.com/", ing)
    assert answer.outcome == "redirect"
    assert (answer.response or "").startswith("301 redirect to https://b.com")


@pytest.mark.parametrize(
    ("raw", "uri"),
    [("/a//b", "/a/b"), ("/a/./b/../c", "/a/c"), ("/%61pi/", "/api/"), ("/", "/"), ("/x/..", "/")],
)
def test_nginx_normalises_the_uri(raw: str, uri: str) -> None:
    assert nginx_uri(raw) == uri
