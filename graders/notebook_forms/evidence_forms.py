"""Notebook forms for trainers and reviewers: the practical-exam scoring form and the 360-degree
review form. Thin ipywidgets over the same checks and storage as the file imports.

Who fills a form comes from the serving identity ($ACADEMY_USER, set by the server that serves
the person, else the login name), never from a widget the person could change.
"""

from __future__ import annotations

import ipywidgets as w
from sqlalchemy.orm import Session

from core import labels
from core.errors import AcademyError
from core.home import Home, open_home
from graders.forms_config import EvidenceConfig, load_evidence_config
from graders.importing import store, target_cycle
from graders.sources.practical import practical_config, rating_records
from graders.sources.reviews import review_config, review_records
from roster.store import current_user, list_staff

_t = labels.scoped("form")


class _Form:
    def __init__(self, home: Home | None = None, cycle: str | None = None, who: str | None = None,
                 locale: str | None = None):
        self.home = home or open_home()
        self.cfg: EvidenceConfig = load_evidence_config(self.home.assessments_dir)
        # the page's language where a dashboard shows the form, else the home's
        self.locale = locale if locale in ("en", "zh") else self.home.settings.locale
        self.who = who or current_user()
        self.cycle_name = cycle
        with self.home.transaction() as s:
            self.staff = {r.employee_id: r for r in list_staff(s)}
            self.cycle = target_cycle(s, cycle).name
        self.status = w.HTML()
        self.save_button = w.Button(description=_t("save", self.locale), button_style="primary",
                                    icon="check")
        self.save_button.on_click(lambda _b: self.save())

    def _store(self, source: str, key: str, records: list[dict], config: dict) -> str:
        with Session(self.home.engine) as s, s.begin():
            cycle = target_cycle(s, self.cycle)
            result = store(s, cycle, source, key, None, records, self.who, config)
        msg = f"✓ {_t('saved', self.locale)} ({len(records)})"
        if result.replaced:
            msg += f", {_t('replaced', self.locale)}"
        self.status.value = f"<span style='color:#1a7f37'>{msg}</span>"
        return msg

    def _error(self, text: str) -> None:
        self.status.value = f"<span style='color:#b42318'>{text}</span>"

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)


def _level_buttons(levels: list[float], descriptions: dict[int, str]) -> w.ToggleButtons:
    return w.ToggleButtons(options=[(f"{v:g}", v) for v in levels], value=None,
                           tooltips=[descriptions.get(int(v), "") for v in levels],
                           style={"button_width": "42px"})


