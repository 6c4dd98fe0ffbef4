"""Test harnesses shared across the suite (emulated API server, ...)."""
