"""A transient progress line on stderr while a slow step runs (a big snapshot, a live sync).

Shown only when stderr is a terminal, so pipes, logs and scripts see nothing of it; the
line is redrawn a few times a second from ``describe()`` and erased when the step ends.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO

from rich.console import Console, RenderableType
from rich.live import Live
from rich.spinner import Spinner
from rich.text import Text

from kubetraffic.render.text import clean_line


class _Line:
    """Re-reads ``describe()`` at every refresh; its text is data, never markup."""

    def __init__(self, describe: Callable[[], str]) -> None:
        self.describe = describe

    def __rich__(self) -> RenderableType:
        try:
            line = self.describe()
        except Exception as exc:  # a progress display must never break the step it watches
            line = f"working ({type(exc).__name__})"
        return Text(clean_line(line), style="dim", no_wrap=True, overflow="ellipsis")


def wanted(file: IO[str]) -> bool:
    """A terminal that can redraw a line (not a pipe, not TERM=dumb)."""
    try:
        return file.isatty() and os.environ.get("TERM", "") != "dumb"
    except (AttributeError, ValueError):  # closed or not a real stream
        return False


@contextmanager
def progress(describe: Callable[[], str], *, file: IO[str] | None = None, force: bool = False) -> Iterator[None]:
    """Show ``describe()`` beside a spinner on ``file`` (stderr) until the block ends."""
    out = file or sys.stderr
    if not (force or wanted(out)):
        yield
        return
    console = Console(file=out, force_terminal=True, highlight=False, markup=False, emoji=False)
    with Live(Spinner("dots", _Line(describe)), console=console, transient=True, refresh_per_second=8):
        yield
