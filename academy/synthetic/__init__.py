"""Synthetic and demo data: a believable company, its evidence, tickets, plans,
course progress and exams, and simulations with a known truth. Shell only."""
