"""The verdict for one connection: the source's egress AND the destination's ingress.

For traffic to or from outside the cluster only the in-cluster side counts. Decisions the
API leaves to us, and what this engine does (each is said in the verdict's notes when it
matters):

- **A pod and itself**: always allowed — "a pod cannot block access to itself".
- **A pod and its own node**: always allowed, both ways — the documentation's exception
  "traffic to and from the node where a Pod is running is always allowed".
- **Host-network pods** are node traffic, the most common implementation: no policy
  selects them, selectors never match them as peers, and their address is their node's,
  which an ``ipBlock`` may match.
- **Pod IPs inside an ipBlock**: an ipBlock matches only addresses outside the cluster's
  pods (the documentation's intent: "these should be cluster-external IPs"); an address
  given for a pod is judged as that pod. Plugins differ here, and the miss says so.
- **Pods without IPs** (not started yet, or stand-ins from workload templates) are judged
  by their labels and declared ports, as they will be once running.
- **Terminating pods** keep their policies until they are gone; **completed pods**
  (Succeeded/Failed) are judged by labels, with a note that they send nothing now.
"""

from __future__ import annotations

from functools import lru_cache

from kubetraffic.core.ipset import IPSet, is_ip
from kubetraffic.core.objects import Node, Pod
from kubetraffic.core.policy.index import PolicyIndex, policy_index
from kubetraffic.core.policy.model import ConnectionVerdict, ExternalPeer, Peer, PodPeer, SideVerdict
from kubetraffic.core.policy.peers import Endpoint
from kubetraffic.core.policy.verdict import Question, evaluate_side
from kubetraffic.core.ports import PortSet, normalise_protocol
from kubetraffic.core.state import ClusterState


class PortNameError(ValueError):
    """A named port that cannot be resolved on the destination."""


def endpoint_of(state: ClusterState, peer: Peer) -> Endpoint:
    """How rules see a peer: a pod, a host-network pod (node address), or addresses."""
    if isinstance(peer, PodPeer):
        pod = peer.pod
        if not pod.host_network:
            return Endpoint(pod.meta.ref, pod=pod)
        ip = host_network_address(state, pod)
        text = f"{pod.meta.ref} (host network, node IP {ip})" if ip else f"{pod.meta.ref} (host network)"
        return Endpoint(text, ips=IPSet.from_ip(ip) if ip else None, hostnet=pod)
    return Endpoint(peer.name, ips=addresses(peer.ip))


@lru_cache(maxsize=4096)
def addresses(text: str) -> IPSet:
    """The addresses of an IP or CIDR (parsed once: verdicts ask about the same ones often)."""
    return IPSet.from_cidr(text)


def host_network_address(state: ClusterState, pod: Pod) -> str | None:
    """The address a host-network pod's traffic has: its node's ("treated the same as all
    other traffic to/from the node IP"), known once the pod is scheduled even before its
    status reports a podIP."""
    if pod.ip:
        return pod.ip
    if pod.host_ip:
        return pod.host_ip
    node: Node | None = state.get("Node", ("", pod.node_name)) if pod.node_name else None
    if node is not None:
        return next(iter(node.internal_ips or node.external_ips), None)
    return None


def node_ips(state: ClusterState, pod: Pod) -> set[str]:
    """Addresses of the node a pod runs on (its hostIP and the Node's addresses)."""
    out = {pod.host_ip} if pod.host_ip else set()
    if pod.node_name:
        node: Node | None = state.get("Node", ("", pod.node_name))
        if node is not None:
            out.update(node.internal_ips)
            out.update(node.external_ips)
    return out


def own_node(state: ClusterState, pod: Pod, other: Endpoint) -> bool:
    """``other`` is the node ``pod`` runs on (a host-network pod there, or the node's IP):
    traffic between a pod and its own node is always allowed."""
    if pod.template:
        return False
    if other.hostnet is not None and pod.node_name and other.hostnet.node_name == pod.node_name:
        return True
    if other.ips is None or other.ips.size() != 1:
        return False
    ip = (other.ips.cidrs()[0]).split("/")[0]
    return ip in node_ips(state, pod)


def pod_notes(pod: Pod) -> list[str]:
    """What about a pod's state changes how to read its verdict."""
    ref = pod.meta.ref
    notes = []
    if pod.template and pod.template_of is not None:
        kind, name = pod.template_of
        notes.append(f"{ref} stands in for the {kind} {name} template: judged by its labels and declared ports")
    elif not pod.pod_ips and not pod.host_network:
        notes.append(f"{ref} has no IP yet: judged by its labels, as it will be once running")
    if pod.terminating:
        notes.append(f"{ref} is terminating: its policies apply until it is gone")
    if pod.phase in ("Succeeded", "Failed"):
        notes.append(f"{ref} has completed ({pod.phase}): it sends and receives nothing now")
    if pod.host_network:
        notes.append(
            f"{ref} uses the host network: its traffic is node traffic — no policy isolates it, selectors never "
            "match it, an ipBlock may match its node IP (the most common implementation)"
        )
    return notes


