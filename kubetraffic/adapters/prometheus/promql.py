"""Building PromQL safely: quoted label values, pod-name regexes, the usual rate shapes.

Cluster strings (names, hosts, paths) go into queries only through ``quote`` and
``regex_literal``, so a path like ``/a"b`` or a pod name with a dot cannot change a query.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

MAX_POD_ALTERNATIVES = 20
"""Above this many pods, names are folded into their ReplicaSet/StatefulSet prefix."""

_RE2_META = re.compile(r"([\\.+*?()|\[\]{}^$])")


def quote(value: str) -> str:
    """A PromQL double-quoted string literal."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def regex_literal(value: str) -> str:
    """``value`` as an RE2 pattern that matches exactly it (before PromQL quoting)."""
    return _RE2_META.sub(r"\\\1", value)


def pods_regex(pods: Sequence[str]) -> str:
    """An RE2 alternation matching exactly these pod names, folded to prefixes when many.

    Pods of one ReplicaSet share ``<owner>-<hash>-``; with more than
    ``MAX_POD_ALTERNATIVES`` names the pattern matches ``<prefix>-[a-z0-9]+`` per prefix
    instead, which keeps the query short enough for a GET URL.
    """
    names = sorted(set(pods))
    if len(names) <= MAX_POD_ALTERNATIVES:
        return "|".join(regex_literal(n) for n in names)
    prefixes = sorted({n.rsplit("-", 1)[0] if "-" in n else n for n in names})
    return "|".join(f"{regex_literal(p)}-[a-z0-9]+" for p in prefixes)


class Selector:
    """A label matcher list ``{a="x",b=~"y"}``, built up matcher by matcher."""

    def __init__(self, matchers: Iterable[str] = ()) -> None:
        self.matchers = list(matchers)

    def eq(self, label: str, value: str | None) -> Selector:
        """Add ``label="value"`` (skipped when value is None)."""
        if value is not None:
            self.matchers.append(f"{label}={quote(value)}")
        return self

    def re(self, label: str, pattern: str | None) -> Selector:
        """Add ``label=~"pattern"`` (skipped when pattern is None)."""
        if pattern is not None:
            self.matchers.append(f"{label}=~{quote(pattern)}")
        return self

    def plus(self, *matchers: str) -> Selector:
        """A copy with more raw matchers (already quoted)."""
        return Selector([*self.matchers, *matchers])

    def __str__(self) -> str:
        return "{" + ",".join(self.matchers) + "}"


def rate_sum(metric: str, sel: Selector | str, window: str, by: str = "") -> str:
    """``sum [by (x)] (rate(metric{sel}[window]))``."""
    grouping = f" by ({by})" if by else ""
    return f"sum{grouping}(rate({metric}{sel}[{window}]))"


def error_ratio(metric: str, sel: Selector, errors: str, window: str) -> str:
    """The 5xx share: 0 when the target served requests and none failed, empty when it served none.

    ``or vector(0)`` makes "no 5xx series" read as zero errors — but only when the
    denominator exists, so a target without traffic stays unknown rather than healthy.
    """
    return f"(sum(rate({metric}{sel.plus(errors)}[{window}])) or vector(0)) / sum(rate({metric}{sel}[{window}]))"


def quantile(q: float, bucket: str, sel: Selector, window: str, scale: float = 1.0) -> str:
    """``histogram_quantile`` over a classic histogram, optionally rescaled (ms -> s)."""
    inner = f"histogram_quantile({q:g}, sum by (le) (rate({bucket}{sel}[{window}])))"
    return inner if scale == 1.0 else f"{inner} / {1 / scale:g}"
