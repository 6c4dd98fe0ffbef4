"""The "client pod" of the capture lab: one connection per scenario, results as JSON.

Run inside the client namespace: ``python lab_client.py SERVER_V4 SERVER_V6``. Protocol on
stdin/stdout with the test:

1. opens the "partial" connection (before any capture runs), prints "pre";
2. waits for a line on stdin (the captures are running), then runs every scenario at once
   then exchanges the end marker (UDP "lab-end" -> "lab-done") and prints one JSON line:
   scenario -> {"sport": local port, "outcome": what the socket saw};
3. keeps the "open" connection open until stdin closes (after the captures stopped).
"""

from __future__ import annotations

import json
import socket
import struct
import sys
import threading


def tcp(family: int, server: str, port: int, *, timeout: float = 3.0) -> tuple[socket.socket, int]:
    s = socket.socket(family, socket.SOCK_STREAM)
    s.bind(("::" if family == socket.AF_INET6 else "0.0.0.0", 0))
    s.settimeout(timeout)
    return s, s.getsockname()[1]


def attempt(family: int, server: str, port: int, timeout: float) -> tuple[int, str]:
    s, sport = tcp(family, server, port, timeout=timeout)
    try:
        s.connect((server, port))
    except OSError as exc:
        return sport, type(exc).__name__
    finally:
        s.close()
    return sport, "connected"


def http(server: str) -> tuple[int, str]:
    s, sport = tcp(socket.AF_INET, server, 8080)
    s.connect((server, 8080))
    s.sendall(b"GET / HTTP/1.0\r\n\r\n")
    reply = b""
    while chunk := s.recv(4096):
        reply += chunk
    s.close()
    return sport, reply.split(b"\r\n")[0].decode()


def udp(server: str, port: int, payload: bytes = b"ping") -> tuple[int, str]:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", 0))
    s.settimeout(1.0)
    s.connect((server, port))  # connected: an ICMP error surfaces as ConnectionRefusedError
    s.send(payload)
    try:
        outcome = s.recv(100).decode()
    except OSError as exc:
        outcome = type(exc).__name__
    sport = s.getsockname()[1]
    s.close()
    return sport, outcome


def dns(server: str, name: str, ident: int) -> tuple[int, str]:
    qname = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    query = struct.pack("!HHHHHH", ident, 0x0100, 1, 0, 0, 0) + qname + struct.pack("!HH", 1, 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", 0))
    s.settimeout(2.0)
    s.sendto(query, (server, 53))
    reply, _ = s.recvfrom(512)
    sport = s.getsockname()[1]
    s.close()
    return sport, {0: "NOERROR", 3: "NXDOMAIN"}.get(struct.unpack_from("!H", reply, 2)[0] & 0xF, "other")


def main() -> None:
    v4, v6 = sys.argv[1], sys.argv[2]
    partial, partial_port = tcp(socket.AF_INET, v4, 8080)
    partial.connect((v4, 8080))
    partial.sendall(b"hello\n")
    partial.recv(100)
    print("pre", flush=True)
    sys.stdin.readline()
    results: dict[str, dict[str, object]] = {}
    opened, open_port = tcp(socket.AF_INET, v4, 8080)
    opened.connect((v4, 8080))
    opened.sendall(b"still here\n")
    opened.recv(100)
    results["open"] = {"sport": open_port, "outcome": "connected"}
    partial.sendall(b"more data\n")
    partial.recv(100)
    results["partial"] = {"sport": partial_port, "outcome": "connected"}
    scenarios = {
        "http": lambda: http(v4),
        "reset": lambda: attempt(socket.AF_INET, v4, 8081, 3.0),
        "drop": lambda: attempt(socket.AF_INET, v4, 8082, 2.0),  # SYN at 0 s and ~1 s, then give up
        "icmp": lambda: attempt(socket.AF_INET, v4, 8083, 3.0),
        "reset6": lambda: attempt(socket.AF_INET6, v6, 8081, 3.0),
        "drop6": lambda: attempt(socket.AF_INET6, v6, 8082, 2.0),
        "icmp6": lambda: attempt(socket.AF_INET6, v6, 8083, 3.0),
        "http6": lambda: attempt(socket.AF_INET6, v6, 8080, 3.0),
        "udp": lambda: udp(v4, 9000),
        "udp-closed": lambda: udp(v4, 9001),
        "dns-ok": lambda: dns(v4, "svc.lab", 0x1111),
        "dns-nx": lambda: dns(v4, "missing.lab", 0x2222),
    }

    def run(name: str) -> None:
        sport, outcome = scenarios[name]()
        results[name] = {"sport": sport, "outcome": outcome}

    threads = [threading.Thread(target=run, args=(name,)) for name in scenarios]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # The end marker: once a capture has seen "lab-done", it has seen everything before it.
    sport, outcome = udp(v4, 9000, b"lab-end")
    results["marker"] = {"sport": sport, "outcome": outcome}
    print(json.dumps(results), flush=True)
    sys.stdin.readline()
    opened.close()
    partial.close()


if __name__ == "__main__":
    main()
