"""The navigator: namespaces → groups → objects, in one virtualised Tree.

A namespace's children are computed in a worker when it is first expanded; afterwards
only namespaces touched by a change are recomputed, and only rows whose text changed
are relabelled (they flash briefly). Health of collapsed namespaces is filled in by a
background scan so a broken route is red at a glance without expanding anything.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from rich.text import Text
from textual import on, work
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Tree
from textual.widgets.tree import TreeNode
from textual.worker import get_current_worker

from kubetraffic.ui import targets as t
from kubetraffic.ui.answers.inventory import NamespaceRows, NavRow, RouteHealth, namespace_rows
from kubetraffic.ui.filtering import FilterResult
from kubetraffic.ui.model import ChangeSummary, ClusterModel
from kubetraffic.ui.targets import Target
from kubetraffic.ui.widgets.nav_tree import NavTree, row_label

SCAN_CHUNK = 25
"""Namespaces per health-scan message."""
OPEN_REFRESH = 0.3
"""Seconds between recomputations of expanded namespaces touched by changes."""
HEALTH_REFRESH = 2.0
"""Seconds between health rescans of collapsed namespaces touched by changes."""
HEALTH_BATCH = 40
"""Collapsed namespaces rescanned per refresh; the rest wait for the next one."""
AUTO_EXPAND = 8
"""A filter matching at most this many namespaces expands them."""


class Navigator(NavTree):
    """Namespaces and their objects; posts ``Navigator.Selected`` as the cursor moves."""

    class Selected(Message):
        """The user moved to (or chose) something."""

        def __init__(self, target: Target, *, chosen: bool = False) -> None:
            super().__init__()
            self.target, self.chosen = target, chosen

    class Trouble(Message):
        """The health scan found the first failing namespace while the cursor was untouched."""

        def __init__(self, namespace: str) -> None:
            super().__init__()
            self.namespace = namespace

    class _Rows(Message):
        """Rows of some namespaces were computed (internal: worker to widget)."""

        def __init__(self, rows: list[NamespaceRows], generation: int) -> None:
            super().__init__()
            self.rows, self.generation = rows, generation

    def __init__(self, route_health: RouteHealth | None = None, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.route_health = route_health
        self.model: ClusterModel | None = None
        self.filter: FilterResult | None = None
        self._ns_nodes: dict[str, TreeNode[NavRow]] = {}
        self._ns_rows: dict[str, NavRow] = {}
        self._loaded: dict[str, NamespaceRows] = {}
        self._health: dict[str, NamespaceRows] = {}
        self._pods: dict[str, int] = {}
        self._dirty: set[str] = set()
        self._dirty_health: set[str] = set()
        self._generation = 0
        self._refresh_timer: Timer | None = None
        self._health_timer: Timer | None = None
        self._select_timer: Timer | None = None
        self._landing: TreeNode[NavRow] | None = None
        """The row the cursor was put on at load; while it stays there untouched, the first
        failing namespace the health scan finds may take the cursor (``Trouble``, ``land``)."""

    # ----------------------------------------------------------------- loading
    def show_cluster(self, model: ClusterModel, pod_counts: dict[str, int], focus_namespace: str | None) -> None:
        """Show a (new) cluster: one row per namespace; children come on expansion."""
        self._generation += 1
        self.model = model
        self._pods = dict(pod_counts)
        self._loaded.clear()
        self._health.clear()
        self._ns_nodes.clear()
        self._ns_rows.clear()
        self.flasher.clear()
        self.clear()
        self._sync_namespaces(sorted(pod_counts))
        self._landing = None
        self._landed_on: TreeNode[NavRow] | None = None
        if focus_namespace and focus_namespace in self._ns_nodes:
            node = self._ns_nodes[focus_namespace]
            node.expand()
            self.move_to(node)
        elif self._ns_nodes:
            first = self._landing = next(iter(self._ns_nodes.values()))
            # Placed after the first refresh; by then trouble found meanwhile may have moved it.
            self.move_to(first, lambda: self._landed_on or first)
        # Health comes after the first frame: the namespaces are on screen before any scan.
        self.call_after_refresh(self._scan, sorted(pod_counts))

    def namespaces(self) -> list[str]:
        """Namespaces with a row (after filtering)."""
        return list(self._ns_nodes)

    def namespace_rows(self, namespace: str) -> NamespaceRows | None:
        """The last computed rows of a namespace (loaded or scanned)."""
        return self._loaded.get(namespace) or self._health.get(namespace)

    def _sync_namespaces(self, names: Iterable[str]) -> None:
        wanted = [n for n in names if self.filter is None or self.filter.shows_namespace(n)]
        for gone in set(self._ns_nodes) - set(wanted):
            self._ns_nodes.pop(gone).remove()
            self._ns_rows.pop(gone, None)
        for index, ns in enumerate(wanted):
            row = self._namespace_row(ns)
            node = self._ns_nodes.get(ns)
            if node is None:
                before = index if index < len(self.root.children) else None
                node = self.root.add(row_label(row), row, before=before, allow_expand=True)
                self._ns_nodes[ns] = node
                self._ns_rows[ns] = row
            elif _differs(node.data, row):
                self._relabel(node, row, flash=False)

    def _namespace_row(self, ns: str) -> NavRow:
        rows = self._loaded.get(ns) or self._health.get(ns)
        status = rows.status if rows is not None else ""
        return NavRow(Target(t.NAMESPACE, "", ns), ns, f"{self._pods.get(ns, 0)} pods", status)

    @on(Tree.NodeExpanded)
    def _expanded(self, event: Tree.NodeExpanded[NavRow]) -> None:
        row = event.node.data
        if row is None or row.target.kind != t.NAMESPACE:
            return
        ns = row.target.name
        if ns in self._loaded:
            self._fill(ns)
        else:
            if not event.node.children:
                event.node.add_leaf(Text("  loading…", style="dim"), NavRow(Target("Loading", ns), "loading…"))
            self._compute([ns], self._generation)

    @work(thread=True, group="navigator", exit_on_error=False)
    def _compute(self, namespaces: list[str], generation: int) -> None:
        model = self.model
        if model is None:
            return
        out = []
        for ns in namespaces:
            with model.read() as state:
                out.append(namespace_rows(state, ns, self.route_health))
        self.post_message(self._Rows(out, generation))

    @work(thread=True, group="health", exit_on_error=False)
    def _scan(self, namespaces: list[str]) -> None:
        """Health of namespaces, a chunk at a time, for the collapsed rows' colours."""
        worker = get_current_worker()
        model, generation = self.model, self._generation
        if model is None:
            return
        for start in range(0, len(namespaces), SCAN_CHUNK):
            chunk = []
            for ns in namespaces[start : start + SCAN_CHUNK]:
                if worker.is_cancelled or generation != self._generation:
                    return  # quitting, or another cluster is shown now
                began = time.perf_counter()
                with model.read() as state:
                    chunk.append(namespace_rows(state, ns, self.route_health))
                # A background scan takes at most half a core: the screen stays responsive.
                time.sleep(max(0.001, time.perf_counter() - began))
            self.post_message(self._Rows(chunk, generation))

    @on(_Rows)
    def _rows_ready(self, message: _Rows) -> None:
        if message.generation != self._generation:
            return  # computed for a cluster no longer shown
        for rows in message.rows:
            ns = rows.namespace
            self._health[ns] = rows
            node = self._ns_nodes.get(ns)
            if node is None:
                continue
            if node.is_expanded or ns in self._loaded:
                self._loaded[ns] = rows
                self._fill(ns)
            new = self._namespace_row(ns)
            if _differs(node.data, new):
                self._relabel(node, new, flash=False)
            if rows.status == "fail" and self._landing is not None:
                self.post_message(self.Trouble(ns))  # the first failing namespace, once

    def land(self, namespace: str) -> bool:
        """Move to ``namespace`` if nobody has moved the cursor since the cluster was shown."""
        landing, self._landing = self._landing, None
        node = self._ns_nodes.get(namespace)
        if landing is None or node is None or node is landing:
            return False  # touched, gone, or already there
        if self.cursor_node not in (landing, None) or landing.is_expanded:
            return False
        if self._select_timer is not None:
            self._select_timer.stop()  # the first row's pending selection is moot now
        self._landed_on = node  # the first placement, if still to come, lands here too
        self.move_to(node)
        return True

    def on_key(self) -> None:
        self._landing = None  # the user is navigating: the cursor is theirs now

    def on_click(self) -> None:
        self._landing = None

    def _fill(self, ns: str) -> None:
        node = self._ns_nodes.get(ns)
        rows = self._loaded.get(ns)
        if node is None or rows is None:
            return
        flash = (
            bool(node.children) and node.children[0].data is not None and node.children[0].data.target.kind != "Loading"
        )
        self._sync_children(node, rows.groups, flash=flash)
        if self._auto_expand:
            for group in node.children:
                group.expand()

    def _sync_children(self, parent: TreeNode[NavRow], rows: list[NavRow], *, flash: bool) -> None:
        """Make ``parent``'s children equal ``rows``, touching only what differs."""
        filt = self.filter
        wanted = [r for r in rows if filt is None or r.target.kind == t.GROUP or _passes(filt, r)]
        if filt is not None:
            wanted = [r for r in wanted if r.target.kind != t.GROUP or any(_passes(filt, c) for c in r.children)]
        existing = {child.data.target: child for child in parent.children if child.data is not None}
        for index, row in enumerate(wanted):
            node = existing.pop(row.target, None)
            if node is None:
                before = index if index < len(parent.children) else None
                node = parent.add(row_label(row), row, before=before, allow_expand=bool(row.children))
                if flash:
                    self.flasher.flash(node.id)
            elif _differs(node.data, row):
                self._relabel(node, row, flash=flash)
            else:
                node.data = row
            node.allow_expand = bool(row.children)
            if row.children or node.children:
                self._sync_children(node, row.children, flash=flash)
        for leftover in existing.values():
            leftover.remove()

    def _relabel(self, node: TreeNode[NavRow], row: NavRow, *, flash: bool) -> None:
        node.data = row
        node.set_label(row_label(row))
        if flash:
            self.flasher.flash(node.id)

    # ---------------------------------------------------------------- changes
    def apply_changes(self, summary: ChangeSummary) -> None:
        """Follow a batch of cluster changes: counts now, rows after a short debounce."""
        model = self.model
        if model is None:
            return
        with model.read() as state:
            if summary.overflow or summary.namespaces_changed:
                names = [n.meta.name for n in state.namespaces()]
                touched = set(names) if summary.overflow else summary.namespaces()
                self._pods = {n: len(state.pods(n)) for n in names}
            else:
                touched = summary.namespaces()
                for ns in touched:
                    if ns:
                        self._pods[ns] = len(state.pods(ns))
        if summary.overflow or summary.namespaces_changed:
            self._sync_namespaces(sorted(self._pods))
        for ns in touched:
            node = self._ns_nodes.get(ns)
            if node is not None:
                row = self._namespace_row(ns)
                if _differs(node.data, row):
                    self._relabel(node, row, flash=True)
        # Expanded namespaces follow quickly; collapsed ones only need their colour, later.
        for ns in touched:
            if ns in self._loaded:
                self._dirty.add(ns)
            elif ns in self._ns_nodes:
                self._dirty_health.add(ns)
        if self._dirty and self._refresh_timer is None:
            self._refresh_timer = self.set_timer(OPEN_REFRESH, self._refresh_open, name="navigator refresh")
        if self._dirty_health and self._health_timer is None:
            self._health_timer = self.set_timer(HEALTH_REFRESH, self._refresh_health, name="health refresh")

    def _refresh_open(self) -> None:
        self._refresh_timer = None
        dirty, self._dirty = sorted(self._dirty & set(self._loaded)), set()
        if dirty:
            self._compute(dirty, self._generation)

    def _refresh_health(self) -> None:
        self._health_timer = None
        dirty = sorted(self._dirty_health & set(self._ns_nodes))
        batch, rest = dirty[:HEALTH_BATCH], dirty[HEALTH_BATCH:]
        self._dirty_health = set(rest)
        if batch:
            self._scan(batch)
        if rest:
            self._health_timer = self.set_timer(HEALTH_REFRESH, self._refresh_health, name="health refresh")

    # ---------------------------------------------------------------- filter
    def apply_filter(self, result: FilterResult | None) -> None:
        """Show only what passes ``result`` (None: everything)."""
        self._landing = None
        before = self.current
        self.filter = None if result is None or result.filter.empty else result
        self._sync_namespaces(sorted(self._pods))
        for ns in list(self._loaded):
            self._fill(ns)
        if self._auto_expand:
            for node in self._ns_nodes.values():
                node.expand()  # loads it; its groups open when its rows arrive (_fill)
        self.call_after_refresh(self._reselect, before)

    @property
    def _auto_expand(self) -> bool:
        """A filter that leaves a few namespaces opens them down to the matches."""
        return self.filter is not None and len(self._ns_nodes) <= AUTO_EXPAND

    def _reselect(self, before: Target | None) -> None:
        """Rows came and went under the cursor: the analysis follows what it is on now."""
        if self.cursor_node is None and self._ns_nodes:
            self.move_cursor(next(iter(self._ns_nodes.values())))
        now = self.current
        if now is not None and now != before:
            self.post_message(self.Selected(now))

    # ------------------------------------------------------------- selection
    def select_target(self, target: Target) -> bool:
        """Move the cursor to ``target`` (expanding its namespace); False when not shown."""
        self._landing = None
        for node in self._walk():
            if node.data is not None and node.data.target == target:
                parent = node.parent
                while parent is not None and not parent.is_root:
                    parent.expand()
                    parent = parent.parent
                self.move_to(node)
                return True
        return False

    def move_to(self, node: TreeNode[NavRow], where: Callable[[], TreeNode[NavRow]] | None = None) -> None:
        """Put the cursor on ``node`` (or on what ``where()`` says by then) once the tree's
        lines reflect the latest changes."""

        def move() -> None:
            target = where() if where is not None else node
            self.move_cursor(target)
            self.scroll_to_node(target, animate=False)

        self.call_after_refresh(move)

    def _walk(self) -> Iterable[TreeNode[NavRow]]:
        stack = list(reversed(self.root.children))
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))

    @on(Tree.NodeHighlighted)
    def _highlighted(self, event: Tree.NodeHighlighted[NavRow]) -> None:
        event.stop()
        if self._select_timer is not None:
            self._select_timer.stop()
        row = event.node.data
        if row is not None and row.target.kind != "Loading":
            self._select_timer = self.set_timer(0.08, lambda: self.post_message(self.Selected(row.target)))

    @on(Tree.NodeSelected)
    def _selected(self, event: Tree.NodeSelected[NavRow]) -> None:
        event.stop()
        row = event.node.data
        if row is not None and row.target.kind != "Loading":
            self.post_message(self.Selected(row.target, chosen=True))

    @property
    def current(self) -> Target | None:
        """The target under the cursor."""
        node = self.cursor_node
        return node.data.target if node is not None and node.data is not None else None


def _differs(old: NavRow | None, new: NavRow) -> bool:
    return old is None or (old.name, old.detail, old.status) != (new.name, new.detail, new.status)


def _passes(filt: FilterResult, row: NavRow) -> bool:
    """A row passes when it, or one of its children, matches the filter."""
    target = row.target
    kind = {t.INGRESS_RULE: t.INGRESS, t.ROUTE_RULE: t.HTTP_ROUTE}.get(target.kind, target.kind)
    if filt.shows(target.namespace, kind, target.name):
        return True
    return any(_passes(filt, c) for c in row.children)
