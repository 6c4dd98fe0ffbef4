"""Synthetic traffic for the demo: what Prometheus would answer about the shop, per hop.

Figures are a pure function of (cluster state, MetricsTarget, time): each backend Service
has a traffic profile (request rate with a slow daily-looking swing and seeded jitter, a
base 5xx share, a log-normal latency), its 5xx share grows with the share of its endpoints
that are not ready (so /api/cart, one of three ready, serves ~12 % 5xx and recovers when the
live timeline heals a pod), latency quantiles come from a bucketed histogram through the
same interpolation as PromQL's ``histogram_quantile``, restarts follow the pods' crash
loops, and Hubble-style policy drops follow the payments egress policies.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from kubetraffic.core.metrics import HopMetrics, MetricsTarget
from kubetraffic.demo.clock import parse_rfc3339
from kubetraffic.demo.cluster import DemoCluster
from kubetraffic.demo.facts import CERT_NOT_AFTER_ANNOTATION, STRIPE_IP

NGINX_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""ingress-nginx's default ``--time-buckets`` (Prometheus' DefBuckets)."""

CRASH_LOOP_PERIOD = 16 * 60.0
"""A pod that is not ready and has restarted is killed by its liveness probe this often."""

STRIPE_DROPS_PER_POD = 0.2
"""SYN retransmits per second each payments-api pod sends toward api.stripe.com:443."""


@dataclass(frozen=True, slots=True)
class Profile:
    """How one backend Service behaves when all its endpoints are ready."""

    rps: float
    errors: float
    median: float
    p99: float


PROFILES: dict[tuple[str, str], Profile] = {
    ("shop", "frontend"): Profile(42.0, 0.002, 0.022, 0.18),
    ("shop", "api"): Profile(18.0, 0.004, 0.045, 0.42),
    ("shop", "cart"): Profile(7.5, 0.004, 0.12, 1.9),
    ("shop", "admin"): Profile(0.35, 0.0, 0.001, 0.004),
    ("payments", "payments-api"): Profile(4.2, 0.001, 0.06, 0.35),
}


