"""Gateway API routing: listeners, attachment, hostname intersection, match precedence
(HTTPRoute spec and conformance tests), backendRefs, ReferenceGrants and 500 answers."""

from __future__ import annotations

import pytest

from kubetraffic.core.routing import RouteAnswer, parse_request
from kubetraffic.core.routing.route import route_all
from tests.core.routing.gateway_helpers import (
    backend,
    gateway,
    gateway_class,
    http_route,
    listener,
    prefix,
    reference_grant,
    rule,
)
from tests.core.routing.helpers import namespace, service, state_of


def _route(url: str, *objects: dict, method: str = "GET", headers: tuple[str, ...] = ()) -> RouteAnswer:
    state = state_of(gateway_class(), *objects)
    [answer] = route_all(state, parse_request(url, method, list(headers)), via="infra/gw")
    return answer


def _svc(answer: RouteAnswer) -> str | None:
    return answer.primary.service if answer.primary else None


SERVICES = [service(f"infra-backend-v{i}", "infra", [{"port": 8080}]) for i in (1, 2, 3)]


# conformance/tests/httproute-hostname-intersection.{yaml,go}
INTERSECTION_GW = gateway(
    "gw",
    [
        listener("listener-1", hostname="very.specific.com"),
        listener("listener-2", hostname="*.wildcard.io"),
        listener("listener-3", hostname="*.anotherwildcard.io"),
    ],
)
INTERSECTION_ROUTES = [
    http_route(
        "r1",
        [rule(backend("infra-backend-v1"), matches=[prefix("/s1")])],
        hostnames=["non.matching.com", "*.nonmatchingwildcard.io", "very.specific.com"],
    ),
    http_route(
        "r2",
        [rule(backend("infra-backend-v2"), matches=[prefix("/s2")])],
        hostnames=["non.matching.com", "wildcard.io", "foo.wildcard.io", "bar.wildcard.io", "foo.bar.wildcard.io"],
    ),
    http_route(
        "r3",
        [rule(backend("infra-backend-v3"), matches=[prefix("/s3")])],
        hostnames=["non.matching.com", "*.specific.com"],
    ),
    http_route("r4", [rule(backend("infra-backend-v1"), matches=[prefix("/s4")])], hostnames=["*.anotherwildcard.io"]),
    http_route(
        "r5",
        [rule(backend("infra-backend-v2"), matches=[prefix("/s5")])],
        hostnames=["specific.but.wrong.com", "wildcard.io"],
    ),
]


@pytest.mark.parametrize(
    ("host", "path", "expected"),
    [
        ("very.specific.com", "/s1", "infra-backend-v1"),
        ("very.specific.com:1234", "/s1", "infra-backend-v1"),  # port in Host not considered
        ("non.matching.com", "/s1", None),
        ("foo.nonmatchingwildcard.io", "/s1", None),
        ("foo.wildcard.io", "/s1", None),
        ("very.specific.com", "/non-matching-prefix", None),
        ("foo.wildcard.io", "/s2", "infra-backend-v2"),
        ("bar.wildcard.io", "/s2", "infra-backend-v2"),
        ("foo.bar.wildcard.io", "/s2", "infra-backend-v2"),
        ("wildcard.io", "/s2", None),
        ("very.specific.com", "/s2", None),
        ("very.specific.com", "/s3", "infra-backend-v3"),
        ("foo.specific.com", "/s3", None),
        ("foo.anotherwildcard.io", "/s4", "infra-backend-v1"),
        ("foo.bar.anotherwildcard.io", "/s4", "infra-backend-v1"),
        ("anotherwildcard.io", "/s4", None),
        ("specific.but.wrong.com", "/s5", None),
        ("wildcard.io", "/s5", None),
    ],
)
def test_hostname_intersection_conformance(host: str, path: str, expected: str | None) -> None:
    answer = _route(f"http://x{path}", INTERSECTION_GW, *INTERSECTION_ROUTES, *SERVICES, headers=(f"Host: {host}",))
    assert _svc(answer) == expected
    if expected is None:
        assert answer.outcome == "no-match"


def test_route_without_intersecting_hostname_is_not_attached() -> None:
    answer = _route("http://very.specific.com/s5", INTERSECTION_GW, *INTERSECTION_ROUTES, *SERVICES)
    assert any("r5" in m.what and "NoMatchingListenerHostname" in m.reason for m in answer.misses)


