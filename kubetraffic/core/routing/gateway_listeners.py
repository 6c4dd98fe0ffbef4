"""Gateway listeners: a Gateway's own, plus those of the ListenerSets it accepts.

GEP-1713: a Gateway accepts ListenerSets only when ``spec.allowedListeners`` allows their
namespace (absent = none). Listeners merge in order: the Gateway's, then ListenerSets
oldest first, then by ``namespace/name``. A request reaches the listener whose protocol and
port match and whose hostname matches most specifically (an exact hostname, then the longest
wildcard, then a listener without hostname) — listener isolation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from kubetraffic.core.objects import AllowedRoutes, Gateway, Listener, ListenerSet
from kubetraffic.core.routing.answer import Miss
from kubetraffic.core.routing.hosts import gateway_host_matches, is_wildcard
from kubetraffic.core.routing.request import HttpRequest
from kubetraffic.core.state import ClusterState

GATEWAY_GROUP = "gateway.networking.k8s.io"
LISTENER_SET_KINDS = ("ListenerSet", "XListenerSet")


@dataclass(frozen=True, slots=True)
class ListenerRef:
    """One listener and the object (Gateway or ListenerSet) that declares it."""

    gateway: Gateway
    listener: Listener
    owner_kind: Literal["Gateway", "ListenerSet"]
    owner_namespace: str
    owner_name: str
    order: int

    @property
    def label(self) -> str:
        """``Gateway infra/web listener https``."""
        return f"{self.owner_kind} {self.owner_namespace}/{self.owner_name} listener {self.listener.name}"


def namespace_allowed(
    allowed: AllowedRoutes, owner_namespace: str, namespace: str, ns_labels: dict[str, str]
) -> tuple[bool, str]:
    """Does an allowedRoutes/allowedListeners ``namespaces`` rule admit ``namespace``? (and why not)."""
    source = allowed.namespaces_from
    if source == "All":
        return True, ""
    if source == "Same":
        ok = namespace == owner_namespace
        return ok, "" if ok else f"allows only namespace {owner_namespace} (from: Same)"
    if source == "Selector":
        if allowed.selector is None:
            return False, "from: Selector without a selector"
        ok = allowed.selector.matches(ns_labels)
        why = "" if ok else f"namespace {namespace} does not match selector {allowed.selector.describe()}"
        return ok, why
    return False, f"allows no namespace (from: {source})"


def listeners_of(state: ClusterState, gateway: Gateway) -> tuple[list[ListenerRef], list[Miss]]:
    """Every listener of ``gateway`` in precedence order, and ListenerSets it does not accept."""
    ns, name = gateway.key
    refs = [ListenerRef(gateway, lst, "Gateway", ns, name, i) for i, lst in enumerate(gateway.listeners)]
    misses: list[Miss] = []
    sets = [
        ls
        for ls in state.listener_sets()
        if ls.parent.kind == "Gateway" and ls.parent.name == name and (ls.parent.namespace or ls.meta.namespace) == ns
    ]
    sets.sort(key=lambda ls: (ls.meta.created is None, ls.meta.created or "", ls.meta.ref))
    for ls in sets:
        ok, why = _accepts(state, gateway, ls)
        if not ok:
            misses.append(Miss(f"ListenerSet {ls.meta.ref}", f"not attached to Gateway {gateway.meta.ref}: {why}"))
            continue
        for lst in ls.listeners:
            refs.append(ListenerRef(gateway, lst, "ListenerSet", ls.meta.namespace, ls.meta.name, len(refs)))
    return refs, misses


def _accepts(state: ClusterState, gateway: Gateway, ls: ListenerSet) -> tuple[bool, str]:
    if gateway.allowed_listeners is None:
        return False, "the Gateway sets no spec.allowedListeners, so it accepts no ListenerSet"
    labels = dict(state.namespace_labels(ls.meta.namespace))
    ok, why = namespace_allowed(gateway.allowed_listeners, gateway.meta.namespace, ls.meta.namespace, labels)
    return ok, f"spec.allowedListeners {why}"


def listener_protocol(req: HttpRequest) -> str:
    """The listener protocol an HTTPRoute request arrives on: HTTP or HTTPS."""
    return "HTTPS" if req.scheme == "https" else "HTTP"


def _specificity(listener: Listener) -> tuple[int, int]:
    host = listener.hostname
    if host is None:
        return (0, 0)
    return (1, len(host)) if is_wildcard(host) else (2, len(host))


def select_listener(refs: list[ListenerRef], req: HttpRequest) -> tuple[ListenerRef | None, list[Miss], list[str]]:
    """The listener that receives ``req`` (listener isolation), why others do not, and evidence."""
    protocol = listener_protocol(req)
    host = req.authority
    fitting: list[ListenerRef] = []
    misses: list[Miss] = []
    for ref in refs:
        lst = ref.listener
        if lst.port != req.port:
            misses.append(Miss(ref.label, f"port {lst.port}, the request uses {req.port}"))
        elif lst.protocol.upper() != protocol:
            misses.append(Miss(ref.label, f"protocol {lst.protocol}, the request needs {protocol}"))
        elif not gateway_host_matches(lst.hostname, host):
            misses.append(Miss(ref.label, f"hostname {lst.hostname} does not match {host}"))
        else:
            fitting.append(ref)
    if not fitting:
        return None, misses, []
    fitting.sort(key=lambda r: (-_specificity(r.listener)[0], -_specificity(r.listener)[1], r.order))
    chosen = fitting[0]
    evidence = [f"{chosen.label} ({protocol} {chosen.listener.port}, hostname {chosen.listener.hostname or '*'})"]
    for other in fitting[1:]:
        evidence.append(f"{other.label} also fits; the most specific hostname wins (listener isolation)")
    return chosen, misses, evidence
