"""The navigator's tree: labels coloured by status at render time, flashing rows, arrow keys.

Labels hold plain text (glyph, name, detail); colours come from the theme when a line is
drawn, so switching themes recolours everything without rebuilding rows.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from kubetraffic.render.text import clean_line
from kubetraffic.ui import targets as t
from kubetraffic.ui.answers.inventory import NavRow
from kubetraffic.ui.palette import STATUS_GLYPH, palette
from kubetraffic.ui.widgets.flash import Flasher


class NavTree(Tree[NavRow]):
    """A Tree whose labels are coloured by status at render time (so themes apply)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("right,l", "expand_node", "Expand", show=False),
        Binding("left,h", "collapse_node", "Collapse", show=False),
    ]

    def __init__(self, **kwargs: object) -> None:
        self.flasher = Flasher(self, self._repaint_key)
        super().__init__("cluster", **kwargs)  # type: ignore[arg-type]
        self.show_root = False
        self.guide_depth = 2

    def _repaint_key(self, key: Hashable) -> None:
        try:
            node = self.get_node_by_id(key)  # type: ignore[arg-type]
        except Exception:
            return
        node.refresh()

    def render_label(self, node: TreeNode[NavRow], base_style: Style, style: Style) -> Text:
        row = node.data
        label = node.label.copy() if isinstance(node.label, Text) else Text(str(node.label))
        if row is not None and row.status:
            label.stylize(palette(self.app).status(row.status), 0, 1)
        if row is not None and row.detail and row.target.kind != t.GROUP:
            label.stylize(Style(dim=True), len(label.plain) - len(clean_line(row.detail)))
        label.stylize(style)
        if self.flasher.active(node.id):
            label.stylize(palette(self.app).flash)
        if node.allow_expand:
            prefix = (self.ICON_NODE_EXPANDED if node.is_expanded else self.ICON_NODE, base_style)
        else:
            prefix = ("  ", base_style)
        return Text.assemble(prefix, label)

    def action_expand_node(self) -> None:
        node = self.cursor_node
        if node is not None and node.allow_expand and not node.is_expanded:
            node.expand()

    def action_collapse_node(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.is_expanded and node.allow_expand:
            node.collapse()
        elif node.parent is not None and not node.parent.is_root:
            self.move_cursor(node.parent)


def row_label(row: NavRow) -> Text:
    """The plain label of a row: status glyph, name, dim detail (styled at render time)."""
    glyph = STATUS_GLYPH.get(row.status, " ") if row.status else " "
    name = clean_line(row.name)
    if row.target.kind == t.GROUP:
        name = f"{name} ({row.detail})"
        return Text(f"{glyph} {name}")
    detail = f"  {clean_line(row.detail)}" if row.detail else ""
    return Text(f"{glyph} {name}{detail}")
