"""kubetraffic: follow traffic through a Kubernetes cluster."""

__version__ = "0.1.0"
