"""gateway.networking.k8s.io: GatewayClass, Gateway, ListenerSet, HTTPRoute, ReferenceGrant."""

from __future__ import annotations

from typing import Any

from kubetraffic.core.convert.base import (
    Obj,
    _int,
    _list,
    _map,
    _selector,
    _str,
    convert_meta,
)
from kubetraffic.core.objects import (
    AllowedRoutes,
    BackendRef,
    Condition,
    Gateway,
    GatewayClass,
    GrantFrom,
    GrantTo,
    HeaderMatch,
    HTTPRoute,
    Listener,
    ListenerSet,
    ParentRef,
    ReferenceGrant,
    RouteMatch,
    RouteParentStatus,
    RouteRule,
)


# --------------------------------------------------------------------------- gateway api
def _conditions(value: Any, where: str) -> tuple[Condition, ...]:
    return tuple(
        Condition(_str(c.get("type")), _str(c.get("status")), _str(c.get("reason")), _str(c.get("message"))[:300])
        for c in (_map(c, f"{where}[]") for c in _list(value, where))
    )


def _listeners(value: Any, where: str, namespace: str) -> tuple[Listener, ...]:
    out = []
    for i, lst in enumerate(_list(value, where)):
        lst = _map(lst, f"{where}[{i}]")
        ar = _map(lst.get("allowedRoutes"), f"{where}[{i}].allowedRoutes")
        ns = _map(ar.get("namespaces"), f"{where}[{i}].allowedRoutes.namespaces")
        sel = ns.get("selector")
        tls = _map(lst.get("tls"), f"{where}[{i}].tls")
        refs = tuple(
            (_str(r.get("namespace")) or namespace, _str(r.get("name")))
            for r in (_map(r, "certificateRefs[]") for r in _list(tls.get("certificateRefs"), "tls.certificateRefs"))
        )
        out.append(
            Listener(
                name=_str(lst.get("name")),
                port=_int(lst.get("port"), f"{where}[{i}].port"),
                protocol=_str(lst.get("protocol")) or "HTTP",
                hostname=_str(lst.get("hostname")) or None,
                allowed_routes=AllowedRoutes(
                    namespaces_from=_str(ns.get("from")) or "Same",
                    selector=None if sel is None else _selector(sel, f"{where}[{i}].allowedRoutes.namespaces.selector"),
                    kinds=tuple(_str(_map(k, "kinds[]").get("kind")) for k in _list(ar.get("kinds"), "kinds")),
                ),
                tls_mode=_str(tls.get("mode")),
                certificate_refs=refs,
            )
        )
    return tuple(out)


def _parent_ref(value: Any, where: str, namespace: str) -> ParentRef:
    raw = _map(value, where)
    return ParentRef(
        name=_str(raw.get("name")),
        namespace=_str(raw.get("namespace")) or namespace,
        group=_str(raw.get("group")) if raw.get("group") is not None else "gateway.networking.k8s.io",
        kind=_str(raw.get("kind")) or "Gateway",
        section_name=_str(raw.get("sectionName")) or None,
        port=_int(raw["port"], f"{where}.port") if raw.get("port") is not None else None,
    )


def convert_gatewayclass(obj: Obj) -> GatewayClass:
    """A GatewayClass."""
    meta = convert_meta(obj, namespaced=False)
    accepted = None
    for c in _conditions(_map(obj.get("status"), "status").get("conditions"), "status.conditions"):
        if c.type == "Accepted":
            accepted = c.status == "True"
    return GatewayClass(meta, _str(_map(obj.get("spec"), "spec").get("controllerName")), accepted)


def convert_gateway(obj: Obj) -> Gateway:
    """A Gateway with its listeners and addresses (spec and status)."""
    meta = convert_meta(obj)
    spec = _map(obj.get("spec"), "spec")
    status = _map(obj.get("status"), "status")
    allowed_listeners = None
    if spec.get("allowedListeners") is not None:
        ns = _map(_map(spec.get("allowedListeners"), "spec.allowedListeners").get("namespaces"), "namespaces")
        sel = ns.get("selector")
        allowed_listeners = AllowedRoutes(
            namespaces_from=_str(ns.get("from")) or "None",
            selector=None if sel is None else _selector(sel, "spec.allowedListeners.namespaces.selector"),
        )
    return Gateway(
        meta=meta,
        allowed_listeners=allowed_listeners,
        class_name=_str(spec.get("gatewayClassName")),
        listeners=_listeners(spec.get("listeners"), "spec.listeners", meta.namespace),
        addresses=tuple(_str(_map(a, "addr").get("value")) for a in _list(spec.get("addresses"), "spec.addresses")),
        status_addresses=tuple(
            _str(_map(a, "addr").get("value")) for a in _list(status.get("addresses"), "status.addresses")
        ),
        conditions=_conditions(status.get("conditions"), "status.conditions"),
    )


