"""Which IngressClass (and so which controller) serves an Ingress.

``spec.ingressClassName`` names an IngressClass; the deprecated ``kubernetes.io/ingress.class``
annotation names a class too (controllers compare it with their configured class name). An
Ingress with neither gets the default class: the DefaultIngressClass admission plugin sets
``ingressClassName`` on creation when exactly one IngressClass carries
``ingressclass.kubernetes.io/is-default-class: "true"``. An Ingress whose class does not
exist is served by no controller.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from kubetraffic.core.objects import Ingress, IngressClass

LEGACY_ANNOTATION = "kubernetes.io/ingress.class"

Source = Literal["field", "annotation", "default", "none"]


@dataclass(frozen=True, slots=True)
class ClassChoice:
    """The class an Ingress belongs to, where that came from, and what is wrong with it."""

    name: str | None
    source: Source
    ingress_class: IngressClass | None = None
    problem: str | None = None
    """Why no controller serves this Ingress (missing class, no default, ...)."""

    @property
    def served(self) -> bool:
        """True when an existing IngressClass takes the Ingress."""
        return self.ingress_class is not None and self.problem is None

    def describe(self) -> str:
        """``class nginx`` / ``class nginx (legacy annotation)`` / ``no class``."""
        if self.name is None:
            return "no class"
        how = {"field": "", "annotation": " (kubernetes.io/ingress.class annotation)", "default": " (default class)"}
        return f"class {self.name}{how.get(self.source, '')}"


def default_classes(classes: Iterable[IngressClass]) -> list[IngressClass]:
    """IngressClasses marked ``ingressclass.kubernetes.io/is-default-class: "true"``."""
    return sorted((c for c in classes if c.default), key=lambda c: c.meta.name)


def resolve_class(ingress: Ingress, classes: dict[str, IngressClass], defaults: list[IngressClass]) -> ClassChoice:
    """The effective class of ``ingress`` given every IngressClass (by name) and the defaults."""
    annotation = ingress.meta.annotations.get(LEGACY_ANNOTATION)
    name = ingress.class_name
    if name is not None:
        source: Source = "annotation" if annotation == name else "field"
        found = classes.get(name)
        if found is not None:
            return ClassChoice(name, source, found)
        if source == "annotation":
            problem = (
                f"kubernetes.io/ingress.class {name!r} names no IngressClass; only a controller started "
                f"with --ingress-class={name} would serve it"
            )
        else:
            problem = f"IngressClass {name!r} does not exist; no controller serves this Ingress"
        return ClassChoice(name, source, None, problem)
    if len(defaults) == 1:
        return ClassChoice(defaults[0].meta.name, "default", defaults[0])
    if not defaults:
        return ClassChoice(None, "none", None, "no ingressClassName and no default IngressClass; controllers ignore it")
    names = ", ".join(c.meta.name for c in defaults)
    return ClassChoice(
        None,
        "none",
        None,
        f"no ingressClassName and {len(defaults)} default IngressClasses ({names}); the API server rejects "
        "such new Ingresses and controllers disagree on existing ones",
    )
