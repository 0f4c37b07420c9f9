"""Grade runs stored with provenance, published (locked) and exported."""
