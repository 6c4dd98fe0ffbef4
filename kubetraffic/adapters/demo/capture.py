"""``DemoCapture``: a capture on a demo pod, through the same CaptureSource as a real one.

The packets come from ``kubetraffic.demo.packets`` (built with scapy) for the demo's state
at the moment the capture starts, as a pcap stream like ``tcpdump -i any -w -`` in the pod
would write. By default the whole bounded capture is handed over at once (a CLI answer
must not wait ten seconds for synthetic packets); ``paced`` releases each packet when the
demo's clock reaches its timestamp, for live panes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

from kubetraffic.adapters.capture.base import CaptureError, CaptureSource
from kubetraffic.demo.packets import frames
from kubetraffic.demo.wire import pcap_header, pcap_record

if TYPE_CHECKING:
    from kubetraffic.adapters.demo.source import DemoSource

DEFAULT_SECONDS = 10.0


class DemoCapture(CaptureSource):
    """Synthetic packets of one demo pod, bounded by ``seconds`` of demo time."""

    def __init__(
        self,
        source: DemoSource,
        namespace: str,
        pod: str,
        *,
        seconds: float | None = None,
        bpf: str | None = None,
        paced: bool = False,
    ) -> None:
        self.source = source
        self.namespace, self.pod = namespace, pod
        self.seconds = seconds or DEFAULT_SECONDS
        self.bpf = bpf
        self.live = paced
        self.description = f"pod {namespace}/{pod} (demo)"
        self._frames: list[tuple[float, bytes]] = []
        self._stop = threading.Event()

    def start(self) -> None:
        """Generate the packets; an unknown pod is a clear error."""
        self._stop.clear()
        with self.source.lock:
            start = self.source.clock.now()
            try:
                self._frames = frames(
                    self.source.scenario.cluster,
                    self.namespace,
                    self.pod,
                    start=start,
                    duration=self.seconds,
                    seed=self.source.seed,
                )
            except KeyError:
                raise CaptureError(f"no pod {self.namespace}/{self.pod} in the demo cluster") from None

    def chunks(self, idle: float = 0.2) -> Iterator[bytes]:
        """The pcap header, then the packets (all at once, or each at its time when paced)."""
        yield pcap_header()
        if not self.live:
            yield b"".join(pcap_record(ts, frame) for ts, frame in self._frames)
            return
        clock = self.source.clock
        for ts, frame in self._frames:
            while clock.now() < ts:
                if clock.wait(min(idle, ts - clock.now()), self._stop):
                    return
                if clock.now() < ts:
                    yield b""
            if self._stop.is_set():
                return
            yield pcap_record(ts, frame)

    def stop(self) -> None:
        """End the stream soon (from any thread)."""
        self._stop.set()

    def notes(self) -> list[str]:
        """Say that these packets are synthetic (and that a filter was not applied)."""
        out = ["demo: synthetic packets generated for the demo cluster, not captured"]
        if self.bpf:
            out.append(f"demo: the capture filter {self.bpf!r} is not applied to synthetic packets")
        return out
