"""Metrics into verdicts: attach figures to hops, and let measured errors speak.

Pure: the figures were fetched elsewhere (adapters) and arrive keyed by the hop's
``MetricsTarget``. Only measured figures can change a status, and only towards caution:
a hop the API calls healthy that serves >= ``DEGRADED_ERROR_RATIO`` 5xx becomes "warn"
(the trace "degraded"); a missing figure never changes anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from kubetraffic.core.diagnose.egress import EgressAnswer
from kubetraffic.core.diagnose.model import Hop, Trace
from kubetraffic.core.ipset import is_ip
from kubetraffic.core.metrics import DEGRADED_ERROR_RATIO, HopMetrics, MetricsTarget
from kubetraffic.core.policy.model import ExternalPeer, PodPeer

REQUEST_PATH_KINDS = frozenset({"rule", "route", "service", "endpoints", "pods"})
"""Targets whose 5xx share is this request's: an entry point or controller serves every host,
so its overall share shows as a figure but never judges this route."""

CERT_WARN_DAYS = 14
"""A served certificate expiring within this many days of the query time warns."""


def apply_metrics(trace: Trace, by_target: Mapping[MetricsTarget, HopMetrics]) -> Trace:
    """``trace`` with each hop's figures attached and the verdicts they justify."""
    hops = list(trace.hops)
    for i, hop in enumerate(hops):
        metrics = by_target.get(hop.target) if hop.target is not None else None
        if metrics is None:
            continue
        hops[i] = _judge(replace(hop, metrics=metrics), metrics, hop.target)
        if metrics.cert_expires_at is not None:
            tls = next((j for j, h in enumerate(hops) if h.kind == "tls"), i)
            hops[tls] = _cert(hops[tls], metrics, hop.target.host if hop.target else None)
    return replace(trace, hops=tuple(hops))


def _judge(hop: Hop, m: HopMetrics, target: MetricsTarget | None) -> Hop:
    """Evidence lines from the figures, and "warn" for a healthy-looking hop serving 5xx."""
    evidence = list(hop.evidence)
    status = hop.status
    summary = hop.summary
    scope = (
        f"over {m.window}" + (f" at {m.query_time}" if m.query_time else "") + (f" ({m.source})" if m.source else "")
    )
    on_path = target is not None and target.kind in REQUEST_PATH_KINDS
    if on_path and m.error_ratio is not None and m.error_ratio >= DEGRADED_ERROR_RATIO:
        traffic = rate_text(m.requests_per_second) if m.requests_per_second is not None else "requests"
        evidence.append(f"metrics: {percent(m.error_ratio)} of {traffic} answered 5xx {scope}")
        if status == "ok":  # healthy in the API, failing in fact: degraded, not broken
            status = "warn"
            summary = f"{summary}; serving {percent(m.error_ratio)} 5xx"
    if m.drops_per_second:
        reasons = ", ".join(f"{r} {rate_text(v, '/s')}" for r, v in m.drop_reasons.items() if v > 0)
        evidence.append(
            f"metrics: {rate_text(m.drops_per_second, '/s')} dropped"
            + (f" ({reasons})" if reasons else "")
            + f" {scope}"
        )
    if m.restarts:
        evidence.append(f"metrics: {m.restarts:g} container restarts {scope}")
    evidence += [f"metrics: {note}" for note in m.notes]
    return replace(hop, evidence=tuple(evidence), status=status, summary=summary)


def _cert(hop: Hop, m: HopMetrics, host: str | None) -> Hop:
    """The served certificate's expiry as evidence on the TLS hop; warn when close or past."""
    assert m.cert_expires_at is not None
    now = _parse_time(m.query_time) or datetime.now(UTC)
    expires = datetime.fromtimestamp(m.cert_expires_at, UTC)
    days = (expires - now).total_seconds() / 86400
    when = expires.strftime("%Y-%m-%d %H:%M UTC")
    subject = f"for {host} " if host else ""
    if days < 0:
        line = f"metrics: the certificate {subject}served by {m.source or 'the controller'} expired {when}"
    else:
        line = f"metrics: the certificate {subject}served by {m.source or 'the controller'} expires {when} (in {days:.0f} days)"
    status, summary = hop.status, hop.summary
    if days < CERT_WARN_DAYS and status == "ok" and hop.kind == "tls":
        status = "warn"
        summary = f"{summary}; the served certificate " + ("has expired" if days < 0 else f"expires in {days:.0f} days")
    return replace(hop, evidence=(*hop.evidence, line), status=status, summary=summary)


