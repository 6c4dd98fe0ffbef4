"""Random small clusters as raw API dictionaries, covering every NetworkPolicy feature, for
the reference-model agreement tests.

2–3 namespaces (one may be undeclared), two nodes, 2–7 pods in bare pods and Deployments
(two revisions of a Deployment may declare different ports — a named port on some
destination pods and not others), host-network pods, pods without IPs, dual-stack pods,
and the same port name on different protocols. Policies draw from every selector
operator, peer form, ipBlock (with except, IPv6), port form (numeric, named, endPort,
protocol-only, ``{}``), empty vs missing ``from``/``to``/``ports``/``ingress``/``egress``
and explicit, empty or defaulted ``policyTypes``.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from kubetraffic.core.convert import convert
from kubetraffic.core.state import ClusterState
from tests.core.policy.reference import Cluster

Obj = dict[str, Any]

NAMESPACES = ("a", "b", "c")
NODES = {"n1": "192.168.0.11", "n2": "192.168.0.12"}
LABEL_KEYS = ("app", "tier")
LABEL_VALUES = ("web", "db", "fe")
NS_LABELS = {"team": ("x", "y"), "env": ("prod", "dev")}

CONTAINER_PORTS: tuple[Obj, ...] = (
    {"name": "http", "containerPort": 8080},
    {"name": "http", "containerPort": 9090},
    {"name": "http", "containerPort": 8080, "protocol": "UDP"},
    {"name": "dns", "containerPort": 53, "protocol": "UDP"},
    {"name": "dns", "containerPort": 53, "protocol": "TCP"},
    {"name": "dns", "containerPort": 5353},
    {"name": "metrics", "containerPort": 9100},
    {"name": "metrics", "containerPort": 9100, "protocol": "SCTP"},
    {"containerPort": 443},
)
POLICY_PORTS: tuple[Obj, ...] = (
    {},
    {"protocol": "UDP"},
    {"protocol": "SCTP"},
    {"port": 8080},
    {"port": 8080, "protocol": "UDP"},
    {"port": 8000, "endPort": 8100},
    {"port": 8080, "endPort": 8080},
    {"port": 53, "endPort": 54, "protocol": "UDP"},
    {"port": 9100, "protocol": "SCTP"},
    {"port": "http"},
    {"port": "http", "protocol": "UDP"},
    {"port": "dns", "protocol": "UDP"},
    {"port": "dns"},
    {"port": "metrics", "protocol": "SCTP"},
    {"port": "metrics"},
    {"port": "nope"},
)
BLOCKS: tuple[Obj, ...] = (
    {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8"]},
    {"cidr": "0.0.0.0/0"},
    {"cidr": "192.168.0.0/24"},
    {"cidr": "192.168.0.11/32"},
    {"cidr": "203.0.113.0/24", "except": ["203.0.113.128/25"]},
    {"cidr": "203.0.113.7/24"},
    {"cidr": "10.244.0.0/16"},
    {"cidr": "10.0.0.0/8", "except": ["10.244.0.0/16", "10.1.1.1/32"]},
    {"cidr": "::/0"},
    {"cidr": "2001:db8::/32", "except": ["2001:db8:1::/48"]},
    {"cidr": "fd00:10::/64"},
)
EXTERNAL_IPS = (
    "1.2.3.4",
    "10.1.1.1",
    "10.2.0.1",
    "10.244.200.200",
    "192.168.0.11",
    "192.168.0.12",
    "192.168.0.99",
    "203.0.113.5",
    "203.0.113.200",
    "2001:db8::1",
    "2001:db8:1::5",
    "fd00:10::99",
)
PROBE_PORTS = (53, 54, 443, 5353, 7999, 8000, 8079, 8080, 8081, 8100, 8101, 9090, 9100)
PROTOCOLS = ("TCP", "UDP", "SCTP")


# ------------------------------------------------------------------------- selectors
def match_labels(keys: tuple[str, ...], values: tuple[str, ...]) -> st.SearchStrategy[dict[str, str]]:
    return st.dictionaries(st.sampled_from(keys), st.sampled_from(values), min_size=1, max_size=2)


def expressions(keys: tuple[str, ...], values: tuple[str, ...]) -> st.SearchStrategy[list[Obj]]:
    def expr(key: str, op: str, vals: list[str]) -> Obj:
        return {"key": key, "operator": op, **({"values": vals} if op in ("In", "NotIn") else {})}

    one = st.builds(
        expr,
        st.sampled_from(keys),
        st.sampled_from(("In", "NotIn", "Exists", "DoesNotExist")),
        st.lists(st.sampled_from(values), min_size=1, max_size=2, unique=True),
    )
    return st.lists(one, min_size=1, max_size=2)


def pod_selector(known: tuple[dict[str, str], ...] = ()) -> st.SearchStrategy[Obj]:
    """A pod selector; ``known`` label sets (of the cluster's pods) make matches likely."""
    keys, values = LABEL_KEYS, LABEL_VALUES
    options = [
        st.just({}),
        match_labels(keys, values).map(lambda m: {"matchLabels": m}),
        expressions(keys, values).map(lambda e: {"matchExpressions": e}),
        st.tuples(match_labels(keys, values), expressions(keys, values)).map(
            lambda t: {"matchLabels": t[0], "matchExpressions": t[1]}
        ),
    ]
    usable = [k for k in known if k]
    if usable:
        subset = st.sampled_from(usable).flatmap(
            lambda labels: st.lists(st.sampled_from(sorted(labels)), min_size=1, unique=True).map(
                lambda ks: {k: labels[k] for k in ks}
            )
        )
        options += [subset.map(lambda m: {"matchLabels": m})] * 3
    return st.one_of(*options)


def namespace_selector() -> st.SearchStrategy[Obj]:
    keys = (*NS_LABELS, "kubernetes.io/metadata.name")
    values = (*NS_LABELS["team"], *NS_LABELS["env"], *NAMESPACES)
    return st.one_of(
        st.just({}),
        st.sampled_from(NAMESPACES).map(lambda n: {"matchLabels": {"kubernetes.io/metadata.name": n}}),
        match_labels(keys, values).map(lambda m: {"matchLabels": m}),
        expressions(keys, values).map(lambda e: {"matchExpressions": e}),
    )


# --------------------------------------------------------------------------- policies
@st.composite
def peer(draw: st.DrawFn, known: tuple[dict[str, str], ...]) -> Obj:
    form = draw(st.integers(0, 9))
    if form < 3:
        return {"podSelector": draw(pod_selector(known))}
    if form < 5:
        return {"namespaceSelector": draw(namespace_selector())}
    if form < 7:
        return {"namespaceSelector": draw(namespace_selector()), "podSelector": draw(pod_selector(known))}
    return {"ipBlock": draw(st.sampled_from(BLOCKS))}


@st.composite
def rule(draw: st.DrawFn, peers_field: str, known: tuple[dict[str, str], ...], ports_focus: bool) -> Obj:
    """A rule; peers and ports are given most of the time, else ``[]`` or missing (both
    mean "all"). ``ports_focus``: peers mostly match everything and ports are always
    given, so port matching decides."""
    out: Obj = {}
    if ports_focus:
        peers_form = draw(st.sampled_from(("missing", "empty", "everything", "given")))
    else:
        peers_form = draw(st.sampled_from(("given",) * 7 + ("empty", "missing", "missing")))
    if peers_form == "empty":
        out[peers_field] = []
    elif peers_form == "everything":
        out[peers_field] = [{"ipBlock": {"cidr": draw(st.sampled_from(("0.0.0.0/0", "::/0")))}}]
    elif peers_form == "given":
        out[peers_field] = [draw(peer(known)) for _ in range(draw(st.integers(1, 3)))]
    ports_form = "given" if ports_focus else draw(st.sampled_from(("given",) * 6 + ("empty",) + ("missing",) * 3))
    if ports_form == "empty":
        out["ports"] = []
    elif ports_form == "given":
        out["ports"] = [draw(st.sampled_from(POLICY_PORTS)) for _ in range(draw(st.integers(1, 3)))]
    return out


@st.composite
def policy(
    draw: st.DrawFn,
    i: int,
    namespaces: tuple[str, ...],
    known: tuple[dict[str, str], ...] = (),
    ports_focus: bool = False,
) -> Obj:
    spec: Obj = {"podSelector": {} if ports_focus and draw(st.booleans()) else draw(pod_selector(known))}
    if draw(st.integers(0, 9)) == 0:  # optional: "it defaults to an empty selector"
        del spec["podSelector"]
    for field_name, peers_field in (("ingress", "from"), ("egress", "to")):
        if draw(st.integers(0, 9)) < 7:  # else missing; 0 rules is ``[]``
            spec[field_name] = [draw(rule(peers_field, known, ports_focus)) for _ in range(draw(st.integers(0, 2)))]
    types = draw(
        st.sampled_from((None, None, [], ["Ingress"], ["Egress"], ["Ingress", "Egress"], ["Egress", "Ingress"]))
    )
    if types is not None:
        spec["policyTypes"] = types
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": f"p{i}", "namespace": draw(st.sampled_from(namespaces))},
        "spec": spec,
    }


