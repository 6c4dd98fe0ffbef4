"""The live cluster source: kubeconfig like kubectl, list + watch through the kubernetes client.

``LiveSource`` implements ``adapters.source.ClusterSource``; ``LiveSource.from_options`` is
what the CLI calls. Importing this package imports the kubernetes client, so only the live
path pays for it.
"""

from kubetraffic.adapters.kube.live import ClusterUnreachable, LiveSource
from kubetraffic.adapters.kube.reflector import Settings

__all__ = ["ClusterUnreachable", "LiveSource", "Settings"]
