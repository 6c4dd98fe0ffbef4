"""What a packet capture on a demo pod shows, as a pcap stream.

The traffic follows the scenario: ingress-nginx sends HTTP requests to the shop pods that
are ready (the one ready cart pod answers ~12 % of them with a 503), the kubelet probes
every pod (503 from the cart pods failing readiness), shop/api calls payments-api over TLS,
CoreDNS answers queries, and payments-api resolves api.stripe.com (the search path first,
as ndots:5 makes it) and then tries to connect to 198.51.100.7:443 — SYN after SYN with no
reply, the silent drop of its default-deny egress policy. Deterministic per (seed, pod,
start time).
"""

from __future__ import annotations

import random
from collections.abc import Callable

from kubetraffic.demo.cluster import DemoCluster
from kubetraffic.demo.facts import KUBE_DNS_IP, SHOP_HOST, STRIPE_HOST, STRIPE_IP
from kubetraffic.demo.traffic import PROFILES, Traffic, jitter
from kubetraffic.demo.wire import Wire, pcap_header, pcap_record
from kubetraffic.demo.workloads import Deployment, PodRun

MAX_REQUESTS_PER_SECOND = 4.0
"""Keep a demo capture readable: at most this many new HTTP connections per second."""

CLUSTER_DOMAIN = "cluster.local"


def capture(cluster: DemoCluster, namespace: str, pod: str, *, start: float, duration: float, seed: int) -> bytes:
    """A pcap stream of ``duration`` seconds of the pod's traffic from ``start``."""
    return pcap_header() + b"".join(pcap_record(ts, frame) for ts, frame in frames(
        cluster, namespace, pod, start=start, duration=duration, seed=seed))  # fmt: skip


def frames(cluster: DemoCluster, namespace: str, pod: str, *, start: float, duration: float,
           seed: int) -> list[tuple[float, bytes]]:  # fmt: skip
    """(timestamp, frame) pairs, in time order, of the pod's traffic from ``start``."""
    dep, run = cluster.pod_run(namespace, pod)
    rng = random.Random(f"{seed}/{namespace}/{pod}/{int(start)}")
    wire = Wire(run.ip, rng, until=start + duration)
    _probes(wire, dep, run, start, duration)
    role = _ROLES.get((namespace, dep.name))
    if role is not None:
        role(wire, cluster, dep, run, start, duration)
    return wire.records()


# ----------------------------------------------------------------------------- helpers
def _ephemeral(wire: Wire) -> int:
    return wire.rng.randint(32768, 60999)


def _service_ip(cluster: DemoCluster, namespace: str, name: str) -> str:
    return str(cluster.authored[("Service", namespace, name)]["spec"]["clusterIP"])


def _pods(cluster: DemoCluster, namespace: str, name: str) -> list[PodRun]:
    return cluster.deployments[(namespace, name)].pods


def _http_response(status: int, body: bytes) -> bytes:
    reason = {200: "OK", 503: "Service Unavailable"}[status]
    head = f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


