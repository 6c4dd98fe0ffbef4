"""Real components the tests need: skip when one is missing, but fail under CI=true."""

from __future__ import annotations

import os
import shutil

import pytest


def require_tool(name: str) -> str:
    """The path of executable ``name``; skips the test when absent (fails it when CI=true)."""
    path = shutil.which(name)
    if path:
        return path
    message = f"{name} is not installed (scripts/system-deps.sh installs it)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true: {message}")
    pytest.skip(message)


def require_root(why: str = "network namespaces") -> None:
    """Skips the test unless running as root (fails it when CI=true)."""
    if os.geteuid() == 0:
        return
    message = f"needs root for {why}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true: {message}")
    pytest.skip(message)
