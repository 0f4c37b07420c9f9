"""Benchmarks (`academy bench ...`): figures, not tests; part of the shell."""
