"""One case per rule of the NetworkPolicy spec, table-driven over fixture scenarios.

Each case names a scenario (tests/fixtures/<scenario>), a source and a destination
(``ns/pod`` or an address/CIDR), the port and protocol, and what the verdict must say:
allowed or not, the rule that allows it (``ns/policy#rule``), and for a deny the side that
denies, the reason of the nearest miss and which part of the rule failed.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from kubetraffic.core.policy import evaluate_connection
from tests.core.policy.scenarios import load, peer


@dataclass(frozen=True)
class Case:
    id: str
    scenario: str
    src: str
    dst: str
    port: int | str | None
    allowed: bool
    protocol: str = "TCP"
    matched: str | None = None
    """``ns/policy#rule`` of the rule that allows it (on ``side``)."""
    side: str = "ingress"
    """The side that allows (matched) or denies (miss)."""
    miss: str | None = None
    """A substring of the nearest miss's reason on the denying side."""
    failed: str | None = None
    """A part the nearest miss failed on: peer, except, port, protocol, rules."""
    note: str | None = None
    """A substring of one of the verdict's notes."""
    exempt: str | None = None
    """A substring of ``side``'s exemption."""


DOCS = "policy-docs-example"
DENY = "policy-default-deny"
DNS = "policy-allow-dns"
NS = "policy-namespaces"
CIDR = "policy-cidr"
PORTS = "policy-ports"
TYPES = "policy-types"
EMPTY = "policy-empty"
NODES = "policy-nodes"

