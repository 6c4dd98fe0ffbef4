"""Entry points, flags and output selection."""
