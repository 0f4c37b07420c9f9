"""The one label table (core.labels): every label in both languages, each language clean, and
every place that shows labels reading this table through its one lookup."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from page_language import CJK, LATIN_WORD, ZH_PAGE_LATIN

from core import labels

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("academy", "dashboards", "graders", "roster", "training")

#: Latin a Chinese label may hold besides what a Chinese page may show (page_language): the names
#: of keys to press (the exam notebook's "Shift+Enter")
ZH_LABEL_LATIN = ZH_PAGE_LATIN | {"Shift", "Enter"}
#: module-level pairs that are not labels: words the project reads, never shows
NOT_LABELS = {"training/check.py:SECTIONS"}  # the headings a module notebook may use, either language
PLACEHOLDER = re.compile(r"\{[a-z_]*(?::[^}]*)?\}")
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def _without_placeholders(text: str) -> str:
    return PLACEHOLDER.sub(" ", text)


def _problems(key: str, en: str, zh: str) -> list[str]:
    out = []
    if not (isinstance(en, str) and en.strip()):
        out.append(f"{key}: no English")
    if not (isinstance(zh, str) and zh.strip()):
        out.append(f"{key}: no Chinese")
    if out:
        return out
    en_text, zh_text = _without_placeholders(en), _without_placeholders(zh)
    out += [f"{key}: Chinese in the English label {m.group(0)!r}" for m in CJK.finditer(en_text)]
    out += [f"{key}: English in the Chinese label {m.group(0)!r}"
            for m in LATIN_WORD.finditer(zh_text) if m.group(0) not in ZH_LABEL_LATIN]
    out += [f"{key}: raw code {m.group(0)!r}" for text in (en_text, zh_text)
            for m in SNAKE.finditer(text)]
    if sorted(PLACEHOLDER.findall(en)) != sorted(PLACEHOLDER.findall(zh)):
        out.append(f"{key}: the two languages fill in different values {PLACEHOLDER.findall(en)} "
                   f"/ {PLACEHOLDER.findall(zh)}")
    return out


def test_does_the_label_check_catch_a_label_a_reader_would_stumble_on():
    """Does the check find a missing language, English in Chinese, Chinese in English, a raw code
    and a value filled in only one language, and let units, key names and KPI pass?"""
    assert _problems("a", "Team", "") == ["a: no Chinese"]
    assert _problems("a", "Team 团队", "团队") == ["a: Chinese in the English label '团队'"]
    assert _problems("a", "Team", "团队 team") == ["a: English in the Chinese label 'team'"]
    assert _problems("a", "low_agreement", "一致性低") == ["a: raw code 'low_agreement'"]
    assert _problems("a", "{n} people", "人数") == ["a: the two languages fill in different "
                                                    "values ['{n}'] / []"]
    assert _problems("a", "KPI in {n} days, press Shift+Enter", "{n} 天内的 KPI，按 Shift+Enter") == []


def test_does_every_label_have_both_languages_each_clean():
    """Does every entry of the one table hold an English and a Chinese text, the Chinese without
    English words (units, key names and KPI aside) and the English without Chinese, neither a
    raw code, and both filling in the same values?"""
    assert len(labels.LABELS) > 600
    found = [p for key, pair in labels.LABELS.items()
             for p in (_problems(key, *pair) if len(pair) == 2 else [f"{key}: not a pair"])]
    assert found == []


def test_does_the_lookup_read_a_scope_first_then_the_plain_key():
    """Does `t` give a scope's own wording where it has one, the plain label where it does not,
    and the key itself for a key nobody defined; and do a scope's views agree with it?"""
    assert labels.t("ok", "en") != labels.t("ok", "en", "dashboard")
    assert labels.t("team", "zh", "dashboard") == labels.t("team", "zh") == "团队"
    assert labels.t("no_such_label", "zh", "form") == "no_such_label"
    form = labels.scoped("form")
    assert form("person", "zh") == labels.section("form")["person"][1] == \
        labels.words("form", "zh")["person"]


