"""What the user asked the interactive view for, read from the global flags.

The UI layer may not import the CLI, so the flags arrive as any object with the
``GlobalOptions`` attributes and are copied here once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

METRICS_WINDOWS = ("5m", "1h", "6h")
"""What ``m`` cycles through (``--window`` may start on any other duration)."""


@dataclass(frozen=True, slots=True)
class UiSettings:
    """Scope, filters and auxiliary sources for one run of the app."""

    namespace: str | None = None
    """``-n``: the namespace the navigator opens on (None: the source's default)."""
    all_namespaces: bool = False
    selector: str | None = None
    """``-l``: an initial label filter for the navigator."""
    prometheus: str | None = None
    prometheus_insecure: bool = False
    at: str | None = None
    """``--at``: metrics are evaluated at this moment instead of now."""
    metrics_window: str = "5m"
    metrics_interval: float = 15.0
    """Seconds between metric polls (counted from the end of the previous one)."""
    export_dir: str = "."
    options: Any = field(default=None, compare=False, repr=False)
    """The original flags object (to open another context on the live source)."""

    @classmethod
    def from_options(cls, opts: Any) -> UiSettings:
        """Copy the flags the UI uses from a ``GlobalOptions``-like object."""
        return cls(
            namespace=getattr(opts, "namespace", None),
            all_namespaces=bool(getattr(opts, "all_namespaces", False)),
            selector=getattr(opts, "selector", None),
            prometheus=getattr(opts, "prometheus", None),
            prometheus_insecure=bool(getattr(opts, "prometheus_insecure", False)),
            at=getattr(opts, "at", None),
            metrics_window=str(getattr(opts, "window", None) or "5m"),
            options=opts,
        )
