"""The applications: the shop namespace (with its planted faults) and payments."""

from __future__ import annotations

from kubetraffic.demo.builder import Builder, apply_labels
from kubetraffic.demo.clock import rfc3339
from kubetraffic.demo.cluster import Obj
from kubetraffic.demo.facts import (
    ADMIN_HOST,
    AGNHOST,
    DAY,
    DB_CIDR,
    HOUR,
    LB_IP,
    MINUTE,
    SHOP_HOST,
    STRIPE_IP,
)
from kubetraffic.demo.workloads import Deployment, PodRun

SHOP_AGE, PAYMENTS_AGE = 33 * DAY, 21 * DAY


def app_container(name: str, port_name: str = "http", port: int = 8080, *, tls: bool = False) -> Obj:
    """An agnhost ``netexec`` server (a public image, so the apply set runs on a real cluster)."""
    args = ["netexec", f"--http-port={port}"]
    if tls:
        args += ["--tls-cert-file=/localhost.crt", "--tls-private-key-file=/localhost.key"]
    probe: Obj = {"path": "/healthz", "port": port_name}
    if tls:
        probe["scheme"] = "HTTPS"
    return {
        "name": name,
        "image": AGNHOST,
        "args": args,
        "ports": [{"name": port_name, "containerPort": port}],
        "readinessProbe": {"httpGet": probe, "periodSeconds": 5},
        "livenessProbe": {"httpGet": dict(probe), "periodSeconds": 10, "failureThreshold": 6},
        "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}},
    }


def add_shop(b: Builder) -> None:
    """shop: four Deployments, their Services, two Ingresses and the ingress policies."""
    ns = "shop"
    b.obj("v1", "Namespace", ns, age=SHOP_AGE, labels=apply_labels({"team": "retail"}),
          spec={"finalizers": ["kubernetes"]}, status={"phase": "Active"})  # fmt: skip
    for name, tier, replicas, pod_age in (
        ("frontend", "web", 3, 6 * DAY),
        ("api", "backend", 2, 4 * DAY),
        ("cart", "backend", 3, 2 * DAY),
        ("admin", "web", 1, 9 * DAY),
    ):
        b.deployment(ns, name, {"app": name, "tier": tier}, replicas, [app_container(name)], age=SHOP_AGE - HOUR,
                     pod_age=pod_age, meta_labels=apply_labels({"app": name}))  # fmt: skip
        # The admin Service was switched to the v2 labels before the v2 Deployment exists:
        # its selector matches no pod at all (the planted "broken at the Service").
        selector = {"app": "admin-v2"} if name == "admin" else {"app": name}
        # frontend and api target the named port, cart and admin the number.
        target: int | str = "http" if name in ("frontend", "api") else 8080
        b.service(ns, name, selector, [{"name": "http", "port": 80, "targetPort": target}], age=SHOP_AGE - HOUR,
                  labels=apply_labels({"app": name}))  # fmt: skip
    _break_cart(b, b.cluster.deployments[(ns, "cart")])
    api_pod = b.cluster.deployments[(ns, "api")].pods[1]
    restart(api_pod, b.now - 3 * DAY, "OOMKilled", 137, b.ids.container_id())
    api_pod.ready_since = api_pod.running_since + 9

    b.tls_secret(ns, "shop-tls", SHOP_HOST, 5 * DAY + 6 * HOUR, age=85 * DAY - 6 * HOUR)
    b.tls_secret(ns, "admin-tls", ADMIN_HOST, 61 * DAY, age=29 * DAY)
    _ingress(b, ns, "storefront", SHOP_HOST, "shop-tls", [
        ("/", "frontend", {"number": 80}),
        ("/api", "api", {"name": "http"}),
        ("/api/cart", "cart", {"number": 80}),
    ], age=SHOP_AGE - HOUR)  # fmt: skip
    _ingress(b, ns, "admin", ADMIN_HOST, "admin-tls", [("/", "admin", {"number": 80})], age=SHOP_AGE - 2 * HOUR)

    b.policy(ns, "default-deny", {"podSelector": {}, "policyTypes": ["Ingress"]}, age=SHOP_AGE - HOUR)
    # Written when the shop had three apps; admin was never added (the planted policy miss).
    b.policy(ns, "allow-from-ingress", {
        "podSelector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["frontend", "api", "cart"]}]},
        "policyTypes": ["Ingress"],
        "ingress": [{
            "from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}],
            "ports": [{"protocol": "TCP", "port": 8080}],
        }],
    }, age=SHOP_AGE - HOUR)  # fmt: skip


