"""Host name resolution for ``egress`` and ``trace``: overrides, the source's table, the system.

Snapshot and demo answers stay offline and reproducible: the system resolver is only used
when the caller allows it (live clusters, or an explicit hostname the user asked about).
"""

from __future__ import annotations

import socket
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from kubetraffic.core.ipset import is_ip


@dataclass(frozen=True, slots=True)
class Resolution:
    """What a host name resolved to, and how: override, table, system, literal or none."""

    host: str
    addresses: tuple[str, ...]
    how: str
    error: str | None = None


class ResolveFlagError(ValueError):
    """A malformed ``--resolve`` value."""


def parse_resolve_flags(values: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """``--resolve host=ip[,ip...]`` (repeatable) -> {host: (ip, ...)}."""
    out: dict[str, tuple[str, ...]] = {}
    for value in values:
        host, sep, ips = value.partition("=")
        addresses = tuple(a.strip() for a in ips.split(",") if a.strip())
        if not sep or not host.strip() or not addresses:
            raise ResolveFlagError(f"--resolve {value!r}: expected HOST=IP[,IP...]")
        bad = [a for a in addresses if not is_ip(a)]
        if bad:
            raise ResolveFlagError(f"--resolve {value!r}: not an IP address: {bad[0]}")
        out[host.strip().lower().rstrip(".")] = out.get(host.strip().lower().rstrip("."), ()) + addresses
    return out


class HostResolver:
    """Resolves names in order: ``--resolve`` overrides, the source's table, the system."""

    def __init__(
        self,
        overrides: Mapping[str, tuple[str, ...]] | None = None,
        table: Mapping[str, tuple[str, ...]] | None = None,
        *,
        system: bool = True,
        timeout: float = 2.0,
    ) -> None:
        self.overrides = dict(overrides or {})
        self.table = dict(table or {})
        self.system = system
        self.timeout = timeout

    def resolve(self, host: str) -> Resolution:
        """Addresses for ``host`` (an IP literal resolves to itself)."""
        name = host.strip().lower().rstrip(".")
        if is_ip(name):
            return Resolution(host, (name,), "literal")
        if name in self.overrides:
            return Resolution(host, self.overrides[name], "override")
        if name in self.table:
            return Resolution(host, self.table[name], "table")
        if not self.system:
            return Resolution(host, (), "none", "not resolved (offline source; use --resolve HOST=IP)")
        # getaddrinfo has no timeout of its own (socket timeouts do not apply to it), so it
        # runs in a daemon thread and the answer is abandoned after ``timeout`` seconds.
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="resolve")
        future = pool.submit(socket.getaddrinfo, name, None, proto=socket.IPPROTO_TCP)
        pool.shutdown(wait=False)
        try:
            infos = future.result(timeout=self.timeout)
        except TimeoutError:
            return Resolution(host, (), "system", f"cannot resolve {host}: no answer within {self.timeout:g} s")
        except (OSError, UnicodeError) as exc:
            return Resolution(host, (), "system", f"cannot resolve {host}: {exc}")
        addresses = tuple(dict.fromkeys(str(info[4][0]) for info in infos))
        return Resolution(host, addresses, "system")
