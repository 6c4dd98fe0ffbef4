"""Core answers -> Rich renderables and versioned JSON, shared by the CLI and the TUI."""
