"""Small adapters from core answers to what the panes show.

Each module asks ``core`` (or an adapter) one question and returns plain view data; none
decides a Kubernetes rule itself. Engines that are not in this build are reported as
``Unavailable`` so the pane can say so instead of guessing.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Unavailable:
    """An answer this build cannot give, and why (shown in the pane as one line)."""

    reason: str
