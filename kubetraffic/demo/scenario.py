"""The "shop" scenario: a small, realistic cluster with the faults the README promises.

- ingress-nginx (2 controller pods) behind a LoadBalancer at 203.0.113.10, IngressClass
  ``nginx`` (the default); CoreDNS behind ``kube-dns`` 10.96.0.10;
- shop: frontend (3), api (2, named port ``http``), cart (3 pods, only one passes its
  readiness probe, two keep restarting), admin (1, ``app: admin``) — but the admin Service
  selects ``app: admin-v2``; Ingress ``storefront`` (TLS certificate expiring in 5 days)
  and ``admin``; default-deny ingress plus an allow from ingress-nginx that skips admin;
- payments: payments-api (2) under default-deny ingress and egress, DNS allowed, egress
  only to the database range 10.20.0.0/16 on 5432 — so api.stripe.com:443 is denied.

``build(seed, now)`` is a pure function of its arguments: the same pair gives the same
objects, byte for byte. TLS expiry is demo data on the Secret's metadata
(``kubetraffic.io/not-after``), the demo's stand-in for the certificate a live TLS probe
would read from the wire, so no Secret data is ever involved.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kubetraffic.demo.apps import add_payments, add_shop
from kubetraffic.demo.builder import Builder
from kubetraffic.demo.clock import DEMO_EPOCH
from kubetraffic.demo.cluster import DemoCluster, Obj
from kubetraffic.demo.facts import ADMIN_HOST, LB_IP, SEED, SHOP_HOST, STRIPE_HOST, STRIPE_IP
from kubetraffic.demo.ids import Ids
from kubetraffic.demo.infra import add_infrastructure


@dataclass
class Scenario:
    """The built cluster, the time it was built for, and the demo's DNS answers."""

    cluster: DemoCluster
    now: float
    dns_table: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def objects(self) -> list[Obj]:
        """Every object in apply order, as the API server would return them."""
        return self.cluster.objects()


def build(seed: int = SEED, now: float = DEMO_EPOCH) -> Scenario:
    """Build the shop cluster as of ``now``; the same (seed, now) gives the same objects."""
    ids = Ids(seed)
    cluster = DemoCluster(ids)
    builder = Builder(cluster, ids, now)
    add_infrastructure(builder)
    add_shop(builder)
    add_payments(builder)
    cluster.sync()
    table = {STRIPE_HOST: (STRIPE_IP,), SHOP_HOST: (LB_IP,), ADMIN_HOST: (LB_IP,)}
    return Scenario(cluster, now, table)
