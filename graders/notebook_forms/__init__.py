"""Notebook forms for trainers, reviewers and supervisors."""
