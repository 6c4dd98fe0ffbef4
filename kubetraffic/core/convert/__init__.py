"""Kubernetes API dictionaries (YAML/JSON/API server) -> typed core objects.

One converter per kind, shared by the snapshot, live and demo sources, so every source
produces identical objects. Defaulting follows the API server where it matters to the
analysis (policyTypes, protocols, targetPort, pathType); fields that do not matter are
dropped here, which is also what keeps memory small. Secret data never passes this point.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from kubetraffic.core.convert.base import (
    LISTENER_SET_KINDS,
    WORKLOAD_KINDS,
    ConversionError,
    Obj,
    _map,
    _str,
    convert_meta,
)
from kubetraffic.core.convert.gateway import (
    convert_gateway,
    convert_gatewayclass,
    convert_httproute,
    convert_listenerset,
    convert_referencegrant,
)
from kubetraffic.core.convert.networking import convert_ingress, convert_ingressclass, convert_networkpolicy
from kubetraffic.core.convert.pods import convert_namespace, convert_node, convert_pod, convert_workload, template_pod
from kubetraffic.core.convert.services import convert_endpoints, convert_endpointslice, convert_secret, convert_service
from kubetraffic.core.objects import KubeObject

CONVERTERS: Mapping[str, Callable[[Obj], KubeObject]] = {
    "Namespace": convert_namespace,
    "Node": convert_node,
    "Pod": convert_pod,
    **dict.fromkeys(WORKLOAD_KINDS, convert_workload),
    "Service": convert_service,
    "EndpointSlice": convert_endpointslice,
    "Endpoints": convert_endpoints,
    "Ingress": convert_ingress,
    "IngressClass": convert_ingressclass,
    "NetworkPolicy": convert_networkpolicy,
    "GatewayClass": convert_gatewayclass,
    "Gateway": convert_gateway,
    **dict.fromkeys(LISTENER_SET_KINDS, convert_listenerset),
    "HTTPRoute": convert_httproute,
    "ReferenceGrant": convert_referencegrant,
    "Secret": convert_secret,
}
"""Kinds kubetraffic understands, keyed by ``kind``."""


def convert(obj: Obj, *, default_namespace: str = "default") -> tuple[str, KubeObject]:
    """Convert one API object; returns (kind, object). Raises ConversionError or KeyError."""
    kind = _str(obj.get("kind"))
    converter = CONVERTERS[kind]
    if default_namespace != "default" and not _map(obj.get("metadata"), "metadata").get("namespace"):
        md = dict(_map(obj.get("metadata"), "metadata"))
        md["namespace"] = default_namespace
        obj = {**obj, "metadata": md}
    try:
        return kind, converter(obj)
    except ConversionError:
        raise
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        raise ConversionError(f"{kind}: malformed object ({type(exc).__name__}: {exc})") from None


def iter_items(doc: Any) -> Iterator[Obj]:
    """Flatten ``kind: List`` / ``*List`` documents into their items."""
    if not isinstance(doc, Mapping):
        return
    kind = _str(doc.get("kind"))
    if (kind == "List" or kind.endswith("List")) and isinstance(doc.get("items"), list):
        item_kind = kind[: -len("List")] if kind != "List" else ""
        api_version = doc.get("apiVersion")
        for item in doc["items"]:
            if isinstance(item, Mapping):
                if item_kind and not item.get("kind"):  # API server lists omit item kinds
                    item = {**item, "kind": item_kind, "apiVersion": api_version}
                yield from iter_items(item)
        return
    yield doc


__all__ = [
    "CONVERTERS",
    "LISTENER_SET_KINDS",
    "WORKLOAD_KINDS",
    "ConversionError",
    "Obj",
    "convert",
    "convert_endpoints",
    "convert_endpointslice",
    "convert_gateway",
    "convert_gatewayclass",
    "convert_httproute",
    "convert_ingress",
    "convert_ingressclass",
    "convert_listenerset",
    "convert_meta",
    "convert_namespace",
    "convert_networkpolicy",
    "convert_node",
    "convert_pod",
    "convert_referencegrant",
    "convert_secret",
    "convert_service",
    "convert_workload",
    "iter_items",
    "template_pod",
]