def convert_listenerset(obj: Obj) -> ListenerSet:
    """A ListenerSet (or experimental XListenerSet)."""
    meta = convert_meta(obj)
    spec = _map(obj.get("spec"), "spec")
    return ListenerSet(
        meta=meta,
        parent=_parent_ref(spec.get("parentRef"), "spec.parentRef", meta.namespace),
        listeners=_listeners(spec.get("listeners"), "spec.listeners", meta.namespace),
    )


def _matches(value: Any, where: str) -> tuple[RouteMatch, ...]:
    out = []
    for i, m in enumerate(_list(value, where)):
        m = _map(m, f"{where}[{i}]")
        path = _map(m.get("path"), f"{where}[{i}].path")
        out.append(
            RouteMatch(
                path_type=_str(path.get("type")) or "PathPrefix",
                path_value=_str(path.get("value")) or "/",
                method=_str(m.get("method")) or None,
                headers=tuple(
                    HeaderMatch(_str(h.get("name")), _str(h.get("value")), _str(h.get("type")) or "Exact")
                    for h in (_map(h, "headers[]") for h in _list(m.get("headers"), f"{where}[{i}].headers"))
                ),
                query_params=tuple(
                    HeaderMatch(_str(q.get("name")), _str(q.get("value")), _str(q.get("type")) or "Exact")
                    for q in (
                        _map(q, "queryParams[]") for q in _list(m.get("queryParams"), f"{where}[{i}].queryParams")
                    )
                ),
            )
        )
    return tuple(out)


def convert_httproute(obj: Obj) -> HTTPRoute:
    """An HTTPRoute with parentRefs, hostnames, rules and status."""
    meta = convert_meta(obj)
    spec = _map(obj.get("spec"), "spec")
    rules = []
    for i, r in enumerate(_list(spec.get("rules"), "spec.rules")):
        r = _map(r, f"spec.rules[{i}]")
        backends = tuple(
            BackendRef(
                name=_str(b.get("name")),
                namespace=_str(b.get("namespace")) or meta.namespace,
                port=_int(b["port"], "backendRefs[].port") if b.get("port") is not None else None,
                weight=_int(b.get("weight", 1), "backendRefs[].weight"),
                group=_str(b.get("group")),
                kind=_str(b.get("kind")) or "Service",
            )
            for b in (_map(b, "backendRefs[]") for b in _list(r.get("backendRefs"), f"spec.rules[{i}].backendRefs"))
        )
        rules.append(
            RouteRule(
                matches=_matches(r.get("matches"), f"spec.rules[{i}].matches"),
                backend_refs=backends,
                filters=tuple(_str(_map(f, "filters[]").get("type")) for f in _list(r.get("filters"), "filters")),
                name=_str(r.get("name")),
            )
        )
    status = tuple(
        RouteParentStatus(
            parent=_parent_ref(p.get("parentRef"), "status.parents[].parentRef", meta.namespace),
            controller=_str(p.get("controllerName")),
            conditions=_conditions(p.get("conditions"), "status.parents[].conditions"),
        )
        for p in (
            _map(p, "status.parents[]")
            for p in _list(_map(obj.get("status"), "status").get("parents"), "status.parents")
        )
    )
    return HTTPRoute(
        meta=meta,
        parent_refs=tuple(
            _parent_ref(p, f"spec.parentRefs[{i}]", meta.namespace)
            for i, p in enumerate(_list(spec.get("parentRefs"), "spec.parentRefs"))
        ),
        hostnames=tuple(_str(h) for h in _list(spec.get("hostnames"), "spec.hostnames")),
        rules=tuple(rules),
        status=status,
    )


def convert_referencegrant(obj: Obj) -> ReferenceGrant:
    """A ReferenceGrant."""
    meta = convert_meta(obj)
    spec = _map(obj.get("spec"), "spec")
    return ReferenceGrant(
        meta=meta,
        from_=tuple(
            GrantFrom(_str(f.get("group")), _str(f.get("kind")), _str(f.get("namespace")))
            for f in (_map(f, "spec.from[]") for f in _list(spec.get("from"), "spec.from"))
        ),
        to=tuple(
            GrantTo(_str(t.get("group")), _str(t.get("kind")), _str(t.get("name")) or None)
            for t in (_map(t, "spec.to[]") for t in _list(spec.get("to"), "spec.to"))
        ),
    )
