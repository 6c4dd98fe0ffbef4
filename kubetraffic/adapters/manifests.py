"""Parse manifest text (YAML streams or JSON) into documents with their line numbers.

JSON never goes through a YAML parser (orjson is ~10x faster on the same objects). YAML
uses yaml-rs, the fastest correct parser measured here (bench/README has the figures),
with PyYAML's C loader as a fallback where no yaml-rs wheel exists. A stream is first
parsed whole (fast path); only if that fails is it split into documents so one malformed
document is reported by file and line while the others still load.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

import orjson

try:
    import yaml_rs

    def _yaml_load(text: str) -> Any:
        return yaml_rs.loads(text, parse_datetime=False)

    _YAML_ERRORS: tuple[type[BaseException], ...] = (yaml_rs.YAMLDecodeError, ValueError)
    MULTI_DOC_AS_LIST = True
except ImportError:  # pragma: no cover - exercised only where yaml-rs has no wheel
    import yaml

    _Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    def _yaml_load(text: str) -> Any:
        docs = list(yaml.load_all(text, Loader=_Loader))
        return docs[0] if len(docs) == 1 else docs

    _YAML_ERRORS = (yaml.YAMLError, ValueError)
    MULTI_DOC_AS_LIST = True

_DOC_START = re.compile(r"^---(?=\s|$)", re.MULTILINE)
_DOC_END = re.compile(r"^\.\.\.\s*$", re.MULTILINE)
_LINE_IN_ERROR = re.compile(r"line (\d+)")


class Document:
    """One parsed document (``data``) or its ``error``, with the line it starts on.

    Line numbers are only needed when something is wrong, so for large streams they are
    worked out on first use rather than for every document.
    """

    __slots__ = ("_index", "_line", "_locator", "data", "error")

    def __init__(
        self,
        line: int = 0,
        data: Any = None,
        error: str | None = None,
        *,
        locator: _Locator | None = None,
        index: int = 0,
    ) -> None:
        self.data = data
        self.error = error
        self._line = line
        self._locator = locator
        self._index = index

    @property
    def line(self) -> int:
        """1-based line of the file where this document starts."""
        if not self._line and self._locator is not None:
            self._line = self._locator.line(self._index)
        return self._line or 1

    def __repr__(self) -> str:
        return f"Document(line={self.line}, error={self.error!r})"


class _Locator:
    """Maps a document's position in a stream to its first line, computed once on demand."""

    def __init__(self, text: str, shift: int = 0) -> None:
        self._text = text
        self._shift = shift
        self._lines: list[int] | None = None

    def line(self, index: int) -> int:
        if self._lines is None:
            self._lines = _marker_lines(self._text)
        return (self._lines[index] if index < len(self._lines) else 1) + self._shift


def looks_like_json(text: str) -> bool:
    """True when the first non-blank character opens a JSON object or array."""
    stripped = text.lstrip()
    return stripped[:1] in ("{", "[")


def parse_json(text: str | bytes) -> list[Document]:
    """A JSON object, array of objects, or one object per line (JSON lines)."""
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raw = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
        docs = _parse_json_lines(raw)
        if docs is not None:
            return docs
        return [Document(line=exc.lineno, error=f"invalid JSON: {exc.msg} (column {exc.colno})")]
    if isinstance(data, list):
        return [Document(line=1, data=d) for d in data]
    return [Document(line=1, data=data)]


def _parse_json_lines(text: str) -> list[Document] | None:
    lines = [(i + 1, ln) for i, ln in enumerate(text.splitlines()) if ln.strip()]
    if len(lines) < 2 or not all(ln.lstrip().startswith("{") for _, ln in lines):
        return None
    out = []
    for lineno, ln in lines:
        try:
            out.append(Document(line=lineno, data=orjson.loads(ln)))
        except orjson.JSONDecodeError as exc:
            out.append(Document(line=lineno, error=f"invalid JSON: {exc.msg} (column {exc.colno})"))
    return out


CHUNK_CHARS = 2_000_000
"""Big streams are parsed in pieces of about this size, cut at document markers, so
only one piece's dictionaries are alive at a time (a 30 MB dump would otherwise hold
~200 MB of parsed dictionaries at its peak)."""


def parse_yaml(text: str) -> list[Document]:
    """A YAML stream of one or more documents; empty documents are skipped."""
    return list(iter_yaml(text))


def iter_yaml(text: str) -> Iterator[Document]:
    """Documents of a YAML stream, parsed piece by piece for big streams."""
    for first_line, chunk in _chunks(text):
        yield from _parse_chunk(chunk, first_line)


def _chunks(text: str) -> Iterator[tuple[int, str]]:
    start, line = 0, 1
    while start < len(text):
        end = start + CHUNK_CHARS
        if end >= len(text):
            end = len(text)
        else:
            cut = text.find("\n---", end)
            while cut != -1 and text[cut + 4 : cut + 5] not in ("\n", " ", "\r", "\t", ""):
                cut = text.find("\n---", cut + 1)
            end = len(text) if cut == -1 else cut + 1
        chunk = text[start:end]
        yield line, chunk
        line += chunk.count("\n")
        start = end


