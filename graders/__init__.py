"""The scoring engine: nbgrader bridge, practical exams, reviews, surveys, final grades, rewards.

Grows with the exam, evidence and grading capabilities.
"""

__all__: list[str] = []
