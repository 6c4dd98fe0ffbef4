"""Full dissection of one packet a user opens, with scapy (slow, so never on the hot path).

The payload stays hidden unless asked for: a packet from the ring buffer carries only its
headers, and even a whole frame has its application bytes replaced by their length.
"""

from __future__ import annotations

from typing import Any

from kubetraffic.core.capture.limits import RingPacket
from kubetraffic.core.capture.pcap import LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, LINKTYPE_RAW


def _layer_class(linktype: int, data: bytes) -> Any:
    from scapy.layers.inet import IP
    from scapy.layers.inet6 import IPv6
    from scapy.layers.l2 import CookedLinux, CookedLinuxV2, Ether

    if linktype == LINKTYPE_ETHERNET:
        return Ether
    if linktype == LINKTYPE_LINUX_SLL:
        return CookedLinux
    if linktype == LINKTYPE_LINUX_SLL2:
        return CookedLinuxV2
    if linktype in (LINKTYPE_RAW, 12, 14, 228, 229):
        return IPv6 if data and data[0] >> 4 == 6 else IP
    from scapy.packet import Raw

    return Raw


def dissect(linktype: int, frame: bytes, *, payload: bool = False) -> list[str]:
    """Every layer and field of ``frame``, one line each (``show()`` style); payload bytes hidden unless asked."""
    import scapy.layers.all  # noqa: F401 - every dissector, so DNS, HTTP, TLS... are recognised
    from scapy.packet import Raw

    pkt = _layer_class(linktype, frame)(frame)
    if not payload:
        raw = pkt.getlayer(Raw)
        if raw is not None:
            size = len(raw.load)
            raw.underlayer.remove_payload()
            hidden = f"<{size} bytes of payload hidden; --payload shows them>"
            return [*pkt.show(dump=True).splitlines(), hidden]
    return pkt.show(dump=True).splitlines()


def dissect_ring_packet(packet: RingPacket, *, payload: bool = False) -> list[str]:
    """Dissect a packet from the live ring: its headers, and its payload only when it was kept."""
    frame = packet.headers + (packet.payload or b"") if payload else packet.headers
    lines = dissect(packet.linktype, frame, payload=payload)
    if not payload or packet.payload is None:
        lines.append("(payload not kept)" if packet.payload is None else "(payload hidden)")
    return lines
