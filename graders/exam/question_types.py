"""Question types: each is ONE class that knows everything about its kind of question.

A type parses and checks its own fields of a bank (YAML or Excel), gives the type-specific part
of the public form (never the key), draws the trainee's widget, scores an answer, answers for a
simulated trainee, gives the item statistics its options and random-guess score, and shows a
trainer the question with its key. `QUESTION_TYPES` (every name and synonym -> the type) is the
only list of types; the bank, public form, widgets, scoring, simulation and statistics call its
methods and never test a type's name.

A new type is one subclass with `@register` (see tests/test_question_types.py). A type whose key
fits none of `Question`'s fields keeps it in `Question.answer_key`.
"""

from __future__ import annotations

import itertools
import math
import random
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from core.option_checks import fragments
from graders.exam.option_order import key_ids, released_order

if TYPE_CHECKING:
    from graders.exam.bank import Question

#: (field, message) -> records a problem located at the question's field
Bad = Callable[[str, str], None]
#: a label key -> its text in the exam's language
Label = Callable[[str], str]

TRUE_WORDS = {"true", "t", "yes", "y", "1", "正确", "对", "是", "√"}
FALSE_WORDS = {"false", "f", "no", "n", "0", "错误", "错", "否", "×"}
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class Outcome:
    points: float
    max_points: float
    #: correct | partial | incorrect | unanswered | invalid | manual
    verdict: str
    note: str = ""


def normalize_answer(text: str) -> str:
    """NFKC (full-width to half-width), case-folded, inner spaces collapsed, outer punctuation trimmed."""
    s = unicodedata.normalize("NFKC", str(text)).casefold().strip()
    s = re.sub(r"\s+", " ", s)
    return s.strip(" .。!！")


def parse_number(value) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    s = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "").replace(" ", "")
    s = s.rstrip("%")
    try:
        f = float(s)
    except ValueError:
        return None
    return f if math.isfinite(f) else None


def letters_to_indexes(value: Any, n: int) -> list[int]:
    """'B' -> [1]; 'A, C' / ['A','C'] / [1, 3] (1-based numbers) -> [0, 2]."""
    items: list[Any]
    if isinstance(value, (list, tuple)):
        items = list(value)
    else:
        items = [p for p in re.split(r"[,，、;；\s]+", str(value).strip()) if p]
    out = []
    for item in items:
        s = str(item).strip().upper()
        if len(s) == 1 and "A" <= s <= "Z":
            i = ord(s) - ord("A")
        elif s.isdigit():
            i = int(s) - 1
        else:
            raise ValueError(f"key {item!r} is not an option letter (A, B, ...) or number (1, 2, ...)")
        if not 0 <= i < n:
            raise ValueError(f"key {item!r} names no option (there are {n})")
        out.append(i)
    if not out:
        raise ValueError("the key is empty")
    return out


def split_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if str(v).strip()]
    return [p.strip() for p in re.split(r"\n|\|", str(value)) if p.strip()]


def raw_key(raw: dict) -> tuple[Any, bool]:
    """The bank's `key` field and whether it is empty."""
    key = raw.get("key")
    return key, key is None or (isinstance(key, str) and not key.strip())


# --- the base class and the registry --------------------------------------------------------------


