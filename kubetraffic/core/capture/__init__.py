"""Packet captures turned into answers: pcap stream parsing, flows, DNS, diagnosis (pure).

Backends in ``kubetraffic.adapters.capture`` produce a pcap byte stream; ``Summariser``
consumes it and answers with a ``CaptureSummary`` (the ``capture -o json`` contract).
"""

from kubetraffic.core.capture.limits import CaptureLimits, PacketRing, RingPacket
from kubetraffic.core.capture.names import Namer
from kubetraffic.core.capture.pcap import PcapError, PcapReader, pcap_header, pcap_record
from kubetraffic.core.capture.summary import CaptureSummary, DnsRecord, FlowRecord, Summariser

__all__ = [
    "CaptureLimits",
    "CaptureSummary",
    "DnsRecord",
    "FlowRecord",
    "Namer",
    "PacketRing",
    "PcapError",
    "PcapReader",
    "RingPacket",
    "Summariser",
    "pcap_header",
    "pcap_record",
]
