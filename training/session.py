"""A module opened in a notebook: header, practice, self-check and reaction rating, all recorded."""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from core.competencies import competency_name
from training.catalog import Course, Module, ModuleContent, load_course
from training.conversation import Scenario
from training.diagnosis import DiagnosisTree
from training.recorder import Recorder
from training.text import label


@dataclass
class ModuleSession:
    course: Course
    module: Module
    content: ModuleContent
    locale: str
    recorder: Recorder
    notices: list[str] = field(default_factory=list)

    @classmethod
    def open(cls, course_id: str, module_id: str, locale: str = "en",
             recorder: Recorder | None = None, show: bool = True) -> ModuleSession:
        course = load_course(course_id)
        module = course.module(module_id)
        s = cls(course, module, module.content(), locale, recorder or Recorder.from_environment())
        s._note(s.recorder.record({"kind": "opened", "course": course_id, "module": module_id}))
        if show:
            from IPython.display import HTML, display

            display(HTML(s.header_html()))
        return s

    def _note(self, problem: str | None) -> None:
        if problem:
            self.notices.append(problem)

    @property
    def practice_ids(self) -> list[str]:
        return list(self.content.practice)

    def header_html(self) -> str:
        loc, m = self.locale, self.module
        comps = ", ".join(competency_name(c, loc) for c in m.competencies)
        if self.recorder.active and not self.notices:
            who = f"{label('recorded_as', loc)}<b>{escape(self.recorder.display_name())}</b>."
        else:
            why = self.notices[-1] if self.notices else self.recorder.reason
            who = f"{label('not_recorded', loc)}{escape(str(why))}."
        return (f"<div style='border:1px solid #c8d1dc;border-radius:6px;padding:8px 12px'>"
                f"<div style='color:#44546a'>{escape(self.course.title(loc))}</div>"
                f"<h2 style='margin:4px 0'>{escape(m.title(loc))}</h2>"
                f"<div>{label('estimated', loc)}: {m.minutes} {label('minutes', loc)} · "
                f"{label('competencies', loc)}: {escape(comps)}</div>"
                f"<div style='font-size:90%;color:#44546a;margin-top:4px'>{who}</div></div>")

    # --- what the notebook shows ------------------------------------------------------------------

    def practice(self, practice_id: str):
        """The interactive exercise `practice_id` of this module's practice file."""
        from training import widgets

        item = self.content.practice[practice_id]
        done = self._practice_done(practice_id)
        if isinstance(item, DiagnosisTree):
            return widgets.Diagnosis(item, self.locale, on_done=lambda _w: done())
        if isinstance(item, Scenario):
            return widgets.ConversationSim(item, self.locale, on_done=lambda _c: done(),
                                           order_seed=self._order_seed(practice_id))
        return widgets.CALCULATORS[item.kind](item, self.locale, on_done=lambda _v: done())

    def _practice_done(self, practice_id: str):
        c, m, ids = self.course.id, self.module.id, self.practice_ids

        def done():
            self._note(self.recorder.record({"kind": "practice", "course": c, "module": m,
                                             "practice_id": practice_id, "all_practice": ids}))
        return done

    def self_check(self):
        """The module's self-check questions with immediate feedback; the score is recorded."""
        from training import widgets

        c, m = self.course.id, self.module.id

        def done(value: float):
            self._note(self.recorder.record({"kind": "self_check", "course": c, "module": m,
                                             "score": value}))
        return widgets.SelfCheck(self.content.self_check, self.locale, on_done=done,
                                 order_seed=self._order_seed("self_check"))

    def _order_seed(self, part: str) -> str:
        """Options are shown in an order of the trainee's own, with the right answers spread
        over the letters (core.option_checks.spread_orders)."""
        return "|".join((self.recorder.trainee or "", self.course.id, self.module.id, part))

    def reaction(self):
        """The one-question reaction rating (1-5) with an optional comment."""
        from training import widgets

        c, m = self.course.id, self.module.id

        def save(rating: int, comment: str) -> str | None:
            return self.recorder.record({"kind": "reaction", "course": c, "module": m,
                                         "rating": rating, "comment": comment})
        return widgets.Reaction(self.locale, save=save)

    def figure(self, name: str):
        """A figure from `training.figures` by name (e.g. 'filter_schedule')."""
        from training.figures import FIGURES

        return FIGURES[name]()
