"""The main screen: header, navigator (or resource list), analysis, packets, footer.

It owns the feeds and routes their messages to the widgets (attributes down, messages
up); the keys of the product are its bindings, and each action is a few lines that open
a dialog or hand a target to a pane.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import ClassVar

from rich.console import Group
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Footer

from kubetraffic.adapters.capture.base import CaptureError
from kubetraffic.adapters.dns import HostResolver, ResolveFlagError, parse_resolve_flags
from kubetraffic.adapters.metrics import MetricsStatus, NoMetrics, TimeSpecError, parse_at, parse_window, rfc3339
from kubetraffic.adapters.metrics_feed import Opened, open_metrics_source
from kubetraffic.adapters.source import ClusterSource, SourceError, raw_object
from kubetraffic.core.capture import RingPacket
from kubetraffic.render.output import to_yaml
from kubetraffic.render.text import clean_line, data
from kubetraffic.ui import sources
from kubetraffic.ui import targets as t
from kubetraffic.ui.answers import exports
from kubetraffic.ui.answers.analysis import Context
from kubetraffic.ui.answers.capture import CapturePlan, LockedNamer, packet_row, plan_capture
from kubetraffic.ui.answers.inventory import namespace_pod_counts
from kubetraffic.ui.answers.listing import ALIASES
from kubetraffic.ui.answers.trace import route_health
from kubetraffic.ui.feeds import Abandoned, ClusterFeed, MetricsFeed, PacketFeed, interruptible
from kubetraffic.ui.filtering import Filter, FilterResult, filter_cluster
from kubetraffic.ui.model import ClusterModel
from kubetraffic.ui.screens.choose import ChooseScreen
from kubetraffic.ui.screens.confirm import ConfirmScreen
from kubetraffic.ui.screens.help import HelpScreen, key_rows
from kubetraffic.ui.screens.prompt import PromptScreen
from kubetraffic.ui.screens.yaml_view import TextScreen
from kubetraffic.ui.settings import METRICS_WINDOWS, UiSettings
from kubetraffic.ui.targets import Target
from kubetraffic.ui.widgets.analysis import AnalysisPane
from kubetraffic.ui.widgets.filter_bar import FilterBar
from kubetraffic.ui.widgets.navigator import Navigator
from kubetraffic.ui.widgets.packet_pane import PacketPane
from kubetraffic.ui.widgets.resource_list import ResourceList
from kubetraffic.ui.widgets.status_header import StatusHeader


class MainScreen(Screen[None]):
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
        self.mount(ClusterFeed(source))

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
            self.app.call_from_thread(
                self.notify, clean_line(f"--at/--window ignored: {exc}"), severity="warning", markup=False
            )
            at, window = None, "5m"
        try:
            with model.read() as state:
                opened = open_metrics_source(
                    settings.prometheus, insecure=settings.prometheus_insecure, state=state, cluster_source=source
                )
        except Exception as exc:  # a bad URL or setting: one line, and no metrics
            opened = Opened(NoMetrics(f"cannot use --prometheus: {exc}"))
        self.app.call_from_thread(self._metrics_opened, opened, at, window)

    def _metrics_opened(self, opened: Opened, at: datetime | None, window: str) -> None:
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
        feed.watch(self.analysis.metrics_targets())

    def _show_metrics_status(self, status: MetricsStatus) -> None:
        words = {"ok": "ok", "down": "down", "not-configured": "none", "unknown": "ready"}[status.state]
        glyph = {"ok": "ok", "down": "fail", "not-configured": "", "unknown": "unknown"}[status.state]
        self.header.prometheus = (glyph, words)
        self.header.prometheus_name = "Prometheus" if status.name == "Prometheus" else status.name
        if status.state == "down" and status.line() != self._metrics_told:
            self._metrics_told = status.line()
            self.notify(clean_line(status.line()), title="Metrics", severity="warning", markup=False)

    @on(AnalysisPane.MetricsWanted)
    def _metrics_wanted(self, message: AnalysisPane.MetricsWanted) -> None:
        feed = self._metrics_feed()
        if feed is not None:
            feed.watch(message.targets)

    @on(MetricsFeed.Updated)
    def _metrics_updated(self, message: MetricsFeed.Updated) -> None:
        self._show_metrics_status(message.status)
        self.analysis.apply_figures(message.figures)

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
    def action_filter(self) -> None:
        """Open the filter bar."""
        self.filter_bar.open()

    @on(FilterBar.Changed)
    def _filter_changed(self, message: FilterBar.Changed) -> None:
        self.filter = message.filter
        if self.model is None:
            return
        if self.showing_list:
            rl = self.resource_list
            self.resource_list.open(self.model, rl.listing, rl.namespace, self.filter)
        else:
            self._filter_tree(self.model, self.filter)

    @work(thread=True, exclusive=True, group="filter", exit_on_error=False)
    def _filter_tree(self, model: ClusterModel, flt: Filter) -> None:
        with model.read() as state:
            result = filter_cluster(state, flt)
        self.app.call_from_thread(self._apply_filter, result)

    def _apply_filter(self, result: FilterResult) -> None:
        if result.filter != self.filter:
            return  # superseded by newer typing
        self.navigator.apply_filter(result)
        if not result.filter.empty:
            shown = len(self.navigator.namespaces())
            self.navigator.border_subtitle = Text(f"{result.filter.describe()} · {shown} namespaces")
        else:
            self.navigator.border_subtitle = None

    @on(FilterBar.Closed)
    def _filter_closed(self, message: FilterBar.Closed) -> None:
        (self.resource_list.table if self.showing_list else self.navigator).focus()

    # -------------------------------------------------------------- jump
    def action_jump(self) -> None:
        """``:`` — list a kind (``:pod``, ``:svc NAMESPACE``), ``:ns``, or ``:ctx``."""
        suggestions = sorted({*ALIASES, "ctx"})
        self.app.push_screen(
            PromptScreen(
                ":",
                placeholder="ing · svc · pod · netpol · ns · deploy · gw · httproute · ctx",
                suggestions=suggestions,
            ),
            self._jump,
        )

    def _jump(self, answer: str | None) -> None:
        if not answer:
            return
        word, _, rest = answer.lstrip(":").strip().partition(" ")
        word = word.lower()
        if word in ("ctx", "context", "contexts"):
            self.action_switch_context(rest.strip() or None)
            return
        name = ALIASES.get(word)
        if name is None:
            self.notify(
                f"unknown resource {clean_line(word)!r}; try :ing :svc :pod :netpol :ns :ctx",
                severity="warning",
                markup=False,
            )
            return
        self.open_list(name, rest.strip() or None)

    def open_list(self, name: str, namespace: str | None = None) -> None:
        """Show the resource list ``name`` (a key of LISTINGS) on the left."""
        if self.model is None:
            self.notify("the cluster is still loading", severity="warning")
            return
        self.query_one("#left-switcher", ContentSwitcher).current = "resource-list"
        self.query_one("#left").add_class("-wide")
        self.resource_list.open(self.model, name, namespace, self.filter)
        self.resource_list.table.focus()

    def _back_to_navigator(self) -> None:
        self.query_one("#left-switcher", ContentSwitcher).current = "navigator"
        self.query_one("#left").remove_class("-wide")
        if not self.filter.empty and self.model is not None:
            self._filter_tree(self.model, self.filter)
        self.navigator.focus()

    def action_back(self) -> None:
        """Escape: close the filter, leave the list, or return focus to the navigator."""
        if self.filter_bar.display:
            self.filter_bar.action_clear()
        elif self.showing_list:
            self._back_to_navigator()
        elif not self.navigator.has_focus:
            self.navigator.focus()

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
    def action_capture(self) -> None:
        """``c`` — capture on the selected pod: plan it, show the plan, ask, then start."""
        target = self.selection
        if target is None or target.kind != t.POD:
            self.notify("select a pod first (c captures its traffic)", severity="warning")
            return
        if self.model is None:
            return
        feed = self.query_one(PacketFeed)
        if feed.running:
            self.notify("a capture is running: stop it first (s in the packet pane)", severity="warning")
            return
        self._plan_capture(self.model, target)

    @work(thread=True, exclusive=True, group="capture-plan", exit_on_error=False)
    def _plan_capture(self, model: ClusterModel, target: Target) -> None:
        try:
            plan = interruptible(plan_capture, model, self.source, self.settings.options, target)
        except Abandoned:
            return
        except CaptureError as exc:
            self.app.call_from_thread(
                self.notify, clean_line(exc), title="Cannot capture", severity="warning", markup=False
            )
            return
        except Exception as exc:  # the kubernetes client fails in many ways; one line
            message = clean_line(f"cannot plan a capture on {target.namespace}/{target.name}: {exc}")
            self.app.call_from_thread(self.notify, message, title="Cannot capture", severity="error", markup=False)
            return
        self.app.call_from_thread(self._confirm_capture, plan)

    def _confirm_capture(self, plan: CapturePlan) -> None:
        body = Group(*(data(line) for line in plan.lines))
        label = "Create and capture" if plan.confirm else "Capture"
        self.app.push_screen(
            ConfirmScreen(f"Capture packets of {plan.pod}?", body, confirm_label=label),
            lambda yes: self._start_capture(plan) if yes else self._capture_cancelled(plan),
        )

    def _capture_cancelled(self, plan: CapturePlan) -> None:
        self.notify(clean_line(f"capture of {plan.pod} cancelled: nothing was created"), markup=False)

    def _start_capture(self, plan: CapturePlan) -> None:
        if self.model is None:
            return
        self.packets.begin(plan.pod)
        self.header.capture = ("ok", f"running on {plan.pod}")
        self.query_one(PacketFeed).start(plan, LockedNamer(self.model))

    @on(PacketFeed.Snapshot)
    def _packets_snapshot(self, message: PacketFeed.Snapshot) -> None:
        self.packets.show_snapshot(message)
        self.analysis.context = replace(self.analysis.context, wire=message.summary)
        if message.done:
            self.header.capture = ("", f"done ({message.summary.packets} packets)")
            if self.analysis.is_traffic_source:
                self.analysis.refresh_analysis()

    @on(PacketFeed.Failed)
    def _packets_failed(self, message: PacketFeed.Failed) -> None:
        self.packets.failed(message.error)
        self.header.capture = ("fail", "failed")
        self.notify(clean_line(message.error), title=f"Capture of {message.pod}", severity="error", markup=False)

    @on(PacketPane.StopRequested)
    def _stop_capture(self) -> None:
        self.query_one(PacketFeed).stop()

    @on(PacketPane.OpenPacket)
    def _open_packet(self, message: PacketPane.OpenPacket) -> None:
        self._dissect(message.packet)

    @work(thread=True, exclusive=True, group="dissect", exit_on_error=False)
    def _dissect(self, packet: RingPacket) -> None:
        from kubetraffic.adapters.capture.dissect import dissect_ring_packet

        try:
            lines = interruptible(dissect_ring_packet, packet)
        except Abandoned:
            return
        except Exception as exc:  # scapy may not know the frame: say so
            lines = [f"cannot dissect this packet: {exc}"]
        title = " ".join(packet_row(packet)[1:4])
        self.app.call_from_thread(self.app.push_screen, TextScreen(clean_line(f"Packet {title}"), "\n".join(lines)))

    # ------------------------------------------------------------ yaml / export
    def action_yaml(self) -> None:
        """``y`` — the YAML of the selected object (Secrets are never shown)."""
        target = self.selection
        kind = target.object_kind if target is not None else None
        if target is None or kind is None:
            self.notify("select an object first (y shows its YAML)", severity="warning")
            return
        if self.model is not None and target.kind == t.POD:
            with self.model.read() as state:
                pod = state.pod(target.namespace, target.name)
            if pod is not None and pod.template_of is not None:
                kind, target = (
                    pod.template_of[0],
                    Target(t.WORKLOAD, target.namespace, pod.template_of[1], detail=pod.template_of[0]),
                )
        self._fetch_yaml(kind, target)

    @work(thread=True, exclusive=True, group="yaml", exit_on_error=False)
    def _fetch_yaml(self, kind: str, target: Target) -> None:
        try:
            obj = interruptible(raw_object, self.source, kind, target.key)
        except Abandoned:
            return
        except Exception as exc:
            self.app.call_from_thread(
                self.notify, clean_line(f"cannot read {kind} {target.name}: {exc}"), severity="error", markup=False
            )
            return
        if obj is None:
            self.app.call_from_thread(
                self.notify,
                clean_line(f"{kind} {target.namespace}/{target.name} not found in the source"),
                severity="warning",
                markup=False,
            )
            return
        text = to_yaml(obj)
        title = f"{kind} {target.namespace + '/' if target.namespace else ''}{target.name}"
        self.app.call_from_thread(self.app.push_screen, TextScreen(clean_line(title), text))

    def action_export(self) -> None:
        """``x`` — write the trace / verdict JSON, fix YAML or pcap to a file."""
        feed = self.query_one(PacketFeed)
        options = exports.available(self.analysis.analysis, pcap=feed.pcap if feed.plan is not None else None)
        if not options:
            self.notify(
                "nothing to export here: open a trace, an egress verdict or a capture first", severity="warning"
            )
            return
        self._exports = {e.id: e for e in options}
        first = options[0]
        self.app.push_screen(
            ChooseScreen(
                "Export", [(e.id, e.label) for e in options], path=f"{self.settings.export_dir}/{first.filename}"
            ),
            self._export_chosen,
        )

    def _export_chosen(self, choice: tuple[str, str] | None) -> None:
        if choice is None:
            return
        export = self._exports.get(choice[0])
        if export is not None:
            self._write_export(export, choice[1] or export.filename)

    @work(thread=True, group="export", exit_on_error=False)
    def _write_export(self, export: exports.Export, path: str) -> None:
        try:
            written = exports.write_export(export, path)
        except OSError as exc:
            self.app.call_from_thread(
                self.notify, clean_line(f"cannot write {path}: {exc.strerror or exc}"), severity="error", markup=False
            )
            return
        self.app.call_from_thread(self.notify, clean_line(f"wrote {written}"), title="Exported", markup=False)

    # ------------------------------------------------------------ misc
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

    def action_help(self) -> None:
        """``?`` — every key."""
        rows = key_rows(self.BINDINGS) + key_rows(self.app.BINDINGS)
        rows += [(f"{keys} (packets)", what) for keys, what in key_rows(PacketPane.BINDINGS)]
        self.app.push_screen(HelpScreen(rows))

    def action_switch_context(self, name: str | None = None) -> None:
        """``:ctx`` — follow another kubeconfig context (live clusters only)."""
        if self.source.info.mode != "live":
            self.notify(
                f"context switching needs a live cluster; this is the {self.source.info.mode}", severity="warning"
            )
            return
        if name:
            self._switch(name)
            return
        self._list_contexts()

    @work(thread=True, exclusive=True, group="contexts", exit_on_error=False)
    def _list_contexts(self) -> None:
        try:
            names, current = interruptible(sources.contexts, self.settings.options)
        except Abandoned:
            return
        except SourceError as exc:
            self.app.call_from_thread(self.notify, clean_line(str(exc)), severity="error", markup=False)
            return
        screen = ChooseScreen("Switch context", [(n, n) for n in names], current=current)
        self.app.call_from_thread(self.app.push_screen, screen, lambda c: self._switch(c[0]) if c else None)

    @work(thread=True, exclusive=True, group="contexts", exit_on_error=False)
    def _switch(self, name: str) -> None:
        try:
            source = interruptible(sources.source_for_context, self.settings.options, name)
        except Abandoned:
            return
        except SourceError as exc:
            self.app.call_from_thread(
                self.notify, clean_line(f"cannot switch to {name}: {exc}"), severity="error", markup=False
            )
            return
        self.app.call_from_thread(self._switched, source)

    def _switched(self, source: ClusterSource) -> None:
        self.model = None
        self.analysis.model = None
        self.open_source(source)
        self.notify(clean_line(f"switched to context {source.info.context}"), markup=False)