def _tables_and_lookups(path: Path) -> list[str]:
    """Module-level dicts of (English, Chinese) pairs or {'en': ..., 'zh': ...} outside the one
    table."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in tree.body:
        value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
        if isinstance(value, ast.Dict) and value.values:
            pairs = [v for v in value.values if isinstance(v, ast.Tuple) and len(v.elts) == 2
                     and all(isinstance(e, ast.Constant) and isinstance(e.value, str)
                             for e in v.elts) and CJK.search(v.elts[1].value)]
            langs = {k.value for k in value.keys if isinstance(k, ast.Constant)}
            names = [t.id for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
                     if isinstance(t, ast.Name)]
            if f"{path.relative_to(ROOT)}:{names[0] if names else ''}" in NOT_LABELS:
                continue
            if len(pairs) >= 3 or {"en", "zh"} <= langs:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} a label table")
    return found


#: picking one language of a pair by hand: what only the one lookup does
HALF_OF_PAIR = re.compile(r"\[(?:1 if \w+ == \"zh\" else 0|0 if \w+ == \"en\" else 1)\]")


def test_is_the_one_table_the_only_label_table():
    """Does no module of the project keep a label table of its own (pairs of English and Chinese,
    or an {'en': ..., 'zh': ...} dictionary) beside core.labels, or pick a language out of a
    pair by hand instead of asking the one lookup?"""
    found = []
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            if path.name == "labels.py" and path.parent.name == "academy":
                continue
            found += _tables_and_lookups(path)
            text = path.read_text(encoding="utf-8")
            found += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in HALF_OF_PAIR.finditer(text)]
    assert found == []


@pytest.mark.parametrize("module, name, scope", [
    ("dashboards.labels", "t", "dashboard"), ("graders.notebook_forms.evidence_forms", "_t", "form"),
    ("graders.notebook_forms.plan_form", "_t", "plan"), ("graders.exam.widgets", "_t", "exam"),
    ("dashboards.company_panel", "_t", "company"), ("dashboards.impact", "_t", "impact"),
    ("training.text", "label", "course")])
def test_does_each_place_read_the_one_table(module, name, scope):
    """Does each place that used to keep its own table now give exactly the one table's labels
    of its scope, in both languages?"""
    import importlib

    lookup = getattr(importlib.import_module(module), name)
    keys = list(labels.section(scope)) + ["team", "cycle"]
    for key in keys:
        for loc in ("en", "zh"):
            assert lookup(key, loc) == labels.t(key, loc, scope)


def test_are_the_engines_sentences_said_again_from_the_one_table():
    """Is each evidence flag and health check of the engine (English sentences with numbers)
    written again from its phrase in the one table: in Chinese with no English word, in English
    as the reader knows it, its numbers kept and its ids turned into names?"""
    from page_language import problems

    from dashboards import phrases

    ctx = phrases.Context({"001002": "王伟"}, {"s1": ("Leaking filter", "滤芯漏水")})
    flags = [("low_agreement", "alpha 0.52 is below the floor 0.667", ["0.52"]),
             ("harsh_rater", "scores -2.0 points against other trainers over 3 shared", ["-2.0", "3"]),
             ("critical", "critical criterion missed in scenario s1", []),
             ("rater_outlier", "1.3 points from the consensus on average over 4.0 people", ["1.3", "4"]),
             ("cross_team_rating", "rated 001002 outside their team", []),
             ("low_survey_coverage", "coverage 50% x return rate 40% = 20%, below the 30% target",
              ["50", "40", "20", "30"])]
    for kind, detail, numbers in flags:
        said = {loc: phrases.flag_detail(kind, detail, loc, ctx) for loc in ("en", "zh")}
        assert problems(said["zh"], "zh", {"王伟", "滤芯漏水"}) == [], said
        assert problems(said["en"], "en", {"王伟", "Leaking filter"}) == [], said
        assert all(n in said["en"] and n in said["zh"] for n in numbers), said
        assert "001002" not in said["zh"] + said["en"] and " s1" not in said["zh"] + said["en"]
    zh = phrases.check_sentence("kpi_health", "revise", "40% of 10 engineer staff have a KPI value "
                                "below 1 (at least 30%)", "engineer", "zh")
    assert "10 人中有 40% 的 KPI 值低于 1（达到30% 的警戒线），考核方案本身需要修订" in zh
