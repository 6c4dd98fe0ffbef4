"""The main screen: header, navigator (or resource list), analysis, packets, footer.

It owns the feeds and routes their messages to the widgets (attributes down, messages
up); the keys of the product are its bindings, and each action is a few lines that open
a dialog or hand a target to a pane.
"""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import ContentSwitcher, Footer

from kubetraffic.adapters.dns import HostResolver, ResolveFlagError, parse_resolve_flags
from kubetraffic.adapters.source import ClusterSource
from kubetraffic.render.text import clean_line
from kubetraffic.ui import targets as t
from kubetraffic.ui.answers.analysis import Context
from kubetraffic.ui.answers.inventory import namespace_pod_counts
from kubetraffic.ui.answers.trace import route_health
from kubetraffic.ui.feeds import ClusterFeed, PacketFeed
from kubetraffic.ui.filtering import Filter
from kubetraffic.ui.model import ClusterModel
from kubetraffic.ui.screens.capture_actions import CaptureActions
from kubetraffic.ui.screens.help import HelpScreen, key_rows
from kubetraffic.ui.screens.metrics_actions import MetricsActions
from kubetraffic.ui.screens.navigation_actions import NavigationActions
from kubetraffic.ui.screens.object_actions import ObjectActions
from kubetraffic.ui.screens.prompt import PromptScreen
from kubetraffic.ui.settings import UiSettings
from kubetraffic.ui.targets import Target
from kubetraffic.ui.widgets.analysis import AnalysisPane
from kubetraffic.ui.widgets.filter_bar import FilterBar
from kubetraffic.ui.widgets.navigator import Navigator
from kubetraffic.ui.widgets.packet_pane import PacketPane
from kubetraffic.ui.widgets.resource_list import ResourceList
from kubetraffic.ui.widgets.status_header import StatusHeader


