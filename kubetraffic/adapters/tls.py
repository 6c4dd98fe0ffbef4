"""The live TLS probe: one short handshake with SNI to an entry point, reading the served
certificate (subject, issuer, SANs, validity) without judging it.

Verification is off on purpose: the point is to see what is served even when it is wrong
(expired, self-signed, the controller's default certificate). Nothing is sent after the
handshake. DER is parsed with ``cryptography``, imported only when a probe runs.
"""

from __future__ import annotations

import socket
import ssl

from kubetraffic.core.diagnose.observations import TlsObservation
from kubetraffic.core.ipset import is_ip

DEFAULT_TIMEOUT = 3.0


def _context() -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def parse_certificate(der: bytes, address: str, port: int, sni: str, protocol: str = "") -> TlsObservation:
    """A DER certificate as a TlsObservation (SANs: DNS names and IP addresses)."""
    from cryptography import x509

    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError as exc:
        return TlsObservation(address, port, sni, protocol=protocol, error=f"unreadable certificate: {exc}")
    sans: list[str] = []
    try:
        ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        sans.extend(ext.get_values_for_type(x509.DNSName))
        sans.extend(str(ip) for ip in ext.get_values_for_type(x509.IPAddress))
    except x509.ExtensionNotFound:
        pass
    return TlsObservation(
        address=address,
        port=port,
        sni=sni,
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        sans=tuple(sans),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        protocol=protocol,
    )


def probe_tls(address: str, port: int, sni: str, *, timeout: float = DEFAULT_TIMEOUT) -> TlsObservation:
    """Handshake with ``address:port`` presenting ``sni``; never raises for network errors."""
    try:
        with socket.create_connection((address, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            server_name = None if is_ip(sni) else sni
            with _context().wrap_socket(sock, server_hostname=server_name) as tls:
                der = tls.getpeercert(binary_form=True)
                protocol = tls.version() or ""
    except TimeoutError:
        return TlsObservation(address, port, sni, error=f"no TLS handshake within {timeout:g} s")
    except ssl.SSLError as exc:
        return TlsObservation(address, port, sni, error=f"TLS handshake failed: {exc.reason or exc}")
    except OSError as exc:
        return TlsObservation(address, port, sni, error=f"cannot connect: {exc.strerror or exc}")
    if not der:
        return TlsObservation(address, port, sni, protocol=protocol, error="the server sent no certificate")
    return parse_certificate(der, address, port, sni, protocol)