def add_payments(b: Builder) -> None:
    """payments: payments-api under default-deny, allowed DNS, the database and shop/api in."""
    ns = "payments"
    b.obj("v1", "Namespace", ns, age=PAYMENTS_AGE, labels=apply_labels({"team": "payments"}),
          spec={"finalizers": ["kubernetes"]}, status={"phase": "Active"})  # fmt: skip
    container = app_container("payments-api", "https", 8443, tls=True)
    b.deployment(ns, "payments-api", {"app": "payments-api"}, 2, [container], age=PAYMENTS_AGE - HOUR,
                 pod_age=3 * DAY, meta_labels=apply_labels({"app": "payments-api"}))  # fmt: skip
    b.service(ns, "payments-api", {"app": "payments-api"}, [{"name": "https", "port": 443, "targetPort": "https"}],
              age=PAYMENTS_AGE - HOUR, labels=apply_labels({"app": "payments-api"}))  # fmt: skip
    age = PAYMENTS_AGE - HOUR
    b.policy(ns, "default-deny", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}, age=age)
    b.policy(ns, "allow-dns", {
        "podSelector": {},
        "policyTypes": ["Egress"],
        "egress": [{
            "to": [{
                "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
            }],
            "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
        }],
    }, age=age)  # fmt: skip
    b.policy(ns, "allow-db", {
        "podSelector": {"matchLabels": {"app": "payments-api"}},
        "policyTypes": ["Egress"],
        "egress": [{"to": [{"ipBlock": {"cidr": DB_CIDR}}], "ports": [{"protocol": "TCP", "port": 5432}]}],
    }, age=age)  # fmt: skip
    b.policy(ns, "allow-from-shop-api", {
        "podSelector": {"matchLabels": {"app": "payments-api"}},
        "policyTypes": ["Ingress"],
        "ingress": [{
            "from": [{
                "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "shop"}},
                "podSelector": {"matchLabels": {"app": "api"}},
            }],
            "ports": [{"protocol": "TCP", "port": 8443}],
        }],
    }, age=age)  # fmt: skip


def stripe_egress_policy() -> Obj:
    """The fix someone applies (and later rolls back) in the live timeline."""
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "allow-stripe-egress", "namespace": "payments", "labels": apply_labels()},
        "spec": {
            "podSelector": {"matchLabels": {"app": "payments-api"}},
            "policyTypes": ["Egress"],
            "egress": [{"to": [{"ipBlock": {"cidr": f"{STRIPE_IP}/32"}}], "ports": [{"protocol": "TCP", "port": 443}]}],
        },
    }


def _break_cart(b: Builder, cart: Deployment) -> None:
    """Two of the three cart pods fail their readiness probe and are restarted by liveness."""
    # The liveness probe kills the container (exit 137) after six failed checks.
    for run, restarts, since in ((cart.pods[1], 4, 31 * MINUTE), (cart.pods[2], 7, 12 * MINUTE)):
        restart(run, b.now - since, "Error", 137, b.ids.container_id())
        run.restarts = restarts
        run.ready = False
        run.ready_since = run.running_since


def restart(run: PodRun, at: float, reason: str, code: int, new_container_id: str) -> None:
    """Record a container restart at ``at``: lastState.terminated, a new container running."""
    run.restarts += 1
    run.last_termination = {
        "containerID": run.container_ids[0],
        "exitCode": code,
        "reason": reason,
        "startedAt": rfc3339(max(run.running_since, at - 19 * MINUTE)),
        "finishedAt": rfc3339(at),
    }
    run.container_ids[0] = new_container_id
    run.running_since = at


def _ingress(b: Builder, ns: str, name: str, host: str, secret: str,
             paths: list[tuple[str, str, Obj]], *, age: float) -> None:  # fmt: skip
    b.obj(
        "networking.k8s.io/v1",
        "Ingress",
        name,
        ns,
        age=age,
        labels=apply_labels(),
        annotations={"cert-manager.io/cluster-issuer": "letsencrypt-prod"},
        spec={
            "ingressClassName": "nginx",
            "tls": [{"hosts": [host], "secretName": secret}],
            "rules": [
                {
                    "host": host,
                    "http": {
                        "paths": [
                            {"path": path, "pathType": "Prefix", "backend": {"service": {"name": svc, "port": port}}}
                            for path, svc, port in paths
                        ]
                    },
                }
            ],
        },
        status={"loadBalancer": {"ingress": [{"ip": LB_IP}]}},
    )
