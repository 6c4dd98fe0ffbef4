"""The resource list (``:pod``, ``:svc``, ...): one DataTable of a kind, k9s style.

Rows are built in a worker and added in chunks so 10,000 pods never freeze the screen;
live changes update, add or remove only the touched rows, which flash briefly.
"""

from __future__ import annotations

import contextlib
from collections.abc import Hashable

from rich.text import Text
from textual import on, work
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable
from textual.widgets.data_table import RowDoesNotExist

from kubetraffic.render.text import clean_line
from kubetraffic.ui.answers.listing import LISTINGS, ListRow, RowChanges, build_rows, changed_rows
from kubetraffic.ui.filtering import Filter
from kubetraffic.ui.model import ChangeSummary, ClusterModel
from kubetraffic.ui.palette import palette
from kubetraffic.ui.targets import Target
from kubetraffic.ui.widgets.flash import Flasher

CHUNK = 2_000
"""Rows added per frame while filling the table."""


class ResourceList(Vertical):
    """A table of one kind of object; posts ``ResourceList.Selected``."""

    class Selected(Message):
        """The cursor moved to (or the user chose) a row."""

        def __init__(self, target: Target, *, chosen: bool = False) -> None:
            super().__init__()
            self.target, self.chosen = target, chosen

    class _Rows(Message):
        def __init__(self, rows: list[ListRow], generation: int) -> None:
            super().__init__()
            self.rows, self.generation = rows, generation

    class _Changed(Message):
        def __init__(self, changes: RowChanges, generation: int) -> None:
            super().__init__()
            self.changes, self.generation = changes, generation

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.model: ClusterModel | None = None
        self.listing = "pod"
        self.namespace: str | None = None
        self.filter = Filter()
        self._rows: dict[str, ListRow] = {}
        self._generation = 0
        self._select_timer: Timer | None = None

    def compose(self):  # type: ignore[no-untyped-def]
        table: DataTable[Text] = DataTable(cursor_type="row", id="resource-table")
        yield table

    def on_mount(self) -> None:
        self.flasher = Flasher(self, self._unflash)

    @property
    def table(self) -> DataTable[Text]:
        """The one DataTable."""
        return self.query_one(DataTable)

    @property
    def row_count(self) -> int:
        """Rows currently shown."""
        return self.table.row_count

    def open(self, model: ClusterModel, listing: str, namespace: str | None, flt: Filter) -> None:
        """Show ``listing`` (a key of LISTINGS) for one namespace or all, filtered."""
        self.model, self.listing, self.namespace, self.filter = model, listing, namespace, flt
        self._generation += 1
        spec = LISTINGS[listing]
        table = self.table
        table.clear(columns=True)
        self._rows.clear()
        self.flasher.clear()
        table.add_column(" ", key="status", width=1)
        for col in spec.columns:
            table.add_column(col, key=col)
        scope = f" in {namespace}" if namespace else ""
        self.border_title = Text(f"{spec.title}{scope}")
        self.border_subtitle = Text("loading…")
        self._build(model, listing, namespace, flt, self._generation)

    @work(thread=True, exclusive=True, group="resource-list", exit_on_error=False)
    def _build(self, model: ClusterModel, listing: str, namespace: str | None, flt: Filter, generation: int) -> None:
        with model.read() as state:
            rows = build_rows(state, listing, namespace, flt)
        self.post_message(self._Rows(rows, generation))

    @on(_Rows)
    def _fill(self, message: _Rows) -> None:
        if message.generation != self._generation:
            return
        self._add_chunk(message.rows, 0, message.generation)

    def _add_chunk(self, rows: list[ListRow], start: int, generation: int) -> None:
        if generation != self._generation:
            return
        table = self.table
        for row in rows[start : start + CHUNK]:
            self._rows[row.key] = row
            table.add_row(*self._cells(row), key=row.key)
        end = start + CHUNK
        if end < len(rows):
            self.call_after_refresh(self._add_chunk, rows, end, generation)
        self._update_subtitle()

    def _update_subtitle(self) -> None:
        flt = "" if self.filter.empty else f" · filter {self.filter.describe()}"
        self.border_subtitle = Text(f"{self.table.row_count} rows{flt}")

    def _cells(self, row: ListRow, *, flash: bool = False) -> list[Text]:
        pal = palette(self.app)
        glyph, style = pal.glyph(row.status) if row.status else (" ", pal.muted)
        cells = [Text(glyph, style=style)]
        cells += [Text(clean_line(c), no_wrap=True, overflow="ellipsis") for c in row.cells]
        if flash:
            for cell in cells[1:]:
                cell.stylize(pal.flash)
        return cells

    # ---------------------------------------------------------------- changes
    def apply_changes(self, summary: ChangeSummary) -> None:
        """Update the touched rows of the shown list (a full rebuild after an overflow)."""
        model = self.model
        if model is None or not (summary.kinds & LISTINGS[self.listing].follows):
            return
        if summary.overflow:
            self.open(model, self.listing, self.namespace, self.filter)
            return
        touched = {
            ns: kinds for ns, kinds in summary.touched.items() if self.namespace in (None, ns) or self.listing == "ns"
        }
        if touched:
            self._changes(model, self.listing, touched, self._generation)

    @work(thread=True, group="resource-list-changes", exit_on_error=False)
    def _changes(
        self, model: ClusterModel, listing: str, touched: dict[str, dict[str, set[str]]], generation: int
    ) -> None:
        with model.read() as state:
            changes = changed_rows(state, listing, touched)
        self.post_message(self._Changed(changes, generation))

    @on(_Changed)
    def _apply(self, message: _Changed) -> None:
        if message.generation != self._generation:
            return
        table = self.table
        columns = ["status", *LISTINGS[self.listing].columns]
        changes = dict(message.changes.rows)
        for key, row in self._rows.items():
            if row.target.namespace in message.changes.rebuilt and key not in changes:
                changes[key] = None
        for key, new in changes.items():
            shown = new if new is not None and self.filter.matches(new.names, new.labels) else None
            old = self._rows.get(key)
            if shown is None:
                if old is not None:
                    del self._rows[key]
                    with contextlib.suppress(RowDoesNotExist):
                        table.remove_row(key)
                continue
            if old == shown:
                continue
            self._rows[key] = shown
            cells = self._cells(shown, flash=True)
            if old is None:
                table.add_row(*cells, key=key)
            else:
                for col, cell in zip(columns, cells, strict=True):
                    table.update_cell(key, col, cell)
            self.flasher.flash(key)
        self._update_subtitle()

    def _unflash(self, key: Hashable) -> None:
        row = self._rows.get(str(key))
        if row is None:
            return
        spec_cols = ["status", *LISTINGS[self.listing].columns]
        try:
            for col, cell in zip(spec_cols, self._cells(row), strict=True):
                self.table.update_cell(str(key), col, cell)
        except (RowDoesNotExist, KeyError):
            return

    # -------------------------------------------------------------- selection
    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        row = self._rows.get(str(event.row_key.value))
        if row is None:
            return
        if self._select_timer is not None:
            self._select_timer.stop()
        self._select_timer = self.set_timer(0.08, lambda: self.post_message(self.Selected(row.target)))

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        row = self._rows.get(str(event.row_key.value))
        if row is not None:
            self.post_message(self.Selected(row.target, chosen=True))

    @property
    def current(self) -> Target | None:
        """The target under the cursor."""
        table = self.table
        if table.row_count == 0:
            return None
        try:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        except Exception:
            return None
        row = self._rows.get(str(key.value))
        return row.target if row is not None else None
