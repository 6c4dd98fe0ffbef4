"""The ``/`` filter, as in k9s: a regex, ``!regex`` to negate, ``-l QUERY`` for labels.

Parsing is cheap and done on the UI thread; matching a whole cluster (10,000 pods) runs
in a worker and yields a ``FilterResult`` the navigator applies in one pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from kubetraffic.core.labels import LabelSelector, SelectorError, parse_label_query
from kubetraffic.core.state import ClusterState


class FilterError(ValueError):
    """A filter the user typed that cannot be used (bad regex or label query)."""


@dataclass(frozen=True, slots=True)
class Filter:
    """One parsed filter; the empty filter matches everything."""

    text: str = ""
    pattern: re.Pattern[str] | None = None
    negate: bool = False
    selector: LabelSelector | None = None

    @property
    def empty(self) -> bool:
        """True when nothing is filtered."""
        return self.pattern is None and self.selector is None

    def matches(self, names: tuple[str, ...], labels: Mapping[str, str] | None) -> bool:
        """Whether an object with these searchable ``names`` and ``labels`` passes."""
        if self.selector is not None:
            return labels is not None and self.selector.matches(labels)
        if self.pattern is None:
            return True
        hit = any(self.pattern.search(n) for n in names)
        return hit != self.negate

    def describe(self) -> str:
        """How the filter reads in the filter bar's hint."""
        if self.selector is not None:
            return f"labels {self.selector.describe()}"
        if self.pattern is None:
            return "no filter"
        return f"{'not ' if self.negate else ''}/{self.pattern.pattern}/"


def parse_filter(text: str) -> Filter:
    """Parse what was typed after ``/``; raises FilterError with a one-line reason."""
    raw = text.strip()
    if not raw:
        return Filter()
    if raw.startswith("-l ") or raw == "-l":
        query = raw[2:].strip()
        if not query:
            raise FilterError("-l needs a label query, e.g. -l app=web,tier!=db")
        try:
            return Filter(text=raw, selector=parse_label_query(query))
        except SelectorError as exc:
            raise FilterError(str(exc)) from None
    negate = raw.startswith("!")
    body = raw[1:] if negate else raw
    if not body:
        raise FilterError("! needs a pattern after it")
    try:
        pattern = re.compile(body, re.IGNORECASE)
    except re.error as exc:
        raise FilterError(f"bad regular expression {body!r}: {exc}") from None
    return Filter(text=raw, pattern=pattern, negate=negate)


@dataclass(slots=True)
class FilterResult:
    """Which namespaces and objects pass a filter, for the navigator."""

    filter: Filter
    whole: set[str] = field(default_factory=set)
    """Namespaces that match themselves: shown with every child."""
    items: dict[str, set[tuple[str, str]]] = field(default_factory=dict)
    """namespace -> {(kind, name)} of matching objects ("Workload" for workloads)."""

    @property
    def count(self) -> int:
        """Matching objects, not counting whole namespaces' children."""
        return sum(len(v) for v in self.items.values())

    def shows_namespace(self, namespace: str) -> bool:
        """Whether the namespace has a row at all."""
        return self.filter.empty or namespace in self.whole or namespace in self.items

    def shows(self, namespace: str, kind: str, name: str) -> bool:
        """Whether one child row passes."""
        if self.filter.empty or namespace in self.whole:
            return True
        return (kind, name) in self.items.get(namespace, ())


def searchable(state: ClusterState) -> Iterator[tuple[str, str, str, tuple[str, ...], Mapping[str, str] | None]]:
    """(namespace, kind, name, names to search, labels) for every navigable object."""
    for kind in ("Ingress", "Gateway", "HTTPRoute", "Service", "NetworkPolicy"):
        for obj in state.objects(kind):
            names: tuple[str, ...] = (obj.meta.name,)
            if kind == "Ingress":
                names += tuple(f"{r.host}{p.path}" for r in obj.rules for p in r.paths)
            elif kind == "HTTPRoute":
                names += obj.hostnames
            yield obj.meta.namespace, kind, obj.meta.name, names, obj.meta.labels
    for ref in state.workloads():
        wl = state.workload_object(ref)
        yield ref.namespace, "Workload", ref.name, (ref.name,), wl.meta.labels if wl is not None else None
    for pod in state.iter_pods():
        yield pod.meta.namespace, "Pod", pod.meta.name, (pod.meta.name, *pod.pod_ips), pod.labels


def filter_cluster(state: ClusterState, flt: Filter) -> FilterResult:
    """Match every navigable object against ``flt`` (call under the model lock)."""
    result = FilterResult(flt)
    if flt.empty:
        return result
    for ns in state.namespaces():
        if (flt.pattern is not None and not flt.negate and flt.matches((ns.meta.name,), None)) or (
            flt.selector is not None and flt.selector.matches(ns.meta.labels)
        ):
            result.whole.add(ns.meta.name)
    for namespace, kind, name, names, labels in searchable(state):
        if namespace in result.whole:
            continue
        if flt.matches(names, labels):
            result.items.setdefault(namespace, set()).add((kind, name))
            if kind == "Pod":  # a matching pod keeps its workload row visible
                pod = state.pod(namespace, name)
                if pod is not None:
                    result.items[namespace].add(("Workload", state.workload_of(pod).name))
    return result
