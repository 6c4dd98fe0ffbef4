"""Shared test helpers: real components are required, not faked.

A test that needs a real tool (tcpdump, ip, iptables, prometheus) or root calls
``require_tool``/``require_root``: it skips on a developer machine without it, and fails
under ``CI=true``, where a missing real component must fail the run.
"""

from __future__ import annotations

import os
import shutil

import pytest


def _missing(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true and {reason}")
    pytest.skip(reason)


def require_tool(name: str) -> str:
    """The path of executable ``name``; skip (fail under CI=true) when it is missing."""
    path = shutil.which(name)
    if path is None:
        _missing(f"{name} is not installed (scripts/system-deps.sh installs it)")
    assert path is not None
    return path


def require_root(why: str = "network namespaces") -> None:
    """Skip (fail under CI=true) unless running as root."""
    if os.geteuid() != 0:
        _missing(f"needs root for {why}")