def _parse_chunk(text: str, first_line: int) -> Iterator[Document]:
    shift = first_line - 1
    try:
        whole = _yaml_load(text)
    except _YAML_ERRORS:
        for doc in _parse_documents_one_by_one(text):
            yield Document(line=doc.line + shift, data=doc.data, error=doc.error)
        return
    starts = _count_markers(text) + (1 if _content_before_first_marker(text) else 0)
    if isinstance(whole, list) and starts > 1:
        if len(whole) == starts:
            locator = _Locator(text, shift)
            yield from (Document(data=d, locator=locator, index=i) for i, d in enumerate(whole) if d is not None)
            return
        # Counting did not line up (a top-level sequence, stray markers): the exact path.
        exact = _document_start_lines(text)
        present = [d for d in whole if d is not None]
        if len(present) == len(exact):
            yield from (Document(line=ln + shift, data=d) for ln, d in zip(exact, present, strict=True))
            return
        for doc in _parse_documents_one_by_one(text):
            yield Document(line=doc.line + shift, data=doc.data, error=doc.error)
        return
    if whole is not None:
        lines = _document_start_lines(text)
        yield Document(line=(lines[0] if lines else 1) + shift, data=whole)


def _count_markers(text: str) -> int:
    """Count ``---`` document markers; str.count is ~10x faster than a regex on big dumps.

    Unusual spellings (CRLF endings, a marker followed by a tab) are found by the regex
    instead, so the count is always exact.
    """
    fast = text.count("\n---\n") + text.count("\n--- ") + (1 if text.startswith(("---\n", "--- ")) else 0)
    fast += 1 if text.endswith("\n---") else 0
    if "\r" in text or "\n---\t" in text or text == "---":
        return len(_DOC_START.findall(text))
    return fast


def _content_before_first_marker(text: str) -> bool:
    first = _DOC_START.search(text)
    head = text if first is None else text[: first.start()]
    return any(ln.strip() and not ln.lstrip().startswith(("#", "%")) for ln in head.splitlines())


def _marker_lines(text: str) -> list[int]:
    """First line of every document a parser sees, from the ``---`` markers (fast path)."""
    starts: list[int] = []
    line, pos = 1, 0
    if _content_before_first_marker(text):
        starts.append(1)  # content before the first marker is a document of its own
    for match in _DOC_START.finditer(text):
        line += text.count("\n", pos, match.start())
        pos = match.start()
        end = text.find("\n", pos)
        rest = text[match.end() : end if end >= 0 else len(text)]
        starts.append(line if rest.strip() else line + 1)
    return starts


def _split(text: str) -> Iterator[tuple[int, str]]:
    """Yield (first line number, text) per document, keeping line numbers exact."""
    lines = text.splitlines(keepends=True)
    start, buf = 1, []
    for i, line in enumerate(lines, start=1):
        if _DOC_START.match(line):
            if any(ln.strip() and not ln.lstrip().startswith("#") for ln in buf):
                yield start, "".join(buf)
            rest = line[3:]
            buf = ["   " + rest] if rest.strip() else []
            start = i if rest.strip() else i + 1
        elif _DOC_END.match(line):
            if buf:
                yield start, "".join(buf)
            buf, start = [], i + 1
        else:
            if not buf:
                start = i
            buf.append(line)
    if any(ln.strip() and not ln.lstrip().startswith("#") for ln in buf):
        yield start, "".join(buf)


def _document_start_lines(text: str) -> list[int]:
    return [line for line, _ in _split(text)]


def _parse_documents_one_by_one(text: str) -> Iterator[Document]:
    for line, chunk in _split(text):
        try:
            data = _yaml_load(chunk)
        except _YAML_ERRORS as exc:
            yield _error_document(str(exc), line)
            continue
        if data is not None:
            yield Document(line=line, data=data)


def _error_document(message: str, first_line: int) -> Document:
    """A parse error located in the file: (file line, one-line reason)."""
    lines = [ln.strip() for ln in message.strip().splitlines() if ln.strip()]
    head = lines[0] if lines else "invalid YAML"
    reason = lines[-1] if len(lines) > 1 else ""
    match = _LINE_IN_ERROR.search(head)
    if not match:
        return Document(line=first_line, error=f"invalid YAML in the document starting here: {head}")
    column = re.search(r"column (\d+)", head)
    where = f" (column {column.group(1)})" if column else ""
    return Document(line=first_line + int(match.group(1)) - 1, error=f"invalid YAML: {reason or head}{where}")


def parse_text(text: str, *, json_hint: bool | None = None) -> Iterable[Document]:
    """Parse manifest text, choosing JSON or YAML by hint or by content."""
    if json_hint or (json_hint is None and looks_like_json(text)):
        docs = parse_json(text)
        if json_hint is None and len(docs) == 1 and docs[0].error:
            as_yaml = parse_yaml(text)  # YAML flow style can also open with "{"
            return docs if any(d.error for d in as_yaml) else as_yaml
        return docs
    return iter_yaml(text)
