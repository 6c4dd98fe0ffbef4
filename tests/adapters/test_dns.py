"""Host resolution order: --resolve, the source's table, then (only if allowed) DNS."""

from __future__ import annotations

import pytest

from kubetraffic.adapters.dns import HostResolver, ResolveFlagError, parse_resolve_flags
from kubetraffic.adapters.source import scrub


def test_resolve_flags() -> None:
    assert parse_resolve_flags(["api.stripe.com=198.51.100.7", "API.stripe.com.=198.51.100.8,2001:db8::1"]) == {
        "api.stripe.com": ("198.51.100.7", "198.51.100.8", "2001:db8::1")
    }


@pytest.mark.parametrize("bad", ["nohost", "=1.2.3.4", "h=", "h=not-an-ip"])
def test_bad_resolve_flags(bad: str) -> None:
    with pytest.raises(ResolveFlagError):
        parse_resolve_flags([bad])


def test_order_and_offline() -> None:
    r = HostResolver(
        {"a.example": ("192.0.2.1",)}, {"a.example": ("192.0.2.9",), "b.example": ("192.0.2.2",)}, system=False
    )
    assert r.resolve("a.example").addresses == ("192.0.2.1",)
    assert r.resolve("a.example").how == "override"
    assert r.resolve("B.example.").addresses == ("192.0.2.2",)
    assert r.resolve("10.0.0.1").how == "literal"
    offline = r.resolve("c.example")
    assert offline.addresses == ()
    assert offline.error is not None
    assert "--resolve" in offline.error


def test_system_resolver_handles_localhost() -> None:
    assert "127.0.0.1" in HostResolver().resolve("localhost").addresses


def test_scrub_drops_secret_data_and_noise() -> None:
    secret = {
        "kind": "Secret",
        "metadata": {
            "name": "s",
            "managedFields": [{}],
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"},
        },
        "data": {"k": "djE="},
        "stringData": {"k": "v1"},
    }
    assert scrub(secret) == {"kind": "Secret", "metadata": {"name": "s"}}


def test_a_stalled_resolver_is_abandoned_after_the_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket
    import threading
    import time

    release = threading.Event()

    def stalled(*_args: object, **_kwargs: object) -> list[object]:
        release.wait(5)
        return []

    monkeypatch.setattr(socket, "getaddrinfo", stalled)
    started = time.monotonic()
    answer = HostResolver(timeout=0.2).resolve("slow.example")
    release.set()
    assert time.monotonic() - started < 2
    assert answer.addresses == ()
    assert answer.error is not None
    assert "no answer within 0.2 s" in answer.error
