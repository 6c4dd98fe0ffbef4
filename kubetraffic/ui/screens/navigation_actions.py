"""The main screen's ways around: ``/`` filter, ``:`` jump to a list, ``esc`` back, ``:ctx``.

A part of ``MainScreen`` (a mixin: its message handlers follow Textual's naming convention).
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import work
from textual.widgets import ContentSwitcher

from kubetraffic.adapters.choose import kube_contexts, source_for_context
from kubetraffic.adapters.source import SourceError
from kubetraffic.render.text import clean_line
from kubetraffic.ui.answers.listing import ALIASES
from kubetraffic.ui.feeds import Abandoned, interruptible
from kubetraffic.ui.filtering import Filter, filter_cluster
from kubetraffic.ui.model import ClusterModel
from kubetraffic.ui.screens.choose import ChooseScreen
from kubetraffic.ui.screens.messages import ContextOpened, ContextsListed, FilterComputed
from kubetraffic.ui.screens.prompt import PromptScreen
from kubetraffic.ui.widgets.filter_bar import FilterBar


class NavigationActions:
    """Filtering, resource lists, going back and switching context for the main screen."""

    model: ClusterModel | None
    filter: Filter
    source: Any
    settings: Any
    navigator: Any
    resource_list: Any
    filter_bar: Any
    analysis: Any
    showing_list: bool
    app: Any
    notify: Any
    query_one: Any

    def action_filter(self) -> None:
        """Open the filter bar."""
        self.filter_bar.open()

    def on_filter_bar_changed(self, message: FilterBar.Changed) -> None:
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
        self.post_message(FilterComputed(result))

    def on_filter_computed(self, message: FilterComputed) -> None:
        result = message.result
        if result.filter != self.filter:
            return  # superseded by newer typing
        self.navigator.apply_filter(result)
        if not result.filter.empty:
            shown = len(self.navigator.namespaces())
            self.navigator.border_subtitle = Text(f"{result.filter.describe()} · {shown} namespaces")
        else:
            self.navigator.border_subtitle = None

    def on_filter_bar_closed(self, message: FilterBar.Closed) -> None:
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
            names, current = interruptible(kube_contexts, self.settings.options)
        except Abandoned:
            return
        except SourceError as exc:
            self.notify(clean_line(str(exc)), severity="error", markup=False)
            return
        self.post_message(ContextsListed(names, current))

    def on_contexts_listed(self, message: ContextsListed) -> None:
        screen = ChooseScreen("Switch context", [(n, n) for n in message.names], current=message.current)
        self.app.push_screen(screen, lambda c: self._switch(c[0]) if c else None)

    @work(thread=True, exclusive=True, group="contexts", exit_on_error=False)
    def _switch(self, name: str) -> None:
        try:
            source = interruptible(source_for_context, self.settings.options, name)
        except Abandoned:
            return
        except SourceError as exc:
            self.notify(clean_line(f"cannot switch to {name}: {exc}"), severity="error", markup=False)
            return
        self.post_message(ContextOpened(source))

    def on_context_opened(self, message: ContextOpened) -> None:
        source = message.source
        self.model = None
        self.analysis.model = None
        self.open_source(source)
        self.notify(clean_line(f"switched to context {source.info.context}"), markup=False)
