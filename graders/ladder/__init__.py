"""Penalties, career paths, corrective actions and recognition (the ladder)."""