# conformance/tests/httproute-matching-across-routes.{yaml,go}
ACROSS = [
    gateway("gw", [listener("http")]),
    http_route(
        "matching-part1",
        [rule(backend("infra-backend-v1"), matches=[prefix("/"), {"headers": [{"name": "version", "value": "one"}]}])],
        hostnames=["example.com", "example.net"],
        created="2026-01-01T00:00:00Z",
    ),
    http_route(
        "matching-part2",
        [
            rule(
                backend("infra-backend-v2"), matches=[prefix("/v2"), {"headers": [{"name": "version", "value": "two"}]}]
            )
        ],
        hostnames=["*.com"],
        created="2026-01-02T00:00:00Z",
    ),
]


@pytest.mark.parametrize(
    ("host", "path", "headers", "expected"),
    [
        ("example.com", "/", (), "infra-backend-v1"),
        ("example.com", "/example", (), "infra-backend-v1"),
        ("example.net", "/example", (), "infra-backend-v1"),
        ("example.com", "/example", ("Version: one",), "infra-backend-v1"),
        ("example.com", "/v2", (), "infra-backend-v2"),
        ("example.net", "/v2", (), "infra-backend-v1"),  # v2 matches are limited to *.com
        ("example.com", "/v2/example", (), "infra-backend-v2"),
        ("example.com", "/", ("Version: two",), "infra-backend-v2"),
    ],
)
def test_matching_across_routes_conformance(host: str, path: str, headers: tuple[str, ...], expected: str) -> None:
    assert _svc(_route(f"http://{host}{path}", *ACROSS, *SERVICES, headers=headers)) == expected


def test_precedence_exact_prefix_method_headers_query_age() -> None:
    routes = [
        http_route(
            "a",
            [
                rule(backend("infra-backend-v1"), matches=[prefix("/api")]),
                rule(backend("infra-backend-v2"), matches=[prefix("/api", method="POST")]),
                rule(backend("infra-backend-v3"), matches=[{"path": {"type": "Exact", "value": "/api/exact"}}]),
            ],
        ),
        http_route(
            "b",
            [
                rule(
                    backend("infra-backend-v1"),
                    matches=[prefix("/api", headers=[{"name": "x-a", "value": "1"}, {"name": "x-b", "value": "2"}])],
                ),
                rule(
                    backend("infra-backend-v3"), matches=[prefix("/api", queryParams=[{"name": "debug", "value": "1"}])]
                ),
            ],
        ),
    ]
    objs = [gateway("gw", [listener("http")]), *routes, *SERVICES]
    assert _svc(_route("http://h/api/exact", *objs, method="POST")) == "infra-backend-v3"  # Exact first
    assert (
        _svc(_route("http://h/api/x", *objs, method="POST", headers=("x-a: 1", "x-b: 2"))) == "infra-backend-v2"
    )  # method
    assert (
        _svc(_route("http://h/api/x", *objs, headers=("x-a: 1", "x-b: 2"))) == "infra-backend-v1"
    )  # headers (route b)
    answer = _route("http://h/api/x?debug=1", *objs)
    assert (answer.name, _svc(answer)) == ("b", "infra-backend-v3")  # query param beats none
    answer = _route("http://h/api/x", *objs)
    assert (answer.name, answer.path) == ("a", "/api")  # a tie: route a sorts first by namespace/name


def test_oldest_route_wins_a_full_tie() -> None:
    objs = [
        gateway("gw", [listener("http")]),
        http_route("zz-old", [rule(backend("infra-backend-v1"))], created="2026-01-01T00:00:00Z"),
        http_route("aa-new", [rule(backend("infra-backend-v2"))], created="2026-05-01T00:00:00Z"),
        *SERVICES,
    ]
    assert _route("http://h/", *objs).name == "zz-old"


def test_method_header_query_misses_are_explained() -> None:
    objs = [
        gateway("gw", [listener("http")]),
        http_route(
            "r",
            [
                rule(
                    backend("infra-backend-v1"),
                    matches=[prefix("/", method="POST", headers=[{"name": "x-v", "value": "2"}])],
                )
            ],
        ),
        *SERVICES,
    ]
    answer = _route("http://h/x", *objs, headers=("x-v: 1",))
    assert answer.outcome == "no-match"
    assert "404" in (answer.response or "")
    assert "method POST required (request: GET)" in answer.misses[0].reason
    assert "header x-v: 2 required (request: '1')" in answer.misses[0].reason


