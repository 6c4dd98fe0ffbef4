"""The main screen's metrics: pick the source once the cluster is open, keep the feed on
what is shown, show its state in the header, and ``m`` for the window.

A part of ``MainScreen`` (a mixin: its message handlers follow Textual's naming convention).
"""

from __future__ import annotations

from typing import Any

from textual import work

from kubetraffic.adapters.metrics import MetricsStatus, NoMetrics, TimeSpecError, parse_at, parse_window, rfc3339
from kubetraffic.adapters.metrics_feed import Opened, open_metrics_source
from kubetraffic.adapters.source import ClusterSource
from kubetraffic.render.text import clean_line
from kubetraffic.ui.feeds import MetricsFeed
from kubetraffic.ui.model import ClusterModel
from kubetraffic.ui.screens.messages import MetricsOpened
from kubetraffic.ui.settings import METRICS_WINDOWS
from kubetraffic.ui.widgets.analysis import AnalysisPane


class MetricsActions:
    """Metrics for the main screen."""

    _metrics_told: str
    settings: Any
    header: Any
    analysis: Any
    app: Any
    notify: Any
    query_one: Any

    def _metrics_feed(self) -> MetricsFeed | None:
        found = self.query(MetricsFeed)
        return found.first() if found else None

    @work(thread=True, exclusive=True, group="metrics-open", exit_on_error=False)
    def _open_metrics(self, model: ClusterModel, source: ClusterSource) -> None:
        """Pick the metrics source (--prometheus, the source's own, or one found live)."""
        settings = self.settings
        try:
            at = parse_at(settings.at) if settings.at else None
            window = parse_window(settings.metrics_window)
        except TimeSpecError as exc:
            self.notify(clean_line(f"--at/--window ignored: {exc}"), severity="warning", markup=False)
            at, window = None, "5m"
        try:
            with model.read() as state:
                opened = open_metrics_source(
                    settings.prometheus, insecure=settings.prometheus_insecure, state=state, cluster_source=source
                )
        except Exception as exc:  # a bad URL or setting: one line, and no metrics
            opened = Opened(NoMetrics(f"cannot use --prometheus: {exc}"))
        self.post_message(MetricsOpened(opened, at, window))

    def on_metrics_opened(self, message: MetricsOpened) -> None:
        opened, at, window = message.opened, message.at, message.window
        old = self._metrics_feed()
        if old is not None:
            old.stop()
            old.remove()
        feed = MetricsFeed(opened.source, at=at, window=window)
        self.mount(feed)
        self.header.window = window
        self.header.at = rfc3339(at) if at is not None else ""
        self._show_metrics_status(opened.source.status())
        if opened.announcement:
            self.notify(clean_line(opened.announcement), markup=False)
        feed.follow(self.analysis.metrics_targets())

    def _show_metrics_status(self, status: MetricsStatus) -> None:
        words = {"ok": "ok", "down": "down", "not-configured": "none", "unknown": "ready"}[status.state]
        glyph = {"ok": "ok", "down": "fail", "not-configured": "", "unknown": "unknown"}[status.state]
        self.header.prometheus = (glyph, words)
        self.header.prometheus_name = "Prometheus" if status.name == "Prometheus" else status.name
        if status.state == "down" and status.line() != self._metrics_told:
            self._metrics_told = status.line()
            self.notify(clean_line(status.line()), title="Metrics", severity="warning", markup=False)

    def on_analysis_pane_metrics_wanted(self, message: AnalysisPane.MetricsWanted) -> None:
        feed = self._metrics_feed()
        if feed is not None:
            feed.follow(message.targets)

    def on_metrics_feed_updated(self, message: MetricsFeed.Updated) -> None:
        self._show_metrics_status(message.status)
        self.analysis.apply_figures(message.figures)

    def action_metrics_window(self) -> None:
        """``m`` — cycle the metrics window 5m → 1h → 6h."""
        current = self.header.window
        nxt = (
            METRICS_WINDOWS[(METRICS_WINDOWS.index(current) + 1) % len(METRICS_WINDOWS)]
            if current in METRICS_WINDOWS
            else "5m"
        )
        self.header.window = nxt
        feed = self._metrics_feed()
        if feed is not None:
            feed.set_window(nxt)
        self.notify(f"metrics window {nxt}")
