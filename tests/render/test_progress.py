"""The transient progress line: only on a terminal, data never markup, never breaks the step."""

from __future__ import annotations

import io
import os
import pty

from kubetraffic.render.progress import progress, wanted


def test_nothing_is_written_when_stderr_is_not_a_terminal() -> None:
    out = io.StringIO()
    calls: list[int] = []
    with progress(lambda: calls.append(1) or "reading", file=out):
        pass
    assert out.getvalue() == ""
    assert calls == []  # not even asked


def test_the_line_is_drawn_literally_then_erased() -> None:
    out = io.StringIO()
    with progress(lambda: "reading [bold]x[/bold] \x1b[31mred", file=out, force=True):
        pass
    text = out.getvalue()
    assert "reading [bold]x[/bold] \ufffd[31mred" in text  # brackets kept, ESC neutralised
    assert "\x1b[31mred" not in text
    assert text.endswith("\r\x1b[1A\x1b[2K")  # transient: the line is erased at the end


def test_a_failing_description_does_not_break_the_step() -> None:
    out = io.StringIO()

    def broken() -> str:
        raise KeyError("gone")

    with progress(broken, file=out, force=True):
        result = 42
    assert result == 42
    assert "working (KeyError)" in out.getvalue()


def test_a_terminal_is_wanted_unless_dumb(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    main, child = pty.openpty()
    try:
        with os.fdopen(child, "w", closefd=False) as tty:
            monkeypatch.setenv("TERM", "xterm")
            assert wanted(tty)
            monkeypatch.setenv("TERM", "dumb")
            assert not wanted(tty)
    finally:
        os.close(main)
        os.close(child)
    assert not wanted(io.StringIO())