# ----------------------------------------------------------------- listeners & attachment
@pytest.mark.parametrize(
    ("allowed", "route_ns", "attached"),
    [
        ({}, "infra", True),  # default: from Same
        ({}, "shop", False),
        ({"namespaces": {"from": "All"}}, "shop", True),
        ({"namespaces": {"from": "Selector", "selector": {"matchLabels": {"gw-access": "yes"}}}}, "shop", True),
        ({"namespaces": {"from": "Selector", "selector": {"matchLabels": {"gw-access": "yes"}}}}, "other", False),
        ({"kinds": [{"kind": "GRPCRoute"}]}, "infra", False),
    ],
)
def test_allowed_routes(allowed: dict, route_ns: str, attached: bool) -> None:
    objs = [
        namespace("shop", **{"gw-access": "yes"}),
        namespace("other"),
        gateway("gw", [listener("http", allowedRoutes=allowed)]),
        http_route("r", [rule(backend("web"))], namespace=route_ns),
        service("web", route_ns, [{"port": 8080}]),
    ]
    answer = _route("http://h/", *objs)
    assert answer.matched is attached
    if not attached:
        assert any("not attached" in m.reason for m in answer.misses)


def test_section_name_and_port_select_listeners() -> None:
    gw = gateway("gw", [listener("http", 80), listener("admin", 8080)])
    by_section = http_route(
        "r", [rule(backend("web"))], parents=[{"name": "gw", "namespace": "infra", "sectionName": "admin"}]
    )
    objs = [gw, by_section, service("web", "infra", [{"port": 8080}])]
    assert not _route("http://h/", *objs).matched
    assert _route("http://h:8080/", *objs).matched
    by_port = http_route("r", [rule(backend("web"))], parents=[{"name": "gw", "namespace": "infra", "port": 80}])
    assert _route("http://h/", gw, by_port, service("web", "infra", [{"port": 8080}])).matched


def test_listener_isolation_most_specific_hostname_wins() -> None:
    gw = gateway(
        "gw", [listener("any"), listener("wild", hostname="*.example.com"), listener("exact", hostname="a.example.com")]
    )
    routes = [
        http_route("to-any", [rule(backend("infra-backend-v1"))], parents=[{"name": "gw", "sectionName": "any"}]),
        http_route("to-wild", [rule(backend("infra-backend-v2"))], parents=[{"name": "gw", "sectionName": "wild"}]),
        http_route("to-exact", [rule(backend("infra-backend-v3"))], parents=[{"name": "gw", "sectionName": "exact"}]),
    ]
    assert _svc(_route("http://a.example.com/", gw, *routes, *SERVICES)) == "infra-backend-v3"
    assert _svc(_route("http://b.example.com/", gw, *routes, *SERVICES)) == "infra-backend-v2"
    assert _svc(_route("http://other.io/", gw, *routes, *SERVICES)) == "infra-backend-v1"


def test_listener_protocol_and_port_must_fit() -> None:
    gw = gateway("gw", [listener("http", 80)])
    answer = _route("https://h/", gw, http_route("r", [rule(backend("web"))]))
    assert answer.outcome == "no-match"
    assert "no listener" in (answer.response or "")
    assert "port 80, the request uses 443" in answer.misses[0].reason


def test_listener_sets_attach_only_when_allowed() -> None:
    ls = {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "ListenerSet",
        "metadata": {"name": "team", "namespace": "shop"},
        "spec": {
            "parentRef": {"name": "gw", "namespace": "infra", "kind": "Gateway", "group": "gateway.networking.k8s.io"},
            "listeners": [listener("team", hostname="team.example.com")],
        },
    }
    route = http_route(
        "r",
        [rule(backend("web"))],
        namespace="shop",
        parents=[{"name": "team", "kind": "ListenerSet", "sectionName": "team"}],
    )
    svc = service("web", "shop", [{"port": 8080}])
    closed = gateway("gw", [listener("http", hostname="other.example.com")])
    answer = _route("http://team.example.com/", closed, ls, route, svc)
    assert not answer.matched
    assert any("accepts no ListenerSet" in m.reason for m in answer.misses)
    opened = gateway(
        "gw", [listener("http", hostname="other.example.com")], allowedListeners={"namespaces": {"from": "All"}}
    )
    assert _svc(_route("http://team.example.com/", opened, ls, route, svc)) == "web"
    # A Gateway parentRef without sectionName does not reach ListenerSet listeners.
    via_gw = http_route("r", [rule(backend("web"))], namespace="shop", parents=[{"name": "gw", "namespace": "infra"}])
    assert not _route("http://team.example.com/", opened, ls, via_gw, svc).matched


