"""The main screen's object actions: ``y`` the YAML of the selection, ``x`` export.

A part of ``MainScreen`` (a mixin).
"""

from __future__ import annotations

from typing import Any

from textual import work

from kubetraffic.adapters.source import raw_object
from kubetraffic.render.output import to_yaml
from kubetraffic.render.text import clean_line
from kubetraffic.ui import targets as t
from kubetraffic.ui.answers import exports
from kubetraffic.ui.feeds import Abandoned, PacketFeed, interruptible
from kubetraffic.ui.model import ClusterModel
from kubetraffic.ui.screens.choose import ChooseScreen
from kubetraffic.ui.screens.messages import TextReady
from kubetraffic.ui.screens.yaml_view import TextScreen
from kubetraffic.ui.targets import Target


class ObjectActions:
    """YAML and export for the main screen."""

    model: ClusterModel | None
    source: Any
    settings: Any
    selection: Target | None
    analysis: Any
    app: Any
    notify: Any
    query_one: Any
    _exports: dict[str, exports.Export]

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
            self.notify(clean_line(f"cannot read {kind} {target.name}: {exc}"), severity="error", markup=False)
            return
        if obj is None:
            self.notify(
                clean_line(f"{kind} {target.namespace}/{target.name} not found in the source"),
                severity="warning",
                markup=False,
            )
            return
        text = to_yaml(obj)
        title = f"{kind} {target.namespace + '/' if target.namespace else ''}{target.name}"
        self.post_message(TextReady(clean_line(title), text))

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
            self.notify(clean_line(f"cannot write {path}: {exc.strerror or exc}"), severity="error", markup=False)
            return
        self.notify(clean_line(f"wrote {written}"), title="Exported", markup=False)

    def on_text_ready(self, message: TextReady) -> None:
        """Show a YAML or a dissection the workers prepared."""
        self.app.push_screen(TextScreen(message.title, message.text))
