"""The interface backend: scapy's ``AsyncSniffer`` on a local interface (a node, or a netns).

The sniffer hands over raw frames (no dissection: scapy's full decode runs ~10k packets/s,
the core's header path ~200k/s); each becomes a pcap record, so the summariser, ``--write``
and the bounds work exactly as for every other backend. The kernel's drop counter
(PACKET_STATISTICS) is read when the capture ends.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import socket
import struct
import threading
from collections.abc import Iterator
from typing import Any

from kubetraffic.adapters.capture import netns
from kubetraffic.adapters.capture.base import CaptureError, CaptureSource
from kubetraffic.core.capture.limits import DEFAULT_SNAPLEN
from kubetraffic.core.capture.pcap import LINKTYPE_ETHERNET, LINKTYPE_RAW, pcap_header, pcap_record

SOL_PACKET = 263
PACKET_STATISTICS = 6
PACKET_ADD_MEMBERSHIP = 1
PACKET_MR_PROMISC = 1
PACKET_OUTGOING = 4
ARPHRD_LOOPBACK = 772
# Linux ARPHRD_* of the interface -> pcap link type of the frames a packet socket returns.
ARPHRD_LINKTYPES = {
    1: LINKTYPE_ETHERNET,
    ARPHRD_LOOPBACK: LINKTYPE_ETHERNET,
    65534: LINKTYPE_RAW,
    768: LINKTYPE_RAW,
    776: LINKTYPE_RAW,
}
QUEUE_BOUND = 100_000


class InterfaceSource(CaptureSource):
    """Sniffs one local interface (optionally inside the network namespace ``netns``)."""

    live = True

    def __init__(
        self, iface: str, *, bpf: str | None = None, snaplen: int = DEFAULT_SNAPLEN, netns: str | None = None
    ) -> None:
        self.iface = iface
        self.bpf = bpf
        self.snaplen = snaplen
        self.netns = netns
        self.description = f"interface {iface}" + (f" in netns {netns}" if netns else "")
        self.linktype = LINKTYPE_ETHERNET
        self.overflow = 0
        self._queue: queue.Queue[bytes | None] = queue.Queue(QUEUE_BOUND)
        self._sock: Any = None
        self._sniffer: Any = None
        self._drops = 0
        self._stopped = threading.Event()

    def start(self) -> None:
        """Open the packet socket (with the BPF filter) and start the sniffer thread."""
        if self.iface == "any":
            raise CaptureError(
                "--interface any is not supported by the scapy sniffer; use tcpdump -i any -U -w - | kubetraffic capture --pcap -"
            )
        from scapy.sendrecv import AsyncSniffer

        with netns.inside(self.netns):
            self._sock = _open_socket(self.iface, self.bpf, self.snaplen)
        self.linktype = self._sock.linktype
        started = threading.Event()
        self._sniffer = AsyncSniffer(
            opened_socket=self._sock, prn=self._on_packet, store=False, started_callback=started.set
        )
        self._sniffer.start()
        if not started.wait(10):
            raise CaptureError(f"the sniffer on {self.iface} did not start")

    def _on_packet(self, pkt: Any) -> None:
        """Sniffer thread: queue one frame as a pcap record (or count it as lost)."""
        data: bytes = pkt.load
        try:
            self._queue.put_nowait(pcap_record(float(pkt.time), data[: self.snaplen], len(data)))
        except queue.Full:
            self.overflow += 1

    def chunks(self, idle: float = 0.2) -> Iterator[bytes]:
        """The pcap header, then batches of queued records until the sniffer stops."""
        yield pcap_header(self.linktype, self.snaplen)
        while True:
            try:
                first = self._queue.get(timeout=idle)
            except queue.Empty:
                if self._stopped.is_set() or (self._sniffer is not None and not self._sniffer.running):
                    self._raise_sniffer_error()
                    return
                yield b""
                continue
            if first is None:
                return
            batch = [first]
            while len(batch) < 1000:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    yield b"".join(batch)
                    return
                batch.append(more)
            yield b"".join(batch)

    def _raise_sniffer_error(self) -> None:
        error = getattr(self._sniffer, "exception", None)
        if error is not None:
            raise CaptureError(f"sniffing {self.iface} failed: {error}")

    def stop(self) -> None:
        """Stop the sniffer thread and end the stream."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        sniffer = self._sniffer
        if sniffer is not None and sniffer.running:
            with contextlib.suppress(Exception):  # a sniffer that died already is stopped
                sniffer.stop(join=True)
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait(None)

    def kernel_drops(self) -> int | None:
        """Packets the kernel dropped for this socket (PACKET_STATISTICS, cumulative)."""
        if self._sock is None:
            return None
        try:
            raw = self._sock.ins.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8)
        except OSError:
            return None
        _packets, drops = struct.unpack("II", raw)  # reading resets the kernel's counters
        self._drops += drops
        return self._drops

    def notes(self) -> list[str]:
        """Frames lost because the summariser fell behind (the queue is bounded)."""
        if self.overflow:
            return [
                f"{self.overflow} packets were lost because kubetraffic could not keep up; use --sample N or a BPF filter"
            ]
        return []

    def close(self) -> None:
        """Close the packet socket."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None


def _open_socket(iface: str, bpf: str | None, snaplen: int) -> Any:
    """A scapy listening socket on ``iface`` that returns undissected frames."""
    from scapy.arch.linux import L2ListenSocket
    from scapy.error import Scapy_Exception
    from scapy.packet import Raw

    class RawListenSocket(L2ListenSocket):  # type: ignore[misc]
        """Hands frames over as Raw (no dissection) and skips loopback's outgoing copies."""

        linktype = LINKTYPE_ETHERNET
        hatype = 1

        def recv_raw(self, x: int = 65535) -> tuple[Any, bytes | None, float | None]:
            """(Raw, frame, timestamp), or Nones for a frame to skip."""
            pkt, sa_ll, ts = self._recv_raw(self.ins, max(x, snaplen))
            if self.hatype == ARPHRD_LOOPBACK and sa_ll[2] == PACKET_OUTGOING:
                return None, None, None  # lo shows each packet twice; libpcap skips this copy too
            if ts is None:
                from scapy.arch.linux import get_last_packet_timestamp

                ts = get_last_packet_timestamp(self.ins)
            return Raw, pkt, ts

    try:
        index = socket.if_nametoindex(iface)  # in the current thread's namespace, unlike scapy's cache
    except OSError as exc:
        raise CaptureError(f"no interface {iface} here ({exc.strerror})") from exc
    runtime_log = logging.getLogger("scapy.runtime")
    level = runtime_log.level
    runtime_log.setLevel(logging.ERROR)  # "Unable to guess type": we hand frames over undissected anyway
    try:
        sock = RawListenSocket(iface=iface, filter=None, promisc=False)
        # Promiscuous mode by index (scapy's helper looks the index up in its own namespace's table);
        # the membership ends with the socket.
        sock.ins.setsockopt(SOL_PACKET, PACKET_ADD_MEMBERSHIP, struct.pack("IHH8s", index, PACKET_MR_PROMISC, 0, b""))
    except PermissionError as exc:
        raise CaptureError(f"cannot sniff {iface}: {exc.strerror} (needs root or CAP_NET_RAW)") from exc
    except OSError as exc:
        raise CaptureError(f"cannot sniff {iface}: {exc.strerror}") from exc
    finally:
        runtime_log.setLevel(level)
    hatype = sock.ins.getsockname()[3]
    linktype = ARPHRD_LINKTYPES.get(hatype)
    if linktype is None:
        sock.close()
        raise CaptureError(
            f"{iface} has link type ARPHRD {hatype}, which kubetraffic cannot decode; capture it with tcpdump"
        )
    sock.hatype, sock.linktype = hatype, linktype
    if bpf:
        try:
            _attach_filter(sock.ins, bpf, linktype)
        except (Scapy_Exception, OSError, ImportError) as exc:
            sock.close()
            raise CaptureError(f"bad capture filter {bpf!r}: {exc}") from exc
    return sock


def _attach_filter(sock: socket.socket, expression: str, linktype: int) -> None:
    """Compile ``expression`` for ``linktype`` with libpcap and attach it; drop what came before."""
    import ctypes

    from scapy.arch.common import compile_filter

    program = compile_filter(expression, linktype=linktype)
    fprog = struct.pack("HL", program.bf_len, ctypes.addressof(program.bf_insns.contents))
    sock.setsockopt(socket.SOL_SOCKET, 26, fprog)  # SO_ATTACH_FILTER
    sock.setblocking(False)
    try:
        while True:  # frames queued before the filter was attached did not pass it
            sock.recv(65536)
    except BlockingIOError:
        pass
    finally:
        sock.setblocking(True)
