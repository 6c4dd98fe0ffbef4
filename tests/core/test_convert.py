"""API dictionaries -> core objects, with the API server's defaulting."""

from __future__ import annotations

from typing import Any

import pytest

from kubetraffic.core.convert import ConversionError, convert, iter_items
from kubetraffic.core.objects import Ingress, Namespace, NetworkPolicy, SecretRef, Service, Workload


def _netpol(spec: dict) -> NetworkPolicy:
    _, obj = convert({"kind": "NetworkPolicy", "metadata": {"name": "p", "namespace": "ns"}, "spec": spec})
    assert isinstance(obj, NetworkPolicy)
    return obj


@pytest.mark.parametrize(
    ("spec", "types"),
    [
        ({"podSelector": {}}, ("Ingress",)),
        ({"podSelector": {}, "ingress": [{}]}, ("Ingress",)),
        ({"podSelector": {}, "egress": [{}]}, ("Ingress", "Egress")),
        # An empty egress list is not "egress rules present": no Egress by default.
        ({"podSelector": {}, "egress": []}, ("Ingress",)),
        ({"podSelector": {}, "policyTypes": ["Egress"]}, ("Egress",)),
        ({"podSelector": {}, "policyTypes": ["Egress", "Ingress"], "egress": [{}]}, ("Ingress", "Egress")),
    ],
)
def test_policy_types_default_like_the_api_server(spec: dict, types: tuple) -> None:
    assert _netpol(spec).policy_types == types


def test_policy_peers_keep_missing_and_empty_apart() -> None:
    pol = _netpol(
        {
            "podSelector": {"matchLabels": {"app": "db"}},
            "ingress": [
                {
                    "from": [
                        {"namespaceSelector": {}},
                        {
                            "podSelector": {"matchLabels": {"app": "api"}},
                            "namespaceSelector": {"matchLabels": {"t": "x"}},
                        },
                        {"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}},
                    ],
                    "ports": [{"port": 5432}, {"protocol": "UDP"}, {"port": 30000, "endPort": 30010}, {"port": "pg"}],
                }
            ],
        }
    )
    peers = pol.ingress[0].peers
    assert peers[0].pod_selector is None
    assert peers[0].namespace_selector is not None
    assert peers[0].namespace_selector.is_empty
    assert peers[1].pod_selector is not None
    assert peers[1].namespace_selector is not None
    assert peers[2].ip_block is not None
    assert peers[2].ip_block.excepts == ("10.1.0.0/16",)
    ports = pol.ingress[0].ports
    assert [(p.protocol, p.port, p.end_port) for p in ports] == [
        ("TCP", 5432, None),
        ("UDP", None, None),
        ("TCP", 30000, 30010),
        ("TCP", "pg", None),
    ]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"podSelector": {}, "ingress": [{"ports": [{"port": "http", "endPort": 90}]}]}, "endPort requires"),
        ({"podSelector": {}, "ingress": [{"ports": [{"port": 90, "endPort": 80}]}]}, "below port"),
        ({"podSelector": {}, "ingress": [{"from": [{"ipBlock": {}}]}]}, "cidr is required"),
        ({"podSelector": {}, "policyTypes": ["Sideways"]}, "unknown type"),
        ({"podSelector": {}, "ingress": [{"ports": [{"protocol": "ICMP"}]}]}, "unknown protocol"),
    ],
)
def test_invalid_policies_name_the_field(spec: dict, message: str) -> None:
    with pytest.raises(ConversionError, match=message):
        _netpol(spec)


def test_a_policy_without_pod_selector_selects_every_pod() -> None:
    """spec.podSelector "is optional. If it is not specified, it defaults to an empty
    selector" (networking/v1 types.go) — kubectl apply accepts such a manifest and it
    isolates every pod of its namespace; rejecting it would drop a default-deny."""
    pol = _netpol({"policyTypes": ["Ingress", "Egress"]})
    assert pol.pod_selector.is_empty
    assert pol.policy_types == ("Ingress", "Egress")


def test_service_defaults() -> None:
    _, svc = convert(
        {
            "kind": "Service",
            "metadata": {"name": "s", "namespace": "n"},
            "spec": {
                "clusterIP": "None",
                "ports": [{"port": 80}, {"port": 53, "protocol": "UDP", "targetPort": "dns"}],
            },
        }
    )
    assert isinstance(svc, Service)
    assert svc.headless
    assert svc.selector is None
    assert svc.ports[0].target == 80
    assert svc.ports[1].target == "dns"
    assert svc.ports[1].protocol == "UDP"


