"""Ingress routing, generic (networking.k8s.io/v1) semantics: the documentation's examples
table with several paths, class selection, default backends, hosts and backends."""

from __future__ import annotations

import pytest

from kubetraffic.core.routing import parse_request
from kubetraffic.core.routing.answer import Entry
from kubetraffic.core.routing.ingress_generic import route_generic
from kubetraffic.core.routing.ingress_index import ingress_index
from kubetraffic.core.routing.route import route_all
from tests.core.routing.helpers import ingress, ingress_class, path, state_of

TRAEFIK = "traefik.io/ingress-controller"  # a non-nginx controller: the generic answer applies


def _generic(paths: list[tuple[str, str]], request: str, *, default: bool = True) -> tuple[str | None, str | None]:
    """Route ``request`` through one Ingress holding ``paths``; (path, pathType) that wins."""
    state = state_of(
        ingress_class("nginx", TRAEFIK),
        ingress(
            "t",
            [("foo.com", [path(p, f"svc{i}", path_type=t) for i, (p, t) in enumerate(paths)])],
            default_backend=("default-svc", 80) if default else None,
        ),
    )
    routes = ingress_index(state).classes["nginx"]
    answer = route_generic(routes, Entry("IngressClass", "nginx"), parse_request(f"http://foo.com{request}"))
    if answer.default_backend:
        return ("default", None)
    return answer.path, answer.path_type


# kubernetes.io/docs/concepts/services-networking/ingress/#examples — rows with several paths.
@pytest.mark.parametrize(
    ("paths", "request_path", "winner"),
    [
        ([("/", "Prefix"), ("/aaa", "Prefix")], "/aaa/ccc", ("/aaa", "Prefix")),  # matches /aaa prefix
        ([("/", "Prefix"), ("/aaa", "Prefix"), ("/aaa/bbb", "Prefix")], "/aaa/bbb", ("/aaa/bbb", "Prefix")),
        ([("/", "Prefix"), ("/aaa", "Prefix"), ("/aaa/bbb", "Prefix")], "/ccc", ("/", "Prefix")),  # / prefix
        ([("/aaa", "Prefix")], "/ccc", ("default", None)),  # No, uses default backend
        ([("/foo", "Prefix"), ("/foo", "Exact")], "/foo", ("/foo", "Exact")),  # Mixed: prefers Exact
        ([("/foo", "Exact"), ("/foo", "Prefix")], "/foo", ("/foo", "Exact")),  # regardless of order
        ([("/aaa/bbb", "Prefix"), ("/", "Prefix"), ("/aaa", "Prefix")], "/aaa/bbb/c", ("/aaa/bbb", "Prefix")),
    ],
)
def test_multiple_matches_table(paths: list[tuple[str, str]], request_path: str, winner: tuple) -> None:
    assert _generic(paths, request_path) == winner


def test_longest_match_between_ingresses_oldest_wins_ties() -> None:
    state = state_of(
        ingress_class("web", TRAEFIK),
        ingress("new", [("a.com", [path("/api", "new-api")])], class_name="web", created="2026-02-01T00:00:00Z"),
        ingress(
            "old",
            [("a.com", [path("/api", "old-api"), path("/", "root")])],
            class_name="web",
            created="2026-01-01T00:00:00Z",
        ),
    )
    [answer] = route_all(state, parse_request("http://a.com/api/x"))
    assert (answer.name, answer.primary.service) == ("old", "old-api")  # type: ignore[union-attr]
    assert any("new" in e and "newer Ingress" in e for e in answer.evidence)


def test_hosts_exact_then_wildcard_then_hostless() -> None:
    state = state_of(
        ingress_class("web", TRAEFIK),
        ingress("exact", [("a.foo.com", [path("/x", "exact")])], class_name="web"),
        ingress("wild", [("*.foo.com", [path("/", "wild")])], class_name="web"),
        ingress("any", [("", [path("/", "any")])], class_name="web"),
    )
    for url, backend in [
        ("http://a.foo.com/x", "exact"),
        ("http://a.foo.com/y", "wild"),  # generic: the wildcard rule also matches this host
        ("http://b.foo.com/", "wild"),
        ("http://b.a.foo.com/", "any"),  # two labels: the wildcard does not apply
        ("http://a.foo.com:8080/x", "exact"),  # port in Host ignored
        ("http://203.0.113.9/", "any"),
    ]:
        [answer] = route_all(state, parse_request(url))
        assert answer.primary is not None, url
        assert answer.primary.service == backend, url


