"""The metrics feed: poll the metrics source for what is on screen, one poll at a time."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from textual import work
from textual.message import Message
from textual.timer import Timer
from textual.widget import Widget

from kubetraffic.adapters.metrics import MetricsSource, MetricsStatus
from kubetraffic.adapters.metrics_feed import fetch_figures
from kubetraffic.core.metrics import HopMetrics, MetricsTarget
from kubetraffic.ui.feeds.base import Abandoned, close_quietly, interruptible

METRICS_INTERVAL = 15.0
"""Seconds between the end of one metrics poll and the start of the next."""


class MetricsFeed(Widget):
    """Polls the metrics source for the hops on screen: fetch, post, then arm the next poll.

    Polls never overlap: the next one is armed only when the last has returned, so a slow
    Prometheus stretches the interval instead of piling up requests. New targets (another
    trace on screen) or another window start a poll at once — after the running one.
    """

    DEFAULT_CSS = "MetricsFeed { display: none; }"

    class Updated(Message):
        """Figures for the watched targets, and how the source is doing."""

        def __init__(self, figures: dict[MetricsTarget, HopMetrics], status: MetricsStatus, generation: int) -> None:
            super().__init__()
            self.figures, self.status, self.generation = figures, status, generation

    def __init__(
        self, source: MetricsSource, *, at: datetime | None, window: str, interval: float = METRICS_INTERVAL
    ) -> None:
        super().__init__()
        self.source = source
        self.at = at
        self.window = window
        self.interval = interval
        self.targets: tuple[MetricsTarget, ...] = ()
        self.generation = 0
        self._busy = False
        self._again = False
        self._timer: Timer | None = None

    @property
    def status(self) -> MetricsStatus:
        """The source's state after its last exchange (no I/O)."""
        return self.source.status()

    def follow(self, targets: Iterable[MetricsTarget]) -> None:
        """Measure these targets from now on (a poll starts as soon as possible)."""
        wanted = tuple(dict.fromkeys(targets))
        if wanted != self.targets:
            self.targets = wanted
            self.poll_now()

    def set_window(self, window: str) -> None:
        """Change the rate window and poll again."""
        self.window = window
        self.poll_now()

    def poll_now(self) -> None:
        """Poll at once, or right after the poll in flight."""
        self.generation += 1
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self._busy:
            self._again = True
            return
        if self.targets and self.source.status().state != "not-configured":
            self._busy = True
            self._poll(self.targets, self.window, self.generation)

    @work(thread=True, group="metrics", exit_on_error=False, name="metrics poll")
    def _poll(self, targets: tuple[MetricsTarget, ...], window: str, generation: int) -> None:
        try:
            figures = interruptible(
                lambda: fetch_figures(self.source, targets, at=self.at, window=window, sparklines=True)
            )
        except Abandoned:
            return
        except Exception as exc:  # a metrics bug must not take the app down; say so in the header
            figures = {}
            status = MetricsStatus("down", f"{type(exc).__name__}: {exc}", self.source.status().name)
        else:
            status = self.source.status()
        self.post_message(self.Updated(figures, status, generation))

    def on_metrics_feed_updated(self, message: Updated) -> None:
        """The poll is back: arm the next one (the message goes on up to the screen)."""
        self._busy = False
        if self._again:
            self._again = False
            self.poll_now()
        elif self.targets and self.at is None:  # a fixed --at moment does not change
            self._timer = self.set_timer(self.interval, self.poll_now, name="metrics poll")

    def stop(self) -> None:
        """Stop polling and release the source's connections in the background."""
        if self._timer is not None:
            self._timer.stop()
        close_quietly(self.source)
