"""The bundled demo cluster behind the same interfaces as the live sources.

``DemoSource`` (cluster state and change events) is all this package imports eagerly;
the metrics and packet generators load only when asked for.
"""

from kubetraffic.adapters.demo.source import DemoSource

__all__ = ["DemoSource"]