def test_backends_by_port_name_and_resource_backends() -> None:
    resource_path = {
        "path": "/static",
        "pathType": "Prefix",
        "backend": {"resource": {"apiGroup": "k8s.example.com", "kind": "StorageBucket", "name": "assets"}},
    }
    state = state_of(
        ingress_class("web", TRAEFIK),
        ingress("i", [("a.com", [path("/", "web", "http"), resource_path])], class_name="web"),
    )
    [answer] = route_all(state, parse_request("http://a.com/"))
    assert (answer.primary.service, answer.primary.port) == ("web", "http")  # type: ignore[union-attr]
    [answer] = route_all(state, parse_request("http://a.com/static/x.css"))
    assert answer.primary is not None
    assert answer.primary.resource == "StorageBucket.k8s.example.com assets"


def test_default_backend_only_ingress_catches_everything() -> None:
    state = state_of(
        ingress_class("web", TRAEFIK),
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "metadata": {"name": "catch", "namespace": "shop"},
            "spec": {
                "ingressClassName": "web",
                "defaultBackend": {"service": {"name": "fallback", "port": {"number": 80}}},
            },
        },
    )
    [answer] = route_all(state, parse_request("http://whatever.io/x"))
    assert answer.outcome == "default"
    assert answer.default_backend
    assert answer.primary.service == "fallback"


def test_nothing_matches_gives_no_route_and_path_misses() -> None:
    state = state_of(
        ingress_class("web", TRAEFIK), ingress("i", [("a.com", [path("/aaa/bbb", "s")])], class_name="web")
    )
    [answer] = route_all(state, parse_request("http://a.com/aaa/bbbxyz"))
    assert answer.outcome == "no-match"
    assert not answer.matched
    assert "whole path elements" in str(answer.misses[0])


# ----------------------------------------------------------------------------- classes
def test_class_selection_field_annotation_default_and_missing() -> None:
    state = state_of(
        ingress_class("nginx", default=True),
        ingress_class("internal", TRAEFIK),
        ingress("by-field", [("a.com", [path("/", "a")])], class_name="internal"),
        ingress("by-default", [("b.com", [path("/", "b")])], class_name=None),
        ingress(
            "by-annotation",
            [("c.com", [path("/", "c")])],
            class_name=None,
            annotations={"kubernetes.io/ingress.class": "internal"},
        ),
        ingress("missing", [("d.com", [path("/", "d")])], class_name="nope"),
    )
    index = ingress_index(state)
    assert index.choices[("shop", "by-field")].name == "internal"
    assert index.choices[("shop", "by-default")].source == "default"
    assert index.choices[("shop", "by-annotation")].source == "annotation"
    assert index.choices[("shop", "by-annotation")].name == "internal"
    missing = index.choices[("shop", "missing")]
    assert not missing.served
    assert "IngressClass 'nope' does not exist" in (missing.problem or "")
    answers = {a.entry.name: a for a in route_all(state, parse_request("http://d.com/"))}
    assert all(not a.matched for a in answers.values())  # an Ingress of a missing class is ignored


def test_no_class_and_no_default_is_ignored() -> None:
    state = state_of(ingress_class("web", TRAEFIK), ingress("x", [("a.com", [path("/", "a")])], class_name=None))
    choice = ingress_index(state).choices[("shop", "x")]
    assert not choice.served
    assert "no default IngressClass" in (choice.problem or "")


def test_two_default_classes_are_ambiguous() -> None:
    state = state_of(
        ingress_class("a", default=True),
        ingress_class("b", default=True),
        ingress("x", [("a.com", [])], class_name=None),
    )
    assert "2 default IngressClasses" in (ingress_index(state).choices[("shop", "x")].problem or "")


def test_via_selects_one_class() -> None:
    state = state_of(
        ingress_class("nginx"),
        ingress_class("web", TRAEFIK),
        ingress("a", [("a.com", [path("/", "a")])], class_name="web"),
        ingress("b", [("a.com", [path("/", "b")])], class_name="nginx"),
    )
    [answer] = route_all(state, parse_request("http://a.com/"), via="web")
    assert answer.primary is not None
    assert answer.primary.service == "a"
    with pytest.raises(ValueError, match="no IngressClass 'zzz'"):
        route_all(state, parse_request("http://a.com/"), via="zzz")
