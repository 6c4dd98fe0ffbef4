"""Which PromQL answers which figure of which hop, given what the server has (pure).

A ``Job`` is one instant query producing one figure (or a note) for one target. Jobs are
listed in order of preference; the first that measures a figure wins, and its query is
kept so users can paste it into Grafana. Nothing here talks to a server.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from kubetraffic.adapters.prometheus.catalog import Catalog
from kubetraffic.adapters.prometheus.promql import (
    Selector,
    error_ratio,
    pods_regex,
    quantile,
    quote,
    rate_sum,
    regex_literal,
)
from kubetraffic.core.ipset import is_ip
from kubetraffic.core.metrics import MetricsTarget

JobKind = Literal["value", "reasons", "cert_expiry", "orphan"]

ISTIO_FLAGS = {
    "NR": "no route configured",
    "UH": "no healthy upstream",
    "UF": "upstream connection failure",
    "UO": "upstream overflow (circuit breaker)",
    "URX": "upstream retry limit exceeded",
    "NC": "upstream cluster not found",
}
"""Envoy response flags that mean the request was dropped before reaching the application."""

NGINX = "nginx_ingress_controller_requests"
ENVOY_TOTAL, ENVOY_XX, ENVOY_TIME = (
    "envoy_cluster_upstream_rq_total",
    "envoy_cluster_upstream_rq_xx",
    "envoy_cluster_upstream_rq_time_bucket",
)
ISTIO, ISTIO_TIME = "istio_requests_total", "istio_request_duration_milliseconds_bucket"
RESTARTS = "kube_pod_container_status_restarts_total"


@dataclass(frozen=True, slots=True)
class Job:
    """One query for one figure of one target."""

    figure: str
    """A HopMetrics figure name, or "cert_expires_at" / "notes"."""
    query: str
    family: str
    kind: JobKind = "value"
    by: str = ""
    """For ``reasons``: the label naming the reason (empty: ``reason`` is the constant name)."""
    reason: str = ""
    integer: bool = False
    """Round the figure (counts such as restarts; ``increase`` extrapolates)."""


def plan(target: MetricsTarget, catalog: Catalog, window: str) -> list[Job]:
    """Every job worth running for ``target``, best source of each figure first."""
    jobs: list[Job] = []
    kind = target.kind
    if kind in ("rule", "entry", "controller", "service"):
        jobs += _nginx(target, catalog, window)
    if kind in ("route", "service"):
        jobs += _envoy(target, catalog, window)
    if kind == "service":
        jobs = _istio(target, catalog, window) + jobs  # the mesh sees every caller, not only the ingress
    if kind == "endpoints":
        jobs += _nginx_upstream(target, catalog, window)
    if target.pods:
        jobs += _pods(target, catalog, window)
    return jobs


# ----------------------------------------------------------------------------- HTTP proxies


def _http(family: str, metric: str, errors: str, sel: Selector, bucket: str | None, window: str) -> list[Job]:
    """Rate, 5xx share (``errors`` selects the 5xx series) and p50/p99 of one request counter."""
    jobs = [
        Job("requests_per_second", rate_sum(metric, sel, window), family),
        Job("error_ratio", error_ratio(metric, sel, errors, window), family),
    ]
    if bucket:
        for q, figure in ((0.5, "latency_p50_seconds"), (0.99, "latency_p99_seconds")):
            jobs.append(Job(figure, quantile(q, bucket, sel, window), family))
    return jobs


def _nginx(target: MetricsTarget, catalog: Catalog, window: str) -> list[Job]:
    if not catalog.has(NGINX, "status"):
        return []
    sel = Selector()
    exact_host = target.host if target.host and "*" not in target.host and catalog.has(NGINX, "host") else None
    if target.kind == "rule":
        # ingress-nginx labels requests with the Ingress and the rule's path (location), not the URL path.
        sel.eq("namespace", target.namespace).eq("ingress", target.name).eq("host", exact_host)
        sel.eq("path", target.path if catalog.has(NGINX, "path") else None)
    elif target.kind == "entry":
        if exact_host is None:
            return []
        sel.eq("host", exact_host)
    elif target.kind == "controller":
        if not target.pods or not catalog.has(NGINX, "controller_pod"):
            return []
        sel.eq("controller_namespace", target.namespace).re("controller_pod", pods_regex(target.pods))
    else:  # service: an Ingress backend lives in the Ingress's namespace
        sel.eq("namespace", target.namespace).eq("service", target.name)
    bucket = "nginx_ingress_controller_request_duration_seconds_bucket"
    jobs = _http("ingress-nginx", NGINX, 'status=~"5.."', sel, bucket if catalog.has(bucket) else None, window)
    if target.kind == "rule":
        orphan = "nginx_ingress_controller_orphan_ingress"
        if catalog.has(orphan, "ingress"):
            osel = Selector().eq("namespace", target.namespace).eq("ingress", target.name)
            jobs.append(Job("notes", f"max by (type) ({orphan}{osel})", "ingress-nginx", "orphan", by="type"))
        expiry = "nginx_ingress_controller_ssl_expire_time_seconds"
        if exact_host and catalog.has(expiry, "host"):
            jobs.append(
                Job(
                    "cert_expires_at",
                    f"min({expiry}{Selector().eq('host', exact_host)})",
                    "ingress-nginx",
                    "cert_expiry",
                )
            )
    return jobs


def _nginx_upstream(target: MetricsTarget, catalog: Catalog, window: str) -> list[Job]:
    """How long the endpoints themselves take to answer ingress-nginx (upstream response time)."""
    bucket = "nginx_ingress_controller_response_duration_seconds_bucket"
    if not catalog.has(bucket, "namespace", "service"):
        return []
    sel = Selector().eq("namespace", target.namespace).eq("service", target.service or target.name)
    return [
        Job(figure, quantile(q, bucket, sel, window), "ingress-nginx upstream")
        for q, figure in ((0.5, "latency_p50_seconds"), (0.99, "latency_p99_seconds"))
    ]


def _envoy(target: MetricsTarget, catalog: Catalog, window: str) -> list[Job]:
    cluster = catalog.first_label(ENVOY_TOTAL, "envoy_cluster_name", "cluster_name")
    if cluster is None:
        return []
    ns, name = regex_literal(target.namespace), regex_literal(target.name)
    if target.kind == "route":
        pattern = f"httproute/{ns}/{name}/rule/[0-9]+"  # Envoy Gateway: one cluster per HTTPRoute rule
    else:
        port = regex_literal(str(target.port)) if target.port is not None else "[^|]*"
        # Contour-style "ns/svc/port/hash" and Istio-style "outbound|port||svc.ns.svc.cluster.local"
        pattern = f"{ns}/{name}/.*|outbound\\|{port}\\|[^|]*\\|{name}\\.{ns}\\.svc\\..*"
    sel = Selector().re(cluster, pattern)
    code_class = catalog.first_label(ENVOY_XX, "envoy_response_code_class", "response_code_class")
    jobs = [Job("requests_per_second", rate_sum(ENVOY_TOTAL, sel, window), "envoy")]
    if code_class:
        jobs.append(Job("error_ratio", error_ratio(ENVOY_XX, sel, f'{code_class}="5"', window), "envoy"))
    if catalog.has(ENVOY_TIME):  # Envoy histograms are in milliseconds
        for q, figure in ((0.5, "latency_p50_seconds"), (0.99, "latency_p99_seconds")):
            jobs.append(Job(figure, quantile(q, ENVOY_TIME, sel, window, 0.001), "envoy"))
    return jobs


def _istio(target: MetricsTarget, catalog: Catalog, window: str) -> list[Job]:
    if not catalog.has(ISTIO, "reporter", "destination_service_name", "destination_service_namespace"):
        return []
    base = Selector().eq("destination_service_namespace", target.namespace).eq("destination_service_name", target.name)
    # Prefer the server-side view (reporter="destination", what Kiali and Istio's dashboards
    # show); fall back to the client side when the backend has no sidecar.
    dest, src = base.plus('reporter="destination"'), base.plus('reporter="source"')
    five = 'response_code=~"5.."'
    jobs = [
        Job("requests_per_second", f"{rate_sum(ISTIO, dest, window)} or {rate_sum(ISTIO, src, window)}", "istio"),
        Job(
            "error_ratio",
            f"({error_ratio(ISTIO, dest, five, window)}) or ({error_ratio(ISTIO, src, five, window)})",
            "istio",
        ),
    ]
    if catalog.has(ISTIO_TIME):
        for q, figure in ((0.5, "latency_p50_seconds"), (0.99, "latency_p99_seconds")):
            both = f"({quantile(q, ISTIO_TIME, dest, window)} or {quantile(q, ISTIO_TIME, src, window)})"
            jobs.append(Job(figure, f"{both} / 1000", "istio"))
    if catalog.has(ISTIO, "response_flags"):
        flags = base.plus(f"response_flags=~{quote('|'.join(ISTIO_FLAGS))}")
        # Each proxy on the path may report the same request: take the larger reporter, never the sum.
        query = f"max by (response_flags) ({rate_sum(ISTIO, flags, window, by='response_flags, reporter')})"
        jobs.append(Job("drops_per_second", query, "istio", "reasons", by="response_flags"))
    return jobs


# ----------------------------------------------------------------------------- pods


def _pods(target: MetricsTarget, catalog: Catalog, window: str) -> list[Job]:
    pods = pods_regex(target.pods)
    jobs: list[Job] = []
    if catalog.has(RESTARTS, "namespace", "pod"):
        sel = Selector().eq("namespace", target.namespace).re("pod", pods)
        jobs.append(Job("restarts", f"sum(increase({RESTARTS}{sel}[{window}]))", "kube-state-metrics", integer=True))
    outgoing = target.kind == "egress"
    side = "source" if outgoing else "destination"
    # An egress question is about one destination: drops that cannot be attributed to it
    # (no destination label, a CIDR) would answer another question, so they are not asked.
    destination = target.destination if outgoing else None
    if destination is not None and not is_ip(destination):
        return jobs
    for metric, family, extra in (
        ("hubble_drop_total", "hubble", ""),
        ("networkobservability_adv_drop_count", "retina", ""),
        ("hubble_policy_verdicts_total", "hubble", 'action=~"(?i)dropped|denied"'),
        ("hubble_flows_processed_total", "hubble", 'verdict="DROPPED"'),
    ):
        context = _context_selector(catalog, metric, side, target.namespace, pods, destination)
        if context is None:
            continue
        if extra:
            reason = "policy verdict: dropped" if "action" in extra else "flows dropped"
            query = rate_sum(metric, context.plus(extra), window)
            jobs.append(Job("drops_per_second", query, family, "reasons", reason=reason))
        elif catalog.has(metric, "reason"):
            query = rate_sum(metric, context, window, by="reason")
            jobs.append(Job("drops_per_second", query, family, "reasons", by="reason"))
    cadvisor = f"container_network_{'transmit' if outgoing else 'receive'}_packets_dropped_total"
    if destination is None and catalog.has(cadvisor, "namespace", "pod"):
        sel = Selector().eq("namespace", target.namespace).re("pod", pods)
        # cAdvisor may repeat a pod's network counters per container: take one per interface.
        query = f"sum(max by (namespace, pod, interface) (rate({cadvisor}{sel}[{window}])))"
        direction = "transmit" if outgoing else "receive"
        jobs.append(Job("drops_per_second", query, "cadvisor", "reasons", reason=f"interface {direction} drops"))
    return jobs


def _context_selector(
    catalog: Catalog, metric: str, side: str, namespace: str, pods: str, destination: str | None
) -> Selector | None:
    """Hubble/Retina context labels: ``source_namespace``+``source_pod`` or ``source="ns/pod"``."""
    if catalog.has(metric, f"{side}_namespace", f"{side}_pod"):
        sel = Selector().eq(f"{side}_namespace", namespace).re(f"{side}_pod", pods)
    elif catalog.has(metric, side):
        sel = Selector().re(side, f"{regex_literal(namespace)}/({pods})")
    else:
        return None
    if destination is None:
        return sel
    if catalog.has(metric, "destination_ip"):  # labelsContext=destination_ip
        return sel.eq("destination_ip", destination)
    if side == "source" and catalog.has(metric, "destination"):  # destinationContext=ip (other contexts: no match)
        return sel.eq("destination", destination)
    return None
