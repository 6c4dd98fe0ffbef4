"""Label selectors: every operator, empty vs missing, validation, kubectl -l syntax."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kubetraffic.core.labels import LabelSelector, Op, Requirement, SelectorError, parse_label_query, parse_selector

APP_WEB = {"app": "web", "tier": "frontend"}

CASES = [
    # (selector, labels, matches)
    ({}, {}, True),
    ({}, APP_WEB, True),
    ({"matchLabels": {"app": "web"}}, APP_WEB, True),
    ({"matchLabels": {"app": "db"}}, APP_WEB, False),
    ({"matchLabels": {"app": "web", "tier": "backend"}}, APP_WEB, False),
    ({"matchExpressions": [{"key": "app", "operator": "In", "values": ["web", "db"]}]}, APP_WEB, True),
    ({"matchExpressions": [{"key": "app", "operator": "In", "values": ["db"]}]}, APP_WEB, False),
    ({"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]}, APP_WEB, False),
    ({"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["db"]}]}, APP_WEB, True),
    ({"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["web"]}]}, APP_WEB, False),
    # NotIn matches objects without the key at all.
    ({"matchExpressions": [{"key": "zone", "operator": "NotIn", "values": ["a"]}]}, APP_WEB, True),
    ({"matchExpressions": [{"key": "tier", "operator": "Exists"}]}, APP_WEB, True),
    ({"matchExpressions": [{"key": "zone", "operator": "Exists"}]}, APP_WEB, False),
    ({"matchExpressions": [{"key": "zone", "operator": "DoesNotExist"}]}, APP_WEB, True),
    ({"matchExpressions": [{"key": "app", "operator": "DoesNotExist"}]}, APP_WEB, False),
    # matchLabels AND matchExpressions
    (
        {"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "tier", "operator": "In", "values": ["db"]}]},
        APP_WEB,
        False,
    ),
    # Empty value is a value.
    ({"matchLabels": {"flag": ""}}, {"flag": ""}, True),
    ({"matchLabels": {"flag": ""}}, {}, False),
]


@pytest.mark.parametrize(("raw", "labels", "expected"), CASES)
def test_selector_matches(raw: dict, labels: dict, expected: bool) -> None:
    assert parse_selector(raw).matches(labels) is expected


def test_missing_selector_parses_to_the_empty_selector() -> None:
    assert parse_selector(None).is_empty
    assert parse_selector({}).is_empty


@pytest.mark.parametrize(
    "raw",
    [
        {"matchExpressions": [{"key": "a", "operator": "In", "values": []}]},
        {"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]},
        {"matchExpressions": [{"key": "a", "operator": "Like", "values": ["x"]}]},
        {"matchLabels": ["a"]},
        "app=web",
    ],
)
def test_invalid_selectors_are_rejected(raw: object) -> None:
    with pytest.raises(SelectorError):
        parse_selector(raw)


def test_failing_terms_name_the_missing_piece() -> None:
    sel = parse_selector({"matchLabels": {"app": "web", "tier": "db"}})
    failing = sel.failing_terms(APP_WEB)
    assert [t.describe() for t in failing] == ["tier=db"]


@pytest.mark.parametrize(
    ("query", "labels", "expected"),
    [
        ("app=web", APP_WEB, True),
        ("app==web,tier=frontend", APP_WEB, True),
        ("app!=web", APP_WEB, False),
        ("app!=db", APP_WEB, True),
        ("app in (db, web)", APP_WEB, True),
        ("app notin (db,web)", APP_WEB, False),
        ("tier", APP_WEB, True),
        ("!tier", APP_WEB, False),
        ("!zone,app=web", APP_WEB, True),
        ("", APP_WEB, True),
    ],
)
def test_label_query(query: str, labels: dict, expected: bool) -> None:
    assert parse_label_query(query).matches(labels) is expected


def test_describe_round_trips_through_label_query() -> None:
    sel = parse_selector(
        {
            "matchLabels": {"app": "web"},
            "matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["a", "b"]},
                {"key": "zone", "operator": "DoesNotExist"},
            ],
        }
    )
    again = parse_label_query(sel.describe())
    for labels in ({"app": "web", "tier": "a"}, {"app": "web", "tier": "c"}, {"app": "web", "tier": "a", "zone": "z"}):
        assert again.matches(labels) == sel.matches(labels)


# ----------------------------------------------------------------------- properties
keys = st.sampled_from(["app", "tier", "zone", "team"])
values = st.sampled_from(["a", "b", "c", ""])
label_sets = st.dictionaries(keys, values, max_size=4)
requirements = st.builds(
    lambda k, op, vs: Requirement(k, op, frozenset(vs) if op in (Op.IN, Op.NOT_IN) else frozenset()),
    keys,
    st.sampled_from(list(Op)),
    st.sets(values, min_size=1, max_size=3),
)
selectors = st.builds(
    lambda ml, me: LabelSelector(tuple(sorted(ml.items())), tuple(me)),
    st.dictionaries(keys, values, max_size=2),
    st.lists(requirements, max_size=3),
)


@given(selectors, label_sets)
def test_selector_is_the_conjunction_of_its_terms(sel: LabelSelector, labels: dict) -> None:
    assert sel.matches(labels) == all(r.matches(labels) for r in sel.requirements)
    assert sel.matches(labels) == (not sel.failing_terms(labels))


@given(requirements, label_sets)
def test_in_and_notin_are_complements_when_the_key_exists(req: Requirement, labels: dict) -> None:
    if req.op in (Op.IN, Op.NOT_IN) and req.key in labels:
        flipped = Requirement(req.key, Op.NOT_IN if req.op is Op.IN else Op.IN, req.values)
        assert req.matches(labels) != flipped.matches(labels)


@given(selectors)
def test_to_dict_round_trips(sel: LabelSelector) -> None:
    again = parse_selector(sel.to_dict())
    assert set(again.requirements) == set(sel.requirements)
