"""What every feed shares: blocking calls that never hold up quitting, quiet closing."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from textual.worker import get_current_worker

T = TypeVar("T")


class Abandoned(Exception):
    """The worker was cancelled (the app is quitting) while a blocking call was running."""


def interruptible(fn: Callable[..., T], *args: object, poll: float = 0.05) -> T:
    """Run a blocking call (a list, a query, a handshake) so that quitting never waits for it.

    The call runs in a daemon thread; the calling worker waits for it but gives up with
    ``Abandoned`` as soon as it is cancelled. Worker threads are joined when the app exits,
    daemon threads are not: a stalled server can delay nothing.
    """
    worker = get_current_worker()
    box: dict[str, object] = {}
    done = threading.Event()

    def run() -> None:
        try:
            box["value"] = fn(*args)
        except BaseException as exc:
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=run, name=f"blocking {getattr(fn, '__name__', 'call')}", daemon=True).start()
    while not done.wait(poll):
        if worker.is_cancelled:
            raise Abandoned
    error = box.get("error")
    if isinstance(error, BaseException):
        raise error
    return box["value"]  # type: ignore[return-value]


def close_quietly(resource: Any) -> None:
    """Close a source in a daemon thread, ignoring errors (the app may be leaving)."""

    def close() -> None:
        try:
            resource.close()
        except Exception:  # closing is best effort
            return

    threading.Thread(target=close, name="close", daemon=True).start()
