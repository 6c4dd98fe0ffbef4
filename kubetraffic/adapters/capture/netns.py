"""Run a few calls inside a named network namespace (``ip netns`` names), in this thread only.

Linux namespaces are per thread: ``setns`` switches just the calling thread, and a socket
keeps the namespace it was created in. So a sniffer's socket can be opened in a pod-like
namespace and read from the main namespace afterwards.
"""

from __future__ import annotations

import ctypes
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from kubetraffic.adapters.capture.base import CaptureError

CLONE_NEWNET = 0x40000000
NETNS_DIR = "/run/netns"


def _setns(fd: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


@contextmanager
def inside(name: str | None) -> Iterator[None]:
    """Enter network namespace ``name`` for the body (no-op for None); always come back."""
    if name is None:
        yield
        return
    if "/" in name or name in (".", ".."):
        raise CaptureError(f"bad network namespace name {name!r}")
    try:
        target = os.open(os.path.join(NETNS_DIR, name), os.O_RDONLY)
    except OSError as exc:
        raise CaptureError(f"network namespace {name}: {exc.strerror}") from exc
    home = os.open(f"/proc/{os.getpid()}/task/{threading.get_native_id()}/ns/net", os.O_RDONLY)
    try:
        try:
            _setns(target)
        except OSError as exc:
            raise CaptureError(f"cannot enter network namespace {name}: {exc.strerror} (needs root)") from exc
        try:
            yield
        finally:
            _setns(home)
    finally:
        os.close(target)
        os.close(home)