class QuestionType:
    """What every type shares; a subclass overrides what its kind of question does differently."""

    #: the canonical name, written in banks and in the public exam.json
    name: str = ""
    #: other spellings a bank may use (English and Chinese)
    synonyms: tuple[str, ...] = ()
    #: graded by a trainer against a mark scheme (no widget, no automatic score)
    manual: bool = False
    #: the released options are shuffled per trainee
    shuffles_options: bool = False

    # parsing ------------------------------------------------------------------------------------
    def parse(self, q: Question, raw: dict, bad: Bad) -> None:
        """Fill `q`'s type-specific fields from the bank's `raw` mapping; report problems by `bad`."""

    # public form --------------------------------------------------------------------------------
    def public_fields(self, exam: str, q: Question) -> dict:
        """The type-specific part of the released question (never the key)."""
        return {"unit": q.unit} if q.unit else {}

    # trainee widget -----------------------------------------------------------------------------
    def hint(self, t: Label) -> str:
        """Words after the stem (e.g. 'choose all that apply'); empty by default."""
        return ""

    def widget(self, w, qpub: dict, option_ids: tuple[str, ...], saved, t: Label,
               store: Callable[[Any], None]):
        """(control, inputs) for the trainee: a text box with the unit by default.
        `w` is ipywidgets, `store(value)` saves an answer."""
        box = w.Text(value="" if saved is None else str(saved), placeholder=t("type_here"),
                     layout=w.Layout(width="24em"))
        box.observe(lambda ch: store(ch["new"].strip() or None), names="value")
        unit = w.Label(qpub.get("unit", ""))
        return w.HBox([box, unit]), box

    def answer_text(self, qpub: dict, answer, t: Label) -> str:
        """A given (non-empty) answer as the grading output shows it."""
        return str(answer)[:2000]

    # scoring ------------------------------------------------------------------------------------
    def score(self, exam: str, q: Question, answer) -> Outcome:
        """Points for a non-empty answer."""
        raise ValueError(f"unknown question type {q.type}")

    # simulation ---------------------------------------------------------------------------------
    def correct_answer(self, exam: str, q: Question):
        return None

    def wrong_answer(self, exam: str, q: Question, rng: random.Random):
        return None

    # item statistics ----------------------------------------------------------------------------
    def option_rows(self, exam: str, q: Question) -> list[tuple[str, str, bool]]:
        """(option id, text, is key) in released order, for distractor analysis; none by default."""
        return []

    def chosen_options(self, answer) -> set[str]:
        """The option ids an answer picks."""
        return set()

    def random_guess_score(self, exam: str, q: Question) -> float | None:
        """Expected share of the points of a random answer: 0 when there is no finite set of
        answers to guess from, None when it is not known (a trainer marks it)."""
        return None if self.manual else 0.0

    def _mean_share(self, exam: str, q: Question, answers) -> float:
        outs = [self.score(exam, q, a) for a in answers]
        return float(sum(o.points / o.max_points for o in outs if o.max_points)
                     / max(1, sum(1 for o in outs if o.max_points)))

    # trainer display ----------------------------------------------------------------------------
    def key_text(self, q: Question) -> tuple[str, str] | None:
        """The right answer of a question without options as (kind, value), for the trainer's
        item analysis; None where the options show it (or a trainer marks it)."""
        return None

    def display_text(self, exam: str, q: Question, t: Label) -> str:
        """The question as a trainer reads it beside its statistics: stem, options (released
        ids, the key marked) or the key. Trainer side only."""
        lines = [q.stem]
        lines += [f"{oid}. {text}" + (" ✓" if key else "")
                  for oid, text, key in self.option_rows(exam, q)]
        k = self.key_text(q)
        if k:
            lines.append(f"✓ {t(k[1]) if k[0] == 'bool' else k[1]}")
        return "\n".join(lines)


#: every name and synonym -> its type (the only list of types)
QUESTION_TYPES: dict[str, QuestionType] = {}


def normal_name(name: str) -> str:
    return str(name).strip().lower().replace(" ", "_").replace("-", "_")


def register(cls: type[QuestionType]) -> type[QuestionType]:
    """Class decorator: list the type under its name and synonyms."""
    kind = cls()
    for n in (cls.name, *cls.synonyms):
        QUESTION_TYPES[normal_name(n)] = kind
    return cls


def unregister(name: str) -> None:
    """Remove a type and its synonyms (tests that register a type of their own)."""
    kind = QUESTION_TYPES[normal_name(name)]
    for n in [n for n, k in QUESTION_TYPES.items() if k is kind]:
        del QUESTION_TYPES[n]


def type_names() -> list[str]:
    """The canonical names, in registration order."""
    return list(dict.fromkeys(k.name for k in QUESTION_TYPES.values()))


def find_type(name: str) -> QuestionType | None:
    """The type a bank's spelling names, or None."""
    return QUESTION_TYPES.get(normal_name(name))


def question_type(name: str) -> QuestionType:
    """The type of a canonical name (a parsed question or a released one)."""
    return QUESTION_TYPES[name]


# --- the types -------------------------------------------------------------------------------------


class _Choice(QuestionType):
    """Options from the bank, the key as letters; released in a seeded order with ids o1, o2, ..."""

    shuffles_options = True
    one_key = True

    def parse(self, q, raw, bad):
        key, key_empty = raw_key(raw)
        q.options = split_list(raw.get("options"))
        if len(q.options) < 2:
            bad("options", "a choice question needs at least two options")
        elif len(set(q.options)) != len(q.options):
            bad("options", "two options have the same text")
        elif fragments(q.options):
            bad("options", fragments(q.options))
        elif key_empty:
            bad("key", "the key is empty (give the letter of the correct option, e.g. B)")
        else:
            try:
                idx = letters_to_indexes(key, len(q.options))
                if self.one_key and len(idx) != 1:
                    raise ValueError("a single-choice question has exactly one correct option")
                q.key_options = frozenset(idx)
            except ValueError as exc:
                bad("key", str(exc))

    def public_fields(self, exam, q):
        order = released_order(exam, q.id, len(q.options))
        out = {"options": [{"id": f"o{pos + 1}", "text": q.options[i]} for pos, i in enumerate(order)]}
        return out | super().public_fields(exam, q)

    def option_rows(self, exam, q):
        keys = key_ids(exam, q)
        return [(f"o{pos + 1}", q.options[i], f"o{pos + 1}" in keys)
                for pos, i in enumerate(released_order(exam, q.id, len(q.options)))]

    def chosen_options(self, answer):
        return set(answer if isinstance(answer, list) else [answer] if isinstance(answer, str) else [])


