"""Question types as one class each (graders.exam.question_types): a new type added in a few lines
of one place, here inside this test, works through the bank, the public form, the widget,
scoring, simulation and statistics without touching any other file."""

from __future__ import annotations

import json
import random

import ipywidgets
import pytest

from core.errors import ProblemsError
from graders.exam import item_stats
from graders.exam.bank import load_bank
from graders.exam.public import dump_public, public_exam, variant
from graders.exam.question_types import (
    QUESTION_TYPES,
    Outcome,
    QuestionType,
    register,
    type_names,
    unregister,
)
from graders.exam.scoring import score_answer
from graders.exam.simulate import answer_sheet, correct_answer, wrong_answer

BANK = """\
name: new-type
title: A bank with a type of its own
questions:
  - id: s1
    type: single
    stem: Which filter comes first?
    options:
      - Sediment
      - Carbon
    key: A
    competency: knowledge
  - id: y1
    type: {spelling}
    stem: Is the tank flushed before the filter is changed?
    key: {key}
    competency: knowledge
"""


class YesNoUnsure(QuestionType):
    """Yes, no or unsure: 'unsure' earns a quarter of the points instead of a guess's risk."""

    name = "yes_no_unsure"
    synonyms = ("ynu", "是否不确定")
    CHOICES = ("yes", "no", "unsure")

    def parse(self, q, raw, bad):
        key = raw.get("key")  # YAML reads a bare yes/no as true/false
        key = {True: "yes", False: "no"}.get(key, key) if isinstance(key, bool) else str(key).strip().lower()
        if key not in ("yes", "no"):
            bad("key", f"key {raw.get('key')!r} is not yes or no")
        q.answer_key = key

    def public_fields(self, exam, q):
        return {"choices": list(self.CHOICES)}

    def widget(self, w, qpub, option_ids, saved, t, store):
        radio = w.RadioButtons(options=qpub["choices"], value=saved if saved in self.CHOICES else None)
        radio.observe(lambda ch: store(ch["new"]), names="value")
        return radio, radio

    def score(self, exam, q, answer):
        if answer not in self.CHOICES:
            return Outcome(0.0, q.points, "invalid", "not yes, no or unsure")
        if answer == "unsure":
            return Outcome(q.points / 4, q.points, "partial")
        return Outcome(q.points if answer == q.answer_key else 0.0, q.points,
                       "correct" if answer == q.answer_key else "incorrect")

    def correct_answer(self, exam, q):
        return q.answer_key

    def wrong_answer(self, exam, q, rng):
        return "no" if q.answer_key == "yes" else "yes"

    def random_guess_score(self, exam, q):
        return self._mean_share(exam, q, self.CHOICES)


@pytest.fixture
def ynu():
    register(YesNoUnsure)
    yield QUESTION_TYPES["yes_no_unsure"]
    unregister("yes_no_unsure")


def _bank(tmp_path, spelling="yes_no_unsure", key="yes", name="bank.yaml"):
    path = tmp_path / name
    path.write_text(BANK.format(spelling=spelling, key=key), encoding="utf-8")
    return load_bank(path)


def test_does_a_type_registered_in_one_class_parse_in_a_bank_under_its_synonyms(ynu, tmp_path):
    """Does a bank with the new type (by name or by its Chinese synonym) load with its key, and is
    it listed among the types a bank may use?"""
    assert "yes_no_unsure" in type_names()
    for spelling in ("yes_no_unsure", "YNU", "是否不确定"):
        bank = _bank(tmp_path, spelling)
        q = bank.by_id["y1"]
        assert (q.type, q.answer_key, q.manual) == ("yes_no_unsure", "yes", False)


def test_does_a_bad_key_of_the_new_type_name_the_file_line_and_field(ynu, tmp_path):
    """Is a key the new type cannot read reported by the bank's own message (file, line,
    question field), with nothing loaded?"""
    with pytest.raises(ProblemsError) as info:
        _bank(tmp_path, key="maybe")
    text = str(info.value)
    assert 'bank.yaml, line 15, field "questions[2].key"' in text
    assert "'maybe' is not yes or no" in text


