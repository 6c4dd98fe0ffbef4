"""Label selectors exactly as metav1.LabelSelector defines them.

A selector is the AND of its ``matchLabels`` pairs and its ``matchExpressions``.
An *empty* selector (``{}``) matches every label set; a *missing* selector is
represented by ``None`` at the call site, because what "missing" means depends on
the field (a Service without a selector selects nothing, a NetworkPolicy peer
without ``podSelector`` means "all pods of the selected namespaces").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Op(StrEnum):
    """The four operators of a label selector requirement."""

    IN = "In"
    NOT_IN = "NotIn"
    EXISTS = "Exists"
    DOES_NOT_EXIST = "DoesNotExist"


@dataclass(frozen=True, slots=True)
class Requirement:
    """One ``matchExpressions`` entry (or one ``matchLabels`` pair as ``key In (value)``)."""

    key: str
    op: Op
    values: frozenset[str] = frozenset()

    def matches(self, labels: Mapping[str, str]) -> bool:
        """True when ``labels`` satisfy this requirement."""
        if self.op is Op.IN:
            return self.key in labels and labels[self.key] in self.values
        if self.op is Op.NOT_IN:
            # NotIn matches when the key is absent, as upstream labels.Selector does.
            return self.key not in labels or labels[self.key] not in self.values
        if self.op is Op.EXISTS:
            return self.key in labels
        return self.key not in labels

    def describe(self) -> str:
        """kubectl-style text: ``app in (a,b)``, ``!tier``."""
        vals = ",".join(sorted(self.values))
        if self.op is Op.IN:
            return f"{self.key}={vals}" if len(self.values) == 1 else f"{self.key} in ({vals})"
        if self.op is Op.NOT_IN:
            return f"{self.key} notin ({vals})"
        if self.op is Op.EXISTS:
            return self.key
        return f"!{self.key}"


@dataclass(frozen=True, slots=True)
class LabelSelector:
    """A parsed metav1.LabelSelector; the empty selector matches everything."""

    match_labels: tuple[tuple[str, str], ...] = ()
    match_expressions: tuple[Requirement, ...] = ()

    @property
    def is_empty(self) -> bool:
        """An empty selector selects every object in its scope."""
        return not self.match_labels and not self.match_expressions

    @property
    def requirements(self) -> tuple[Requirement, ...]:
        """All terms, matchLabels first, as requirements."""
        pairs = tuple(Requirement(k, Op.IN, frozenset((v,))) for k, v in self.match_labels)
        return pairs + self.match_expressions

    def matches(self, labels: Mapping[str, str]) -> bool:
        """True when every term holds for ``labels``."""
        for key, value in self.match_labels:
            if labels.get(key) != value:
                return False
        return all(req.matches(labels) for req in self.match_expressions)

    def failing_terms(self, labels: Mapping[str, str]) -> list[Requirement]:
        """The terms ``labels`` do not satisfy: the evidence for a miss."""
        return [req for req in self.requirements if not req.matches(labels)]

    def describe(self) -> str:
        """kubectl-style text; ``<all>`` for the empty selector."""
        if self.is_empty:
            return "<all>"
        return ",".join(req.describe() for req in self.requirements)

    def to_dict(self) -> dict[str, Any]:
        """Back to the API shape (for fixes and snapshots)."""
        out: dict[str, Any] = {}
        if self.match_labels:
            out["matchLabels"] = dict(self.match_labels)
        if self.match_expressions:
            out["matchExpressions"] = [
                {"key": r.key, "operator": r.op.value, **({"values": sorted(r.values)} if r.values else {})}
                for r in self.match_expressions
            ]
        return out

    @classmethod
    def from_labels(cls, labels: Mapping[str, str]) -> LabelSelector:
        """Equality selector over a label map (what a Service ``selector`` is)."""
        return cls(match_labels=tuple(sorted(labels.items())))


class SelectorError(ValueError):
    """A selector the API server would reject."""


def parse_selector(raw: Any, *, where: str = "selector") -> LabelSelector:
    """Parse a metav1.LabelSelector mapping, validating it as the API server does."""
    if raw is None:
        return LabelSelector()
    if not isinstance(raw, Mapping):
        raise SelectorError(f"{where}: expected a mapping, got {type(raw).__name__}")
    labels = raw.get("matchLabels") or {}
    if not isinstance(labels, Mapping):
        raise SelectorError(f"{where}.matchLabels: expected a mapping")
    exprs_raw = raw.get("matchExpressions") or []
    if not isinstance(exprs_raw, list):
        raise SelectorError(f"{where}.matchExpressions: expected a list")
    exprs: list[Requirement] = []
    for i, expr in enumerate(exprs_raw):
        if not isinstance(expr, Mapping):
            raise SelectorError(f"{where}.matchExpressions[{i}]: expected a mapping")
        try:
            op = Op(str(expr.get("operator")))
        except ValueError:
            raise SelectorError(f"{where}.matchExpressions[{i}]: unknown operator {expr.get('operator')!r}") from None
        values = [str(v) for v in (expr.get("values") or [])]
        if op in (Op.IN, Op.NOT_IN) and not values:
            raise SelectorError(f"{where}.matchExpressions[{i}]: {op.value} needs values")
        if op in (Op.EXISTS, Op.DOES_NOT_EXIST) and values:
            raise SelectorError(f"{where}.matchExpressions[{i}]: {op.value} takes no values")
        exprs.append(Requirement(str(expr.get("key", "")), op, frozenset(values)))
    return LabelSelector(
        match_labels=tuple(sorted((str(k), _label_value(v)) for k, v in labels.items())),
        match_expressions=tuple(exprs),
    )


def parse_label_query(text: str) -> LabelSelector:
    """Parse a ``-l`` string as kubectl does: ``a=b,c!=d,e in (x,y),f,!g``."""
    terms: list[Requirement] = []
    pairs: list[tuple[str, str]] = []
    for part in _split_terms(text):
        part = part.strip()
        if not part:
            continue
        low = part.replace("\t", " ")
        if " notin " in low or " in " in low:
            key, _, rest = low.partition(" notin ") if " notin " in low else low.partition(" in ")
            rest = rest.strip()
            if not (rest.startswith("(") and rest.endswith(")")):
                raise SelectorError(f"label query {text!r}: expected (values) after {key.strip()!r}")
            values = frozenset(v.strip() for v in rest[1:-1].split(",") if v.strip())
            op = Op.NOT_IN if " notin " in low else Op.IN
            terms.append(Requirement(key.strip(), op, values))
        elif "!=" in part:
            key, _, value = part.partition("!=")
            terms.append(Requirement(key.strip(), Op.NOT_IN, frozenset((value.strip(),))))
        elif "==" in part or "=" in part:
            key, _, value = part.partition("==") if "==" in part else part.partition("=")
            pairs.append((key.strip(), value.strip()))
        elif part.startswith("!"):
            terms.append(Requirement(part[1:].strip(), Op.DOES_NOT_EXIST))
        else:
            terms.append(Requirement(part, Op.EXISTS))
    for key, _ in pairs:
        if not key:
            raise SelectorError(f"label query {text!r}: empty key")
    return LabelSelector(match_labels=tuple(sorted(pairs)), match_expressions=tuple(terms))


def _split_terms(text: str) -> Iterable[str]:
    """Split on commas that are not inside parentheses."""
    depth, start = 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            yield text[start:i]
            start = i + 1
    yield text[start:]


def _label_value(value: Any) -> str:
    """Label values are strings; YAML may hand us a bool or number for unquoted text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)
