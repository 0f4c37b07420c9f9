"""The interactive parts of course notebooks, as thin ipywidgets shells over the pure logic.

Every widget is a VBox whose parts are attributes (`.options`, `.check`, `.feedback`, ...), so tests
and notebooks can drive them directly. `on_done` callbacks tell the module session what to record.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

import ipywidgets as W

from core.option_checks import spread_orders
from training.conversation import DIMENSIONS, Conversation, Scenario
from training.diagnosis import DiagnosisTree, DiagnosisWalk
from training.kpi import (
    SATISFIED_AT,
    Commitments,
    KpiTask,
    first_contact_resolution,
    parse_tickets,
    response_compliance,
    weighted_satisfaction,
)
from training.selfcheck import Question, check_answer, score
from training.text import label, pick

GOOD, BAD, INFO = "#1b7f3a", "#b3261e", "#44546a"
WIDE = W.Layout(width="auto")


def _box(color: str, text: str) -> str:
    return (f'<div style="border-left:4px solid {color};padding:4px 10px;margin:4px 0;'
            f'color:{color}">{text}</div>')


def _option_rows(texts: list[str], on_pick: Callable[[int], None],
                 order: list[int] | None = None) -> tuple[list, list]:
    """One row per option, in `order` (option indexes; default as written): a lettered button and
    the option's full text (long replies wrap). A button calls `on_pick` with its option's index."""
    rows, buttons = [], []
    for pos, i in enumerate(order if order is not None else range(len(texts))):
        text = texts[i]
        b = W.Button(description=chr(ord("A") + pos), tooltip=text,
                     layout=W.Layout(width="3em", min_width="3em"))
        b.on_click(lambda _b, i=i: on_pick(i))
        buttons.append(b)
        rows.append(W.HBox([b, W.HTML(f"<div style='padding-top:4px'>{escape(text)}</div>",
                                      layout=W.Layout(flex="1 1 auto"))],
                           layout=W.Layout(align_items="flex-start", margin="2px 0")))
    return rows, buttons


def _title(text: str) -> W.HTML:
    return W.HTML(f"<h4 style='margin:6px 0'>{escape(text)}</h4>")


# --- self-check -----------------------------------------------------------------------------------


class QuestionItem(W.VBox):
    """One question: options to choose from, a Check button, the feedback with its explanation."""

    def __init__(self, number: int, question: Question, locale: str,
                 on_checked: Callable[[QuestionItem], None], order: list[int] | None = None):
        self.question, self.locale, self.correct = question, locale, None
        order = order if order is not None else list(range(len(question.options)))
        self.options = W.RadioButtons(
            options=[(pick(question.options[i], locale), i) for i in order], value=None,
            layout=WIDE)
        self.check = W.Button(description=label("check", locale), button_style="primary")
        self.feedback = W.HTML()
        self._on_checked = on_checked
        self.check.on_click(self._check)
        head = W.HTML(f"<b>{number}. {escape(pick(question.question, locale))}</b>")
        super().__init__([head, self.options, self.check, self.feedback],
                         layout=W.Layout(margin="0 0 12px 0"))
        self.add_class("academy-question")

    def _check(self, _btn=None) -> None:
        fb = check_answer(self.question, self.options.value, self.locale)
        if self.options.value is None:
            self.feedback.value = _box(INFO, escape(fb.message))
            return
        self.correct = fb.correct
        self.feedback.value = _box(GOOD if fb.correct else BAD, escape(fb.message))
        self._on_checked(self)


class SelfCheck(W.VBox):
    """The self-check at the end of a module; calls `on_done(score)` once every question is checked.

    With `order_seed` (the trainee and the module) the options are shown in an order that puts
    the right answers on different letters, the same for the same seed (core.option_checks)."""

    def __init__(self, questions: list[Question], locale: str = "en",
                 on_done: Callable[[float], None] | None = None, order_seed: str | None = None):
        self.locale, self.on_done, self.answers = locale, on_done, {}
        orders = (spread_orders([(len(q.options), q.answer) for q in questions], order_seed)
                  if order_seed is not None else [None] * len(questions))
        self.items = [QuestionItem(i + 1, q, locale, self._checked, orders[i])
                      for i, q in enumerate(questions)]
        self.questions = questions
        self.result = W.HTML()
        super().__init__([*self.items, self.result])
        self.add_class("academy-self-check")

    def _checked(self, item: QuestionItem) -> None:
        self.answers[item.question.id] = item.options.value
        if len(self.answers) < len(self.questions):
            self.result.value = (f"<i>{len(self.answers)}/{len(self.questions)} "
                                 f"{label('answered', self.locale)}</i>")
            return
        value = score(self.questions, self.answers)
        self.score = value
        self.result.value = _box(GOOD if value >= 80 else INFO,
                                 f"<b>{label('score', self.locale)}{value:g} / 100</b>")
        if self.on_done:
            self.on_done(value)


# --- guided fault diagnosis -----------------------------------------------------------------------


class Diagnosis(W.VBox):
    """Choose the next diagnostic step, see what it shows; `on_done(walk)` when the fault is cleared."""

    def __init__(self, tree: DiagnosisTree, locale: str = "en",
                 on_done: Callable[[DiagnosisWalk], None] | None = None):
        self.tree, self.locale, self.on_done = tree, locale, on_done
        self.walk = DiagnosisWalk(tree)
        self.steps_log = W.HTML()
        self.situation = W.HTML()
        self.choices = W.VBox()
        self.summary = W.HTML()
        self.restart_button = W.Button(description=label("restart", locale), icon="refresh")
        self.restart_button.on_click(lambda _b: self.restart())
        super().__init__([_title(pick(tree.title, locale)),
                          W.HTML(f"<p>{escape(pick(tree.intro, locale))}</p>"),
                          self.steps_log, self.situation, self.choices, self.summary,
                          self.restart_button])
        self.add_class("academy-diagnosis")
        self._render()

    def choose(self, index: int) -> None:
        self.walk.choose(index)
        self._render()
        if self.walk.solved and self.on_done:
            self.on_done(self.walk)

    def restart(self) -> None:
        self.walk.restart()
        self._render()

    def _render(self) -> None:
        loc = self.locale
        lines = []
        for n, step in enumerate(self.walk.history, start=1):
            verdict = label("good_step" if step.choice.good else "poor_step", loc)
            lines.append(_box(GOOD if step.choice.good else BAD,
                              f"<b>{label('step', loc)} {n}: {escape(pick(step.choice.text, loc))}"
                              f"</b> ({step.choice.minutes} {label('minutes', loc)})<br>"
                              f"{escape(pick(step.choice.result, loc))}<br><i>{verdict}</i>"))
        self.steps_log.value = "".join(lines)
        node = self.walk.node
        self.situation.value = f"<p><b>{escape(pick(node.situation, loc))}</b></p>"
        rows, self.choice_buttons = _option_rows([pick(c.text, loc) for c in node.choices],
                                                 self.choose)
        self.choices.children = rows
        if self.walk.finished:
            best = self.tree.best_path_length()
            status = label("solved", loc) if node.solved else pick(node.outcome, loc)
            self.summary.value = _box(
                GOOD if node.solved else BAD,
                f"<b>{escape(status)}</b><br>{escape(pick(node.outcome, loc)) if node.solved else ''}"
                f"<br>{label('summary', loc)}: {len(self.walk.history)} {label('steps', loc)} "
                f"({self.walk.good_steps} ✓), {label('minutes_spent', loc)} {self.walk.minutes} "
                f"{label('minutes', loc)}; {label('best_path', loc)}: {best} {label('steps', loc)}.")
        else:
            self.summary.value = ""


# --- customer conversation ------------------------------------------------------------------------


class ConversationSim(W.VBox):
    """Pick a reply to the customer, see the reaction; feedback on listening, empathy and emotion
    control at the end. `on_done(conversation)` when the conversation ends. With `order_seed`
    the replies of each turn are shown in an order that puts the best reply (highest total
    score) on different letters from turn to turn, the same for the same seed."""

    def __init__(self, scenario: Scenario, locale: str = "en",
                 on_done: Callable[[Conversation], None] | None = None,
                 order_seed: str | None = None):
        self.scenario, self.locale, self.on_done = scenario, locale, on_done
        self.orders: dict[str, list[int]] = {}
        if order_seed is not None:
            turns = [(name, t) for name, t in scenario.turns.items() if t.replies]
            best = [max(range(len(t.replies)), key=lambda i, t=t: sum(t.replies[i].scores.values()))
                    for _, t in turns]
            orders = spread_orders([(len(t.replies), b) for (_, t), b in zip(turns, best)],
                                   order_seed)
            self.orders = {name: o for (name, _), o in zip(turns, orders)}
        self.conversation = Conversation(scenario)
        self.transcript = W.HTML()
        self.anger = W.IntProgress(value=scenario.anger, min=0, max=100,
                                   description=pick(scenario.meter, locale) or label("mood", locale),
                                   style={"description_width": "initial"})
        self.feedback = W.HTML()
        self.replies = W.VBox()
        self.summary = W.HTML()
        self.restart_button = W.Button(description=label("restart", locale), icon="refresh")
        self.restart_button.on_click(lambda _b: self.restart())
        super().__init__([_title(pick(scenario.title, locale)),
                          W.HTML(f"<p>{escape(pick(scenario.intro, locale))}</p>"),
                          self.transcript, self.anger, self.feedback, self.replies, self.summary,
                          self.restart_button])
        self.add_class("academy-conversation")
        self._lines: list[str] = []
        self._say_customer()
        self._render()

    def _say_customer(self) -> None:
        who = escape(pick(self.scenario.customer_name, self.locale))
        self._lines.append(f"<p><b>{who}:</b> {escape(pick(self.conversation.turn.customer, self.locale))}</p>")

    def reply(self, index: int) -> None:
        r = self.conversation.reply(index)
        loc = self.locale
        self._lines.append(f"<p style='margin-left:2em;color:{INFO}'><b>{label('you', loc)}:</b> "
                           f"{escape(pick(r.text, loc))}</p>")
        total = sum(r.scores.values())
        color = GOOD if total > 0 and not r.breach else BAD if total < 0 or r.breach else INFO
        extra = f"<br><b>{label('breach', loc)}</b>" if r.breach else ""
        self.feedback.value = _box(color, escape(pick(r.feedback, loc)) + extra)
        self._say_customer()
        self._render()
        if self.conversation.finished and self.on_done:
            self.on_done(self.conversation)

    def restart(self) -> None:
        self.conversation.restart()
        self._lines = []
        self.feedback.value = ""
        self._say_customer()
        self._render()

    def _render(self) -> None:
        loc, conv = self.locale, self.conversation
        self.transcript.value = "".join(self._lines)
        self.anger.value = conv.anger
        self.anger.bar_style = "danger" if conv.anger >= 60 else "warning" if conv.anger >= 30 else "success"
        rows, self.reply_buttons = _option_rows([pick(r.text, loc) for r in conv.turn.replies],
                                                self.reply, self.orders.get(conv.current))
        self.replies.children = rows
        if conv.finished:
            turn = conv.turn
            rows = "".join(
                f"<tr><td>{label(d, loc)}</td><td>{avg:+.1f}</td>"
                f"<td>{label(conv.verdicts()[d], loc)}</td></tr>"
                for d, avg in conv.averages().items())
            breach = f"<p><b>{label('breach', loc)}</b></p>" if conv.breaches else ""
            self.summary.value = _box(
                GOOD if turn.resolved and not conv.breaches else BAD,
                f"<b>{label('outcome', loc)}:</b> {escape(pick(turn.outcome, loc))}{breach}"
                f"<table>{rows}</table>")
        else:
            self.summary.value = ""


# --- KPI calculators ------------------------------------------------------------------------------


class _Calculator(W.VBox):
    def __init__(self, task: KpiTask | None, locale: str, inputs: list[W.Widget],
                 on_done: Callable[[float], None] | None):
        self.task, self.locale, self.on_done = task, locale, on_done
        self.button = W.Button(description=label("calculate", locale), button_style="primary")
        self.result = W.HTML()
        self.button.on_click(lambda _b: self.calculate())
        head = []
        if task is not None:
            head = [_title(pick(task.title, locale)), W.HTML(f"<p>{escape(pick(task.intro, locale))}</p>")]
        super().__init__([*head, *inputs, self.button, self.result])
        self.add_class("academy-kpi")

    def compute(self) -> tuple[float, str]:
        raise NotImplementedError

    def calculate(self) -> float | None:
        try:
            value, text = self.compute()
        except ValueError as exc:
            self.result.value = _box(BAD, escape(str(exc)))
            return None
        msg = text
        solved = self.task is None or self.task.expected is None or abs(value - self.task.expected) < 0.05
        if self.task is not None and self.task.expected is not None:
            msg += "<br>" + label("task_solved" if solved else "task_not_yet", self.locale)
        self.result.value = _box(GOOD if solved else INFO, msg)
        if solved and self.on_done:
            self.on_done(value)
        return value


class FcrCalculator(_Calculator):
    """First-contact resolution rate = resolved at first contact / all contacted problems x 100 %."""

    def __init__(self, task: KpiTask | None = None, locale: str = "en", on_done=None):
        self.resolved = W.IntText(description=label("fcr_resolved", locale), value=0,
                                  style={"description_width": "initial"})
        self.total = W.IntText(description=label("fcr_total", locale), value=0,
                               style={"description_width": "initial"})
        super().__init__(task, locale, [self.resolved, self.total], on_done)

    def compute(self):
        v = first_contact_resolution(self.resolved.value, self.total.value)
        return v, f"<b>{label('fcr_rate', self.locale)}: {v:g} %</b>"


class SatisfactionCalculator(_Calculator):
    """Weighted satisfaction score (0-100) from item scores on a 1..scale_max survey scale."""

    def __init__(self, task: KpiTask | None = None, locale: str = "en", on_done=None):
        weights = (task.weights if task and task.weights else
                   {"attitude": 0.4, "response speed": 0.3, "problem solved": 0.3})
        self.scale_max = task.scale_max if task else 5
        self.weights = weights
        self.scores = {k: W.BoundedFloatText(value=self.scale_max, min=0, max=self.scale_max,
                                             step=0.1,
                                             description=f"{k} ({label('weight', locale)} {w:g})",
                                             style={"description_width": "initial"})
                       for k, w in weights.items()}
        super().__init__(task, locale, list(self.scores.values()), on_done)

    def compute(self):
        v = weighted_satisfaction({k: w.value for k, w in self.scores.items()}, self.weights,
                                  self.scale_max)
        loc = self.locale
        verdict = label("satisfied" if v >= SATISFIED_AT else "not_satisfied", loc)
        return v, (f"<b>{label('weighted_satisfaction', loc)}: {v:g} / 100</b> "
                   f"({verdict}, {SATISFIED_AT:g} {label('needed', loc)})")


class ComplianceCalculator(_Calculator):
    """Response-time compliance against the service commitments (30 min / 24 h / 24 h)."""

    def __init__(self, task: KpiTask | None = None, locale: str = "en", on_done=None):
        c = Commitments()
        st = {"description_width": "initial"}
        self.response = W.BoundedFloatText(value=c.response_minutes, min=1, max=10000,
                                           description=label("respond_within", locale), style=st)
        self.onsite = W.BoundedFloatText(value=c.onsite_hours, min=1, max=1000,
                                         description=label("onsite_within", locale), style=st)
        self.fix = W.BoundedFloatText(value=c.fix_hours, min=1, max=1000,
                                      description=label("fix_within", locale), style=st)
        self.tickets = W.Textarea(value=(task.tickets or "") if task else "",
                                  placeholder=label("tickets_hint", locale),
                                  layout=W.Layout(width="32em", height="10em"))
        super().__init__(task, locale, [self.response, self.onsite, self.fix, self.tickets],
                         on_done)

    def compute(self):
        c = Commitments(response_minutes=self.response.value, onsite_hours=self.onsite.value,
                        fix_hours=self.fix.value)
        r = response_compliance(parse_tickets(self.tickets.value), c)

        def fmt(x):
            return "n/a" if x is None else f"{x:g} %"
        rows = [("tickets", str(r.tickets)), ("responded_in_time", fmt(r.response_rate)),
                ("onsite_in_time", fmt(r.onsite_rate)), ("fixed_in_time", fmt(r.fix_rate))]
        cells = "".join(f"<tr><td>{label(k, self.locale)}</td><td>{v}</td></tr>" for k, v in rows)
        return r.all_met_rate, (
            f"<table>{cells}<tr><td><b>{label('all_met', self.locale)}</b></td>"
            f"<td><b>{fmt(r.all_met_rate)}</b></td></tr></table>")


CALCULATORS = {"kpi_fcr": FcrCalculator, "kpi_satisfaction": SatisfactionCalculator,
               "kpi_compliance": ComplianceCalculator}


# --- reaction rating ------------------------------------------------------------------------------


class Reaction(W.VBox):
    """Was this module useful (1-5), with an optional comment; `save(rating, comment)` returns
    None when stored, else the reason it was not."""

    def __init__(self, locale: str = "en",
                 save: Callable[[int, str], str | None] | None = None):
        self.locale, self.save = locale, save
        self.rating = W.ToggleButtons(options=[("1", 1), ("2", 2), ("3", 3), ("4", 4), ("5", 5)],
                                      value=None, style={"button_width": "3em"})
        self.comment = W.Textarea(placeholder=label("comment", locale),
                                  layout=W.Layout(width="32em"))
        self.submit = W.Button(description=label("submit", locale), button_style="success")
        self.feedback = W.HTML()
        self.submit.on_click(lambda _b: self._submit())
        super().__init__([W.HTML(f"<b>{label('rate_prompt', locale)}</b>"), self.rating,
                          self.comment, self.submit, self.feedback])
        self.add_class("academy-reaction")

    def _submit(self) -> None:
        loc = self.locale
        if self.rating.value is None:
            self.feedback.value = _box(INFO, label("choose_rating", loc))
            return
        problem = self.save(self.rating.value, self.comment.value) if self.save else None
        if problem:
            self.feedback.value = _box(INFO, f"{label('thanks_unsaved', loc)}{escape(problem)})")
        else:
            self.feedback.value = _box(GOOD, label("thanks", loc))


__all__ = [
    "CALCULATORS",
    "DIMENSIONS",
    "ComplianceCalculator",
    "ConversationSim",
    "Diagnosis",
    "FcrCalculator",
    "QuestionItem",
    "Reaction",
    "SatisfactionCalculator",
    "SelfCheck",
]
