"""The first hops of a trace: the client's request, DNS, the entry point and the controller pods."""

from __future__ import annotations

from kubetraffic.core.diagnose.controllers import ControllerInfo
from kubetraffic.core.diagnose.model import Hop, Status
from kubetraffic.core.diagnose.observations import DnsAnswer
from kubetraffic.core.ipset import is_ip
from kubetraffic.core.metrics import MetricsTarget
from kubetraffic.core.objects import Gateway
from kubetraffic.core.routing.answer import Entry
from kubetraffic.core.routing.request import HttpRequest
from kubetraffic.core.state import ClusterState


def client_hop(req: HttpRequest) -> Hop:
    """The request as the trace follows it."""
    evidence = [f"{name}: {value}" for name, value in req.headers]
    if req.authority != req.host:
        evidence.append(f"routed as Host {req.authority} (Host header); DNS and TLS SNI use {req.host}")
    default = (req.scheme, req.port) in (("http", 80), ("https", 443))
    host = f"[{req.host}]" if ":" in req.host else req.host
    summary = f"{req.method} {req.scheme}://{host}{'' if default else f':{req.port}'}{req.path}" + (
        "?" + "&".join(f"{k}={v}" for k, v in req.query) if req.query else ""
    )
    return Hop("client", req.url, "ok", summary, tuple(evidence))


def dns_hop(req: HttpRequest, dns: DnsAnswer | None, entry_addresses: tuple[str, ...], entry: str) -> Hop:
    """Does the name resolve, and to the entry point?"""
    host = req.host
    if req.host_is_ip:
        return Hop("dns", host, "ok", f"{host} is an IP address (no DNS lookup)")
    if dns is None or (not dns.addresses and dns.how == "none"):
        why = dns.error if dns is not None and dns.error else "not resolved"
        summary = f"{host}: {why}"
        shown = (f"entry addresses: {', '.join(entry_addresses)}",) if entry_addresses else ()
        return Hop("dns", host, "unknown", summary, shown)
    if not dns.addresses:
        fix = f"create a DNS record for {host} pointing at {', '.join(entry_addresses) or 'the entry point'}"
        return Hop("dns", host, "fail", f"{host} does not resolve: {dns.error or 'no address'}", (), fix)
    answer = ", ".join(dns.addresses)
    how = {"override": " (--resolve)", "table": " (source table)", "system": "", "literal": ""}.get(dns.how, "")
    evidence = [f"answer{how}: {answer}"]
    ips = [a for a in entry_addresses if is_ip(a)]
    if not entry_addresses:
        return Hop("dns", host, "ok", f"{host} → {answer}", tuple(evidence))
    if set(dns.addresses) & set(entry_addresses):
        return Hop("dns", host, "ok", f"{host} → {answer} ({entry})", tuple(evidence))
    if not ips:
        evidence.append(f"the entry point is a name ({', '.join(entry_addresses)}); compare with the CNAME chain")
        return Hop("dns", host, "unknown", f"{host} → {answer}", tuple(evidence))
    evidence.append(f"{entry} listens on {', '.join(entry_addresses)}")
    evidence.append("expected when a CDN or an external load balancer fronts the cluster")
    fix = f"point {host} at {', '.join(ips)}"
    return Hop("dns", host, "warn", f"{host} → {answer}, not the entry point {', '.join(ips)}", tuple(evidence), fix)


