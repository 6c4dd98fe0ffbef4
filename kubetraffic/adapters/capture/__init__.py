"""Capture backends: a pcap file or stdin, a local interface (scapy), a pod's ephemeral container.

Each is a ``CaptureSource`` producing a pcap stream; ``run_capture`` drives one into the
core summariser with bounds, progress and an optional private pcap copy. scapy and the
kubernetes client are imported only by the backends that use them.
"""

from kubetraffic.adapters.capture.base import CaptureError, CaptureSource

__all__ = ["CaptureError", "CaptureSource"]
