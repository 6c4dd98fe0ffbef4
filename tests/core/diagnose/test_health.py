"""Health at a glance: pods, workloads and Services, as the navigator colours them."""

from __future__ import annotations

import pytest

from kubetraffic.core.convert import convert
from kubetraffic.core.diagnose.health import pod_status, pods_status, service_status
from kubetraffic.core.state import ClusterState
from tests.core.builders import make_pod, pod_dict


def _with_waiting(reason: str) -> dict:
    obj = pod_dict("p", "ns", {"app": "a"}, "10.0.0.1", phase="Pending", ready=False)
    obj["status"]["containerStatuses"] = [{"name": "main", "ready": False, "state": {"waiting": {"reason": reason}}}]
    return obj


@pytest.mark.parametrize(
    ("pod", "expected"),
    [
        (make_pod("p", "ns", {}, "10.0.0.1"), ("ok", "Running")),
        (make_pod("p", "ns", {}, "10.0.0.1", ready=False), ("warn", "Running, not ready")),
        (make_pod("p", "ns", {}, "10.0.0.1", phase="Succeeded", ready=False), ("ok", "Completed")),
        (make_pod("p", "ns", {}, "10.0.0.1", phase="Failed", ready=False), ("fail", "Failed")),
        (convert(_with_waiting("CrashLoopBackOff"))[1], ("fail", "CrashLoopBackOff")),
        (convert(_with_waiting("ContainerCreating"))[1], ("warn", "ContainerCreating")),
    ],
)
def test_pod_status(pod: object, expected: tuple[str, str]) -> None:
    assert pod_status(pod) == expected  # type: ignore[arg-type]


def test_workload_status_counts_ready_pods() -> None:
    ready, unready = make_pod("a", "ns", {}, "10.0.0.1"), make_pod("b", "ns", {}, "10.0.0.2", ready=False)
    assert pods_status([ready, ready]) == ("ok", "2/2 ready")
    assert pods_status([ready, unready]) == ("warn", "1/2 ready")
    assert pods_status([unready]) == ("fail", "0/1 ready")
    assert pods_status([]) == ("warn", "no pods")


def _service(state: ClusterState, selector: dict[str, str] | None) -> object:
    obj = {"kind": "Service", "metadata": {"name": "web", "namespace": "ns"}, "spec": {"ports": [{"port": 80}]}}
    if selector is not None:
        obj["spec"]["selector"] = selector
    kind, svc = convert(obj)
    state.put(kind, svc)
    return svc


def _slice(state: ClusterState, *ready: bool | None) -> None:
    kind, es = convert(
        {
            "kind": "EndpointSlice",
            "metadata": {"name": "web-1", "namespace": "ns", "labels": {"kubernetes.io/service-name": "web"}},
            "endpoints": [
                {"addresses": [f"10.0.0.{i}"], "conditions": {} if r is None else {"ready": r}}
                for i, r in enumerate(ready, start=1)
            ],
        }
    )
    state.put(kind, es)


def test_service_status_from_selector_and_endpoints() -> None:
    state = ClusterState()
    svc = _service(state, {"app": "web"})
    assert service_status(state, svc) == ("fail", "selects no pods")  # type: ignore[arg-type]
    state.put("Pod", make_pod("w1", "ns", {"app": "web"}, "10.0.0.1"))
    assert service_status(state, svc) == ("unknown", "selects 1 pods, no EndpointSlice")  # type: ignore[arg-type]
    _slice(state, True, False, None)  # a missing ready condition counts as ready
    assert service_status(state, svc) == ("warn", "2/3 endpoints ready")  # type: ignore[arg-type]
    _slice(state, False)
    assert service_status(state, svc) == ("fail", "0/1 endpoints ready")  # type: ignore[arg-type]


def test_service_without_selector_reads_its_manual_endpoints() -> None:
    state = ClusterState()
    svc = _service(state, None)
    assert service_status(state, svc) == ("unknown", "no selector, no endpoints")  # type: ignore[arg-type]
    _slice(state, True)
    assert service_status(state, svc) == ("ok", "1/1 endpoints (manual)")  # type: ignore[arg-type]
