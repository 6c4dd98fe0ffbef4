"""The outside world -> core: kube (live), snapshot, demo, prometheus, capture."""
