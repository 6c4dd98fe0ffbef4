"""The live TLS probe against servers these tests start on 127.0.0.1 with their own certificates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from kubetraffic.adapters.tls import probe_tls
from tests.tls_helpers import closed_port, make_certificate, silent_server, tls_server


def test_reads_sans_and_expiry_and_sends_sni(tmp_path: Path) -> None:
    cert, key = make_certificate(tmp_path, ["shop.example.com", "*.shop.example.com"], days=30, cn="shop")
    with tls_server(cert, key) as server:
        seen = probe_tls("127.0.0.1", server.port, "shop.example.com", timeout=5)
    assert seen.error is None
    assert seen.sans == ("shop.example.com", "*.shop.example.com")
    assert seen.subject == "CN=shop"
    assert seen.self_signed
    assert seen.not_after is not None
    assert timedelta(days=29) < seen.not_after - datetime.now(UTC) <= timedelta(days=30)
    assert seen.protocol.startswith("TLS")
    assert server.sni_seen == ["shop.example.com"]


def test_refused_connection_is_reported_not_raised() -> None:
    seen = probe_tls("127.0.0.1", closed_port(), "shop.example.com", timeout=2)
    assert seen.error is not None
    assert seen.error.startswith("cannot connect")


def test_a_server_that_never_answers_times_out_quickly() -> None:
    with silent_server() as port:
        seen = probe_tls("127.0.0.1", port, "shop.example.com", timeout=0.5)
    assert seen.error == "no TLS handshake within 0.5 s"