@dataclass(frozen=True, slots=True)
class EgressEvidence:
    """What metrics add to an egress verdict: evidence lines, and whether they contradict it."""

    lines: tuple[str, ...] = ()
    contradiction: bool = False
    """Policy allows the traffic, yet policy drops were measured: worth a packet capture."""


def egress_target(namespace: str, pods: tuple[str, ...], destination_ip: str | None) -> MetricsTarget:
    """What to measure for an egress check: drops leaving these pods (towards the destination)."""
    name = pods[0] if len(pods) == 1 else f"{len(pods)} pods"
    return MetricsTarget("egress", namespace, name, pods=pods, destination=destination_ip)


MAX_EGRESS_DESTINATIONS = 20
"""An egress answer over many endpoints asks about this many destination addresses at most."""


def egress_targets(answer: EgressAnswer) -> list[tuple[str, MetricsTarget, bool]]:
    """What to measure for an egress answer: per destination address, the drops from the
    source's pods to it, and whether policy allows every connection to it.

    Only real pods (not workload-template stand-ins) and single addresses (not CIDRs) can be
    looked up in metrics.
    """
    pods = {v.source.pod.meta.name: v.source.pod for v in answer.verdicts if isinstance(v.source, PodPeer)}
    real = tuple(sorted(name for name, pod in pods.items() if not pod.template))
    if not real:
        return []
    namespace = pods[real[0]].meta.namespace
    allowed: dict[str, bool] = {}
    for v in answer.verdicts:
        dest = v.destination
        ip = dest.ip if isinstance(dest, ExternalPeer) else (dest.pod.pod_ips[0] if dest.pod.pod_ips else "")
        if ip and is_ip(ip):
            allowed[ip] = allowed.get(ip, True) and v.allowed
    chosen = list(allowed.items())[:MAX_EGRESS_DESTINATIONS]
    return [(ip, egress_target(namespace, real, ip), ok) for ip, ok in chosen]


def is_policy_drop(reason: str) -> bool:
    """Drop reasons that mean a network policy dropped the packet (Hubble, Retina, Cilium)."""
    text = reason.lower()
    return "policy" in text or "denied" in text


def egress_evidence(allowed: bool, metrics: HopMetrics | None) -> EgressEvidence:
    """Compare a policy verdict for a pod's egress with the drops measured for that pod."""
    if metrics is None or not metrics.drops_per_second:
        return EgressEvidence()
    policy = {r: v for r, v in metrics.drop_reasons.items() if v > 0 and is_policy_drop(r)}
    scope = f"over {metrics.window}" + (f" at {metrics.query_time}" if metrics.query_time else "")
    measured = ", ".join(f"{r} {rate_text(v, '/s')}" for r, v in policy.items())
    source = metrics.source or "metrics"
    if policy and allowed:
        return EgressEvidence(
            (
                f"{source}: policy drops measured ({measured}) {scope}, although the policies allow this traffic — "
                "the datapath disagrees with the model; capture packets to see what happens",
            ),
            contradiction=True,
        )
    if policy:
        return EgressEvidence((f"{source}: confirms policy drops ({measured}) {scope}",))
    other = ", ".join(f"{r} {rate_text(v, '/s')}" for r, v in metrics.drop_reasons.items() if v > 0)
    return EgressEvidence((f"{source}: drops measured ({other or rate_text(metrics.drops_per_second, '/s')}) {scope}",))


# ----------------------------------------------------------------------------- wording


def percent(ratio: float) -> str:
    """0.1214 -> "12.1 %"."""
    return f"{ratio * 100:.1f} %"


def rate_text(value: float | None, unit: str = " req/s") -> str:
    """A rate with sensible precision: 1234 -> "1.2k req/s", 0.4 -> "0.4 req/s"."""
    if value is None:
        return "?"
    if value >= 1000:
        return f"{value / 1000:.1f}k{unit}"
    if value >= 10:
        return f"{value:.0f}{unit}"
    return f"{value:.2g}{unit}"


def _parse_time(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
