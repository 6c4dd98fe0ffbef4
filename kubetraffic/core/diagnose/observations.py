"""What the outside world told us about a request, handed to the (pure) trace builder.

The CLI resolves names and probes TLS through adapters; core only reads the results. An
absent observation means "not looked" (offline snapshot, ``--no-probe``), never "failed".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class DnsAnswer:
    """How a host name resolved: addresses, how (override, table, system, literal, none), error."""

    host: str
    addresses: tuple[str, ...]
    how: str
    error: str | None = None


@dataclass(frozen=True, slots=True)
class TlsObservation:
    """The certificate an entry point served for one SNI name (from a live handshake)."""

    address: str
    port: int
    sni: str
    subject: str = ""
    issuer: str = ""
    sans: tuple[str, ...] = ()
    not_before: datetime | None = None
    not_after: datetime | None = None
    protocol: str = ""
    error: str | None = None
    """Why the handshake or the certificate could not be read (timeout, refused, ...)."""

    @property
    def self_signed(self) -> bool:
        """Issuer equals subject."""
        return bool(self.subject) and self.subject == self.issuer
