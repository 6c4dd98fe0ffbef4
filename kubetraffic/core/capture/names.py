"""Names for the addresses in a capture: pods, Services and nodes from the cluster model,
then hostnames from the DNS answers the capture itself saw.

Formats: a pod is ``namespace/name``; a Service is ``name.namespace.svc`` (its DNS name, which
cannot be mistaken for a pod); a node is ``node/name``; a DNS answer gives the name that was
asked for (``api.stripe.com``, not the CNAME target it resolved through).
"""

from __future__ import annotations

from kubetraffic.core.state import ClusterState


class Namer:
    """IP -> display name; cluster objects win over names learnt from DNS answers."""

    def __init__(self, state: ClusterState | None = None) -> None:
        self._state = state
        self._nodes: dict[str, str] | None = None
        self._dns: dict[str, str] = {}
        self._cache: dict[str, str | None] = {}

    def learn(self, ip: str, hostname: str) -> None:
        """Remember that ``hostname`` resolved to ``ip`` (the first name seen is kept)."""
        name = hostname.rstrip(".")
        if name and ip not in self._dns:
            self._dns[ip] = name
            if self._cache.get(ip, "") is None:
                del self._cache[ip]

    def name(self, ip: str) -> str | None:
        """The best name for ``ip``, or None when nothing is known about it."""
        if ip in self._cache:
            return self._cache[ip]
        found = self._cluster_name(ip) or self._dns.get(ip)
        self._cache[ip] = found
        return found

    def _cluster_name(self, ip: str) -> str | None:
        state = self._state
        if state is None:
            return None
        pod = state.pod_by_ip(ip)
        if pod is not None:
            return pod.meta.ref
        svc = state.service_by_ip(ip)
        if svc is not None:
            return f"{svc.meta.name}.{svc.meta.namespace}.svc"
        if self._nodes is None:
            self._nodes = {}
            for node in state.nodes():
                for addr in (*node.internal_ips, *node.external_ips):
                    self._nodes.setdefault(addr, f"node/{node.meta.name}")
        return self._nodes.get(ip)