@register
class SingleChoice(_Choice):
    name = "single"
    synonyms = ("single_choice", "单选", "单选题")

    def widget(self, w, qpub, option_ids, saved, t, store):
        texts = {o["id"]: o["text"] for o in qpub.get("options", [])}
        options = [(texts[i], i) for i in option_ids]
        valid = {v for _, v in options}
        radio = w.RadioButtons(options=options, value=saved if saved in valid and not isinstance(
            saved, bool) else None, layout=w.Layout(width="auto"))
        radio.observe(lambda ch: store(ch["new"]), names="value")
        return radio, radio

    def answer_text(self, qpub, answer, t):
        texts = {o["id"]: o["text"] for o in qpub.get("options", [])}
        return texts.get(answer, str(answer)) if isinstance(answer, str) else str(answer)

    def score(self, exam, q, answer):
        m = q.points
        if not isinstance(answer, str):
            return Outcome(0.0, m, "invalid", "not one option")
        return Outcome(m, m, "correct") if answer in key_ids(exam, q) else Outcome(0.0, m, "incorrect")

    def correct_answer(self, exam, q):
        return min(key_ids(exam, q))

    def wrong_answer(self, exam, q, rng):
        keys = key_ids(exam, q)
        return rng.choice([f"o{i + 1}" for i in range(len(q.options)) if f"o{i + 1}" not in keys])

    def random_guess_score(self, exam, q):
        return self._mean_share(exam, q, [f"o{i}" for i in range(1, len(q.options) + 1)])


@register
class MultipleChoice(_Choice):
    name = "multiple"
    synonyms = ("multiple_choice", "多选", "多选题")
    one_key = False

    def hint(self, t):
        return f" {t('multiple_hint')}"

    def widget(self, w, qpub, option_ids, saved, t, store):
        texts = {o["id"]: o["text"] for o in qpub.get("options", [])}
        chosen = set(saved) if isinstance(saved, list) else set()
        boxes = [w.Checkbox(value=i in chosen, description=texts[i], indent=False,
                            layout=w.Layout(width="auto")) for i in option_ids]
        ids = list(option_ids)

        def on_box(_ch) -> None:
            store([i for i, b in zip(ids, boxes) if b.value])

        for b in boxes:
            b.observe(on_box, names="value")
        return w.VBox(boxes), boxes

    def answer_text(self, qpub, answer, t):
        if not isinstance(answer, list):
            return str(answer)[:2000]
        texts = {o["id"]: o["text"] for o in qpub.get("options", [])}
        return "; ".join(texts.get(a, str(a)) for a in answer)

    def score(self, exam, q, answer):
        m = q.points
        if not isinstance(answer, list) or not all(isinstance(a, str) for a in answer):
            return Outcome(0.0, m, "invalid", "not a list of options")
        chosen, key = set(answer), key_ids(exam, q)
        n = len(q.options)
        if chosen - {f"o{i}" for i in range(1, n + 1)}:
            # an option that does not exist is a wrong answer, never partial credit
            return Outcome(0.0, m, "invalid", "an option that does not exist")
        if q.partial == "all_or_nothing":
            frac = 1.0 if chosen == key else 0.0
        elif q.partial == "right_minus_wrong":
            right = len(chosen & key) / len(key)
            wrong = len(chosen - key) / (n - len(key)) if n > len(key) else 0.0
            frac = max(0.0, right - wrong)
        else:  # per_option: the share of options classified right (chosen iff correct)
            frac = sum(1 for i in range(1, n + 1) if (f"o{i}" in chosen) == (f"o{i}" in key)) / n
        pts = round(m * frac, 4)
        verdict = "correct" if frac == 1.0 else ("incorrect" if pts == 0 else "partial")
        return Outcome(pts, m, verdict)

    def correct_answer(self, exam, q):
        return sorted(key_ids(exam, q))

    def wrong_answer(self, exam, q, rng):
        ids = [f"o{i + 1}" for i in range(len(q.options))]
        keys = key_ids(exam, q)
        return sorted({rng.choice([i for i in ids if i not in keys]), *rng.sample(ids, 1)})

    def random_guess_score(self, exam, q):
        ids = [f"o{i}" for i in range(1, len(q.options) + 1)]
        if len(ids) > 12:
            return None
        return self._mean_share(exam, q, [list(c) for k in range(1, len(ids) + 1)
                                          for c in itertools.combinations(ids, k)])


