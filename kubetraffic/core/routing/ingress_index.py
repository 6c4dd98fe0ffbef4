"""The Ingress routing index: Ingresses grouped by class and host, built once per change.

Built with ``ClusterState.derived`` so a trace looks up one host instead of scanning every
Ingress. Ingresses are kept oldest first (creationTimestamp, then ``namespace/name``): that is
the order controllers such as ingress-nginx merge them in, so the oldest wins a conflict.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kubetraffic.core.objects import Ingress, IngressClass, IngressRule, Key
from kubetraffic.core.routing.classes import ClassChoice, default_classes, resolve_class
from kubetraffic.core.state import ClusterState

RuleRef = tuple[Ingress, int]
"""An Ingress and the index of one of its rules."""


def age_key(ingress: Ingress) -> tuple[bool, str, str, str]:
    """Oldest first; objects without a creationTimestamp (manifests) count as newest."""
    created = ingress.meta.created
    return (created is None, created or "", ingress.meta.namespace, ingress.meta.name)


def wildcard_key(host: str) -> str | None:
    """The wildcard rule host that would cover ``host``: ``a.b.com`` -> ``*.b.com``."""
    if "." not in host:
        return None
    return "*." + host.split(".", 1)[1]


@dataclass(slots=True)
class ClassRoutes:
    """Every Ingress of one IngressClass, indexed by rule host."""

    ingress_class: IngressClass
    ingresses: list[Ingress] = field(default_factory=list)
    exact: dict[str, list[RuleRef]] = field(default_factory=dict)
    wildcard: dict[str, list[RuleRef]] = field(default_factory=dict)
    hostless: list[RuleRef] = field(default_factory=list)
    catch_all: list[Ingress] = field(default_factory=list)
    """Ingresses with a defaultBackend and no rules."""
    rank: dict[Key, int] = field(default_factory=dict)
    """Age rank of each Ingress (0 = oldest)."""

    @property
    def name(self) -> str:
        """The class name."""
        return self.ingress_class.meta.name

    def rules_for(self, host: str) -> tuple[list[RuleRef], list[RuleRef]]:
        """(exact-host rules, wildcard rules) that match ``host``."""
        key = wildcard_key(host)
        return self.exact.get(host, []), self.wildcard.get(key, []) if key else []


@dataclass(slots=True)
class IngressIndex:
    """Ingresses by class and host, plus the ones no controller serves (and why)."""

    classes: dict[str, ClassRoutes] = field(default_factory=dict)
    choices: dict[Key, ClassChoice] = field(default_factory=dict)
    unserved: list[Ingress] = field(default_factory=list)
    by_host: dict[str, list[RuleRef]] = field(default_factory=dict)
    """Every Ingress (any class, served or not) by exact or wildcard rule host."""
    wildcards: list[str] = field(default_factory=list)
    """Every wildcard rule host (``*.foo.com``) of any Ingress."""


def _rule_key(rule: IngressRule) -> str:
    return rule.host


def build_ingress_index(state: ClusterState) -> IngressIndex:
    """Group every Ingress by its effective class and its rule hosts."""
    classes = {c.meta.name: c for c in state.ingress_classes()}
    defaults = default_classes(classes.values())
    index = IngressIndex(classes={name: ClassRoutes(c) for name, c in sorted(classes.items())})
    for ing in sorted(state.ingresses(), key=age_key):
        choice = resolve_class(ing, classes, defaults)
        index.choices[ing.key] = choice
        for i, rule in enumerate(ing.rules):
            index.by_host.setdefault(_rule_key(rule), []).append((ing, i))
        if not choice.served or choice.name is None:
            index.unserved.append(ing)
            continue
        routes = index.classes[choice.name]
        routes.rank[ing.key] = len(routes.ingresses)
        routes.ingresses.append(ing)
        if not ing.rules and ing.default_backend is not None:
            routes.catch_all.append(ing)
        for i, rule in enumerate(ing.rules):
            if not rule.host:
                routes.hostless.append((ing, i))
            elif rule.host.startswith("*."):
                routes.wildcard.setdefault(rule.host, []).append((ing, i))
            else:
                routes.exact.setdefault(rule.host, []).append((ing, i))
    index.wildcards = sorted(h for h in index.by_host if h.startswith("*."))
    return index


def ingress_index(state: ClusterState) -> IngressIndex:
    """The cached index (rebuilt only after Ingresses or IngressClasses change)."""
    return state.derived("routing.ingress-index", ("Ingress", "IngressClass"), lambda: build_ingress_index(state))
