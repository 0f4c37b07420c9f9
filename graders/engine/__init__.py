"""The scoring engine: component scores -> final scores, schemes, fair measurement."""