class PracticalScoringForm(_Form):
    """A trainer scores one trainee on one scenario, criterion by criterion, with level hints."""

    def __init__(self, home: Home | None = None, cycle: str | None = None, trainer: str | None = None,
                 locale: str | None = None):
        super().__init__(home, cycle, trainer, locale)
        rubrics = self.cfg.rubrics
        if not rubrics:
            raise AcademyError(f"no rubrics in {self.home.assessments_dir / 'rubrics'}")
        title = (lambda r: r.title_zh or r.title_en) if self.locale == "zh" else (lambda r: r.title_en)
        self.rubric = w.Dropdown(options=[(title(r), r.id) for r in rubrics.values()],
                                 description=_t("scenario", self.locale))
        self.trainee = w.Dropdown(description=_t("trainee", self.locale))
        self.comment = w.Textarea(description=_t("comment", self.locale))
        self.criteria_box = w.VBox()
        self.scenario = w.HTML()
        self.rubric.observe(lambda _c: self._build(), names="value")
        self._build()
        self.widget = w.VBox([w.HTML(f"<b>{_t('trainer', self.locale)}:</b> {self.who} · "
                                     f"{self.cycle}"),
                              self.rubric, self.scenario, self.trainee, self.criteria_box,
                              self.comment, self.save_button, self.status])

    def _build(self) -> None:
        r = self.cfg.rubrics[self.rubric.value]
        zh = self.locale == "zh"
        self.scenario.value = f"<p>{(r.scenario_zh if zh and r.scenario_zh else r.scenario_en)}</p>"
        people = [p for p in self.staff.values()
                  if p.level == "staff" and (not r.families or p.family in r.families)
                  and p.employee_id != self.who]
        self.trainee.options = [(f"{p.employee_id} {p.name} ({p.team})", p.employee_id)
                                for p in people]
        levels = [float(v) for v in range(int(r.scale.min), int(r.scale.max) + 1)]
        self.buttons = {}
        rows = []
        for c in r.criteria:
            b = _level_buttons(levels, c.levels)
            self.buttons[c.id] = b
            text = c.text_zh if zh and c.text_zh else c.text_en
            mark = " ⚠" if c.critical else ""
            hint = w.HTML()
            b.observe(lambda ch, c=c, hint=hint: setattr(
                hint, "value", f"<i>{c.levels.get(int(ch['new']), '') if ch['new'] else ''}</i>"),
                names="value")
            rows.append(w.VBox([w.HTML(f"<b>{text}</b>{mark} <small>({c.weight:g})</small>"), b, hint]))
        self.criteria_box.children = rows

    def save(self) -> str | None:
        r = self.cfg.rubrics[self.rubric.value]
        levels = {cid: b.value for cid, b in self.buttons.items()}
        if self.trainee.value is None or any(v is None for v in levels.values()):
            self._error(_t("missing", self.locale))
            return None
        extra = {"comment": self.comment.value} if self.comment.value.strip() else {}
        records = rating_records(r, self.trainee.value, self.who, levels, extra)
        key = f"form:{r.id}:{self.who}:{self.trainee.value}"
        return self._store("practical", key, records, practical_config(self.cfg, {r.id}))


class ReviewForm(_Form):
    """A reviewer rates a colleague, a direct report or themself on the competency items."""

    def __init__(self, home: Home | None = None, cycle: str | None = None, reviewer: str | None = None):
        super().__init__(home, cycle, reviewer)
        if self.who not in self.staff:
            raise AcademyError(f"{self.who!r} is not an active member of the roster")
        me = self.staff[self.who]
        self.relation_of: dict[str, str] = {}
        for p in self.staff.values():
            if p.employee_id == self.who:
                self.relation_of[p.employee_id] = "self"
            elif p.supervisor_id == self.who:
                self.relation_of[p.employee_id] = "supervisor"
            elif p.team == me.team and p.level == "staff":
                self.relation_of[p.employee_id] = "peer"
        zh = self.locale == "zh"
        self.person = w.Dropdown(
            options=[(f"{self.staff[e].name} ({rel})", e) for e, rel in sorted(self.relation_of.items())],
            description=_t("person", self.locale))
        form = self.cfg.review
        levels = [float(v) for v in range(int(form.scale.min), int(form.scale.max) + 1)]
        self.buttons = {it.id: _level_buttons(levels, {}) for it in form.items}
        rows = [w.VBox([w.HTML(f"<b>{(it.text_zh if zh and it.text_zh else it.text_en)}</b>"),
                        self.buttons[it.id]]) for it in form.items]
        self.widget = w.VBox([w.HTML(f"<b>{_t('reviewer', self.locale)}:</b> {me.name} · "
                                     f"{self.cycle}"), self.person, *rows, self.save_button,
                              self.status])

    def save(self) -> str | None:
        form = self.cfg.review
        answers = {k: b.value for k, b in self.buttons.items() if b.value is not None}
        if self.person.value is None or any(it.required and it.id not in answers for it in form.items):
            self._error(_t("missing", self.locale))
            return None
        relation = self.relation_of[self.person.value]
        records = review_records(form, relation, self.who, self.person.value, answers)
        key = f"form:review:{self.who}:{self.person.value}"
        return self._store("peer", key, records, review_config(self.cfg))
