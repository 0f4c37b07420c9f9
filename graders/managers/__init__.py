"""Supervisors and managers graded on their teams; goals, one-to-ones, churn."""
