"""IP sets: ipBlock with except, v4 and v6, algebra and minimal rendering."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kubetraffic.core.ipset import IPParseError, IPSet, parse_ip

BLOCK_CASES = [
    # (cidr, except, ip, inside)
    ("10.0.0.0/8", [], "10.1.2.3", True),
    ("10.0.0.0/8", [], "11.0.0.1", False),
    ("10.0.0.0/8", ["10.96.0.0/12"], "10.96.0.10", False),
    ("10.0.0.0/8", ["10.96.0.0/12"], "10.95.255.255", True),
    ("10.0.0.0/8", ["10.96.0.0/12"], "10.112.0.0", True),
    ("0.0.0.0/0", ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"], "198.51.100.7", True),
    ("0.0.0.0/0", ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"], "192.168.1.1", False),
    ("198.51.100.7/32", [], "198.51.100.7", True),
    ("198.51.100.7/32", [], "198.51.100.8", False),
    ("10.0.0.5/24", [], "10.0.0.200", True),  # host bits are tolerated, as the API server normalises
    ("2001:db8::/32", [], "2001:db8::1", True),
    ("2001:db8::/32", ["2001:db8:1::/48"], "2001:db8:1::5", False),
    ("0.0.0.0/0", [], "2001:db8::1", False),  # families never mix
    ("::/0", [], "10.0.0.1", False),
    ("::/0", [], "::ffff:10.0.0.1", False),  # an IPv4-mapped address is IPv4
]


@pytest.mark.parametrize(("cidr", "excepts", "ip", "inside"), BLOCK_CASES)
def test_ip_block_membership(cidr: str, excepts: list[str], ip: str, inside: bool) -> None:
    assert (ip in IPSet.from_block(cidr, excepts)) is inside


def test_minimal_cidrs_of_a_block_with_except() -> None:
    block = IPSet.from_block("10.0.0.0/8", ["10.96.0.0/12"])
    assert block.cidrs() == ["10.0.0.0/10", "10.64.0.0/11", "10.112.0.0/12", "10.128.0.0/9"]


def test_ranges_render_cidr_or_dash_range() -> None:
    everything_but_10 = IPSet.from_cidr("0.0.0.0/0") - IPSet.from_cidr("10.0.0.0/8")
    assert everything_but_10.ranges() == ["0.0.0.0-9.255.255.255", "11.0.0.0-255.255.255.255"]
    assert IPSet.from_cidr("10.0.0.0/8").ranges() == ["10.0.0.0/8"]


def test_everything_and_empty() -> None:
    assert IPSet.everything().is_everything()
    assert not IPSet.empty()
    assert "8.8.8.8" in IPSet.everything()
    assert "8.8.8.8" not in IPSet.empty()


@pytest.mark.parametrize("bad", ["10.0.0.0/33", "not-an-ip", "", "1.2.3"])
def test_bad_cidrs_raise_a_clear_error(bad: str) -> None:
    with pytest.raises(IPParseError, match="not a CIDR"):
        IPSet.from_cidr(bad)


def test_parse_ip_rejects_garbage() -> None:
    with pytest.raises(IPParseError):
        parse_ip("10.0.0.256")


# ----------------------------------------------------------------------- properties
v4 = st.integers(0, 2**32 - 1)
prefixes = st.integers(8, 32)


@st.composite
def cidrs(draw: st.DrawFn) -> str:
    net = ipaddress.IPv4Network((draw(v4), draw(prefixes)), strict=False)
    return str(net)


cidr_sets = st.lists(cidrs(), min_size=0, max_size=4).map(IPSet.from_cidrs)
addresses = v4.map(lambda n: str(ipaddress.IPv4Address(n)))


def _naive(cidr_list: list[str], ip: str) -> bool:
    return any(ipaddress.ip_address(ip) in ipaddress.ip_network(c, strict=False) for c in cidr_list)


@given(st.lists(cidrs(), max_size=4), addresses)
def test_union_of_cidrs_matches_naive_membership(cidr_list: list[str], ip: str) -> None:
    assert (ip in IPSet.from_cidrs(cidr_list)) == _naive(cidr_list, ip)


@given(cidrs(), st.lists(cidrs(), max_size=3), addresses)
def test_block_is_cidr_minus_excepts(cidr: str, excepts: list[str], ip: str) -> None:
    expected = _naive([cidr], ip) and not _naive(excepts, ip)
    assert (ip in IPSet.from_block(cidr, excepts)) == expected


@given(cidr_sets, cidr_sets, addresses)
def test_algebra_agrees_with_membership(a: IPSet, b: IPSet, ip: str) -> None:
    assert (ip in a | b) == (ip in a or ip in b)
    assert (ip in a & b) == (ip in a and ip in b)
    assert (ip in a - b) == (ip in a and ip not in b)


@given(cidr_sets)
def test_minimal_cidrs_are_exact_and_disjoint(s: IPSet) -> None:
    parts = s.cidrs()
    assert IPSet.from_cidrs(parts) == s
    nets = [ipaddress.ip_network(p) for p in parts]
    assert sum(n.num_addresses for n in nets) == s.size()


@given(cidr_sets, cidr_sets)
def test_subset(a: IPSet, b: IPSet) -> None:
    assert (a & b).issubset(a)
    assert a.issubset(a | b)