def entry_hop(
    state: ClusterState, req: HttpRequest, entry: Entry, info: ControllerInfo, gateway: Gateway | None
) -> Hop:
    """The address clients reach: the controller's LoadBalancer/NodePort Service or the Gateway's."""
    svc = info.service
    if gateway is not None:
        return _gateway_entry(state, req, gateway, info)
    if svc is None and info.pods and all(p.host_network for p in info.pods):
        summary = f"{', '.join(info.addresses) or 'node addresses'} (host-network controller pods)"
        return Hop("entry", entry.name, "ok", summary, (f"found as: {info.how}",))
    if svc is None:
        if info.addresses:
            summary = f"{', '.join(info.addresses)} (from Ingress status; the controller's Service is not loaded)"
            return Hop("entry", entry.name, "unknown", summary, ())
        return Hop("entry", entry.name, "unknown", f"no entry address known for {entry.describe()}")
    target = MetricsTarget("entry", svc.meta.namespace, svc.meta.name, service=svc.meta.name, port=req.port)
    evidence: list[str] = []
    ports = {p.port for p in svc.ports} | {p.node_port for p in svc.ports if p.node_port}
    if req.port not in ports:
        evidence.append(f"Service ports: {', '.join(str(p.port) for p in svc.ports)}; the request uses {req.port}")
    addresses = ", ".join(info.addresses)
    if svc.type == "LoadBalancer" and not (svc.lb_ips or svc.lb_hostnames):
        fix = "check the cloud load-balancer controller (Service events) for why no address was assigned"
        summary = f"LoadBalancer {svc.meta.ref} has no external address (pending)"
        return Hop("entry", svc.meta.ref, "warn", summary, tuple(evidence), fix, target)
    status: Status = "warn" if req.port not in ports else "ok"
    summary = f"{addresses or 'node addresses'} ({svc.type} {svc.meta.ref})"
    return Hop("entry", svc.meta.ref, status, summary, tuple(evidence), None, target)


def _gateway_entry(state: ClusterState, req: HttpRequest, gateway: Gateway, info: ControllerInfo) -> Hop:
    ref = gateway.meta.ref
    target = MetricsTarget("entry", gateway.meta.namespace, gateway.meta.name, port=req.port)
    evidence = [f"{c.type}={c.status}" + (f" ({c.reason})" if c.reason else "") for c in gateway.conditions]
    cls = next((c for c in state.gateway_classes() if c.meta.name == gateway.class_name), None)
    if cls is None:
        fix = f"create GatewayClass {gateway.class_name} or set spec.gatewayClassName to an existing one"
        return Hop(
            "entry", ref, "fail", f"GatewayClass {gateway.class_name!r} does not exist", tuple(evidence), fix, target
        )
    if cls.accepted is False:
        return Hop(
            "entry",
            ref,
            "fail",
            f"GatewayClass {cls.meta.name} is not accepted by its controller",
            tuple(evidence),
            "check the GatewayClass status and the controller logs",
            target,
        )
    for cond in gateway.conditions:
        if cond.type in ("Accepted", "Programmed") and cond.status == "False":
            summary = f"Gateway {ref} {cond.type}=False ({cond.reason})"
            fix = cond.message or "check the Gateway's status conditions and the controller logs"
            return Hop("entry", ref, "fail", summary, tuple(evidence), fix, target)
    if not info.addresses:
        return Hop(
            "entry",
            ref,
            "warn",
            f"Gateway {ref} has no address yet",
            tuple(evidence),
            "wait for the controller to program the Gateway, or check its status",
            target,
        )
    return Hop("entry", ref, "ok", f"{', '.join(info.addresses)} (Gateway {ref})", tuple(evidence), None, target)


def controller_hop(entry: Entry, info: ControllerInfo) -> Hop:
    """Are the controller (or gateway data-plane) pods ready?"""
    if not info.pods:
        summary = f"pods of {entry.describe()} not found"
        return Hop(
            "controller", entry.name, "unknown", summary, ("looked for the entry Service, known labels and names",)
        )
    pods = info.pods
    ns = pods[0].meta.namespace
    name = info.workload.name if info.workload else pods[0].meta.name
    target = MetricsTarget("controller", ns, name, pods=tuple(p.meta.name for p in pods))
    ready = [p for p in pods if p.ready and not p.terminating]
    label = info.workload.ref if info.workload else f"{ns}/{name}"
    evidence = [f"found as: {info.how}"] if info.how else []
    evidence.extend(f"{p.meta.name} not ready (phase {p.phase})" for p in pods if p not in ready)
    summary = f"{label} {len(ready)}/{len(pods)} ready"
    if not ready and not all(p.template for p in pods):
        fix = f"the controller has no ready pod: check {label} (events, logs)"
        return Hop("controller", label, "fail", summary, tuple(evidence[:5]), fix, target)
    status: Status = "warn" if len(ready) < len(pods) and not all(p.template for p in pods) else "ok"
    if all(p.template for p in pods):
        status, summary = "unknown", f"{label}: only the workload template is loaded"
    return Hop("controller", label, status, summary, tuple(evidence[:5]), None, target)
