"""Registers the per-source aggregators of graders.sources (import for its side effect)."""