def test_controller_rejection_in_status_is_trusted_and_reported() -> None:
    status = [
        {
            "parentRef": {"name": "gw", "namespace": "infra"},
            "controllerName": "x",
            "conditions": [
                {"type": "Accepted", "status": "False", "reason": "UnsupportedValue", "message": "filter not supported"}
            ],
        }
    ]
    answer = _route(
        "http://h/", gateway("gw", [listener("http")]), http_route("r", [rule(backend("web"))], status=status)
    )
    assert not answer.matched
    assert any("Accepted=False (UnsupportedValue) filter not supported" in m.reason for m in answer.misses)


def test_route_conditions_are_reported() -> None:
    status = [
        {
            "parentRef": {"name": "gw", "namespace": "infra"},
            "conditions": [
                {"type": "Accepted", "status": "True", "reason": "Accepted"},
                {"type": "ResolvedRefs", "status": "False", "reason": "BackendNotFound", "message": "svc missing"},
            ],
        }
    ]
    answer = _route(
        "http://h/", gateway("gw", [listener("http")]), http_route("r", [rule(backend("web"))], status=status)
    )
    assert answer.route_conditions == ("Accepted=True (Accepted)", "ResolvedRefs=False (BackendNotFound): svc missing")


# ------------------------------------------------------------------------- backends
def test_weights_pick_the_heaviest_valid_backend() -> None:
    objs = [
        gateway("gw", [listener("http")]),
        http_route("r", [rule(backend("infra-backend-v1", weight=10), backend("infra-backend-v2", weight=90))]),
        *SERVICES,
    ]
    answer = _route("http://h/", *objs)
    assert _svc(answer) == "infra-backend-v2"
    assert [b.weight for b in answer.backends] == [10, 90]


def test_cross_namespace_backend_needs_a_reference_grant() -> None:
    objs = [
        gateway("gw", [listener("http")]),
        http_route("r", [rule(backend("web", namespace="shop"))]),
        service("web", "shop", [{"port": 8080}]),
    ]
    answer = _route("http://h/", *objs)
    assert answer.outcome == "error"
    assert (answer.response or "").startswith("500")
    assert "RefNotPermitted" in (answer.backends[0].problem or "")
    granted = _route("http://h/", *objs, reference_grant("shop", "infra", name="web"))
    assert granted.outcome == "routed"
    assert granted.backends[0].problem is None
    wrong_name = _route("http://h/", *objs, reference_grant("shop", "infra", name="other"))
    assert wrong_name.outcome == "error"


@pytest.mark.parametrize(
    ("backends", "response"),
    [
        ([], "500: the rule has no backendRefs"),
        ([backend("missing")], "500: no valid backendRef"),
        ([backend("web", port=None)], "500: no valid backendRef"),
        ([backend("web", port=9999)], "500: no valid backendRef"),
        ([backend("web", kind="Bucket", group="example.com")], "500: no valid backendRef"),
        ([backend("web", weight=0)], "500: every backendRef has weight 0"),
        ([backend("web"), backend("missing")], "50% of requests receive 500"),
    ],
)
def test_invalid_backends_answer_500(backends: list, response: str) -> None:
    objs = [
        gateway("gw", [listener("http")]),
        http_route("r", [rule(*backends)]),
        service("web", "infra", [{"port": 8080}]),
    ]
    answer = _route("http://h/", *objs)
    assert (answer.response or "").startswith(response)


def test_request_redirect_filter_answers_itself() -> None:
    objs = [gateway("gw", [listener("http")]), http_route("r", [rule(filters=["RequestRedirect"])])]
    answer = _route("http://h/", *objs)
    assert answer.outcome == "redirect"
