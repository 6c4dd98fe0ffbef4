"""The demo's live changes: a loop of small incidents, one every 12–15 seconds.

A cart pod passes its readiness probe and fails it again, an api pod is OOM-killed and
comes back, and someone applies a NetworkPolicy letting payments-api reach Stripe and
rolls it back. Each step mutates the DemoCluster; ``DemoCluster.sync`` turns the result
into the watch events a real API server would send (Pod, ReplicaSet, Deployment and
EndpointSlice together). After one full loop the cluster is as it started, apart from
the api pod's restart count, which keeps growing as it would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from kubetraffic.demo.apps import restart, stripe_egress_policy
from kubetraffic.demo.clock import rfc3339
from kubetraffic.demo.cluster import Change, DemoCluster


@dataclass(frozen=True, slots=True)
class Step:
    """One live change: how long after the previous one, what happens, and how."""

    after: float
    description: str
    act: Callable[[DemoCluster, float], None]


def _set_ready(namespace: str, name: str, index: int, ready: bool) -> Callable[[DemoCluster, float], None]:
    def act(cluster: DemoCluster, now: float) -> None:
        run = cluster.deployments[(namespace, name)].pods[index]
        run.ready, run.ready_since = ready, now

    return act


def _api_oom(cluster: DemoCluster, now: float) -> None:
    run = cluster.deployments[("shop", "api")].pods[0]
    restart(run, now, "OOMKilled", 137, cluster.ids.container_id())
    run.ready, run.ready_since = False, now


def _add_stripe_policy(cluster: DemoCluster, now: float) -> None:
    policy = stripe_egress_policy()
    policy["metadata"].update({"uid": cluster.ids.uid(), "creationTimestamp": rfc3339(now)})
    cluster.add(policy)


def _remove_stripe_policy(cluster: DemoCluster, now: float) -> None:
    cluster.remove("NetworkPolicy", "payments", "allow-stripe-egress")


STEPS: tuple[Step, ...] = (
    Step(12, "shop/cart: a second pod passes its readiness probe (2/3 ready)", _set_ready("shop", "cart", 1, True)),
    Step(15, "shop/api: a pod is OOM-killed and restarts (1/2 ready)", _api_oom),
    Step(13, "shop/api: the restarted pod is ready again (2/2 ready)", _set_ready("shop", "api", 0, True)),
    Step(15, "payments: NetworkPolicy allow-stripe-egress applied (198.51.100.7/32 TCP 443)", _add_stripe_policy),
    Step(12, "shop/cart: the pod fails its readiness probe again (1/3 ready)", _set_ready("shop", "cart", 1, False)),
    Step(15, "payments: NetworkPolicy allow-stripe-egress rolled back", _remove_stripe_policy),
)
"""One loop of the timeline (82 s); it repeats for as long as the demo runs."""


def loop(steps: tuple[Step, ...] = STEPS) -> Iterator[Step]:
    """The steps, over and over."""
    while True:
        yield from steps


def play(cluster: DemoCluster, step: Step, now: float) -> list[Change]:
    """Apply one step at time ``now``; returns the resulting object changes."""
    step.act(cluster, now)
    return cluster.sync()
