"""Training courses: the course format, interactive practice for service staff, and progress.

Course notebooks (`courses/<course>/NN_<module>.ipynb`) call `open_module(course, module)` and the
methods of what it returns; everything they show is built here, from tested code.
"""

from training.catalog import (
    Course,
    Module,
    ModuleContent,
    all_modules,
    courses_dir,
    load_course,
    load_courses,
    modules_for_competency,
)
from training.conversation import Conversation, Scenario
from training.diagnosis import DiagnosisTree, DiagnosisWalk
from training.kpi import (
    Commitments,
    Ticket,
    first_contact_resolution,
    response_compliance,
    weighted_satisfaction,
)
from training.progress import current_trainee
from training.selfcheck import Question, check_answer, score

__all__ = [
    "Commitments", "Conversation", "Course", "DiagnosisTree", "DiagnosisWalk", "Module",
    "ModuleContent", "Question", "Scenario", "Ticket", "all_modules", "check_answer",
    "courses_dir", "current_trainee", "first_contact_resolution", "load_course", "load_courses",
    "modules_for_competency", "open_module", "response_compliance", "score",
    "weighted_satisfaction",
]


def open_module(course: str, module: str, locale: str = "en"):
    """Start a module in a notebook: show its header, record that the trainee opened it, and
    return the `ModuleSession` whose methods show the practice, the self-check and the rating."""
    from training.session import ModuleSession

    return ModuleSession.open(course, module, locale=locale)
