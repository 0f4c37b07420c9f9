"""What an exam notebook's question cells call: `ask("q01")`.

For a trainee it shows the question as clickable widgets (radio buttons, check boxes, text boxes)
and saves every change to `answers.json`. During autograding (`ACADEMY_EXAM_BANK` names the
trainer-side bank) it shows the trainee's answer as plain text (no widgets, so grading never waits
on a widget front end, nbgrader issue #1359) and returns the points, which nbgrader records as
the cell's partial credit. The correct answer is never printed.
"""

from __future__ import annotations

import html
import os
import warnings
from datetime import datetime, timezone
from pathlib import Path

from core import labels
from graders.exam.answers import current_trainee, read_answers, save_answer
from graders.exam.public import load_public, variant
from graders.exam.question_types import question_type

BANK_ENV = "ACADEMY_EXAM_BANK"

_t = labels.scoped("exam")


_bank_cache: dict[str, object] = {}


def _grading_bank():
    path = os.environ.get(BANK_ENV)
    if not path:
        return None
    if path not in _bank_cache:
        from graders.exam.bank import load_bank

        _bank_cache[path] = load_bank(path)
    return _bank_cache[path]


def _answer_text(qpub: dict, answer, lang: str) -> str:
    if answer is None or answer == "" or answer == []:
        return _t("no_answer", lang)
    return question_type(qpub["type"]).answer_text(qpub, answer, lambda k: _t(k, lang))


def grading_trainee(folder: Path) -> str:
    """Whose submission is graded: nbgrader runs it in `autograded/<trainee>/<exam>/`, so the folder
    names the trainee (plain `nbgrader autograde` of many trainees in one process works too);
    elsewhere the usual identity."""
    here = Path(folder).resolve()
    if here.parent.parent.name == "autograded":
        return here.parent.name
    return current_trainee()


def _grade_lines(slot: str, folder: Path, bank, trainee: str) -> tuple[list[str], float]:
    """What grading one slot prints, and its points."""
    from graders.exam.scoring import score_answer

    public = load_public(folder)
    lang = public.get("language", "en")
    view = variant(public, trainee)[slot]
    q = bank.by_id[view.question]
    answers, problem = read_answers(folder)
    answer = answers.get(view.question)
    outcome = score_answer(bank.name, q, answer)
    qpub = public["questions"][view.question]
    pts = f"{outcome.points:g} {_t('of', lang)} {outcome.max_points:g} {_t('points', lang)}"
    return [f"{view.number}. [{view.question}] {qpub['stem']}",
            f"{_t('your_answer', lang)}: {_answer_text(qpub, answer, lang)}",
            f"{_t(outcome.verdict, lang)}: {pts}" + (f" ({problem})" if problem and not answers else "")
            ], float(outcome.points)


def _grade(slot: str, folder: Path) -> float:
    lines, points = _grade_lines(slot, folder, _grading_bank(), grading_trainee(folder))
    for line in lines:
        print(line)
    return points


#: Set in a sandboxed grading kernel, per submission, by the grading worker: {slot: {"lines",
#: "points"} or {"error"}}. The kernel never sees the key; the worker scores outside the sandbox.
_sheet: dict | None = None


def grading_sheet(folder: Path | str, bank, trainee: str) -> dict:
    """Every slot's printed lines and points for one submission (what `_grade` would give in the
    kernel), computed by the grading worker outside the sandbox."""
    folder = Path(folder)
    out: dict[str, dict] = {}
    try:
        slots = [s["slot"] for s in load_public(folder)["slots"]]
    except Exception as exc:  # noqa: BLE001 - the kernel raises it where `_grade` would
        return {"*": {"error": f"{type(exc).__name__}: {exc}"}}
    for slot in slots:
        try:
            lines, points = _grade_lines(slot, folder, bank, trainee)
            out[slot] = {"lines": lines, "points": points}
        except Exception as exc:  # noqa: BLE001
            out[slot] = {"error": f"{type(exc).__name__}: {exc}"}
    return out


def _from_sheet(slot: str) -> float:
    entry = _sheet.get(slot) or _sheet.get("*") or {"error": f"KeyError: {slot!r}"}
    if "error" in entry:
        raise RuntimeError(entry["error"])
    for line in entry["lines"]:
        print(line)
    return entry["points"]


def _header(view, qpub: dict, lang: str) -> str:
    pts = f"{qpub['points']:g} {_t('points', lang)}"
    hint = question_type(qpub["type"]).hint(lambda k: _t(k, lang))
    stem = html.escape(qpub["stem"]).replace("\n", "<br>")
    return f"<b>{view.number}.</b> {stem}{hint} <i>({pts})</i>"


def question_widget(slot: str, folder: Path | str = "."):
    """The widget box of one slot for the current trainee, restored from answers.json."""
    import ipywidgets as w

    folder = Path(folder)
    public = load_public(folder)
    lang = public.get("language", "en")
    trainee = current_trainee()
    view = variant(public, trainee)[slot]
    qid = view.question
    qpub = public["questions"][qid]
    answers, _ = read_answers(folder)
    saved = answers.get(qid)
    status = w.HTML(value=f"<small>{_t('saved' if saved not in (None, '', []) else 'not_saved', lang)}</small>")

    def store(value) -> None:
        save_answer(qid, value, folder, exam=public["name"], trainee=trainee)
        now = datetime.now(timezone.utc)
        # the server's clock here; the trainee's lab (trainee-mode extension) shows `data-utc`
        # in the trainee's own time zone, as it shows the submitted time
        status.value = (f"<small class='academy-saved-at' data-utc='{now:%Y-%m-%dT%H:%M:%SZ}'>"
                        f"✓ {_t('saved', lang)} {now.astimezone():%H:%M:%S}</small>")

    control, inputs = question_type(qpub["type"]).widget(w, qpub, view.option_ids, saved,
                                                          lambda k: _t(k, lang), store)
    panel = w.VBox([w.HTML(value=_header(view, qpub, lang)), control, status])
    panel.add_class("academy-question")
    panel.inputs = inputs  # what a test drives
    panel.question_id = qid
    return panel


def ask(slot: str, folder: Path | str = "."):
    """Show one question (trainee) or grade it (autograde). Returns the points when grading."""
    folder = Path(folder)
    if _sheet is not None:
        warnings.simplefilter("ignore")  # nbgrader gives 0 points to any output on stderr
        return _from_sheet(slot)
    if os.environ.get(BANK_ENV):
        warnings.simplefilter("ignore")  # nbgrader gives 0 points to any output on stderr
        return _grade(slot, folder)
    if folder.resolve().parent.parent.name == "autograded":
        # plain `nbgrader autograde` (e.g. formgrader's button) without the trainer-side bank:
        # fail closed (0 points) instead of drawing widgets, which nbgrader would count as full marks
        raise RuntimeError("grade theory exams with `academy exam autograde EXAM`")
    from IPython.display import display

    display(question_widget(slot, folder))
    return None
