"""Strings from the cluster are data: strip terminal control codes, never parse markup."""

from __future__ import annotations

import re

from rich.text import Text

# C0 controls except tab/newline, DEL, and C1 controls (which include CSI on some terminals).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(value: object) -> str:
    """``value`` as a string with control characters replaced by U+FFFD."""
    return _CONTROL.sub("\ufffd", str(value))


def clean_line(value: object) -> str:
    """Like ``clean`` but on one line: newlines and tabs become spaces."""
    return clean(value).replace("\n", " ").replace("\t", " ")


def data(value: object, style: str = "") -> Text:
    """Cluster-provided text as a Rich ``Text`` (square brackets stay literal)."""
    return Text(clean(value), style=style)
