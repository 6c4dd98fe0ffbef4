"""UI tests run the real app headless (``run_test``) on snapshot, demo or scripted sources."""
