"""The NetworkPolicy engine (networking.k8s.io/v1): exact verdicts with explanations, the
DNS check, the smallest fix and the connectivity matrix.

Entry points::

    evaluate_connection(state, PodPeer(pod), ExternalPeer("198.51.100.7"), 443)
    policies_selecting(state, pod)      describe_policy(policy)
    check_dns(state, pod)               smallest_fix(state, verdict)
    build_matrix(state, workloads)

The semantics decisions the API leaves open (host-network pods, pod IPs inside an
ipBlock, pods without IPs, terminating pods, a pod and its own node) are stated in
``connection``'s docstring and repeated in each verdict's notes when they matter.
"""

from kubetraffic.core.policy.connection import PortNameError, evaluate_connection
from kubetraffic.core.policy.describe import describe_peer, describe_policy, describe_rule, policies_selecting
from kubetraffic.core.policy.dns import check_dns, dns_pods
from kubetraffic.core.policy.fix import dns_fix, smallest_fix
from kubetraffic.core.policy.index import PolicyIndex, policy_index
from kubetraffic.core.policy.matrix import Matrix, MatrixConnection, MatrixWorkload, build_matrix
from kubetraffic.core.policy.model import (
    NO_RULES,
    ConnectionVerdict,
    DnsCheck,
    ExternalPeer,
    Fix,
    Miss,
    Peer,
    PodPeer,
    PodPolicies,
    RuleRef,
    SideVerdict,
)

__all__ = [
    "NO_RULES",
    "ConnectionVerdict",
    "DnsCheck",
    "ExternalPeer",
    "Fix",
    "Matrix",
    "MatrixConnection",
    "MatrixWorkload",
    "Miss",
    "Peer",
    "PodPeer",
    "PodPolicies",
    "PolicyIndex",
    "PortNameError",
    "RuleRef",
    "SideVerdict",
    "build_matrix",
    "check_dns",
    "describe_peer",
    "describe_policy",
    "describe_rule",
    "dns_fix",
    "dns_pods",
    "evaluate_connection",
    "policies_selecting",
    "policy_index",
    "smallest_fix",
]
