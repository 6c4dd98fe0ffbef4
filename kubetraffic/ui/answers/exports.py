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
from kubetraffic.ui.answers.egress import EgressView


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


def available(analysis: Analysis | None, *, pcap: Path | None = None) -> list[Export]:
    """Exports that make sense for what is on screen (and the last capture's packets)."""
    from kubetraffic.render.output import to_json
    from kubetraffic.render.verdict import fix_yaml

    out: list[Export] = []
    main = analysis.main if analysis is not None else None
    if isinstance(main, Trace):
        from kubetraffic.render.trace import trace_data

        trace = main
        out.append(
            Export(
                "trace-json",
                "trace (JSON, as trace -o json)",
                f"trace-{_slug(trace.url)}.json",
                lambda: (to_json(trace_data(trace)) + "\n").encode(),
            )
        )
    if isinstance(main, EgressView):
        from kubetraffic.render.verdict import answer_data

        checked = main.checked
        if checked is not None:
            name = _slug(f"{checked.source.ref}-{checked.destination.text}")
            out.append(
                Export(
                    "verdict-json",
                    "verdict (JSON, as egress -o json)",
                    f"egress-{name}.json",
                    lambda: (to_json(answer_data(checked)) + "\n").encode(),
                )
            )
            if checked.fix is not None:
                fix = checked.fix
                out.append(
                    Export(
                        "fix-yaml",
                        f"fix (NetworkPolicy YAML): {fix.summary}",
                        f"fix-{name}.yaml",
                        lambda: fix_yaml(fix).encode(),
                    )
                )
        if main.dns_fix is not None:
            dns = main.dns_fix
            name = f"fix-dns-{_slug(main.source)}.yaml"
            out.append(
                Export(
                    "dns-fix-yaml", f"DNS fix (NetworkPolicy YAML): {dns.summary}", name, lambda: fix_yaml(dns).encode()
                )
            )
    if pcap is not None and pcap.exists():
        path = pcap
        label = "the last capture's packets (pcap, written mode 0600)"
        out.append(Export("pcap", label, path.name, path.read_bytes, private=True))
    return out


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
