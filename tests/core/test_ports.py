"""Ports: numbers, names, ranges, protocols, and PortSet algebra."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kubetraffic.core.ports import (
    PortParseError,
    PortRange,
    PortSet,
    normalise_protocol,
    parse_port_ref,
    parse_port_spec,
    resolve_named,
)


@pytest.mark.parametrize(
    ("raw", "expected"), [(80, 80), ("80", 80), ("http", "http"), (" 8443 ", 8443), ("dns-tcp", "dns-tcp")]
)
def test_port_refs(raw: object, expected: object) -> None:
    assert parse_port_ref(raw) == expected


@pytest.mark.parametrize("raw", ["", True, "   "])
def test_bad_port_refs(raw: object) -> None:
    with pytest.raises(PortParseError):
        parse_port_ref(raw)


@pytest.mark.parametrize(
    ("raw", "expected"), [(None, "TCP"), ("", "TCP"), ("udp", "UDP"), ("SCTP", "SCTP"), ("TCP", "TCP")]
)
def test_protocol_defaults_to_tcp(raw: object, expected: str) -> None:
    assert normalise_protocol(raw) == expected


def test_unknown_protocol() -> None:
    with pytest.raises(PortParseError, match="unknown protocol"):
        normalise_protocol("ICMP")


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("443", (443, "TCP")),
        ("53/udp", (53, "UDP")),
        ("dns/UDP", ("dns", "UDP")),
        ("udp", (None, "UDP")),
        ("http", ("http", "TCP")),
    ],
)
def test_cli_port_specs(spec: str, expected: tuple) -> None:
    assert parse_port_spec(spec) == expected


@pytest.mark.parametrize("spec", ["0", "70000", "80/icmp"])
def test_bad_cli_port_specs(spec: str) -> None:
    with pytest.raises(PortParseError):
        parse_port_spec(spec)


def test_endport_ranges_are_inclusive() -> None:
    r = PortRange("TCP", 32000, 32768)
    assert 32000 in r
    assert 32768 in r
    assert 32769 not in r
    assert 31999 not in r


def test_named_ports_resolve_per_protocol() -> None:
    named = {("dns", "UDP"): 53, ("dns-tcp", "TCP"): 53, ("http", "TCP"): 8080}
    assert resolve_named("http", "TCP", named) == 8080
    assert resolve_named("http", "UDP", named) is None
    assert resolve_named("dns", "UDP", named) == 53
    assert resolve_named("metrics", "TCP", named) is None


def test_portset_rendering() -> None:
    s = PortSet.of([PortRange("TCP", 80, 80), PortRange("TCP", 8000, 9000), PortRange("UDP", 53, 53)])
    assert s.describe() == {"TCP": [80, "8000-9000"], "UDP": [53]}
    assert PortSet.all().is_all()
    assert str(PortSet.all()) == "all ports"


ranges = st.builds(
    lambda proto, lo, span: PortRange(proto, lo, min(65535, lo + span)),
    st.sampled_from(["TCP", "UDP", "SCTP"]),
    st.integers(1, 65535),
    st.integers(0, 2000),
)
port_sets = st.lists(ranges, max_size=5).map(PortSet.of)
probes = st.tuples(st.integers(1, 65535), st.sampled_from(["TCP", "UDP", "SCTP"]))


@given(st.lists(ranges, max_size=5), probes)
def test_portset_membership_matches_its_ranges(rs: list[PortRange], probe: tuple[int, str]) -> None:
    port, proto = probe
    expected = any(r.protocol == proto and port in r for r in rs)
    assert PortSet.of(rs).contains(port, proto) == expected


@given(port_sets, port_sets, probes)
def test_portset_algebra(a: PortSet, b: PortSet, probe: tuple[int, str]) -> None:
    port, proto = probe
    assert (a | b).contains(port, proto) == (a.contains(port, proto) or b.contains(port, proto))
    assert (a & b).contains(port, proto) == (a.contains(port, proto) and b.contains(port, proto))


@given(port_sets)
def test_portset_ranges_round_trip(a: PortSet) -> None:
    assert PortSet.of(a.ranges()) == a
