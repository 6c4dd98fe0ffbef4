"""The pod backend's plan and confirmation (filled in with the pod backend)."""

from __future__ import annotations

from kubetraffic.cli.common import fail
from kubetraffic.cli.options import GlobalOptions
from kubetraffic.core.capture import CaptureLimits


def pod_source(
    opts: GlobalOptions,
    pod: str,
    *,
    container: str | None,
    image: str,
    bpf: str | None,
    limits: CaptureLimits,
    yes: bool,
) -> object:
    """Not yet."""
    fail("pod capture is not available yet")
