"""A deterministic, HTTP-like pcap for the capture benchmark (no scapy: it must be quick).

``http_capture(connections)`` writes Ethernet/IPv4 frames with valid IP and TCP checksums:
per connection a handshake, a request, a response, acknowledgements and a FIN close (10
packets), plus a DNS query/answer pair every 50 connections and a refused or silently dropped
connection attempt every 100, so every code path of the summariser runs.
"""

from __future__ import annotations

import random
import struct

from kubetraffic.core.capture.pcap import LINKTYPE_ETHERNET, pcap_header, pcap_record

_MAC_A = bytes.fromhex("02000000000a")
_MAC_B = bytes.fromhex("02000000000b")


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _ipv4(src: bytes, dst: bytes, proto: int, payload: bytes, ident: int) -> bytes:
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident & 0xFFFF, 0x4000, 64, proto, 0, src, dst)
    header = header[:10] + struct.pack("!H", _checksum(header)) + header[12:]
    return header + payload


def _tcp(src: bytes, dst: bytes, sport: int, dport: int, seq: int, ack: int, flags: int, data: bytes = b"") -> bytes:
    header = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4, flags, 64240, 0, 0)
    pseudo = struct.pack("!4s4sBBH", src, dst, 0, 6, len(header) + len(data))
    csum = _checksum(pseudo + header + data)
    return header[:16] + struct.pack("!H", csum) + header[18:] + data


def _udp(src: bytes, dst: bytes, sport: int, dport: int, data: bytes) -> bytes:
    header = struct.pack("!HHHH", sport, dport, 8 + len(data), 0)
    pseudo = struct.pack("!4s4sBBH", src, dst, 0, 17, len(header) + len(data))
    return header[:6] + struct.pack("!H", _checksum(pseudo + header + data) or 0xFFFF) + data


def _frame(src: bytes, dst: bytes, proto: int, l4: bytes, ident: int, forward: bool) -> bytes:
    macs = _MAC_B + _MAC_A if forward else _MAC_A + _MAC_B
    return macs + b"\x08\x00" + _ipv4(src, dst, proto, l4, ident)


def _dns(ident: int, name: str, answer: bytes | None) -> bytes:
    qname = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    flags = 0x8180 if answer is not None else 0x0100
    body = struct.pack("!HHHHHH", ident, flags, 1, 1 if answer else 0, 0, 0) + qname + struct.pack("!HH", 1, 1)
    if answer is not None:
        body += b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 30, 4) + answer
    return body


def http_capture(connections: int = 10_000, *, seed: int = 7) -> bytes:
    """A classic pcap of ``connections`` HTTP-like exchanges (~10 packets each)."""
    rng = random.Random(seed)
    out = [pcap_header(LINKTYPE_ETHERNET)]
    ts = 1_700_000_000.0
    server = bytes((10, 244, 3, 9))
    dns_server = bytes((10, 96, 0, 10))
    ident = 0

    def emit(src: bytes, dst: bytes, proto: int, l4: bytes, forward: bool) -> None:
        """Append one frame a little after the previous one."""
        nonlocal ts, ident
        ts += rng.uniform(0.00001, 0.0004)
        ident += 1
        out.append(pcap_record(ts, _frame(src, dst, proto, l4, ident, forward)))

    for n in range(connections):
        client = bytes((10, 244, 1 + n % 8, 2 + n % 250))
        sport = 32768 + n % 28000
        c_isn, s_isn = rng.getrandbits(32), rng.getrandbits(32)
        if n % 50 == 0:
            name = f"api-{n % 7}.example.com"
            emit(client, dns_server, 17, _udp(client, dns_server, sport, 53, _dns(n, name, None)), True)
            emit(dns_server, client, 17, _udp(dns_server, client, 53, sport, _dns(n, name, server)), False)
        if n % 100 == 1:  # refused: SYN, RST
            emit(client, server, 6, _tcp(client, server, sport, 8081, c_isn, 0, 0x02), True)
            emit(server, client, 6, _tcp(server, client, 8081, sport, 0, c_isn + 1, 0x14), False)
            continue
        if n % 100 == 2:  # silently dropped: three SYNs
            for _ in range(3):
                emit(client, server, 6, _tcp(client, server, sport, 8082, c_isn, 0, 0x02), True)
            continue
        request = f"GET /api/items/{n} HTTP/1.1\r\nHost: shop.example.com\r\nUser-Agent: bench\r\n\r\n".encode()
        response = b"HTTP/1.1 200 OK\r\nContent-Length: 900\r\n\r\n" + bytes(rng.getrandbits(8) for _ in range(64)) * 14
        c, s = c_isn + 1, s_isn + 1
        emit(client, server, 6, _tcp(client, server, sport, 8080, c_isn, 0, 0x02), True)
        emit(server, client, 6, _tcp(server, client, 8080, sport, s_isn, c, 0x12), False)
        emit(client, server, 6, _tcp(client, server, sport, 8080, c, s, 0x10), True)
        emit(client, server, 6, _tcp(client, server, sport, 8080, c, s, 0x18, request), True)
        c += len(request)
        emit(server, client, 6, _tcp(server, client, 8080, sport, s, c, 0x10), False)
        emit(server, client, 6, _tcp(server, client, 8080, sport, s, c, 0x18, response), False)
        s += len(response)
        emit(client, server, 6, _tcp(client, server, sport, 8080, c, s, 0x10), True)
        emit(client, server, 6, _tcp(client, server, sport, 8080, c, s, 0x11), True)
        emit(server, client, 6, _tcp(server, client, 8080, sport, s, c + 1, 0x11), False)
        emit(client, server, 6, _tcp(client, server, sport, 8080, c + 1, s + 1, 0x10), True)
    return b"".join(out)
