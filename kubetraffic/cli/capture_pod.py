"""``capture POD``: read the pod, show the plan, ask before creating anything."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from kubetraffic.cli.options import EXIT_FAIL, EXIT_SOURCE, EXIT_USAGE, GlobalOptions
from kubetraffic.core.capture import CaptureLimits
from kubetraffic.render.text import clean_line


def kube_clients(opts: GlobalOptions) -> tuple[Any, Any, str]:
    """(CoreV1Api, AuthorizationV1Api, default namespace) from the kubeconfig, like kubectl."""
    from kubernetes import client, config

    from kubetraffic.adapters.capture.pod import PodCaptureError

    try:
        api = config.new_client_from_config(config_file=opts.kubeconfig, context=opts.context)
        _, active = config.list_kube_config_contexts(config_file=opts.kubeconfig)
    except Exception as exc:  # config errors come in many types
        raise PodCaptureError(f"cannot load the kubeconfig: {exc}", EXIT_SOURCE) from exc
    if opts.context:
        contexts, _ = config.list_kube_config_contexts(config_file=opts.kubeconfig)
        active = next((c for c in contexts if c.get("name") == opts.context), active)
    namespace = (active or {}).get("context", {}).get("namespace") or "default"
    return client.CoreV1Api(api), client.AuthorizationV1Api(api), namespace


def pod_source(
    opts: GlobalOptions,
    pod: str,
    *,
    container: str | None,
    image: str,
    bpf: str | None,
    limits: CaptureLimits,
    yes: bool,
) -> Any:
    """The PodCapture for ``pod`` (``name`` or ``namespace/name``), once the user agreed to the plan.

    Raises PodCaptureError (with an exit code) when the capture cannot or may not go ahead.
    """
    if opts.demo:  # the demo's pods are not on any API server: their packets are generated
        from kubetraffic.adapters.demo import DemoSource

        namespace = opts.namespace or "default"
        return DemoSource().capture_source(pod, namespace=namespace, seconds=limits.max_seconds, bpf=bpf)
    from kubetraffic.adapters.capture.pod import PodCapture, PodCaptureError, check_filter, explain_api_error
    from kubetraffic.adapters.capture.pod_plan import make_plan

    if bpf:
        check_filter(bpf)

    core, authz, default_ns = kube_clients(opts)
    namespace, _, name = pod.rpartition("/")
    namespace = namespace or opts.namespace or default_ns
    try:
        raw = json.loads(core.read_namespaced_pod(name, namespace, _preload_content=False).data)
    except Exception as exc:  # an ApiException or a connection error
        error = explain_api_error(exc, f"read pod {namespace}/{name}")
        if getattr(exc, "status", None) == 404:
            error.exit_code = EXIT_USAGE
        raise error from exc
    labels: dict[str, str] | None = None
    try:
        ns_obj = json.loads(core.read_namespace(namespace, _preload_content=False).data)
        labels = ns_obj.get("metadata", {}).get("labels", {})
    except Exception:
        labels = None
    try:
        plan = make_plan(raw, labels, image=image, container=container, bpf=bpf, limits=limits)
    except ValueError as exc:
        raise PodCaptureError(str(exc), EXIT_FAIL) from exc
    source = PodCapture(core, authz, plan)
    source.check()  # RBAC first: refuse before asking, not after
    for line in plan.describe():
        sys.stderr.write(clean_line(line) + "\n")
    if not yes:
        if not sys.stdin.isatty():
            raise PodCaptureError("not creating anything without confirmation: add --yes to proceed", EXIT_USAGE)
        if not click.confirm("Proceed?", default=False, err=True):
            raise PodCaptureError("cancelled: nothing was created", EXIT_FAIL)
    return source
