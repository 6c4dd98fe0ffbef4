"""A Service whose selector matches nothing: the controller's placeholder EndpointSlice, and
the policy hop judged on the pods the selector nearly selects."""

from __future__ import annotations

from kubetraffic.core.convert import convert
from kubetraffic.core.diagnose.trace import trace_request
from kubetraffic.core.events import ChangeEvent
from kubetraffic.core.routing import parse_request
from kubetraffic.core.state import ClusterState
from tests.core.diagnose.scenarios import hop, scenario


def _with_placeholder(state: ClusterState) -> ClusterState:
    """What the EndpointSlice controller publishes for a selector that selects nothing."""
    for slice_ in list(state.endpoint_slices("shop", "cart")):
        state.apply(ChangeEvent("DELETED", "EndpointSlice", slice_.meta.key, slice_))
    _, placeholder = convert(
        {
            "apiVersion": "discovery.k8s.io/v1",
            "kind": "EndpointSlice",
            "metadata": {"name": "cart-abcde", "namespace": "shop", "labels": {"kubernetes.io/service-name": "cart"}},
            "addressType": "IPv4",
            "endpoints": None,
            "ports": None,
        }
    )
    state.put("EndpointSlice", placeholder)
    return state


def test_a_placeholder_slice_is_no_endpoints_not_a_missing_port() -> None:
    state = _with_placeholder(scenario("trace-shop", "trace-break-selector"))
    trace = trace_request(state, parse_request("https://shop.example.com/api/cart"))
    assert hop(trace, "service").status == "fail"
    endpoints = hop(trace, "endpoints")
    assert endpoints.summary == "no endpoints"
    assert endpoints.fix == "the Service selects no pods: fix its selector (see the Service hop)"


def test_the_policy_behind_a_selector_miss_is_judged_on_the_nearest_pods() -> None:
    trace = trace_request(
        scenario("trace-shop", "trace-break-selector"), parse_request("https://shop.example.com/api/cart")
    )
    assert trace.first_failure == [h.kind for h in trace.hops].index("service")
    policy = hop(trace, "policy")
    # The nearly selected cart pods are allowed from ingress-nginx: nothing else would break.
    assert policy.status == "unknown"
    assert policy.summary.startswith("would be allowed to shop/cart-")