def jitter(key: str, at: float, period: float = 30.0) -> float:
    """A deterministic value in [-1, 1) for ``key`` in the ``period``-long slot holding ``at``."""
    digest = hashlib.blake2b(f"{key}|{int(at // period)}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**63 - 1.0


def swing(key: str, at: float) -> float:
    """A slow swing between 0.8 and 1.2 (one period an hour, phase fixed per key)."""
    phase = (jitter(key, 0.0, 1.0) + 1.0) * math.pi
    return 1.0 + 0.2 * math.sin(2 * math.pi * at / 3600.0 + phase)


def histogram(median: float, p99: float, count: float) -> list[tuple[float, float]]:
    """Cumulative (le, count) buckets of a log-normal latency, ending with +Inf."""
    sigma = max(math.log(p99 / median) / 2.3263, 1e-6)
    out = []
    for le in NGINX_BUCKETS:
        cdf = 0.5 * (1.0 + math.erf(math.log(le / median) / (sigma * math.sqrt(2.0))))
        out.append((le, count * cdf))
    out.append((math.inf, count))
    return out


def histogram_quantile(q: float, buckets: list[tuple[float, float]]) -> float | None:
    """PromQL's ``histogram_quantile``: linear interpolation inside the bucket holding rank q.

    A rank in the +Inf bucket answers the upper bound of the last finite bucket.
    """
    total = buckets[-1][1]
    if total <= 0:
        return None
    rank = q * total
    lower, below = 0.0, 0.0
    for i, (le, cumulative) in enumerate(buckets):
        if cumulative >= rank:
            if math.isinf(le):
                return buckets[i - 1][0] if i else None
            inside = cumulative - below
            return le if inside <= 0 else lower + (le - lower) * (rank - below) / inside
        lower, below = le, cumulative
    return None


class Traffic:
    """Figures for MetricsTargets, read from a DemoCluster (call under the source's lock)."""

    def __init__(self, cluster: DemoCluster) -> None:
        self.cluster = cluster

    # -------------------------------------------------------------- per target
    def figures(self, target: MetricsTarget, at: float, window_s: float) -> HopMetrics | None:
        """What the demo's Prometheus would answer for ``target`` at ``at``; None when nothing."""
        services = self._services(target)
        http = self._http(services, at) if services else None
        restarts = self._restarts(target, at, window_s) if target.pods else None
        drops, reasons = self._drops(target) if target.pods else (None, {})
        cert = self._cert_expiry(target) if target.kind == "rule" else None
        if http is None and restarts is None and drops is None and cert is None:
            return None
        rps, errors, p50, p99 = http or (None, None, None, None)
        return HopMetrics(
            requests_per_second=rps,
            error_ratio=errors,
            latency_p50_seconds=p50,
            latency_p99_seconds=p99,
            drops_per_second=drops,
            restarts=restarts,
            drop_reasons=reasons,
            source=_family(http is not None, target.kind == "egress" and bool(drops), restarts is not None),
            cert_expires_at=cert,
        )

    def _services(self, target: MetricsTarget) -> list[tuple[str, str]]:
        """The backend Services whose requests this target's figures sum."""
        kind = target.kind
        if kind in ("service", "endpoints"):
            return [(target.namespace, target.name)] if (target.namespace, target.name) in PROFILES else []
        routes = self._routes()
        if kind == "rule":
            return [svc for ns, ing, host, path, svc in routes if (ns, ing) == (target.namespace, target.name)
                    and (target.host in (None, host)) and (target.path in (None, path))]  # fmt: skip
        if kind == "entry":
            return [svc for _, _, host, _, svc in routes if target.host in (None, host)]
        if kind == "controller":
            return [svc for *_, svc in routes]
        return []

    def _routes(self) -> list[tuple[str, str, str, str, tuple[str, str]]]:
        """(namespace, ingress, host, path, backend service) for every Ingress rule path."""
        out = []
        for (kind, ns, name), obj in self.cluster.authored.items():
            if kind != "Ingress":
                continue
            for rule in obj["spec"].get("rules", []):
                for p in rule.get("http", {}).get("paths", []):
                    out.append((ns, name, rule.get("host", ""), p["path"], (ns, p["backend"]["service"]["name"])))
        return out

    def _http(self, services: list[tuple[str, str]], at: float) -> tuple[float, float, float, float] | None:
        total, errors = 0.0, 0.0
        merged: list[tuple[float, float]] | None = None
        for key in services:
            profile = PROFILES.get(key)
            if profile is None:
                continue
            name = "/".join(key)
            rps = profile.rps * swing(name, at) * (1.0 + 0.05 * jitter(name, at))
            share = self.error_share(key, profile, at)
            total += rps
            errors += rps * share
            slow = 1.0 + 0.12 * jitter(name + "/latency", at, 60.0)  # latency wanders a little too
            buckets = histogram(profile.median * slow, profile.p99 * slow, rps)
            merged = (
                buckets if merged is None else [(le, a + b) for (le, a), (_, b) in zip(merged, buckets, strict=True)]
            )
        if merged is None or total <= 0:
            return None
        p50, p99 = histogram_quantile(0.5, merged), histogram_quantile(0.99, merged)
        if p50 is None or p99 is None:
            return None
        return round(total, 3), round(errors / total, 4), round(p50, 4), round(p99, 4)

    def error_share(self, key: tuple[str, str], profile: Profile, at: float) -> float:
        """5xx share: the profile's, plus what requests to not-ready endpoints cost.

        With no endpoint at all ingress-nginx answers 503 to everything.
        """
        pods = self._backend_pods(key)
        if not pods:
            return 1.0
        unready = sum(1 for ready in pods if not ready) / len(pods)
        share = profile.errors + 0.26 * unready**2
        return min(1.0, share * (1.0 + 0.08 * jitter("/".join(key) + "/5xx", at)))

    def _backend_pods(self, key: tuple[str, str]) -> list[bool]:
        svc = self.cluster.authored.get(("Service", *key))
        selector = (svc or {}).get("spec", {}).get("selector") or {}
        return [
            run.ready
            for dep in self.cluster.deployments.values()
            if dep.namespace == key[0] and selector and all(dep.pod_labels().get(k) == v for k, v in selector.items())
            for run in dep.pods
        ]

    def _restarts(self, target: MetricsTarget, at: float, window_s: float) -> float:
        """``increase(kube_pod_container_status_restarts_total[window])`` over the target's pods."""
        count = 0.0
        wanted = set(target.pods)
        for dep in self.cluster.deployments.values():
            if dep.namespace != target.namespace:
                continue
            for run in dep.pods:
                if run.name not in wanted:
                    continue
                if not run.ready and run.restarts:
                    count += window_s / CRASH_LOOP_PERIOD
                elif run.restarts and at - window_s <= run.running_since <= at:
                    count += 1.0
        return float(round(count))

    def _drops(self, target: MetricsTarget) -> tuple[float | None, dict[str, float]]:
        """Hubble ``hubble_drop_total`` by reason for the target's pods (egress side)."""
        if target.kind != "egress":
            return 0.0, {}
        if target.destination not in (None, STRIPE_IP, f"{STRIPE_IP}/32") or target.namespace != "payments":
            return 0.0, {}
        if ("NetworkPolicy", "payments", "allow-stripe-egress") in self.cluster.authored:
            return 0.0, {}
        pods = [p for p in target.pods if p.startswith("payments-api-")]
        rate = round(STRIPE_DROPS_PER_POD * len(pods), 3)
        return rate, ({"POLICY_DENIED": rate} if rate else {})

    def _cert_expiry(self, target: MetricsTarget) -> float | None:
        """``nginx_ingress_controller_ssl_expire_time_seconds`` for the rule's host."""
        ingress = self.cluster.authored.get(("Ingress", target.namespace, target.name))
        if ingress is None or not target.host:
            return None
        for tls in ingress["spec"].get("tls", []):
            if target.host in tls.get("hosts", []):
                secret = self.cluster.authored.get(("Secret", target.namespace, tls.get("secretName", "")))
                stamp = ((secret or {}).get("metadata", {}).get("annotations") or {}).get(CERT_NOT_AFTER_ANNOTATION)
                return parse_rfc3339(stamp) if stamp else None
        return None


def _family(http: bool, drops: bool, restarts: bool) -> str:
    """Which (simulated) exporter the figures stand for, as the Prometheus adapter names them."""
    if http:
        return "demo ingress-nginx"
    if drops:
        return "demo Hubble"
    return "demo kube-state-metrics" if restarts else "demo"
