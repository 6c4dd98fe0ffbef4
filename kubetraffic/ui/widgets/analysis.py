"""The analysis pane: computes the answer for the selection in a worker and shows it.

User-triggered analysis is ``exclusive``: moving on cancels a stale computation. The
answer is recomputed when a change touches something it read (``dependencies``).
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import ContentSwitcher, Static

from kubetraffic.core.diagnose.metrics import apply_metrics, egress_evidence, egress_targets
from kubetraffic.core.diagnose.model import Trace
from kubetraffic.core.metrics import HopMetrics, MetricsTarget
from kubetraffic.render.text import clean_line
from kubetraffic.ui import targets as t
from kubetraffic.ui.answers import Unavailable
from kubetraffic.ui.answers.analysis import Analysis, Context, analyse, dependencies
from kubetraffic.ui.answers.egress import EgressView
from kubetraffic.ui.answers.policy import PolicyAnswer
from kubetraffic.ui.answers.service import ServiceAnswer
from kubetraffic.ui.feeds import Abandoned, interruptible
from kubetraffic.ui.model import ChangeSummary, ClusterModel
from kubetraffic.ui.targets import Target
from kubetraffic.ui.widgets.egress_view import EgressPane
from kubetraffic.ui.widgets.facts_view import FactsView
from kubetraffic.ui.widgets.policy_view import PolicyView
from kubetraffic.ui.widgets.service_view import ServiceView
from kubetraffic.ui.widgets.trace_view import VERDICT_STATUS, TraceView

REEVALUATE_AFTER = 0.5
"""Seconds of quiet before a stale answer is recomputed (changes come in bursts)."""


class AnalysisPane(Vertical):
    """Analysis of the selected target; set ``model`` then call ``show``."""

    class MetricsWanted(Message):
        """The answer on screen has hops (or an egress check) worth measuring."""

        def __init__(self, targets: tuple[MetricsTarget, ...]) -> None:
            super().__init__()
            self.targets = targets

    class Ready(Message):
        """An analysis finished (posted by the worker)."""

        def __init__(self, analysis: Analysis, focus: bool) -> None:
            super().__init__()
            self.analysis, self.focus = analysis, focus

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.model: ClusterModel | None = None
        self.context = Context()
        self.target: Target | None = None
        self.destination: str | None = None
        self.analysis: Analysis | None = None
        self.figures: dict[MetricsTarget, HopMetrics] = {}
        """The latest metrics for the hops on screen (kept across re-evaluations)."""
        self.checked: dict[Target, str] = {}
        """The destination last checked with ``e`` for each pod or workload."""
        self._stale_timer: Timer | None = None

    def compose(self):  # type: ignore[no-untyped-def]
        with ContentSwitcher(initial="view-message", id="analysis-switcher"):
            yield Static(
                Text("Select a namespace, route, Service, workload or policy.", style="dim"), id="view-message"
            )
            yield TraceView(id="view-trace")
            yield ServiceView(id="view-service")
            yield PolicyView(id="view-policy")
            yield FactsView(id="view-facts")
            yield EgressPane(id="view-egress")

    def on_mount(self) -> None:
        self.border_title = "Analysis"

    def show(self, target: Target, *, destination: str | None = None, focus: bool = False) -> None:
        """Analyse ``target`` (cancelling any analysis in flight)."""
        self.target = target
        if destination:
            self.checked[target] = destination
        self.destination = destination or self.checked.get(target)
        self.border_title = Text(clean_line(target.title()))
        self.border_subtitle = Text("…")
        if self.model is not None:
            self._compute(self.model, target, self.destination, focus)

    def refresh_analysis(self) -> None:
        """Recompute the current answer (after a change, or on demand)."""
        if self.target is not None and self.model is not None:
            self._compute(self.model, self.target, self.destination, False)

    def on_changes(self, summary: ChangeSummary) -> None:
        """Recompute, after a short quiet period, when the change touches what we read."""
        if self.target is None:
            return
        kinds, namespaces = dependencies(self.target)
        if summary.touches(kinds, namespaces):
            if self._stale_timer is not None:
                self._stale_timer.stop()
            self._stale_timer = self.set_timer(REEVALUATE_AFTER, self.refresh_analysis, name="re-evaluate")

    @work(thread=True, exclusive=True, group="analysis", exit_on_error=False)
    def _compute(self, model: ClusterModel, target: Target, destination: str | None, focus: bool) -> None:
        try:
            # Name resolution and a live TLS probe may block: never make quitting wait for them.
            result = interruptible(analyse, model, target, self.context, destination)
        except Abandoned:
            return
        except Exception as exc:  # an engine bug must show as a line, not a traceback
            result = Analysis(target, Unavailable(f"could not analyse {target.title()}: {exc}"))
        self.post_message(self.Ready(result, focus))

    @on(Ready)
    def _ready(self, message: Ready) -> None:
        analysis = message.analysis
        if analysis.target != self.target:
            return  # the user has moved on
        self.analysis = analysis
        self._show_answer(message.focus, home=True)
        self.post_message(self.MetricsWanted(self.metrics_targets()))

    def metrics_targets(self) -> tuple[MetricsTarget, ...]:
        """What the metrics feed should measure for the answer on screen."""
        main = self.analysis.main if self.analysis is not None else None
        if isinstance(main, Trace):
            return tuple(dict.fromkeys(h.target for h in main.hops if h.target is not None))
        if isinstance(main, EgressView) and main.checked is not None:
            return tuple(target for _, target, _ in egress_targets(main.checked))
        return ()

    def apply_figures(self, figures: dict[MetricsTarget, HopMetrics]) -> None:
        """New metrics arrived: show them (and the verdicts they justify) on the answer."""
        self.figures = figures
        if self.analysis is not None and isinstance(self.analysis.main, Trace | EgressView):
            self._show_answer(False, home=False)

    def _show_answer(self, focus: bool, *, home: bool) -> None:
        analysis = self.analysis
        assert analysis is not None
        switcher = self.query_one(ContentSwitcher)
        main = analysis.main
        if isinstance(main, Trace):
            main = apply_metrics(main, self.figures)
            switcher.current = "view-trace"
            self.query_one(TraceView).show(main, focus_failure=focus)
            self.border_subtitle = Text(main.verdict)
            self.set_status(VERDICT_STATUS[main.verdict])
        elif isinstance(main, ServiceAnswer):
            switcher.current = "view-service"
            self.query_one(ServiceView).show(main)
            self.border_subtitle = Text(main.summary)
            self.set_status(main.status)
        elif isinstance(main, EgressView):
            switcher.current = "view-egress"
            self.query_one(EgressPane).show(main, self._egress_evidence(main), home=home)
            checked = main.checked
            verdict = ("allowed" if checked.allowed else "denied") if checked is not None else ""
            self.border_subtitle = Text(verdict or ("DNS denied" if main.status == "fail" else "egress"))
            self.set_status(main.status if checked is not None or main.status == "fail" else "")
        elif isinstance(main, PolicyAnswer):
            switcher.current = "view-policy"
            self.query_one(PolicyView).show(main)
            self.border_subtitle = Text(f"{main.pod_count} pods")
            self.set_status("")
        else:
            switcher.current = "view-facts"
            self.query_one(FactsView).show(main, analysis.extra)
            status = getattr(main, "status", "") or next((getattr(e, "status", "") for e in analysis.extra), "")
            self.border_subtitle = Text(status)
            self.set_status(status)

    def _egress_evidence(self, view: EgressView) -> list[str]:
        """Measured drops next to the policy verdict, per destination address."""
        if view.checked is None or not self.figures:
            return []
        lines: list[str] = []
        for _, target, allowed in egress_targets(view.checked):
            lines += egress_evidence(allowed, self.figures.get(target)).lines
        return lines

    def set_status(self, status: str) -> None:
        """Tint the pane border by the answer's status."""
        for name in ("ok", "warn", "fail"):
            self.set_class(status == name, f"-{name}")

    @property
    def trace(self) -> Trace | None:
        """The trace shown (with its metrics), if the current answer is one."""
        main = self.analysis.main if self.analysis is not None else None
        return apply_metrics(main, self.figures) if isinstance(main, Trace) else None

    @property
    def is_traffic_source(self) -> bool:
        """Whether the selection is a pod or workload (egress and capture apply)."""
        return self.target is not None and self.target.kind in t.TRAFFIC_SOURCES