def _http_request(path: str, host: str, extra: str = "") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: demo\r\nAccept: */*\r\n{extra}\r\n".encode()


def _probes(wire: Wire, dep: Deployment, run: PodRun, start: float, duration: float) -> None:
    """The kubelet's readiness probes (every periodSeconds) from the node's address."""
    probe = dep.containers[0].get("readinessProbe", {})
    handler = probe.get("httpGet")
    if not handler:
        return
    port = handler["port"]
    if isinstance(port, str):
        port = next(p["containerPort"] for p in dep.containers[0].get("ports", []) if p.get("name") == port)
    period = float(probe.get("periodSeconds", 10))
    ts = start + wire.rng.uniform(0.0, period)
    while ts < start + duration:
        if handler.get("scheme") == "HTTPS":
            exchange = _tls_exchange(wire, 90)
        else:
            status = 200 if run.ready else 503
            body = b'{"status":"ok"}' if run.ready else b'{"status":"unavailable","reason":"warming cache"}'
            request = _http_request(handler.get("path", "/"), f"{run.ip}:{port}", "Connection: close\r\n")
            exchange = (request, _http_response(status, body))
        wire.tcp_session(ts, (run.host_ip, _ephemeral(wire)), (run.ip, int(port)), [exchange],
                         rtt=0.00008, think=0.0009)  # fmt: skip
        ts += period


# ----------------------------------------------------------------------------- roles
def _shop_backend(
    wire: Wire, cluster: DemoCluster, dep: Deployment, run: PodRun, start: float, duration: float
) -> None:
    """HTTP from the ingress-nginx controller pods to a ready shop pod."""
    if not run.ready:
        return  # not an endpoint: the controller sends it nothing
    key = (dep.namespace, dep.name)
    profile = PROFILES[key]
    ready = sum(1 for p in dep.pods if p.ready)
    rate = min(MAX_REQUESTS_PER_SECOND, profile.rps / max(ready, 1))
    errors = Traffic(cluster).error_share(key, profile, start)
    paths = {"frontend": "/", "api": "/api/products", "cart": "/api/cart"}
    controllers = _pods(cluster, "ingress-nginx", "ingress-nginx-controller")
    ts = start + wire.rng.expovariate(rate)
    # Only start requests that can finish inside the window, so a capture's served flows
    # all close (a real capture would cut the last ones; the demo's answers stay stable).
    last_start = start + duration - 1.5 * profile.median - 0.01
    while ts < last_start:
        controller = wire.rng.choice(controllers)
        status = 503 if wire.rng.random() < errors else 200
        body = b'{"items":[],"total":0}' if status == 200 else b'{"error":"upstream timeout"}'
        request = _http_request(
            paths.get(dep.name, "/"), SHOP_HOST, f"X-Forwarded-For: 192.0.2.{wire.rng.randint(2, 254)}\r\n"
        )
        think = profile.median * (1.0 + 0.3 * jitter(run.name, ts, 1.0))
        wire.tcp_session(ts, (controller.ip, _ephemeral(wire)), (run.ip, 8080), [(request, _http_response(status, body))],
                         rtt=0.0004, think=max(think, 0.001))  # fmt: skip
        ts += wire.rng.expovariate(rate)


def _tls_exchange(wire: Wire, size: int) -> tuple[bytes, bytes]:
    """Opaque TLS application-data records (payloads are hidden by default anyway)."""
    record = bytes([0x17, 0x03, 0x03]) + size.to_bytes(2, "big")
    return record + wire.rng.randbytes(size), record + wire.rng.randbytes(size * 3)


def _shop_api(wire: Wire, cluster: DemoCluster, dep: Deployment, run: PodRun, start: float, duration: float) -> None:
    """The api pods serve the shop, and call payments-api over TLS (allowed both ways)."""
    _shop_backend(wire, cluster, dep, run, start, duration)
    payments = _service_ip(cluster, "payments", "payments-api")
    ts = start + wire.rng.uniform(0.5, 2.0)
    while ts < start + duration:
        wire.tcp_session(ts, (run.ip, _ephemeral(wire)), (payments, 443), [_tls_exchange(wire, 180)],
                         rtt=0.0006, think=0.06)  # fmt: skip
        ts += wire.rng.uniform(2.0, 4.0)


def _payments(wire: Wire, cluster: DemoCluster, dep: Deployment, run: PodRun, start: float, duration: float) -> None:
    """Calls from shop/api arrive; the call to Stripe resolves, then is silently dropped."""
    api = _pods(cluster, "shop", "api")
    ts = start + wire.rng.uniform(0.5, 2.0)
    while ts < start + duration:
        caller = wire.rng.choice(api)
        wire.tcp_session(ts, (caller.ip, _ephemeral(wire)), (run.ip, 8443), [_tls_exchange(wire, 180)],
                         rtt=0.0006, think=0.06)  # fmt: skip
        ts += wire.rng.uniform(2.0, 4.0)
    allowed = ("NetworkPolicy", "payments", "allow-stripe-egress") in cluster.authored
    ts = start + 0.2
    dns = (KUBE_DNS_IP, 53)
    # resolv.conf has ndots:5 and the pod's search path: a two-dot name tries every suffix first.
    for suffix in (f"payments.svc.{CLUSTER_DOMAIN}", f"svc.{CLUSTER_DOMAIN}", CLUSTER_DOMAIN, ""):
        name = f"{STRIPE_HOST}.{suffix}" if suffix else STRIPE_HOST
        port = _ephemeral(wire)
        for qtype in ("A", "AAAA"):
            answers = [STRIPE_IP] if suffix == "" and qtype == "A" else []
            wire.dns(ts, (run.ip, port), dns, name, qtype, answers, rcode=3 if suffix else 0, latency=0.0007)
        ts += 0.002
    stripe = (STRIPE_IP, 443)
    if allowed:
        wire.tcp_session(ts, (run.ip, _ephemeral(wire)), stripe, [_tls_exchange(wire, 420)], rtt=0.021, think=0.18)
    else:
        wire.syn_unanswered(ts, (run.ip, _ephemeral(wire)), stripe)


def _coredns(wire: Wire, cluster: DemoCluster, dep: Deployment, run: PodRun, start: float, duration: float) -> None:
    """Queries from the shop pods for each other's Services, answered from the cluster zone."""
    clients = [p for name in ("frontend", "api", "cart") for p in _pods(cluster, "shop", name)]
    ts = start + wire.rng.uniform(0.0, 0.5)
    while ts < start + duration:
        client = wire.rng.choice(clients)
        target = wire.rng.choice(["api", "cart", "frontend"])
        fqdn = f"{target}.shop.svc.{CLUSTER_DOMAIN}"
        wire.dns(ts, (client.ip, _ephemeral(wire)), (run.ip, 53), fqdn, "A", [_service_ip(cluster, "shop", target)],
                 latency=0.0003)  # fmt: skip
        ts += wire.rng.expovariate(3.0)


def _controller(wire: Wire, cluster: DemoCluster, dep: Deployment, run: PodRun, start: float, duration: float) -> None:
    """Clients reach the controller over TLS (on 443, through the LoadBalancer)."""
    ts = start + wire.rng.uniform(0.0, 0.5)
    while ts < start + duration:
        client = f"192.0.2.{wire.rng.randint(2, 254)}"
        wire.tcp_session(ts, (client, _ephemeral(wire)), (run.ip, 443), [_tls_exchange(wire, 240)],
                         rtt=0.018, think=0.05)  # fmt: skip
        ts += wire.rng.expovariate(MAX_REQUESTS_PER_SECOND)


Role = Callable[[Wire, DemoCluster, Deployment, PodRun, float, float], None]
_ROLES: dict[tuple[str, str], Role] = {
    ("shop", "frontend"): _shop_backend,
    ("shop", "cart"): _shop_backend,
    ("shop", "api"): _shop_api,
    ("payments", "payments-api"): _payments,
    ("kube-system", "coredns"): _coredns,
    ("ingress-nginx", "ingress-nginx-controller"): _controller,
}
