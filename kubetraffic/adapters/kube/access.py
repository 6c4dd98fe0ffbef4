"""What the user may read, asked up front (RBAC), so gaps are known before any 403.

For each resource: may it be listed and watched cluster-wide (SelfSubjectAccessReview)? If
not, for namespaced kinds, may it be in the scoped namespace? One SelfSubjectRulesReview of
that namespace answers this for every kind at once; SelfSubjectAccessReviews settle what the
rules review leaves open (it may be incomplete, e.g. with webhook authorizers). When the
review APIs themselves are not available, nothing is assumed and the 403s of the real
requests decide.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kubetraffic.adapters.kube.api import ApiError, KubeApi, Unreachable, parallel
from kubetraffic.adapters.kube.resources import Served

REVIEWS = "/apis/authorization.k8s.io/v1"


@dataclass(frozen=True, slots=True)
class Access:
    """Where a resource can be read: ``scope`` None (cluster-wide), a namespace, or denied."""

    scope: str | None
    watch: bool = True
    denied: bool = False
    verb: str = ""
    """The verb refused, when ``denied`` or when watching is not allowed."""


class ReviewsUnavailable(Exception):
    """The access review APIs cannot be used; fall back to the real requests' answers."""


def _ssar(api: KubeApi, verb: str, served: Served, namespace: str | None) -> bool:
    attrs: dict[str, Any] = {"verb": verb, "group": served.resource.group, "resource": served.resource.plural}
    if namespace:
        attrs["namespace"] = namespace
    body = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "spec": {"resourceAttributes": attrs},
    }
    try:
        answer = api.post_json(f"{REVIEWS}/selfsubjectaccessreviews", body)
    except ApiError as exc:
        raise ReviewsUnavailable(str(exc)) from None
    return bool((answer.get("status") or {}).get("allowed"))


def _rules(api: KubeApi, namespace: str) -> tuple[list[dict[str, Any]], bool]:
    body = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectRulesReview", "spec": {"namespace": namespace}}
    try:
        status = api.post_json(f"{REVIEWS}/selfsubjectrulesreviews", body).get("status") or {}
    except ApiError:
        return [], True
    return list(status.get("resourceRules") or []), bool(status.get("incomplete"))


def _granted(rules: Iterable[dict[str, Any]], verb: str, served: Served) -> bool:
    res = served.resource
    for rule in rules:
        if rule.get("resourceNames"):
            continue  # a grant on named objects does not allow listing
        verbs = rule.get("verbs") or []
        groups = rule.get("apiGroups") or []
        resources = rule.get("resources") or []
        if (
            ("*" in verbs or verb in verbs)
            and ("*" in groups or res.group in groups)
            and ("*" in resources or res.plural in resources)
        ):
            return True
    return False


def review_access(api: KubeApi, resources: list[Served], namespace: str) -> dict[str, Access]:
    """Access per kind; empty when the review APIs are unavailable (then 403s decide).

    Raises Unreachable when the server stops answering.
    """

    def cluster_wide(served: Served) -> tuple[bool, bool]:
        return _ssar(api, "list", served, None), _ssar(api, "watch", served, None)

    answers = parallel(cluster_wide, resources)
    for answer in answers:
        if isinstance(answer, Unreachable):
            raise answer
        if isinstance(answer, BaseException):
            return {}
    out: dict[str, Access] = {}
    fallback: list[Served] = []
    for served, answer in zip(resources, answers, strict=True):
        assert not isinstance(answer, BaseException)
        can_list, can_watch = answer
        if can_list:
            out[served.kind] = Access(None, watch=can_watch, verb="" if can_watch else "watch")
        elif served.resource.namespaced and namespace:
            fallback.append(served)
        else:
            out[served.kind] = Access(None, denied=True, verb="list")
    if fallback:
        rules, incomplete = _rules(api, namespace)
        for served in fallback:
            try:
                can_list = _granted(rules, "list", served) or (incomplete and _ssar(api, "list", served, namespace))
                can_watch = _granted(rules, "watch", served) or (incomplete and _ssar(api, "watch", served, namespace))
            except ReviewsUnavailable:
                continue  # unknown: the real requests will tell
            if can_list:
                out[served.kind] = Access(namespace, watch=can_watch, verb="" if can_watch else "watch")
            else:
                out[served.kind] = Access(None, denied=True, verb="list")
    return out
