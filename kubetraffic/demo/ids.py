"""Seeded identifiers that look like the ones a real cluster hands out.

Every random-looking value of the demo (UIDs, pod-name suffixes, pod-template-hashes,
container IDs, pod IPs) comes from one ``random.Random(seed)``, drawn in a fixed order,
so the same seed always builds the same cluster.
"""

from __future__ import annotations

import hashlib
import ipaddress
import random
import uuid

# k8s.io/apimachinery/pkg/util/rand: the alphabet of generated name suffixes and of
# pod-template-hash (vowels and look-alike digits removed so no words are spelled).
SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


class Ids:
    """A seeded source of UIDs, name suffixes, hashes and addresses."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self._next_host: dict[str, int] = {}
        self._resource_version = 1000

    def uid(self) -> str:
        """A version-4 UUID, as metadata.uid."""
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def suffix(self, length: int = 5) -> str:
        """A generated-name suffix (``frontend-6d8f9c7b54-x2k4q`` ends with one)."""
        return "".join(self.rng.choice(SAFE_ALPHABET) for _ in range(length))

    def container_id(self) -> str:
        """A containerd container ID."""
        return f"containerd://{self.rng.getrandbits(256):064x}"

    def pod_ip(self, cidr: str) -> str:
        """The next free address of a node's pod CIDR, with seeded gaps like a busy node."""
        net = ipaddress.ip_network(cidr)
        host = self._next_host.get(cidr, self.rng.randint(2, 12)) + self.rng.randint(1, 9)
        self._next_host[cidr] = host
        return str(net.network_address + host)

    def resource_version(self) -> str:
        """A fresh, increasing metadata.resourceVersion."""
        self._resource_version += self.rng.randint(1, 40)
        return str(self._resource_version)


def image_id(image: str) -> str:
    """A stable ``repo@sha256:...`` imageID for an image reference (same image, same ID)."""
    repo = image.rsplit(":", 1)[0] if ":" in image.rsplit("/", 1)[-1] else image
    return f"{repo}@sha256:{hashlib.sha256(image.encode()).hexdigest()}"
