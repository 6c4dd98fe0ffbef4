"""The facts of the "shop" scenario that answers and tests refer to: addresses, hosts, names."""

from __future__ import annotations

SEED = 8
"""The default seed: the one the README, the tests and the screenshots show."""

DAY, HOUR, MINUTE = 86_400, 3_600, 60

LB_IP = "203.0.113.10"
KUBE_DNS_IP = "10.96.0.10"
SHOP_HOST, ADMIN_HOST = "shop.example.com", "admin.example.com"
STRIPE_HOST, STRIPE_IP = "api.stripe.com", "198.51.100.7"
DB_CIDR = "10.20.0.0/16"
CERT_NOT_AFTER_ANNOTATION = "kubetraffic.io/not-after"
"""Demo-only: when the certificate in a TLS Secret expires (what a live TLS probe reads)."""

APPLY_LABEL = ("app.kubernetes.io/part-of", "kubetraffic-demo")
"""Marks the objects a user authors; ``kubectl apply -f DIR -l app.kubernetes.io/part-of=kubetraffic-demo``
recreates the scenario's apps on a real test cluster (README, "The demo cluster")."""

AGNHOST = "registry.k8s.io/e2e-test-images/agnhost:2.53"
NODES = (
    # name, InternalIP, podCIDR
    ("demo-control-plane", "172.18.0.2", "10.244.0.0/24"),
    ("demo-worker", "172.18.0.3", "10.244.1.0/24"),
    ("demo-worker2", "172.18.0.4", "10.244.2.0/24"),
    ("demo-worker3", "172.18.0.5", "10.244.3.0/24"),
)
