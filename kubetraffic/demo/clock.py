"""Time for the demo: the wall clock in use, a manual clock in tests and screenshots.

The demo's data is a pure function of (seed, clock): ages, probe times and metric series
are all computed from ``clock.now()``, and the live timeline waits with ``clock.wait`` so
a test can play it by advancing a ManualClock instead of sleeping.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Protocol

DEMO_EPOCH = 1_750_000_000.0
"""A fixed moment (2025-06-15T15:06:40Z) for tests and screenshots that need stable times."""


class Clock(Protocol):
    """What the demo needs from time: now, and an interruptible wait."""

    def now(self) -> float:
        """Seconds since the Unix epoch."""
        ...

    def wait(self, seconds: float, stop: threading.Event) -> bool:
        """Wait ``seconds`` (of this clock's time); True when ``stop`` was set meanwhile."""
        ...


class SystemClock:
    """The real clock; waits return at once when the source is closed.

    ``speed`` > 1 plays the live timeline that many times faster (for recordings and tests
    of ``--watch``); ``now`` stays the wall clock.
    """

    def __init__(self, speed: float = 1.0) -> None:
        if not speed > 0:
            raise ValueError(f"the demo's speed must be a positive number, not {speed!r}")
        self.speed = speed

    def now(self) -> float:
        """Wall-clock time (the demo rounds it down to whole seconds where the API would)."""
        return time.time()

    def wait(self, seconds: float, stop: threading.Event) -> bool:
        """Sleep on the stop event itself, so ``close()`` interrupts at once."""
        return stop.wait(seconds / self.speed)


class ManualClock:
    """A clock that moves only when told to: ``advance`` wakes the waits it passes."""

    def __init__(self, start: float = DEMO_EPOCH) -> None:
        self._now = start
        self._cond = threading.Condition()

    def now(self) -> float:
        """The current manual time."""
        with self._cond:
            return self._now

    def advance(self, seconds: float) -> None:
        """Move time forward and wake every wait whose deadline has passed."""
        with self._cond:
            self._now += seconds
            self._cond.notify_all()

    def wait(self, seconds: float, stop: threading.Event) -> bool:
        """Block until the clock has been advanced past now + ``seconds``, or ``stop``."""
        with self._cond:
            deadline = self._now + seconds
            while self._now < deadline:
                if stop.is_set():
                    return True
                self._cond.wait(0.02)  # re-check ``stop``, which cannot notify us
        return stop.is_set()


def rfc3339(ts: float) -> str:
    """``2025-06-15T15:06:40Z``: the timestamp format of the Kubernetes API."""
    return datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_rfc3339(text: str) -> float:
    """The Unix time of an API timestamp such as ``2025-06-15T15:06:40Z``."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()
