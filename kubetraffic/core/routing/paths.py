"""Path matching: Ingress pathTypes and Gateway API HTTPPathMatch.

Ingress (networking.k8s.io/v1 HTTPIngressPath): ``Exact`` compares byte for byte, case
sensitive; ``Prefix`` compares whole path elements split by ``/`` (``/aaa/bbb`` matches
``/aaa/bbb/ccc`` but not ``/aaa/bbbxyz``), case sensitive, a trailing slash on either side
ignored. Gateway API ``PathPrefix`` follows the same element rule; ``RegularExpression`` is
implementation-specific (here: a full match, as Envoy-based gateways do).
"""

from __future__ import annotations

import re
from functools import lru_cache

EXACT = "Exact"
PREFIX = "Prefix"
IMPLEMENTATION_SPECIFIC = "ImplementationSpecific"
PATH_PREFIX = "PathPrefix"
REGULAR_EXPRESSION = "RegularExpression"


def prefix_matches(prefix: str, path: str) -> bool:
    """Element-wise prefix match; ``/`` (or empty) matches every path."""
    base = prefix.rstrip("/")
    if not base:
        return True
    return path == base or path.startswith(base + "/")


def ingress_path_length(path_type: str, rule_path: str) -> int:
    """Length used for "longest match wins" (a Prefix's trailing slash does not count)."""
    if path_type == EXACT:
        return len(rule_path)
    return len(rule_path.rstrip("/")) or 1


def ingress_path_matches(path_type: str, rule_path: str, path: str) -> bool:
    """Does ``path`` match one HTTPIngressPath? ImplementationSpecific is read as Prefix
    (the generic answer; controllers define their own meaning)."""
    if path_type == EXACT:
        return rule_path == path
    return prefix_matches(rule_path, path)


def ingress_precedence(path_type: str, rule_path: str) -> tuple[int, int]:
    """Sort key, larger wins: the longest matching path, then Exact over Prefix."""
    return (ingress_path_length(path_type, rule_path), 1 if path_type == EXACT else 0)


@lru_cache(maxsize=4096)
def compile_regex(pattern: str, flags: int = 0) -> re.Pattern[str] | None:
    """A compiled pattern, or None when Python's engine rejects it (reported by callers)."""
    try:
        return re.compile(pattern, flags)
    except (re.error, RecursionError, OverflowError):
        return None


def gateway_path_matches(match_type: str, value: str, path: str) -> bool:
    """HTTPPathMatch: Exact, PathPrefix (element-wise) or RegularExpression (full match)."""
    if match_type == EXACT:
        return value == path
    if match_type == PATH_PREFIX:
        return prefix_matches(value, path)
    if match_type == REGULAR_EXPRESSION:
        rx = compile_regex(value)
        return rx is not None and rx.fullmatch(path) is not None
    return False


def common_prefix_elements(a: str, b: str) -> int:
    """How many leading path elements two paths share (for "nearest path" hints)."""
    n = 0
    for x, y in zip(a.strip("/").split("/"), b.strip("/").split("/"), strict=False):
        if x != y:
            break
        n += 1
    return n
