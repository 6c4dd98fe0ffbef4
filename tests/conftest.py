"""Fixtures shared by the whole suite."""

from tests.support.kube_api import kube_api

__all__ = ["kube_api"]  # the emulated Kubernetes API server (tests/support/kube_api.py)
