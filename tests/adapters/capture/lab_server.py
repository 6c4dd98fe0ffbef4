"""The "server pod" of the capture lab: TCP and UDP services plus a tiny DNS server.

Run inside the server namespace: ``python lab_server.py V4 V6``. Prints "ready" once every
socket listens. TCP 8080 (and the same port over IPv6) answers "GET" with an HTTP reply and
closes, and echoes anything else on a kept-alive connection; UDP 9000 echoes (and answers the end marker "lab-end" with "lab-done"); UDP 53 answers
A queries for svc.lab with the server's address and NXDOMAIN for anything else. Ports 8081-8083
are handled by iptables rules, not here.
"""

from __future__ import annotations

import select
import socket
import struct
import sys
import threading


def serve_tcp(listener: socket.socket) -> None:
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


def handle(conn: socket.socket) -> None:
    with conn:
        while True:
            data = conn.recv(65536)
            if not data:
                return
            if data.startswith(b"GET"):
                body = b"hello from the lab\n"
                conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
                return
            conn.sendall(data)


def dns_answer(query: bytes, address: str) -> bytes:
    ident, _flags, qd = struct.unpack_from("!HHH", query, 0)
    end = 12
    while query[end]:
        end += query[end] + 1
    question = query[12 : end + 5]
    labels, pos = [], 12
    while query[pos]:
        labels.append(query[pos + 1 : pos + 1 + query[pos]].decode())
        pos += query[pos] + 1
    qtype = struct.unpack_from("!H", query, end + 1)[0]
    if ".".join(labels).lower() == "svc.lab" and qtype == 1:
        answer = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 30, 4) + socket.inet_aton(address)
        return struct.pack("!HHHHHH", ident, 0x8180, qd, 1, 0, 0) + question + answer
    return struct.pack("!HHHHHH", ident, 0x8183, qd, 0, 0, 0) + question


def main() -> None:
    v4, v6 = sys.argv[1], sys.argv[2]
    listeners = []
    for family, addr in ((socket.AF_INET, v4), (socket.AF_INET6, v6)):
        s = socket.socket(family, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, 8080))
        s.listen(64)
        listeners.append(s)
        threading.Thread(target=serve_tcp, args=(s,), daemon=True).start()
    echo = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    echo.bind((v4, 9000))
    dns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    dns.bind((v4, 53))
    print("ready", flush=True)
    while True:
        ready, _, _ = select.select([echo, dns, sys.stdin], [], [])
        if sys.stdin in ready and not sys.stdin.readline():
            return  # the test closed our stdin: done
        if echo in ready:
            data, peer = echo.recvfrom(65536)
            echo.sendto(b"lab-done" if data == b"lab-end" else data, peer)
        if dns in ready:
            data, peer = dns.recvfrom(65536)
            dns.sendto(dns_answer(data, v4), peer)


if __name__ == "__main__":
    main()