def test_ingress_v1_and_v1beta1_backends() -> None:
    _, ing = convert(
        {
            "kind": "Ingress",
            "metadata": {"name": "i", "namespace": "n", "annotations": {"kubernetes.io/ingress.class": "nginx"}},
            "spec": {
                "backend": {"serviceName": "legacy", "servicePort": 80},
                "rules": [
                    {
                        "host": "a.example.com",
                        "http": {
                            "paths": [
                                {
                                    "path": "/x",
                                    "pathType": "Exact",
                                    "backend": {"service": {"name": "s", "port": {"name": "web"}}},
                                },
                                {
                                    "backend": {
                                        "resource": {"apiGroup": "k8s.example.com", "kind": "Bucket", "name": "b"}
                                    }
                                },
                            ]
                        },
                    }
                ],
            },
        }
    )
    assert isinstance(ing, Ingress)
    assert ing.class_name == "nginx"
    assert ing.default_backend is not None
    assert (ing.default_backend.service, ing.default_backend.port) == ("legacy", 80)
    paths = ing.rules[0].paths
    assert (paths[0].backend.service, paths[0].backend.port, paths[0].path_type) == ("s", "web", "Exact")
    assert paths[1].backend.is_resource
    assert paths[1].path == "/"
    assert paths[1].path_type == "ImplementationSpecific"


def test_namespace_gets_its_automatic_name_label() -> None:
    _, ns = convert({"kind": "Namespace", "metadata": {"name": "shop", "labels": {"team": "x"}}})
    assert isinstance(ns, Namespace)
    assert ns.meta.labels == {"team": "x", "kubernetes.io/metadata.name": "shop"}


def test_secret_data_is_never_kept() -> None:
    _, sec = convert(
        {
            "kind": "Secret",
            "type": "kubernetes.io/tls",
            "metadata": {"name": "t", "namespace": "n"},
            "data": {"tls.key": "c2VjcmV0"},
        }
    )
    assert isinstance(sec, SecretRef)
    assert "c2VjcmV0" not in repr(sec)
    assert sec.type == "kubernetes.io/tls"


def test_only_meaningful_annotations_are_kept() -> None:
    _, svc = convert(
        {
            "kind": "Service",
            "metadata": {
                "name": "s",
                "namespace": "n",
                "annotations": {
                    "kubectl.kubernetes.io/last-applied-configuration": "{...}",
                    "nginx.ingress.kubernetes.io/rewrite-target": "/",
                },
            },
        }
    )
    assert dict(svc.meta.annotations) == {"nginx.ingress.kubernetes.io/rewrite-target": "/"}


def test_cronjob_template_stands_in_for_a_pod() -> None:
    _, wl = convert(
        {
            "kind": "CronJob",
            "metadata": {"name": "nightly", "namespace": "batch"},
            "spec": {
                "jobTemplate": {
                    "spec": {"template": {"metadata": {"labels": {"app": "n"}}, "spec": {"containers": []}}}
                }
            },
        }
    )
    assert isinstance(wl, Workload)
    assert wl.template is not None
    assert wl.template.template_of == ("CronJob", "nightly")
    assert wl.template.labels == {"app": "n"}


def test_lists_are_flattened_and_item_kinds_filled_in() -> None:
    doc = {"kind": "PodList", "apiVersion": "v1", "items": [{"metadata": {"name": "a"}}, {"metadata": {"name": "b"}}]}
    items = list(iter_items(doc))
    assert [i["kind"] for i in items] == ["Pod", "Pod"]


def test_missing_name_is_an_error() -> None:
    with pytest.raises(ConversionError, match=r"metadata\.name"):
        convert({"kind": "Service", "metadata": {}})


def test_gateway_allowed_listeners_absent_means_none_allowed() -> None:
    def gateway(spec_extra: dict) -> Any:
        return convert(
            {
                "apiVersion": "gateway.networking.k8s.io/v1",
                "kind": "Gateway",
                "metadata": {"name": "gw", "namespace": "infra"},
                "spec": {"gatewayClassName": "c", "listeners": [{"name": "h", "port": 80}], **spec_extra},
            }
        )[1]

    assert gateway({}).allowed_listeners is None
    allowed = gateway(
        {"allowedListeners": {"namespaces": {"from": "Selector", "selector": {"matchLabels": {"a": "b"}}}}}
    )
    assert allowed.allowed_listeners.namespaces_from == "Selector"
    assert allowed.allowed_listeners.selector.matches({"a": "b"})
    assert gateway({"allowedListeners": {}}).allowed_listeners.namespaces_from == "None"
