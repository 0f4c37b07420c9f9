"""The supervisor's notebook form for technical support's monthly work plan: agree the plan items
of a direct report at the start of a month, score them (done / partly / not done, quality) the
next month. Thin ipywidgets over graders.sources.work_plans, stored like the file imports.

The supervisor is the serving identity (graders.notebook_forms.evidence_forms), never a widget value; the people offered
and accepted are those below them in the roster, of the work plan's role families.
"""

from __future__ import annotations

from datetime import date

import ipywidgets as w

from core import labels
from core.cycles import get_cycle
from core.errors import AcademyError
from core.home import Home
from graders.notebook_forms.evidence_forms import _Form
from graders.sources.behaviour import cycle_months
from graders.sources.work_plans import (
    STATUSES,
    _chain_above,
    _month_over,
    _slug,
    agreed_items,
    load_rules,
    plan_records,
    score_records,
)

__all__ = ["WorkPlanForm"]

_t = labels.scoped("plan")


class WorkPlanForm(_Form):
    """A supervisor agrees or scores one direct report's monthly work plan."""

    def __init__(self, home: Home | None = None, cycle: str | None = None,
                 supervisor: str | None = None, today: date | None = None):
        super().__init__(home, cycle, supervisor)
        self.rules = load_rules(self.home.assessments_dir)
        self.today = today or date.today()
        if self.who not in self.staff:
            raise AcademyError(f"{self.who!r} is not an active member of the roster")
        loc = self.locale
        self.people = self._people()
        with self.home.transaction() as s:
            self.months = cycle_months(get_cycle(s, self.cycle))
        self.person = w.Dropdown(options=[(f"{p.employee_id} {p.name} ({p.team})", p.employee_id)
                                          for p in self.people.values()],
                                 description=_t("person", loc))
        self.month = w.Dropdown(options=self.months, description=_t("month", loc))
        self.mode = w.ToggleButtons(options=[(_t("agree", loc), "agree"), (_t("score", loc), "score")],
                                    description=_t("mode", loc))
        self.rows_box = w.VBox()
        self.add_button = w.Button(description=_t("add", loc), icon="plus")
        self.add_button.on_click(lambda _b: self._add_row())
        for wid in (self.person, self.month, self.mode):
            wid.observe(lambda _c: self._build(), names="value")
        self.plan_rows: list[tuple[w.Text, w.FloatText, w.Text]] = []
        self.score_rows: dict[str, tuple[w.ToggleButtons, w.ToggleButtons]] = {}
        self._build()
        self.widget = w.VBox([w.HTML(f"<b>{_t('supervisor', loc)}:</b> {self.staff[self.who].name} "
                                     f"· {self.cycle}"),
                              self.person, self.month, self.mode, self.rows_box, self.save_button,
                              self.status])

    def _people(self) -> dict:
        return {e: p for e, p in self.staff.items()
                if self.who in _chain_above(self.staff, e) and p.family in self.rules.families}

    # --- building -------------------------------------------------------------------------------

    def _agreed(self) -> dict[str, dict]:
        if self.person.value is None:
            return {}
        with self.home.transaction() as s:
            return agreed_items(s, get_cycle(s, self.cycle).id).get(
                (self.person.value, self.month.value), {})

    def _add_row(self, title: str = "", weight: float = 1.0, target: str = "") -> None:
        loc = self.locale
        row = (w.Text(value=title, placeholder=_t("item", loc)),
               w.FloatText(value=weight, description=_t("weight", loc), layout={"width": "160px"}),
               w.Text(value=target, placeholder=_t("target", loc)))
        self.plan_rows.append(row)
        self.rows_box.children = [*self.rows_box.children[:-1], w.HBox(list(row)), self.add_button]

    def _build(self) -> None:
        loc = self.locale
        self.status.value = ""
        agreed = self._agreed()
        if self.mode.value == "agree":
            self.plan_rows = []
            self.rows_box.children = [self.add_button]
            for a in agreed.values():
                self._add_row(a["title"], float(a["weight"]), a.get("target") or "")
            if not agreed:
                self._add_row()
            return
        self.score_rows = {}
        if not agreed:
            self.rows_box.children = [w.HTML(f"<i>{_t('none_agreed', loc)}</i>")]
            return
        levels = [float(v) for v in range(int(self.rules.quality_scale.min),
                                          int(self.rules.quality_scale.max) + 1)]
        rows = []
        for slug, a in agreed.items():
            st = w.ToggleButtons(options=[(_t(k, loc), k) for k in STATUSES], value=None)
            q = w.ToggleButtons(options=[(f"{v:g}", v) for v in levels], value=None,
                                description=_t("quality", loc), style={"button_width": "42px"})
            self.score_rows[slug] = (st, q)
            target = f" <small>({a['target']})</small>" if a.get("target") else ""
            rows.append(w.VBox([w.HTML(f"<b>{a['title']}</b> · {float(a['weight']):g}{target}"),
                                st, q]))
        self.rows_box.children = rows

    # --- saving ---------------------------------------------------------------------------------

    def save(self) -> str | None:
        loc = self.locale
        emp, month = self.person.value, self.month.value
        if emp not in self._people() or month not in self.months:
            self._error(_t("not_yours", loc))
            return None
        config = {"work_plan": self.rules.model_dump(mode="json")}
        if self.mode.value == "agree":
            items = [(t.value.strip(), float(wt.value), tg.value.strip() or None)
                     for t, wt, tg in self.plan_rows if t.value.strip()]
            slugs = [_slug(t) for t, _w, _g in items]
            if (not items or len(set(slugs)) != len(slugs) or any(x[1] <= 0 for x in items)
                    or len(items) > self.rules.max_items):
                self._error(_t("empty", loc))
                return None
            records = plan_records(emp, self.who, month, items)
            return self._store("supervisor", f"form:plan:{emp}:{month}", records, config)
        if not _month_over(month, self.today):
            self._error(_t("not_over", loc))
            return None
        agreed = self._agreed()
        if not agreed:
            self._error(_t("none_agreed", loc))
            return None
        if any(st.value is None for st, _q in self.score_rows.values()):
            self._error(_t("unscored", loc))
            return None
        scores = {slug: (st.value, q.value, None) for slug, (st, q) in self.score_rows.items()
                  if slug in agreed}
        records = score_records(emp, self.who, month, agreed, scores, self.rules)
        return self._store("supervisor", f"form:plan-score:{emp}:{month}", records, config)
