"""The Textual application: it wires the source into the main screen and routes app-wide
commands (quit, palette, load failures). Everything else lives in screens and widgets.

``run(opts)`` is what ``kubetraffic`` with no command calls.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from kubetraffic.adapters.choose import open_source
from kubetraffic.adapters.source import ClusterSource, SourceError
from kubetraffic.render.text import clean_line
from kubetraffic.ui.answers.listing import LISTINGS
from kubetraffic.ui.feeds import ClusterFeed
from kubetraffic.ui.screens.main import MainScreen
from kubetraffic.ui.settings import UiSettings


class KubetrafficApp(App[int]):
    """One screen that follows traffic through the cluster; the source is injected."""

    CSS_PATH = "app.tcss"
    TITLE = "kubetraffic"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", tooltip="quit at once (watches are closed in the background)"),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True, tooltip="quit, from anywhere"),
    ]

    def __init__(self, source: ClusterSource, settings: UiSettings | None = None) -> None:
        super().__init__()
        self.source = source
        self.settings = settings or UiSettings()
        self.failure: str | None = None

    def on_mount(self) -> None:
        self.push_screen(MainScreen(self.source, self.settings))

    @property
    def main(self) -> MainScreen:
        """The main screen (under any dialog)."""
        return next(s for s in self.screen_stack if isinstance(s, MainScreen))

    def on_cluster_feed_load_failed(self, message: ClusterFeed.LoadFailed) -> None:
        """The first source cannot be opened: leave with its message and exit code."""
        self.failure = message.error
        self.exit(return_code=message.exit_code)

    async def action_quit(self) -> None:
        """Quit at once: sources are closed in the background, never waited for."""
        for feed in self.query(ClusterFeed):
            feed.stop()
        for screen in self.screen_stack:
            for feed in screen.query(ClusterFeed):
                feed.stop()
        self.exit(return_code=0)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Every action of the product in the command palette (Ctrl+P)."""
        main = self.main
        yield SystemCommand("Trace a URL", "t — follow a request hop by hop", main.action_trace_url)
        yield SystemCommand("Egress check", "e — can the selected pod reach a destination?", main.action_egress)
        yield SystemCommand(
            "Capture packets", "c — sample the selected pod's traffic (asks first)", main.action_capture
        )
        yield SystemCommand("Filter", "/ — regex, !negate, -l labels", main.action_filter)
        yield SystemCommand("Jump to a resource list", ": — ing, svc, pod, netpol, ns, ctx", main.action_jump)
        for name, listing in LISTINGS.items():
            yield SystemCommand(f"List {listing.title}", f":{name}", lambda name=name: main.open_list(name))
        yield SystemCommand("Show YAML", "y — the selected object's YAML (never Secrets)", main.action_yaml)
        yield SystemCommand("Export", "x — trace / verdict JSON, fix YAML, pcap", main.action_export)
        yield SystemCommand("Metrics window", "m — 5m / 1h / 6h", main.action_metrics_window)
        yield SystemCommand("Re-evaluate", "r — recompute the analysis now", main.action_reevaluate)
        yield SystemCommand("Switch context", ":ctx — another kubeconfig context (live)", main.action_switch_context)
        yield SystemCommand("Keys", "? — every key", main.action_help)
        yield SystemCommand("Quit", "q", self.action_quit)
        yield from super().get_system_commands(screen)


def run(opts: Any) -> int:
    """Open the TUI for the global flags ``opts``; returns the process exit code."""
    settings = UiSettings.from_options(opts)
    try:
        source = open_source(opts)
    except SourceError as exc:
        sys.stderr.write(f"kubetraffic: {clean_line(exc)}\n")
        return exc.exit_code
    app = KubetrafficApp(source, settings)
    app.run()  # the feeds close their sources in the background on the way out
    if app.failure:
        sys.stderr.write(f"kubetraffic: {clean_line(app.failure)}\n")
    return app.return_code or 0