class MainScreen(NavigationActions, ObjectActions, CaptureActions, MetricsActions, Screen[None]):
    """Everything the user sees while following the cluster."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "trace_url", "Trace URL", tooltip="trace a URL you type, hop by hop"),
        Binding("e", "egress", "Egress", tooltip="egress check from the selected pod or workload to a destination"),
        Binding("c", "capture", "Capture", tooltip="capture the selected pod's packets (shows the plan, asks first)"),
        Binding("slash", "filter", "Filter", key_display="/", tooltip="filter: regex, !negate, -l label query"),
        Binding("colon", "jump", "Jump", key_display=":", tooltip="jump: :ing :svc :pod :netpol :deploy :ns :ctx"),
        Binding("y", "yaml", "YAML", tooltip="the selected object's YAML (never a Secret)"),
        Binding("x", "export", "Export", tooltip="export the trace / verdict JSON, the fix YAML or the pcap"),
        Binding("m", "metrics_window", "Window", tooltip="metrics window 5m / 1h / 6h"),
        Binding("r", "reevaluate", "Re-evaluate", show=False, tooltip="recompute the analysis now"),
        Binding("escape", "back", "Back", show=False, tooltip="back: clear the filter, leave the list"),
        Binding("question_mark", "help", "Help", key_display="?", tooltip="every key"),
    ]

    def __init__(self, source: ClusterSource, settings: UiSettings) -> None:
        super().__init__()
        self.source = source
        self.settings = settings
        self.model: ClusterModel | None = None
        self.filter = Filter()
        self._forbidden_told: set[str] = set()
        self._loaded_once = False
        self._progress_timer: Timer | None = None
        self._metrics_told = ""

    # ------------------------------------------------------------- layout
    def compose(self) -> ComposeResult:
        yield StatusHeader(id="header")
        with Horizontal(id="body"):
            with Vertical(id="left"):
                with ContentSwitcher(initial="navigator", id="left-switcher"):
                    yield Navigator(route_health=route_health, id="navigator")
                    yield ResourceList(id="resource-list")
                yield FilterBar(id="filter-bar")
            with Vertical(id="right"):
                yield AnalysisPane(id="analysis")
                yield PacketPane(id="packets")
        yield Footer()

    @property
    def header(self) -> StatusHeader:
        """The status header."""
        return self.query_one(StatusHeader)

    @property
    def navigator(self) -> Navigator:
        """The namespace navigator."""
        return self.query_one(Navigator)

    @property
    def resource_list(self) -> ResourceList:
        """The ``:kind`` list."""
        return self.query_one(ResourceList)

    @property
    def analysis(self) -> AnalysisPane:
        """The analysis pane."""
        return self.query_one(AnalysisPane)

    @property
    def packets(self) -> PacketPane:
        """The packet pane."""
        return self.query_one(PacketPane)

    @property
    def filter_bar(self) -> FilterBar:
        """The filter bar."""
        return self.query_one(FilterBar)

    @property
    def feed(self) -> ClusterFeed | None:
        """The cluster feed, once mounted."""
        found = self.query(ClusterFeed)
        return found.first() if found else None

    @property
    def showing_list(self) -> bool:
        """Whether the resource list (not the navigator) is on the left."""
        return self.query_one("#left-switcher", ContentSwitcher).current == "resource-list"

    def on_mount(self) -> None:
        self.mount(PacketFeed())
        self.filter_bar.display = False
        self.navigator.border_title = "Navigator"
        header = self.header
        header.window = self.settings.metrics_window
        header.at = self.settings.at or ""
        header.prometheus = ("unknown", "…")
        self.open_source(self.source)

    def open_source(self, source: ClusterSource) -> None:
        """Follow ``source`` (the first one, or another context's): replaces the feed."""
        old = self.feed
        if old is not None:
            old.stop()
            old.remove()
        self.source = source
        info = source.info
        header = self.header
        header.mode = info.mode
        header.context = info.context or (", ".join(info.paths) if info.mode == "snapshot" else info.mode)
        header.namespace = self.settings.namespace or info.namespace or ("all" if self.settings.all_namespaces else "")
        header.load_state = "loading cluster…"
        header.statuses = {}
        self.analysis.context = Context(probe=info.mode == "live")
        feed = ClusterFeed(source)
        self.mount(feed)
        if self._progress_timer is not None:
            self._progress_timer.stop()
        self._progress_timer = self.set_interval(0.25, lambda: self._show_progress(feed))

    def _show_progress(self, feed: ClusterFeed) -> None:
        """While the source opens, the header says how far it has got (a live sync takes seconds)."""
        if feed is not self.feed or feed.model is not None or self.header.load_state.startswith("cannot open"):
            if self._progress_timer is not None:
                self._progress_timer.stop()
                self._progress_timer = None
            return
        try:
            line = feed.source.progress()
        except Exception:  # a progress line is a nicety; the load goes on regardless
            return
        self.header.load_state = f"{line}…"

    def _resolver(self, source: ClusterSource) -> HostResolver:
        """--resolve overrides, then the source's table, then (live only) the system resolver."""
        try:
            overrides = parse_resolve_flags(getattr(self.settings.options, "resolve", ()) or ())
        except ResolveFlagError as exc:
            self.notify(clean_line(exc), title="Ignored --resolve", severity="warning", markup=False)
            overrides = {}
        table = getattr(source, "dns_table", None)
        return HostResolver(overrides, table, system=source.info.mode == "live")

    # ------------------------------------------------------------- feeds
    @on(ClusterFeed.Loaded)
    def _loaded(self, message: ClusterFeed.Loaded) -> None:
        self._loaded_once = True
        if self._progress_timer is not None:
            self._progress_timer.stop()
            self._progress_timer = None
        self.model = message.model
        self.analysis.model = message.model
        # The source's own name table (the demo's) is known once it is open.
        self.analysis.context = replace(self.analysis.context, resolver=self._resolver(self.source))
        self._open_metrics(message.model, self.source)
        self.header.load_state = ""
        with message.model.read() as state:
            counts = namespace_pod_counts(state)
            gaps = dict(state.gaps)
            default_ns = state.info.namespace
        focus = self.settings.namespace or default_ns or None
        self.navigator.show_cluster(message.model, counts, focus if focus in counts else None)
        self.navigator.focus()
        if self.settings.selector:
            self.filter_bar.open(f"-l {self.settings.selector}")
            self.navigator.focus()
        problems = message.report.problems
        if problems:
            first = clean_line(problems[0])
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            self.notify(f"{first}{more}", title="Some input could not be loaded", severity="warning", markup=False)
        for kind, reason in sorted(gaps.items()):
            self.notify(f"{kind}: {clean_line(reason)}", title="Not visible", severity="warning", markup=False)

    @on(Navigator.Trouble)
    def _trouble(self, message: Navigator.Trouble) -> None:
        """Open on trouble: the first failing namespace, unless the user has moved on already."""
        first = self.navigator.namespaces()[:1]
        opened = [Target(t.NAMESPACE, "", ns) for ns in first]
        if self.showing_list or self.analysis.target not in (None, *opened):
            return
        self.navigator.land(message.namespace)  # its cursor moves; the analysis follows as usual

    @on(ClusterFeed.LoadFailed)
    def _load_failed(self, message: ClusterFeed.LoadFailed) -> None:
        if not self._loaded_once:
            return  # the first source failed: the app leaves with its error and exit code
        message.stop()
        self.header.load_state = f"cannot open: {message.error}"
        self.notify(clean_line(message.error), title="Cannot open the cluster", severity="error", markup=False)

    @on(ClusterFeed.Changed)
    def _changed(self, message: ClusterFeed.Changed) -> None:
        summary = message.summary
        try:
            self.navigator.apply_changes(summary)
            if self.showing_list:
                self.resource_list.apply_changes(summary)
            self.analysis.on_changes(summary)
            for problem in summary.problems[:3]:
                self.notify(clean_line(problem), title="Ignored a malformed change", severity="warning", markup=False)
        finally:
            feed = self.feed
            if feed is not None:
                feed.acknowledge()

    @on(ClusterFeed.StatusChanged)
    def _status(self, message: ClusterFeed.StatusChanged) -> None:
        self.header.statuses = message.statuses
        for status in message.statuses.values():
            if status.state == "forbidden" and status.kind not in self._forbidden_told:
                self._forbidden_told.add(status.kind)
                detail = f": {status.detail}" if status.detail else ""
                self.notify(
                    clean_line(f"{status.kind} not visible{detail} — answers that depend on it may be incomplete"),
                    title="Forbidden",
                    severity="warning",
                    markup=False,
                )

    # --------------------------------------------------------- selection
    @on(Navigator.Selected)
    @on(ResourceList.Selected)
    def _selected(self, message: Navigator.Selected | ResourceList.Selected) -> None:
        target = message.target
        if isinstance(message, ResourceList.Selected) and message.chosen and target.kind == t.NAMESPACE:
            self._back_to_navigator()
            self.navigator.select_target(target)
            return
        if target.kind == t.GROUP and not message.chosen:
            pass
        self.analysis.show(target, focus=message.chosen and target.kind in t.ROUTE_KINDS)

    @property
    def selection(self) -> Target | None:
        """What the cursor is on (in the list or the navigator)."""
        return self.resource_list.current if self.showing_list else self.navigator.current

    # ------------------------------------------------------------ filter
    # ------------------------------------------------------------ trace / egress
    def action_trace_url(self) -> None:
        """``t`` — trace a URL typed by the user."""
        hosts: list[str] = []
        if self.model is not None:
            with self.model.read() as state:
                hosts = sorted(
                    {f"https://{r.host}/" for i in state.ingresses() for r in i.rules if r.host and "*" not in r.host}
                )[:500]
        self.app.push_screen(
            PromptScreen("Trace a URL", placeholder="https://shop.example.com/api/cart", suggestions=hosts),
            self._trace,
        )

    def _trace(self, url: str | None) -> None:
        if url:
            self._back_to_navigator() if self.showing_list else None
            self.analysis.show(Target(t.URL, name=url), focus=True)

    def action_egress(self) -> None:
        """``e`` — check a destination from the selected pod or workload."""
        target = self.selection
        if target is None or target.kind not in t.TRAFFIC_SOURCES:
            self.notify("select a pod or workload first (e checks its egress)", severity="warning")
            return
        resolver = self.analysis.context.resolver
        hosts = sorted(getattr(resolver, "table", {}) or {}) if resolver is not None else []
        suggestions = [*dict.fromkeys([*self.analysis.checked.values(), *(f"{h}:443" for h in hosts)])]
        self.app.push_screen(
            PromptScreen(
                f"Egress check from {target.title()}",
                placeholder="api.stripe.com:443 · 10.20.0.5:5432 · shop/api:8080 · kube-dns.kube-system:53/udp",
                value=self.analysis.checked.get(target, ""),
                suggestions=suggestions,
            ),
            lambda dest: self.analysis.show(target, destination=dest) if dest else None,
        )

    def action_reevaluate(self) -> None:
        """``r`` — recompute the analysis now."""
        self.analysis.refresh_analysis()

    # ------------------------------------------------------------ capture
    # ------------------------------------------------------------ yaml / export
    # ------------------------------------------------------------ misc
    def action_help(self) -> None:
        """``?`` — every key."""
        rows = key_rows(self.BINDINGS) + key_rows(self.app.BINDINGS)
        rows += [(f"{keys} (packets)", what) for keys, what in key_rows(PacketPane.BINDINGS)]
        self.app.push_screen(HelpScreen(rows))
