"""Training impact: what completing a course changed in a job figure."""
