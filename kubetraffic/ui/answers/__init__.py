"""Small adapters from core answers to what the panes show.

Each module asks ``core`` (or an adapter) one question and returns plain view data; none
decides a Kubernetes rule itself. Engines that are not in this build are reported as
``Unavailable``; input the engine rejects (a malformed URL, an unknown destination) as a
``Problem`` — one line naming the input, never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Unavailable:
    """An answer this build cannot give, and why (shown in the pane as one line)."""

    reason: str


@dataclass(frozen=True, slots=True)
class Problem:
    """The question itself cannot be answered as asked (bad input); one line."""

    message: str
