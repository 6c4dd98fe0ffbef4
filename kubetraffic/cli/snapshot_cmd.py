"""``kubetraffic snapshot save DIR``: the objects kubetraffic uses, as files to share.

One file per kind (``pods.json``, ``networkpolicies.json``, ...), each a ``kind: List`` that
``--snapshot DIR`` reads back into the same ClusterState. JSON by default (the fast path for
reading back); ``--format yaml`` for people. Secret data is never written (the live source
does not even fetch it), nor managedFields. Files are written to temporary names and moved
into place only when everything was read, so a failure never leaves a half snapshot; a
hidden ``.kubetraffic-snapshot.json`` records what was written, so saving again into the
same directory replaces the old snapshot instead of mixing with it.
"""

from __future__ import annotations

import datetime
import itertools
import os
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

import click

from kubetraffic.adapters.snapshot import SAVED_MARKER as MARKER
from kubetraffic.adapters.source import ClusterSource, SourceError
from kubetraffic.cli.common import fail, make_source, report_problems
from kubetraffic.cli.options import EXIT_USAGE, get_options, global_options
from kubetraffic.render.output import write_data
from kubetraffic.render.text import clean_line

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
_STEMS = {"Endpoints": "endpoints"}  # already plural


def file_stem(kind: str) -> str:
    """The file a kind is saved in: ``Pod`` -> ``pods``, ``NetworkPolicy`` -> ``networkpolicies``."""
    if kind in _STEMS:
        return _STEMS[kind]
    lower = "".join(c for c in kind.lower() if c.isalnum()) or "unknown"
    if lower.endswith("y"):
        return lower[:-1] + "ies"
    if lower.endswith(("s", "x")):
        return lower + "es"
    return lower + "s"


class _KindFile:
    """One kind's output file, written incrementally under a temporary name."""

    def __init__(self, directory: Path, kind: str, fmt: str) -> None:
        self.final = directory / f"{file_stem(kind)}.{fmt}"
        self.temp = directory / f".{self.final.name}.tmp"
        fd = os.open(self.temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.fchmod(fd, 0o644)  # whatever the umask: a snapshot is meant to be shared
        self.out: IO[bytes] = os.fdopen(fd, "wb")
        self.fmt = fmt
        self.count = 0
        if fmt == "json":
            self.out.write(b'{"apiVersion": "v1", "kind": "List", "items": [\n')

    def write(self, obj: dict[str, Any]) -> None:
        if self.fmt == "json":
            import orjson

            self.out.write((b",\n" if self.count else b"") + orjson.dumps(obj))
        else:
            from kubetraffic.render.output import to_yaml

            self.out.write(b"---\n" + to_yaml(obj).encode())
        self.count += 1

    def finish(self) -> None:
        if self.fmt == "json":
            self.out.write(b"\n]}\n")
        self.out.close()

    def abandon(self) -> None:
        self.out.close()
        self.temp.unlink(missing_ok=True)


def _prepare(directory: Path) -> list[str]:
    """Create the directory; the files of a previous snapshot there (refuse foreign manifests)."""
    directory.mkdir(parents=True, exist_ok=True)
    marker = directory / MARKER
    if marker.exists():
        import orjson

        try:
            return [str(f) for f in orjson.loads(marker.read_bytes()).get("files", [])]
        except (OSError, orjson.JSONDecodeError, AttributeError):
            return []
    foreign = sorted(
        p.name for p in directory.iterdir() if p.suffix.lower() in MANIFEST_SUFFIXES and not p.name.startswith(".")
    )
    if foreign:
        shown = ", ".join(foreign[:3]) + (" ..." if len(foreign) > 3 else "")
        fail(
            f"{directory}: already holds manifests ({shown}) that are not a kubetraffic snapshot; choose a new or empty directory"
        )
    return []


def save(source: ClusterSource, objects: Iterable[dict[str, Any]], directory: Path, fmt: str) -> dict[str, int]:
    """Write ``objects`` one file per kind; returns objects per file name."""
    objects = iter(objects)
    first = next(objects, None)  # reach the source before touching the directory
    previous = _prepare(directory)
    files: dict[str, _KindFile] = {}
    progress = sys.stderr.isatty()
    started = time.monotonic()
    n = 0
    try:
        for obj in itertools.chain([first] if first is not None else [], objects):
            kind = str(obj.get("kind") or "")
            if not kind:
                continue
            out = files.get(kind)
            if out is None:
                out = files[kind] = _KindFile(directory, kind, fmt)
            out.write(obj)
            n += 1
            if progress and n % 2000 == 0:
                sys.stderr.write(f"\rkubetraffic: saving ... {n:,} objects ({kind})")
                sys.stderr.flush()
    except BaseException:
        for out in files.values():
            out.abandon()
        raise
    finally:
        if progress and n >= 2000:
            sys.stderr.write("\r\x1b[K")
    written = {}
    for out in files.values():
        out.finish()
        os.replace(out.temp, out.final)
        written[out.final.name] = out.count
    for name in previous:
        if name not in written and "/" not in name and not name.startswith("."):
            (directory / name).unlink(missing_ok=True)
    _write_marker(source, directory, written, time.monotonic() - started)
    return written


def _write_marker(source: ClusterSource, directory: Path, written: dict[str, int], seconds: float) -> None:
    import orjson

    info = source.info
    gaps = getattr(source, "gaps", None)
    marker = {
        "saved": datetime.datetime.now(tz=datetime.UTC).isoformat(timespec="seconds"),
        "source": {"mode": info.mode, "context": info.context, "server": info.server},
        "files": sorted(written),
        "objects": sum(written.values()),
        "seconds": round(seconds, 2),
        "gaps": gaps() if callable(gaps) else {},
    }
    path = directory / MARKER
    path.write_bytes(orjson.dumps(marker, option=orjson.OPT_INDENT_2) + b"\n")
    path.chmod(0o644)


@click.group(short_help="Save the cluster for offline analysis.")
@global_options
def snapshot() -> None:
    """Save what kubetraffic uses from the current source, to share a reproducible case."""


@snapshot.command("save", short_help="Write the objects kubetraffic uses into DIR.")
@click.argument("directory", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["json", "yaml"]), default="json", show_default=True)
@global_options
def save_command(directory: Path, fmt: str) -> None:
    """Write the objects kubetraffic uses (one file per kind) into DIR; read them back with
    --snapshot DIR. Secret data is never saved."""
    opts = get_options()
    if opts.output == "yaml":
        fail("snapshot save prints a summary as table or json; -o yaml is not supported", EXIT_USAGE)
    source = make_source(opts)
    try:
        written = save(source, source.raw_objects(), directory, fmt)
    except SourceError as exc:
        fail(str(exc), exc.exit_code)
    except OSError as exc:
        fail(f"{directory}: {exc.strerror or exc}", EXIT_USAGE)
    finally:
        source.close()
    report_problems(source.report)
    gaps = getattr(source, "gaps", None)
    for kind, reason in sorted((gaps() if callable(gaps) else {}).items()):
        sys.stderr.write(f"kubetraffic: warning: {kind} not saved: {clean_line(reason)}\n")
    total = sum(written.values())
    if opts.output == "json":
        write_data({"directory": str(directory), "format": fmt, "objects": total, "files": written}, "json")
    else:
        kinds = ", ".join(f"{name.rsplit('.', 1)[0]} {count:,}" for name, count in sorted(written.items()))
        sys.stdout.write(f"saved {total:,} objects to {clean_line(str(directory))} ({kinds or 'nothing'})\n")
