"""Theory exams: question banks, generated nbgrader notebooks, clickable answers, grading, analysis.

Exam notebooks call `ask(slot)`; trainers use `graders.exam.lifecycle` through `academy exam`.
"""

from graders.exam.widgets import ask

__all__ = ["ask"]
