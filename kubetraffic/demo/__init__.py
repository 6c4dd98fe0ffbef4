"""The bundled demo scenario: manifests and metric/packet generators."""
