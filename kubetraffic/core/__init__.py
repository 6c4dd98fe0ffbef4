"""The pure domain: objects, selectors, IP/port sets, cluster state, routing, policy, diagnosis.

Standard library only; no I/O. Import-linter and tests/test_layers.py enforce it.
"""
