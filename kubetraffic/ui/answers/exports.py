"""What ``x`` can write for the current analysis: trace or verdict JSON, fix YAML, pcap.

Content comes from the shared renderers (the same JSON the CLI prints with ``-o json``);
files are written by the screen in a worker, pcaps with mode 0600.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kubetraffic.core.diagnose.model import Trace
from kubetraffic.ui.answers.analysis import Analysis


@dataclass(frozen=True, slots=True)
class Export:
    """One thing that can be exported: id, label, default file name, content producer."""

    id: str
    label: str
    filename: str
    content: Callable[[], bytes]
    private: bool = False
    """Written with mode 0600 (packet captures)."""


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:60] or "export"


def available(analysis: Analysis | None, yaml_text: Callable[[], str] | None = None) -> list[Export]:
    """Exports that make sense for what is on screen."""
    out: list[Export] = []
    main = analysis.main if analysis is not None else None
    if isinstance(main, Trace):
        render = _trace_json()
        if render is not None:
            trace = main
            out.append(
                Export(
                    "trace-json",
                    "trace (JSON, as trace -o json)",
                    f"trace-{_slug(trace.url)}.json",
                    lambda: render(trace),
                )
            )
    return out


def _trace_json() -> Callable[[Trace], bytes] | None:
    try:
        from kubetraffic.render import trace as render_trace
    except ImportError:
        return None
    to_data = getattr(render_trace, "trace_data", None)
    if to_data is None:
        return None
    from kubetraffic.render.output import to_json

    return lambda trace: (to_json(to_data(trace)) + "\n").encode()


def write_export(export: Export, path: str) -> str:
    """Write one export; returns the absolute path (raises OSError with the reason)."""
    target = Path(os.path.expanduser(path))
    if target.is_dir():
        target = target / export.filename
    data = export.content()
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    fd = os.open(target, flags, 0o600 if export.private else 0o644)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    if export.private:
        os.chmod(target, 0o600)
    return str(target.resolve())