CASES = [
    # --- the documentation's test-network-policy --------------------------------------------
    Case(
        "docs: frontend pod in the policy namespace",
        DOCS,
        "default/frontend",
        "default/db",
        6379,
        True,
        matched="default/test-network-policy#0",
    ),
    Case(
        "docs: any pod of a project=myproject namespace",
        DOCS,
        "myproject/client",
        "default/db",
        6379,
        True,
        matched="default/test-network-policy#0",
    ),
    Case(
        "docs: role=frontend elsewhere is not the local namespace",
        DOCS,
        "other/frontend",
        "default/db",
        6379,
        False,
        miss="pod is in namespace other, a podSelector without namespaceSelector means default",
        failed="peer",
    ),
    Case(
        "docs: the failing namespace term is named",
        DOCS,
        "other/frontend",
        "default/db",
        6379,
        False,
        miss="namespace other lacks project=myproject (has project=elsewhere)",
    ),
    Case("docs: ipBlock source", DOCS, "172.17.0.5", "default/db", 6379, True, matched="default/test-network-policy#0"),
    Case(
        "docs: ipBlock except",
        DOCS,
        "172.17.1.5",
        "default/db",
        6379,
        False,
        miss="172.17.1.5 is inside except 172.17.1.0/24 of ipBlock 172.17.0.0/16",
        failed="except",
    ),
    Case(
        "docs: other port",
        DOCS,
        "default/frontend",
        "default/db",
        6380,
        False,
        miss="port 6380/TCP not in [6379/TCP]",
        failed="port",
    ),
    Case(
        "docs: other protocol",
        DOCS,
        "default/frontend",
        "default/db",
        6379,
        False,
        protocol="UDP",
        miss="protocol UDP not in rule ports [6379/TCP]",
        failed="protocol",
    ),
    Case(
        "docs: egress to the CIDR",
        DOCS,
        "default/db",
        "10.0.0.5",
        5978,
        True,
        side="egress",
        matched="default/test-network-policy#0",
    ),
    Case("docs: egress other port", DOCS, "default/db", "10.0.0.5", 5979, False, side="egress", failed="port"),
    Case(
        "docs: egress outside the CIDR",
        DOCS,
        "default/db",
        "10.0.1.5",
        5978,
        False,
        side="egress",
        miss="10.0.1.5 not in 10.0.0.0/24",
        failed="peer",
    ),
    Case(
        "docs: a pod IP inside an ipBlock is still a pod",
        DOCS,
        "default/db",
        "default/backend",
        5978,
        False,
        side="egress",
        miss="though its IP 10.0.0.7 is inside it (some network plugins match pod IPs too)",
    ),
    Case(
        "docs: an address of a pod is judged as the pod",
        DOCS,
        "default/db",
        "10.0.0.7",
        5978,
        False,
        side="egress",
        note="10.0.0.7 is the IP of pod default/backend",
    ),
    # --- default policies ---------------------------------------------------------------------
    Case(
        "default-deny-ingress",
        DENY,
        "deny-in/a",
        "deny-in/b",
        80,
        False,
        miss="no ingress rules: it isolates the pod for ingress and allows nothing",
        failed="rules",
    ),
    Case("default-deny-ingress leaves egress alone", DENY, "deny-in/a", "203.0.113.9", 443, True, side="egress"),
    Case(
        "default-deny-egress",
        DENY,
        "deny-out/a",
        "8.8.8.8",
        53,
        False,
        protocol="UDP",
        side="egress",
        miss="no egress rules",
        failed="rules",
    ),
    Case("default-deny-egress toward a pod", DENY, "deny-out/a", "deny-in/a", 80, False, side="egress", failed="rules"),
    Case("default-deny-all: egress", DENY, "deny-all/a", "1.1.1.1", 443, False, side="egress"),
    Case("default-deny-all: ingress", DENY, "1.1.1.1", "deny-all/a", 443, False, failed="rules"),
    Case(
        "allow-all-ingress wins over a default deny",
        DENY,
        "203.0.113.9",
        "allow-in/a",
        80,
        True,
        matched="allow-in/allow-all-ingress#0",
    ),
    Case(
        "allow-all-egress wins over a default deny",
        DENY,
        "allow-out/a",
        "203.0.113.9",
        443,
        True,
        side="egress",
        matched="allow-out/allow-all-egress#0",
    ),
    Case("allow-all-egress leaves ingress denied", DENY, "203.0.113.9", "allow-out/a", 443, False, failed="rules"),
    # --- allow DNS after a default deny -------------------------------------------------------
    Case(
        "dns: UDP 53 to kube-dns",
        DNS,
        "app/web",
        "kube-system/coredns-1",
        53,
        True,
        protocol="UDP",
        side="egress",
        matched="app/allow-dns#0",
    ),
    Case(
        "dns: TCP 53 to kube-dns",
        DNS,
        "app/web",
        "kube-system/coredns-1",
        53,
        True,
        side="egress",
        matched="app/allow-dns#0",
    ),
    Case(
        "dns: UDP 54 is not DNS",
        DNS,
        "app/web",
        "kube-system/coredns-1",
        54,
        False,
        protocol="UDP",
        side="egress",
        failed="port",
    ),
    Case(
        "dns: another kube-system pod",
        DNS,
        "app/web",
        "kube-system/metrics-server",
        53,
        False,
        protocol="UDP",
        side="egress",
        miss="pod lacks k8s-app=kube-dns (has k8s-app=metrics-server)",
    ),
    # --- namespaces ---------------------------------------------------------------------------
    Case("allow from a namespace", NS, "ops/client", "target/from-ns", 80, True, matched="target/allow-from-ops#0"),
    Case(
        "another namespace",
        NS,
        "dev/client",
        "target/from-ns",
        80,
        False,
        miss="namespace dev lacks team=ops (has team=dev)",
    ),
    Case("namespace AND pod: both hold", NS, "ops/client", "target/and-peer", 80, True),
    Case(
        "namespace AND pod: pod term fails",
        NS,
        "ops/tool",
        "target/and-peer",
        80,
        False,
        miss="pod lacks role=client (has role=tool)",
    ),
    Case(
        "namespace AND pod: namespace term fails",
        NS,
        "dev/client",
        "target/and-peer",
        80,
        False,
        miss="namespace dev lacks user=alice (has user=bob)",
    ),
    Case("namespace OR pod: the namespace peer", NS, "ops/tool", "target/or-peers", 80, True),
    Case("namespace OR pod: the pod peer, local namespace", NS, "target/client", "target/or-peers", 80, True),
    Case("namespace OR pod: neither", NS, "dev/client", "target/or-peers", 80, False, miss="none of 2 peers matches"),
    Case("metadata.name on a namespace manifest without it", NS, "target/client", "target/by-name", 80, True),
    Case("metadata.name on a namespace never declared", NS, "undeclared/job", "target/by-name", 80, True),
    Case(
        "metadata.name names the namespace",
        NS,
        "ops/client",
        "target/by-name",
        80,
        False,
        miss="namespace ops lacks kubernetes.io/metadata.name in (target,undeclared) "
        "(has kubernetes.io/metadata.name=ops)",
    ),
    # --- CIDRs --------------------------------------------------------------------------------
    Case("cidr: the internet", CIDR, "net/app", "8.8.8.8", 443, True, side="egress", matched="net/internet-only#0"),
    Case(
        "cidr: metadata address excepted",
        CIDR,
        "net/app",
        "169.254.169.254",
        443,
        False,
        side="egress",
        miss="169.254.169.254 is inside except 169.254.169.254/32 of ipBlock 0.0.0.0/0",
        failed="except",
    ),
    Case(
        "cidr: cluster range excepted",
        CIDR,
        "net/app",
        "10.1.2.3",
        443,
        False,
        side="egress",
        miss="inside except 10.0.0.0/8",
        failed="except",
    ),
    Case("cidr: other port", CIDR, "net/app", "8.8.8.8", 80, False, side="egress", failed="port"),
    Case(
        "cidr: IPv6 block, all ports",
        CIDR,
        "net/app",
        "2001:db8::1",
        80,
        True,
        side="egress",
        matched="net/internet-only#1",
    ),
    Case("cidr: a whole range inside the block", CIDR, "net/app", "8.8.0.0/16", 443, True, side="egress"),
    Case(
        "cidr: a range reaching into an except",
        CIDR,
        "net/app",
        "0.0.0.0/0",
        443,
        False,
        side="egress",
        note="allowed only if every address in it is",
    ),
    Case(
        "cidr: a pod inside the allowed block",
        CIDR,
        "net/app",
        "net/db",
        5432,
        False,
        side="egress",
        miss="ipBlock 10.244.0.0/16 is matched only against addresses outside the cluster's pods",
    ),
    # --- ports --------------------------------------------------------------------------------
    Case("named port resolved on the destination", PORTS, "ports/client", "ports/web-8080", 8080, True),
    Case(
        "named port, another number",
        PORTS,
        "ports/client",
        "ports/web-8080",
        9000,
        False,
        miss="port 9000/TCP not in [http/TCP, dns/UDP]",
        failed="port",
    ),
    Case("named port, per pod", PORTS, "ports/client", "ports/web-9000", 9000, True),
    Case("named port, per pod (the other number)", PORTS, "ports/client", "ports/web-9000", 8080, False),
    Case(
        "named port the destination lacks",
        PORTS,
        "ports/client",
        "ports/web-unnamed",
        8080,
        False,
        miss="ports/web-unnamed defines no TCP port named http",
    ),
    Case("named UDP port", PORTS, "ports/client", "ports/web-8080", 5353, True, protocol="UDP"),
    Case("named UDP port, asked on TCP", PORTS, "ports/client", "ports/web-8080", 5353, False),
    Case("port asked by name", PORTS, "ports/client", "ports/web-9000", "http", True),
    Case("endPort: first", PORTS, "ports/client", "ports/nodeports", 30000, True),
    Case("endPort: last (inclusive)", PORTS, "ports/client", "ports/nodeports", 32767, True),
    Case("endPort: below", PORTS, "ports/client", "ports/nodeports", 29999, False, miss="not in [30000-32767/TCP]"),
    Case("endPort: above", PORTS, "ports/client", "ports/nodeports", 32768, False),
    Case("SCTP", PORTS, "ports/client", "ports/sctp", 9999, True, protocol="SCTP"),
    Case("SCTP rule, TCP asked", PORTS, "ports/client", "ports/sctp", 9999, False, failed="protocol"),
    Case("protocol without port: low", PORTS, "ports/client", "ports/udp-only", 1, True, protocol="UDP"),
    Case("protocol without port: high", PORTS, "ports/client", "ports/udp-only", 65535, True, protocol="UDP"),
    Case(
        "protocol without port: other protocol", PORTS, "ports/client", "ports/udp-only", 53, False, failed="protocol"
    ),
    Case(
        "named port toward an address never widens",
        PORTS,
        "ports/egress-named",
        "8.8.8.8",
        8080,
        False,
        side="egress",
        miss="named port http never matches an address outside the cluster's pods",
    ),
    Case(
        "named egress port toward a pod",
        PORTS,
        "ports/egress-named",
        "ports/web-9000",
        9000,
        True,
        side="egress",
        matched="ports/named-egress#0",
    ),
    Case(
        "named egress port toward a pod, other number",
        PORTS,
        "ports/egress-named",
        "ports/web-9000",
        8080,
        False,
        side="egress",
    ),
    # --- policyTypes --------------------------------------------------------------------------
    Case("egress rules imply Egress", TYPES, "types/implied-egress", "198.51.100.1", 80, False, side="egress"),
    Case(
        "egress rules imply Egress: allowed range", TYPES, "types/implied-egress", "192.0.2.1", 80, True, side="egress"
    ),
    Case("no egress rules: Ingress only", TYPES, "types/ingress-only", "8.8.8.8", 443, True, side="egress"),
    Case(
        "ingress rules without Ingress in policyTypes do nothing", TYPES, "203.0.113.1", "types/egress-type", 80, True
    ),
    Case(
        "Egress-only policy, its egress rule",
        TYPES,
        "types/egress-type",
        "types/ingress-only",
        80,
        False,
        miss="pod lacks app=implied-egress (has app=egress-type)",
    ),
    # --- empty versus missing -----------------------------------------------------------------
    Case(
        "from: [] and ports: [] allow everything",
        EMPTY,
        "two/b",
        "one/empty-from",
        1234,
        True,
        protocol="UDP",
        matched="one/empty-from#0",
    ),
    Case("podSelector {} peer: own namespace", EMPTY, "one/a", "one/own-ns", 80, True),
    Case(
        "podSelector {} peer: not another namespace",
        EMPTY,
        "two/b",
        "one/own-ns",
        80,
        False,
        miss="pod is in namespace two, a podSelector without namespaceSelector means one",
    ),
    Case("namespaceSelector {}: every namespace", EMPTY, "two/b", "one/all-ns", 80, True),
    Case(
        "namespaceSelector {}: never an address",
        EMPTY,
        "203.0.113.1",
        "one/all-ns",
        80,
        False,
        miss="outside the cluster's pods",
    ),
    # --- nodes, host network, the pod itself, pod states ----------------------------------------
    Case(
        "own node reaches an isolated pod",
        NODES,
        "infra/agent-1",
        "apps/locked",
        8080,
        True,
        exempt="from its own node",
    ),
    Case(
        "another node's host-network pod does not", NODES, "infra/agent-2", "apps/locked", 8080, False, failed="rules"
    ),
    Case(
        "selectors never match host-network pods",
        NODES,
        "infra/agent-2",
        "apps/from-agents",
        8080,
        False,
        miss="uses the host network",
        note="agent-2 uses the host network",
    ),
    Case("host-network pod on its own node", NODES, "infra/agent-1", "apps/from-agents", 8080, True, exempt="own node"),
    Case(
        "ipBlock matches a host-network pod's node IP",
        NODES,
        "infra/agent-2",
        "apps/from-nodes",
        8080,
        True,
        matched="apps/from-node-2#0",
    ),
    Case("the node IP of the pod's node", NODES, "192.168.0.11", "apps/locked", 10250, True, exempt="own node"),
    Case("a pod cannot block itself", NODES, "apps/locked", "apps/locked", 8080, True, exempt="itself"),
    Case("egress to its own node", NODES, "apps/locked", "192.168.0.11", 10250, True, side="egress", exempt="own node"),
    Case("egress to another node", NODES, "apps/locked", "192.168.0.12", 10250, False, side="egress"),
    Case(
        "host-network destination is not isolated",
        NODES,
        "apps/from-agents",
        "infra/agent-2",
        9100,
        True,
        exempt="host-network",
    ),
    Case(
        "terminating pods keep their policies",
        NODES,
        "apps/leaving",
        "infra/agent-1",
        9100,
        False,
        side="egress",
        note="is terminating",
    ),
    Case(
        "a pod without an IP is judged by its labels",
        NODES,
        "apps/pending",
        "203.0.113.1",
        443,
        False,
        side="egress",
        note="has no IP yet",
    ),
    Case(
        "a template stand-in, named port",
        NODES,
        "apps/from-agents",
        "apps/planned-template",
        8080,
        False,
        miss="pod lacks app=locked (has app=from-agents)",
        note="stands in for the Deployment planned template",
    ),
    Case(
        "a template stand-in, allowed ingress",
        NODES,
        "apps/locked",
        "apps/planned-template",
        8080,
        False,
        side="egress",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rule(case: Case) -> None:
    state = load(case.scenario)
    v = evaluate_connection(state, peer(state, case.src), peer(state, case.dst), case.port, case.protocol)
    assert v.allowed is case.allowed, v
    side = v.ingress if case.side == "ingress" else v.egress
    assert side is not None
    if case.matched is not None:
        assert side.matched is not None, side
        assert f"{side.matched.policy}#{side.matched.rule}" == case.matched
    if case.miss is not None or case.failed is not None:
        assert not side.allowed, side
        assert side.misses, side
        nearest = side.misses[0]
        if case.miss is not None:
            assert case.miss in nearest.reason, nearest.reason
        if case.failed is not None:
            assert case.failed in nearest.failed, nearest
    if case.note is not None:
        assert any(case.note in n for n in v.notes), v.notes
    if case.exempt is not None:
        assert side.exempt is not None, side
        assert case.exempt in side.exempt, side
    if not case.allowed and case.miss is None and case.failed is None:
        assert not side.allowed, f"expected the {case.side} side to deny: {v}"