@register
class TrueFalse(QuestionType):
    name = "true_false"
    synonyms = ("truefalse", "tf", "判断", "判断题")

    def parse(self, q, raw, bad):
        key, key_empty = raw_key(raw)
        s = str(key).strip().lower() if not key_empty else ""
        if isinstance(key, bool):
            q.key_bool = key
        elif s in TRUE_WORDS:
            q.key_bool = True
        elif s in FALSE_WORDS:
            q.key_bool = False
        else:
            bad("key", f"key {key!r} is not true or false (true/false, T/F, 正确/错误)")

    def widget(self, w, qpub, option_ids, saved, t, store):
        options = [(t("true"), True), (t("false"), False)]
        radio = w.RadioButtons(options=options, value=saved if saved in {True, False} else None,
                               layout=w.Layout(width="auto"))
        radio.observe(lambda ch: store(ch["new"]), names="value")
        return radio, radio

    def answer_text(self, qpub, answer, t):
        return t("true") if answer is True else t("false") if answer is False else str(answer)

    def score(self, exam, q, answer):
        m = q.points
        if not isinstance(answer, bool):
            return Outcome(0.0, m, "invalid", "not true or false")
        return Outcome(m, m, "correct") if answer == q.key_bool else Outcome(0.0, m, "incorrect")

    def correct_answer(self, exam, q):
        return q.key_bool

    def wrong_answer(self, exam, q, rng):
        return not q.key_bool

    def random_guess_score(self, exam, q):
        return self._mean_share(exam, q, [True, False])

    def key_text(self, q):
        return ("bool", "true" if q.key_bool else "false")


@register
class Numeric(QuestionType):
    name = "numeric"
    synonyms = ("number", "数值", "计算", "计算题")

    def parse(self, q, raw, bad):
        key, _ = raw_key(raw)
        try:
            q.key_number = float(str(key).strip().rstrip("%"))
        except (TypeError, ValueError):
            bad("key", f"key {key!r} is not a number")
        tol = raw.get("tolerance")
        if tol not in (None, ""):
            s = str(tol).strip()
            try:
                q.tolerance = float(s.rstrip("%"))
                q.tolerance_relative = s.endswith("%")
                if q.tolerance < 0:
                    raise ValueError
            except ValueError:
                bad("tolerance", f"tolerance {tol!r} must be a number >= 0, or a percentage like 2%")

    def score(self, exam, q, answer):
        m = q.points
        x = parse_number(answer)
        if x is None:
            return Outcome(0.0, m, "invalid", "not a number")
        tol = abs(q.key_number) * q.tolerance / 100 if q.tolerance_relative else q.tolerance
        ok = abs(x - q.key_number) <= tol + 1e-9
        return Outcome(m, m, "correct") if ok else Outcome(0.0, m, "incorrect")

    def correct_answer(self, exam, q):
        return f"{q.key_number:g}"

    def wrong_answer(self, exam, q, rng):
        return f"{q.key_number * rng.choice([0.5, 1.5, 2]) + 1:g}"

    def key_text(self, q):
        tol = f"{q.tolerance:g}%" if q.tolerance_relative else f"{q.tolerance:g}"
        return ("number", f"{q.key_number:g}" + (f" ± {tol}" if q.tolerance else "")
                + (f" {q.unit}" if q.unit else ""))


@register
class ShortText(QuestionType):
    name = "short_text"
    synonyms = ("short", "填空", "填空题")

    def parse(self, q, raw, bad):
        key, key_empty = raw_key(raw)
        q.accepted = split_list(raw.get("accepted")) + ([] if key_empty else split_list(key))
        if not q.accepted:
            bad("accepted", "a short-text question needs at least one accepted answer")

    def score(self, exam, q, answer):
        m = q.points
        if not isinstance(answer, str):
            return Outcome(0.0, m, "invalid", "not text")
        ok = normalize_answer(answer) in {normalize_answer(a) for a in q.accepted}
        return Outcome(m, m, "correct") if ok else Outcome(0.0, m, "incorrect")

    def correct_answer(self, exam, q):
        return q.accepted[0]

    def wrong_answer(self, exam, q, rng):
        return "not sure"

    def key_text(self, q):
        return ("accepted", " / ".join(q.accepted))


@register
class FreeText(QuestionType):
    name = "free_text"
    synonyms = ("essay", "简答", "简答题")
    manual = True

    def parse(self, q, raw, bad):
        v = raw.get("mark_scheme")
        q.mark_scheme = "" if v is None else str(v).strip()
        if not q.mark_scheme:
            bad("mark_scheme", "mark_scheme is empty")
        if q.pool:
            bad("pool", "free-text questions cannot be drawn from a pool")

    def display_text(self, exam, q, t):
        return f"{q.stem}\n{q.mark_scheme}"
