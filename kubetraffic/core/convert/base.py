"""Shared pieces of the converters: typed field access with field-path errors, and metadata."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubetraffic.core.labels import LabelSelector, SelectorError, parse_selector
from kubetraffic.core.objects import (
    Meta,
    OwnerRef,
)
from kubetraffic.core.ports import PortParseError, normalise_protocol, parse_port_ref

Obj = Mapping[str, Any]

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob")
LISTENER_SET_KINDS = ("ListenerSet", "XListenerSet")

# Annotations worth keeping: routing behaviour and class selection. Everything else
# (notably last-applied-configuration) is dropped to keep objects small.
_KEPT_ANNOTATION_PREFIXES = (
    "nginx.ingress.kubernetes.io/",
    "kubernetes.io/ingress.class",
    "ingressclass.kubernetes.io/",
    "service.kubernetes.io/",
    "service.beta.kubernetes.io/",
    "cert-manager.io/",
    "kubetraffic.io/",
)


class ConversionError(ValueError):
    """An object whose shape the API server would reject; names the field."""


def _map(value: Any, where: str) -> Obj:
    if value.__class__ is dict:  # the common case, without an ABC isinstance check
        return value
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConversionError(f"{where}: expected a mapping, got {type(value).__name__}")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if value.__class__ is list:
        return value
    if value is None:
        return []
    if not isinstance(value, list):
        raise ConversionError(f"{where}: expected a list, got {type(value).__name__}")
    return value


def _str(value: Any) -> str:
    return "" if value is None else str(value)


def _int(value: Any, where: str) -> int:
    if isinstance(value, bool):
        raise ConversionError(f"{where}: expected an integer")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ConversionError(f"{where}: expected an integer, got {value!r}") from None


def _labels(value: Any, where: str) -> dict[str, str]:
    raw = _map(value, where)
    out: dict[str, str] = {}
    for k, v in raw.items():
        if isinstance(v, bool):
            v = "true" if v else "false"
        out[str(k)] = "" if v is None else str(v)
    return out


def _selector(value: Any, where: str) -> LabelSelector:
    try:
        return parse_selector(value, where=where)
    except SelectorError as exc:
        raise ConversionError(str(exc)) from None


def _port_ref(value: Any, where: str) -> int | str:
    try:
        return parse_port_ref(value)
    except PortParseError as exc:
        raise ConversionError(f"{where}: {exc}") from None


def _protocol(value: Any, where: str) -> str:
    try:
        return normalise_protocol(value)
    except PortParseError as exc:
        raise ConversionError(f"{where}: {exc}") from None


def convert_meta(obj: Obj, *, namespaced: bool = True, default_namespace: str = "default") -> Meta:
    """metadata -> Meta; a namespaced object without a namespace gets ``default_namespace``."""
    md = _map(obj.get("metadata"), "metadata")
    name = _str(md.get("name"))
    if not name:
        raise ConversionError("metadata.name is missing")
    namespace = _str(md.get("namespace")) if namespaced else ""
    if namespaced and not namespace:
        namespace = default_namespace
    annotations = {
        k: _str(v)
        for k, v in _map(md.get("annotations"), "metadata.annotations").items()
        if str(k).startswith(_KEPT_ANNOTATION_PREFIXES)
    }
    owner = None
    for ref in _list(md.get("ownerReferences"), "metadata.ownerReferences"):
        ref = _map(ref, "metadata.ownerReferences[]")
        candidate = OwnerRef(
            kind=_str(ref.get("kind")),
            name=_str(ref.get("name")),
            api_version=_str(ref.get("apiVersion")),
            uid=_str(ref.get("uid")),
        )
        if ref.get("controller") or owner is None:
            owner = candidate
    return Meta(
        name=name,
        namespace=namespace,
        uid=_str(md.get("uid")),
        labels=_labels(md.get("labels"), "metadata.labels"),
        annotations=annotations,
        owner=owner,
        created=_str(md.get("creationTimestamp")) or None,
        resource_version=_str(md.get("resourceVersion")),
        deleting=md.get("deletionTimestamp") is not None,
        generation=_int(md.get("generation") or 0, "metadata.generation"),
    )


def _meta_fields(meta: Meta) -> dict[str, Any]:
    return {s: getattr(meta, s) for s in Meta.__slots__}
