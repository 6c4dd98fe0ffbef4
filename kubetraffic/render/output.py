"""Writing answers: a Rich console for people, JSON/YAML for scripts (stdout is data)."""

from __future__ import annotations

import sys
from typing import IO, Any

import orjson
from rich.console import Console


def make_console(color: str = "auto", *, file: IO[str] | None = None, width: int | None = None) -> Console:
    """A console honouring ``--color auto|always|never`` and NO_COLOR."""
    force = {"always": True, "never": False}.get(color)
    out = file or sys.stdout
    if width is None and not out.isatty():
        width = 200  # piped: keep lines whole rather than wrapping at 80
    return Console(
        file=out,
        force_terminal=force,
        no_color=color == "never",
        width=width,
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=False,
    )


def error_console() -> Console:
    """Diagnostics go to stderr."""
    return Console(file=sys.stderr, highlight=False, markup=False, emoji=False)


def to_json(value: Any) -> str:
    """Stable, indented JSON with sorted keys left as written (contracts list key order)."""
    return orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode()


def to_yaml(value: Any) -> str:
    """Block-style YAML, key order preserved."""
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(value, Dumper=dumper, sort_keys=False, default_flow_style=False, allow_unicode=True)


def write_data(value: Any, fmt: str, *, file: IO[str] | None = None) -> None:
    """Print a JSON-able value as ``json`` or ``yaml`` to stdout."""
    out = file or sys.stdout
    out.write(to_json(value) + "\n" if fmt == "json" else to_yaml(value))
    out.flush()
