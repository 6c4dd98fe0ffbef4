"""``--watch``: keep following the cluster and print the answer again whenever it changes.

Like ``kubectl get -w``: the first answer is printed at once; then every batch of change
events is applied to the model, the answer is recomputed once things settle (debounced, at
most ``max_delay`` after the first change) and printed only if it differs from the last one
printed. With ``-o json`` each answer is one compact JSON object on its own line, so scripts
can read the stream line by line. Ctrl+C stops at once. Source trouble (reconnecting,
forbidden) goes to stderr, and a resource that becomes invisible or visible again updates the
state's gaps, which can change the answer too.
"""

from __future__ import annotations

import io
import queue
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import click

from kubetraffic.adapters.source import ClusterSource
from kubetraffic.core.events import ChangeEvent, ResourceStatus
from kubetraffic.core.state import ClusterState
from kubetraffic.render.text import clean_line

A = TypeVar("A")
R = TypeVar("R")
F = TypeVar("F", bound=Callable[..., Any])


def watch_option(func: F) -> F:
    """The ``-w/--watch`` flag (as kubectl spells it)."""
    return click.option(
        "-w",
        "--watch",
        is_flag=True,
        help="Keep watching the cluster; print the answer again whenever it changes (Ctrl+C stops).",
    )(func)


def remember(fn: Callable[..., R], seconds: float) -> Callable[..., R]:
    """``fn`` whose answers are reused for ``seconds`` per arguments: while watching, a
    recomputation must not repeat a DNS lookup or a TLS handshake on every cluster change."""
    cache: dict[tuple[Any, ...], tuple[float, R]] = {}

    def cached(*args: Any) -> R:
        now = time.monotonic()
        hit = cache.get(args)
        if hit is not None and now - hit[0] < seconds:
            return hit[1]
        value = fn(*args)
        cache[args] = (now, value)
        return value

    return cached


def print_rule(color: str = "auto") -> None:
    """A dim time stamp between two answers printed for people."""
    from kubetraffic.render.output import make_console

    stamp = time.strftime("%H:%M:%S")
    make_console(color).print(f"── {stamp} " + "─" * 20, style="dim")


def print_json_line(value: Any) -> None:
    """One compact JSON document per line, flushed (a stream scripts can read)."""
    import orjson

    sys.stdout.write(orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode() + "\n")
    sys.stdout.flush()


class _Trouble:
    """Says on stderr when following the API breaks and when it recovers, once each."""

    def __init__(self, initial: list[ResourceStatus]) -> None:
        self.forbidden = {s.kind for s in initial if s.state == "forbidden"}  # already warned about
        self.down: set[str] = set()

    def update(self, status: ResourceStatus) -> None:
        kind = status.kind
        if status.state == "forbidden":
            if kind not in self.forbidden:
                self.forbidden.add(kind)
                _warn(f"{kind}: forbidden: {status.detail}")
        elif kind in self.forbidden and status.state in ("listing", "watching"):
            self.forbidden.discard(kind)
            _warn(f"{kind}: visible again")
        if status.state == "reconnecting":
            if not self.down:
                _warn(f"lost the API server ({status.detail}); reconnecting")
            self.down.add(kind)
        elif status.state == "watching" and kind in self.down:
            self.down.discard(kind)
            if not self.down:
                _warn("watching the API server again")


_UNSET = object()


@dataclass(frozen=True)
class Failed:
    """A recomputation that ended in a command's error (e.g. the pod is gone for now)."""

    message: str
    code: int


def _guarded(compute: Callable[[ClusterState], A], state: ClusterState) -> A | Failed:
    """``compute`` with its ``fail()`` turned into an answer: while watching, an error is a
    state of the cluster (the pod was deleted, the Gateway is not there yet), not the end."""
    captured = io.StringIO()
    stderr, sys.stderr = sys.stderr, captured
    try:
        answer = compute(state)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
        return Failed(captured.getvalue().strip() or f"exit status {code}", code)
    finally:
        sys.stderr = stderr
    if captured.getvalue():  # warnings of a good answer go out as usual
        stderr.write(captured.getvalue())
    return answer


def _warn(message: str) -> None:
    sys.stderr.write(f"kubetraffic: {clean_line(message)}\n")
    sys.stderr.flush()


def run_watch(
    state: ClusterState,
    source: ClusterSource,
    compute: Callable[[ClusterState], A],
    show: Callable[[A], None],
    *,
    key: Callable[[A], Any] = lambda answer: answer,
    debounce: float = 0.2,
    max_delay: float = 1.0,
    stop: threading.Event | None = None,
) -> A:
    """Print ``compute(state)`` now and again after every change that alters ``key(answer)``.

    The first answer is computed as the command would without --watch (its errors end the
    command); later errors are printed on stderr once and watching goes on. Returns the last
    answer when interrupted (Ctrl+C) or when ``stop`` is set; the source is closed either way.
    """
    inbox: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
    trouble = _Trouble(source.statuses())
    answer = compute(state)
    last = key(answer)
    failed: Failed | None = None
    show(answer)

    def take(item: tuple[str, Any]) -> bool:
        what, payload = item
        if what == "events":
            events: list[ChangeEvent] = payload
            state.apply_all(events)
            return True
        status: ResourceStatus = payload
        trouble.update(status)
        gaps = getattr(source, "gaps", None)
        if callable(gaps):
            fresh = dict(gaps())
            if fresh != state.gaps:
                state.gaps = fresh
                return True
        return False

    try:
        source.follow(lambda evs: inbox.put(("events", evs)), lambda st: inbox.put(("status", st)))
        while stop is None or not stop.is_set():
            try:
                item = inbox.get(timeout=0.25)
            except queue.Empty:
                continue
            changed = take(item)
            first = time.monotonic()
            while (remaining := min(debounce, first + max_delay - time.monotonic())) > 0:
                try:
                    changed |= take(inbox.get(timeout=remaining))
                except queue.Empty:
                    break
            if changed:
                fresh = _guarded(compute, state)
                if isinstance(fresh, Failed):
                    if fresh != failed:
                        _warn(fresh.message.removeprefix("kubetraffic: "))
                    failed, last = fresh, _UNSET  # once it recovers, say the answer again
                    continue
                failed = None
                fresh_key = key(fresh)
                if fresh_key != last:
                    answer, last = fresh, fresh_key
                    show(answer)
    except KeyboardInterrupt:
        pass
    finally:
        source.close()
    return answer