# ------------------------------------------------------------------------------- pods
@st.composite
def containers(draw: st.DrawFn) -> list[Obj]:
    """1–2 containers; a name is unique inside a container (as validation requires) and
    unique per protocol inside the pod (so a named port resolves to one number)."""
    out: list[Obj] = []
    seen: set[tuple[str, str]] = set()
    for c in range(draw(st.integers(1, 2))):
        ports: list[Obj] = []
        names: set[str] = set()
        for p in [draw(st.sampled_from(CONTAINER_PORTS)) for _ in range(draw(st.integers(0, 3)))]:
            name, proto = p.get("name", ""), p.get("protocol", "TCP")
            if name and (name in names or (name, proto) in seen):
                continue
            if name:
                names.add(name)
                seen.add((name, proto))
            ports.append(dict(p))
        out.append({"name": f"c{c}", "image": "img", "ports": ports})
    return out


def pod(
    name: str,
    namespace: str,
    labels: dict[str, str],
    ips: list[str],
    node: str,
    spec_containers: list[Obj],
    *,
    host_network: bool = False,
    owner: str | None = None,
    phase: str = "Running",
    deleting: bool = False,
) -> Obj:
    """A Pod as the API server returns it."""
    meta: Obj = {"name": name, "namespace": namespace, "labels": labels}
    if owner:
        meta["ownerReferences"] = [{"kind": "ReplicaSet", "name": owner, "controller": True, "apiVersion": "apps/v1"}]
    if deleting:
        meta["deletionTimestamp"] = "2024-01-01T00:00:00Z"
    status: Obj = {"phase": phase, "hostIP": NODES[node]}
    if ips:
        status["podIP"] = ips[0]
        status["podIPs"] = [{"ip": ip} for ip in ips]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": {"nodeName": node, "hostNetwork": host_network, "containers": spec_containers},
        "status": status,
    }


