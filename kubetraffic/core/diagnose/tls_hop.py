"""The TLS hop: a TLS entry (or HTTPS listener) covers the host, its Secret exists, and — when
probed live — the certificate actually served for that SNI covers the host and is in date.

Secret data is never read: existence and type come from the cluster, the served
certificate from a handshake the CLI made (``TlsObservation``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from kubetraffic.core.diagnose.model import Hop, Status
from kubetraffic.core.diagnose.observations import TlsObservation
from kubetraffic.core.routing.answer import NGINX_CONTROLLER, RouteAnswer
from kubetraffic.core.routing.hosts import tls_host_covers
from kubetraffic.core.routing.request import HttpRequest

EXPIRY_WARNING = timedelta(days=14)
NGINX_FAKE_CERT = "Kubernetes Ingress Controller Fake Certificate"


def _default_cert(answer: RouteAnswer) -> str:
    if answer.entry.controller == NGINX_CONTROLLER:
        return f"clients get the controller's default certificate ({NGINX_FAKE_CERT})"
    return "clients get the controller's default certificate, if it has one"


def tls_hop(
    answer: RouteAnswer,
    req: HttpRequest,
    secret_exists: Callable[[str, str], bool | None],
    probe: TlsObservation | None,
    now: datetime | None,
) -> Hop:
    """TLS configuration and, when probed, the served certificate for ``req.host``."""
    host = req.host
    static = _static(answer, req, secret_exists)
    if probe is None or static.status == "fail":
        return static
    return _with_probe(static, probe, host, now)


def _static(answer: RouteAnswer, req: HttpRequest, secret_exists: Callable[[str, str], bool | None]) -> Hop:
    host = req.host
    sources = answer.tls
    evidence = [f"{s.owner}: hosts {', '.join(s.hosts) or '(none)'} secret {s.secret or '(none)'}" for s in sources]
    covering = [s for s in sources if s.covers]
    if not covering:
        if answer.entry.kind == "Gateway":
            return Hop(
                "tls",
                host,
                "fail",
                f"the HTTPS listener for {host} has no certificateRefs",
                tuple(evidence),
                "add tls.certificateRefs to the listener",
            )
        where = answer.ref or f"the Ingresses of class {answer.entry.name}"
        fix = f"add {host} to spec.tls[].hosts of {where} with a Secret whose certificate covers it"
        summary = f"TLS host not covered: no tls entry lists {host}"
        return Hop("tls", host, "fail", summary, (*evidence, _default_cert(answer)), fix)
    source = covering[0]
    if source.problem:
        return Hop(
            "tls",
            host,
            "fail",
            source.problem,
            tuple(evidence),
            "add a ReferenceGrant in the Secret's namespace, or move the Secret",
        )
    if not source.secret:
        return Hop(
            "tls",
            host,
            "warn",
            f"{source.owner} covers {host} without a secretName",
            (*evidence, _default_cert(answer)),
            "set secretName",
        )
    ref = f"{source.namespace}/{source.secret}"
    exists = secret_exists(source.namespace, source.secret)
    if exists is False:
        fix = f"create the TLS Secret {ref} (or fix the name); cert-manager creates it when a Certificate/issuer annotation is set"
        return Hop("tls", host, "fail", f"Secret {ref} not found", (*evidence, _default_cert(answer)), fix)
    if exists is None:
        evidence.append("Secrets are not in this snapshot: the Secret's existence is not checked")
        return Hop("tls", host, "unknown", f"{source.owner} covers {host} with Secret {ref}", tuple(evidence))
    return Hop("tls", host, "ok", f"{source.owner} covers {host} with Secret {ref}", tuple(evidence))


def _with_probe(static: Hop, probe: TlsObservation, host: str, now: datetime | None) -> Hop:
    evidence = [*static.evidence, f"probed {probe.address}:{probe.port} with SNI {probe.sni}"]
    if probe.error:
        evidence.append(f"probe failed: {probe.error}")
        status: Status = "warn" if static.status != "fail" else "fail"
        return Hop(
            "tls",
            static.name,
            status,
            f"{static.summary}; handshake failed: {probe.error}",
            tuple(evidence),
            static.fix or "check that the entry point accepts TLS on this port",
        )
    sans = ", ".join(probe.sans) or "(none)"
    evidence.append(f"served certificate: subject {probe.subject or '?'}, issuer {probe.issuer or '?'}, SANs {sans}")
    if NGINX_FAKE_CERT in probe.subject:
        fix = "the controller did not load the Secret: check its certificate and key (kubectl describe secret, controller logs)"
        return Hop(
            "tls", static.name, "fail", "the controller serves its default fake certificate", tuple(evidence), fix
        )
    if not any(tls_host_covers(san.lower(), host) for san in probe.sans):
        fix = f"issue a certificate whose SANs include {host}"
        return Hop(
            "tls", static.name, "fail", f"served certificate does not cover {host} (SANs: {sans})", tuple(evidence), fix
        )
    if probe.not_after is not None and now is not None:
        left = probe.not_after - now
        date = probe.not_after.strftime("%Y-%m-%d")
        if left <= timedelta(0):
            return Hop(
                "tls",
                static.name,
                "fail",
                f"served certificate expired on {date}",
                tuple(evidence),
                "renew the certificate",
            )
        days = left.days
        if left < EXPIRY_WARNING:
            return Hop(
                "tls",
                static.name,
                "warn",
                f"certificate covers {host} · expires in {days} days ({date})",
                tuple(evidence),
                "renew the certificate soon",
            )
        return Hop(
            "tls",
            static.name,
            static.status if static.status != "unknown" else "ok",
            f"certificate covers {host} · expires in {days} days ({date})",
            tuple(evidence),
        )
    return Hop("tls", static.name, "ok", f"served certificate covers {host}", tuple(evidence))