def test_is_a_type_unknown_again_once_it_is_unregistered(tmp_path):
    """Without the class registered, does the same bank fail with the list of known types (so the
    registry really is the only list)?"""
    with pytest.raises(ProblemsError) as info:
        _bank(tmp_path)
    text = str(info.value)
    assert "unknown question type 'yes_no_unsure'" in text
    assert "single, multiple, true_false, numeric, short_text, free_text" in text


def test_is_the_public_form_of_the_new_type_free_of_its_key(ynu, tmp_path):
    """Does the released exam show the new type's choices, and is it byte-identical whatever the
    key (so it cannot carry the key in any form)?"""
    yes, no = _bank(tmp_path, key="yes", name="a.yaml"), _bank(tmp_path, key="no", name="b.yaml")
    public = public_exam(yes)
    assert public["questions"]["y1"] == {"type": "yes_no_unsure", "stem": yes.by_id["y1"].stem,
                                         "points": 1.0, "competency": "knowledge",
                                         "choices": ["yes", "no", "unsure"]}
    assert dump_public(public) == dump_public(public_exam(no))
    assert "answer_key" not in dump_public(public)
    assert set(variant(public, "t1")) == {"s1", "y1"}


def test_does_the_new_type_score_simulate_and_draw_its_widget(ynu, tmp_path):
    """Does scoring go through the new class (right, partial for unsure, wrong, unreadable), do
    simulated trainees answer it right at ability 1 and wrong at ability 0, and does its widget
    store what a trainee clicks?"""
    bank = _bank(tmp_path)
    q = bank.by_id["y1"]
    verdicts = [score_answer(bank.name, q, a).verdict for a in ("yes", "unsure", "no", 42, None)]
    assert verdicts == ["correct", "partial", "incorrect", "invalid", "unanswered"]
    assert score_answer(bank.name, q, "unsure").points == pytest.approx(0.25)
    assert correct_answer(bank, q) == "yes" and wrong_answer(bank, q, random.Random(1)) == "no"
    assert answer_sheet(bank, "t1", 1.0)[0]["y1"] == "yes"
    assert answer_sheet(bank, "t1", 0.0)[0]["y1"] == "no"
    assert item_stats.random_guess_score(bank.name, q) == pytest.approx((1 + 0.25 + 0) / 3)
    stored = []
    qpub = public_exam(bank)["questions"]["y1"]
    control, inputs = ynu.widget(ipywidgets, qpub, (), None, str, stored.append)
    inputs.value = "unsure"
    assert stored == ["unsure"] and control.value == "unsure"


def test_does_the_trainer_see_each_question_with_its_options_and_key(tmp_path):
    """Does the trainer's text of each built-in type hold the stem and what makes it right
    (options with the key marked, the number, the accepted words or the mark scheme)?"""
    from graders.exam.bank import parse_question

    raws = [dict(type="single", options=["Sediment", "Carbon"], key="B"),
            dict(type="multiple", options=["Sediment", "Carbon", "Salt"], key="A, B"),
            dict(type="true_false", key="正确"), dict(type="numeric", key=75, tolerance=2, unit="psi"),
            dict(type="short_text", accepted=["E2"]), dict(type="free_text", mark_scheme="Apologise.")]
    labels = {"true": "True", "false": "False"}
    texts = {}
    for raw in raws:
        q, problems = parse_question({"id": "q1", "stem": "Stem?", "competency": "knowledge", **raw},
                                     lambda f, m: m)
        assert not problems
        texts[q.type] = q.kind.display_text("e", q, labels.get)
    assert all(text.startswith("Stem?\n") for text in texts.values())
    assert "Carbon ✓" in texts["single"] and "Sediment ✓" not in texts["single"]
    assert "Sediment ✓" in texts["multiple"] and "Salt ✓" not in texts["multiple"]
    assert texts["true_false"].endswith("✓ True")
    assert texts["numeric"].endswith("✓ 75 ± 2 psi")
    assert texts["short_text"].endswith("✓ E2")
    assert texts["free_text"].endswith("Apologise.")
    assert json.dumps(texts, ensure_ascii=False).count("✓") == 6