@st.composite
def raw_cluster(draw: st.DrawFn, max_groups: int = 5) -> Cluster:
    """A random cluster as raw API dictionaries."""
    cluster = Cluster()
    declared = draw(st.sampled_from((NAMESPACES[:2], NAMESPACES)))
    for ns in declared:
        labels = draw(st.dictionaries(st.sampled_from(sorted(NS_LABELS)), st.sampled_from(("x", "y", "prod", "dev"))))
        if draw(st.integers(0, 19)) == 0:  # a manifest that states the automatic label wrongly
            labels["kubernetes.io/metadata.name"] = "not-" + ns
        cluster.namespaces.append({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "labels": labels}})
    for node, address in NODES.items():
        cluster.nodes.append(
            {
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": {"name": node},
                "status": {"addresses": [{"type": "InternalIP", "address": address}]},
            }
        )
    n = 0
    for g in range(draw(st.integers(1, max_groups))):
        ns = draw(st.sampled_from(NAMESPACES))
        base = draw(st.dictionaries(st.sampled_from(LABEL_KEYS), st.sampled_from(LABEL_VALUES), max_size=2))
        host_network = draw(st.integers(0, 7)) == 0
        deployment = draw(st.booleans())
        revisions = draw(st.integers(1, 2)) if deployment else 1
        for r in range(revisions):
            spec_containers = draw(containers())
            labels = dict(base)
            if r and draw(st.booleans()):  # a rollout that changes a label
                labels[draw(st.sampled_from(LABEL_KEYS))] = draw(st.sampled_from(LABEL_VALUES))
            owner = None
            if deployment:
                labels["pod-template-hash"] = f"h{r}"
                owner = f"d{g}-h{r}"
            for k in range(draw(st.integers(1, 2)) if deployment else 1):
                n += 1
                node = draw(st.sampled_from(sorted(NODES)))
                kind = draw(st.sampled_from(("v4", "v4", "v4", "dual", "none")))
                if host_network:
                    ips = [] if kind == "none" else [NODES[node]]
                else:
                    ips = {"v4": [f"10.244.0.{n}"], "dual": [f"10.244.0.{n}", f"fd00:10::{n}"], "none": []}[kind]
                phase = "Pending" if not ips else draw(st.sampled_from(("Running", "Running", "Running", "Succeeded")))
                cluster.pods.append(
                    pod(
                        f"g{g}-{r}-{k}" if deployment else f"g{g}",
                        ns,
                        labels,
                        ips,
                        node,
                        spec_containers,
                        host_network=host_network,
                        owner=owner,
                        phase=phase,
                        deleting=draw(st.integers(0, 9)) == 0,
                    )
                )
    policy_namespaces = tuple(sorted({p["metadata"]["namespace"] for p in cluster.pods} | set(declared)))
    known = tuple(
        {k: v for k, v in (p["metadata"].get("labels") or {}).items() if k != "pod-template-hash"} for p in cluster.pods
    )
    ports_focus = draw(st.booleans())
    cluster.policies = [draw(policy(i, policy_namespaces, known, ports_focus)) for i in range(draw(st.integers(1, 6)))]
    return cluster


def to_state(cluster: Cluster, extra_policies: list[Obj] | None = None) -> ClusterState:
    """The engine's view of the raw objects (through the real converter)."""
    state = ClusterState()
    for doc in [*cluster.namespaces, *cluster.nodes, *cluster.pods, *cluster.policies, *(extra_policies or [])]:
        kind, obj = convert(doc)
        state.put(kind, obj)
    return state