def as_cluster_peer(state: ClusterState, peer: Peer) -> tuple[Peer, list[str]]:
    """An address that belongs to a pod is judged as that pod (ipBlock never matches pods)."""
    if isinstance(peer, ExternalPeer) and is_ip(peer.ip):
        pod = state.pod_by_ip(peer.ip)
        if pod is not None:
            return PodPeer(pod), [f"{peer.ip} is the IP of pod {pod.meta.ref}: judged as that pod"]
        svc = state.service_by_ip(peer.ip)
        if svc is not None:
            return peer, [
                f"{peer.ip} is an address of Service {svc.meta.ref}: policies see its backend pods and target "
                f"ports after the Service translation — ask for {svc.meta.ref} instead"
            ]
    return peer, []


def resolve_port(port: int | str | None, protocol: str, destination: Peer) -> tuple[int | None, str | None]:
    """(number, name asked for) — a named port is resolved on the destination pod."""
    if port is None or isinstance(port, int):
        return port, None
    if port.isdigit():
        return int(port), None
    if not isinstance(destination, PodPeer):
        raise PortNameError(f"named port {port!r} needs a destination pod; {destination.name} is an address")
    number = destination.pod.named_ports().get((port, protocol))
    if number is None:
        raise PortNameError(f"{destination.name} has no {protocol} port named {port!r}")
    return number, port


def evaluate_connection(
    state: ClusterState,
    source: Peer,
    destination: Peer,
    port: int | str | None,
    protocol: str = "TCP",
    *,
    index: PolicyIndex | None = None,
) -> ConnectionVerdict:
    """May ``source`` open a connection to ``destination`` on ``port``/``protocol``?

    ``port`` is the destination port after any Service translation (a number, a name
    resolved on the destination pod, or None for "which ports"). ``index`` overrides the
    state's policies (the fix verifier passes an overlay).
    """
    protocol = normalise_protocol(protocol)
    index = index or policy_index(state)
    source, src_notes = as_cluster_peer(state, source)
    destination, dst_notes = as_cluster_peer(state, destination)
    number, name = resolve_port(port, protocol, destination)
    notes = [*src_notes, *dst_notes]
    for peer in (source, destination):
        if isinstance(peer, PodPeer):
            notes += [n for n in pod_notes(peer.pod) if n not in notes]
        elif addresses(peer.ip).size() > 1:
            notes.append(f"{peer.ip} is a range: allowed only if every address in it is (pods are judged by name)")
    src_end, dst_end = endpoint_of(state, source), endpoint_of(state, destination)
    dst_pod = destination.pod if isinstance(destination, PodPeer) and not destination.pod.host_network else None
    egress = ingress = None
    if (
        isinstance(source, PodPeer)
        and isinstance(destination, PodPeer)
        and source.pod.key == destination.pod.key
        and not source.pod.template
    ):
        reason = "a pod cannot block traffic to itself"
        egress = _exempt(index, "egress", source.pod, reason, number)
        ingress = _exempt(index, "ingress", destination.pod, reason, number)
    else:
        labels = state.namespace_labels
        if isinstance(source, PodPeer):
            if source.pod.host_network:
                egress = _exempt(index, "egress", source.pod, "host-network pod: NetworkPolicy does not apply", number)
            elif own_node(state, source.pod, dst_end):
                egress = _exempt(index, "egress", source.pod, "traffic to its own node is always allowed", number)
            else:
                q = Question(dst_end, number, protocol, dst_pod, destination.name)
                egress = evaluate_side(index, labels, "egress", source.pod, q)
        if isinstance(destination, PodPeer):
            if destination.pod.host_network:
                ingress = _exempt(
                    index, "ingress", destination.pod, "host-network pod: NetworkPolicy does not apply", number
                )
            elif own_node(state, destination.pod, src_end):
                ingress = _exempt(
                    index, "ingress", destination.pod, "traffic from its own node is always allowed", number
                )
            else:
                q = Question(src_end, number, protocol, destination.pod, destination.name)
                ingress = evaluate_side(index, labels, "ingress", destination.pod, q)
    if egress is None and ingress is None:
        notes.append("neither end is a pod of the cluster: NetworkPolicy does not apply")
    ports = None
    if number is None:
        ports = PortSet.all()
        for side in (egress, ingress):
            if side is not None and side.ports is not None:
                ports = ports & side.ports
    allowed = all(s.allowed for s in (egress, ingress) if s is not None) and (ports is None or bool(ports))
    return ConnectionVerdict(
        source=source,
        destination=destination,
        port=number,
        protocol=protocol,
        allowed=allowed,
        egress=egress,
        ingress=ingress,
        notes=tuple(notes),
        port_name=name,
        ports=ports,
    )


def _exempt(index: PolicyIndex, direction: str, pod: Pod, reason: str, port: int | None) -> SideVerdict:
    """A side policy does not govern: allowed whatever the rules say (isolation still shown)."""
    policies = tuple(cp.ref for cp in index.selecting(pod, direction))
    return SideVerdict(
        "egress" if direction == "egress" else "ingress",
        pod.meta.ref,
        allowed=True,
        isolated=bool(policies),
        policies=policies,
        exempt=reason,
        notes=(reason,),
        ports=PortSet.all() if port is None else None,
    )
