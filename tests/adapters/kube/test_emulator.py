"""The emulated API server itself, driven by the official client's typed API (as the other
test suites use it: capture's ephemeral containers, the TUI's live cluster)."""

from __future__ import annotations

import pytest
from kubernetes import client, config

from tests.core.builders import pod_dict
from tests.support.kube_api import KubeAPI


@pytest.fixture
def api(kube_api: KubeAPI) -> client.ApiClient:
    return config.new_client_from_config(str(kube_api.kubeconfig))


def test_typed_reads_work_on_pods_without_image_ids(kube_api: KubeAPI, api: client.ApiClient) -> None:
    pod = pod_dict("web", namespace="shop")
    pod["status"]["containerStatuses"] = [{"name": "main"}]  # as a test writes it, not as a kubelet does
    kube_api.create(pod)
    read = client.CoreV1Api(api).read_namespaced_pod("web", "shop")
    status = read.status.container_statuses[0]
    assert (status.image, status.ready, status.restart_count) == ("img", False, 0)
    assert status.image_id.startswith("img@sha256:")
    assert read.metadata.uid
    assert read.metadata.resource_version


def test_writes_through_the_client_are_stamped_and_watched(kube_api: KubeAPI, api: client.ApiClient) -> None:
    core = client.CoreV1Api(api)
    core.create_namespace({"metadata": {"name": "shop"}})
    assert core.read_namespace("shop").metadata.labels == {"kubernetes.io/metadata.name": "shop"}
    listed = core.list_namespaced_pod("shop")
    core.create_namespaced_pod("shop", pod_dict("a", namespace="shop", labels={"app": "web"}))
    core.create_namespaced_pod("shop", pod_dict("b", namespace="shop", labels={"app": "db"}))
    assert [p.metadata.name for p in core.list_namespaced_pod("shop", label_selector="app=web").items] == ["a"]
    assert [p.metadata.name for p in core.list_namespaced_pod("shop", label_selector="app!=web").items] == ["b"]
    # Ephemeral containers are a patch of the pod (the capture backend adds one this way).
    debug = {"name": "debugger", "image": "nicolaka/netshoot", "targetContainerName": "main"}
    core.patch_namespaced_pod_ephemeralcontainers("a", "shop", {"spec": {"ephemeralContainers": [debug]}})
    assert core.read_namespaced_pod("a", "shop").spec.ephemeral_containers[0].name == "debugger"
    core.delete_namespaced_pod("b", "shop")
    after = core.list_namespaced_pod("shop", resource_version=listed.metadata.resource_version, watch=False)
    assert [p.metadata.name for p in after.items] == ["a"]
    assert int(after.metadata.resource_version) > int(listed.metadata.resource_version)


def test_access_reviews_answer_from_the_403_rules(kube_api: KubeAPI, api: client.ApiClient) -> None:
    kube_api.forbid("list", "secrets", "shop")
    auth = client.AuthorizationV1Api(api)

    def allowed(namespace: str) -> bool:
        attrs = {"verb": "list", "resource": "secrets", "namespace": namespace}
        return auth.create_self_subject_access_review({"spec": {"resourceAttributes": attrs}}).status.allowed

    assert allowed("other") is True
    assert allowed("shop") is False
    with pytest.raises(client.ApiException) as exc:
        client.CoreV1Api(api).list_namespaced_secret("shop")
    assert exc.value.status == 403
    rules = auth.create_self_subject_rules_review({"spec": {"namespace": "shop"}}).status.resource_rules
    secrets = next(r for r in rules if r.resources == ["secrets"])
    assert secrets.verbs == ["get", "watch"]
    assert client.VersionApi(api).get_code().git_version == "v1.33.0-kmock"
