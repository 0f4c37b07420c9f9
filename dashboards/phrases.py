"""The engine's sentences (scheme health checks, evidence-quality flags) in the page's language.

The scoring engine writes its checks and flags as English sentences with numbers in them (they
also go to the command line and the log). The dashboards show them in English or Chinese: each
known sentence is matched by one pattern here, its numbers picked out, and written again from a
template of both languages, with ids turned into what a reader knows (a person's name, a
scenario's title, a role family's name). A sentence no pattern knows is shown as it is on an
English page and replaced by the flag's or check's kind on a Chinese page, never left in English
there (tests/test_dashboard_language.py renders every dashboard and fails on the other language).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from dashboards.labels import t

Names = Mapping[str, str]

# --- scheme health checks (graders.engine.grading CHECK_COLUMNS: family, check, level, message) -------

_KPI = re.compile(r"^(?P<share>\d+)% of (?P<n>\d+) .+? staff have a KPI value below 1 "
                  r"\((?:at least|below) (?P<limit>\d+)%\)")
_NOT_GRADED = re.compile(r"^(?P<n>\d+) active staff of family (?P<family>\S+) have no role scheme")


def family_name(code: str, loc: str, schemes: Mapping | None = None) -> str:
    """A role family's name: the scheme's own name (either language), else the label."""
    s = (schemes or {}).get(code)
    if s is not None:
        return s.name_zh if loc == "zh" else s.name_en
    label = t(code, loc)
    return label if label != code else code.replace("_", " ")


def check_sentence(check: str, level: str, message: str, family: str, loc: str,
                   schemes: Mapping | None = None) -> str:
    """One health-check line of the engine, in `loc`."""
    fam = family_name(family, loc, schemes)
    m = _KPI.match(message) if check == "kpi_health" else None
    if m:
        share, n, limit = m["share"], m["n"], m["limit"]
        if loc == "zh":
            verdict = "考核方案本身需要修订" if level == "revise" else "考核方案合理"
            rel = "达到" if level == "revise" else "低于"
            return (f"{fam}：{n} 人中有 {share}% 的 KPI 值低于 1（{rel}{limit}% 的警戒线），"
                    f"{verdict}")
        verdict = ("the scheme itself needs revising" if level == "revise"
                   else "the scheme is sound")
        rel = "at least" if level == "revise" else "below"
        return (f"{fam}: {share}% of {n} staff have a KPI value below 1 ({rel} {limit}%): "
                f"{verdict}")
    m = _NOT_GRADED.match(message) if check == "not_graded" else None
    if m:
        fam = family_name(m["family"], loc, schemes)
        if loc == "zh":
            return f"{fam}：{m['n']} 名在职人员没有适用的考核方案，本周期未参与评定"
        return f"{fam}: {m['n']} active staff have no role scheme and were not graded"
    if loc == "zh":
        return f"{fam}：{t(level, loc)}"
    return message


# --- evidence-quality flags (graders.sources FLAG_COLUMNS: kind, source, subject, detail) ------

_Rule = tuple[re.Pattern, Callable[[re.Match, str, "Context"], str]]


class Context:
    """What turns the ids in a flag into words: people's names, scenario titles, behaviours."""

    def __init__(self, names: Names | None = None, scenarios: Mapping[str, tuple[str, str]] |
                 None = None, behaviours: Mapping[str, tuple[str, str]] | None = None):
        self.names = dict(names or {})
        self.scenarios = dict(scenarios or {})
        self.behaviours = dict(behaviours or {})

    def person(self, emp: str) -> str:
        return self.names.get(emp, emp)

    def scenario(self, code: str, loc: str) -> str:
        en, zh = self.scenarios.get(code, (code, code))
        return (zh or en) if loc == "zh" else en

    def behaviour(self, code: str, loc: str) -> str:
        en, zh = self.behaviours.get(code, (code, code))
        return (zh or en) if loc == "zh" else en


def _pick(loc: str, en: str, zh: str) -> str:
    return zh if loc == "zh" else en


_FLAG_RULES: dict[str, list[_Rule]] = {
    "low_agreement": [(re.compile(r"alpha (?P<a>-?[\d.]+) is below the floor"), lambda m, loc, c:
                       _pick(loc, f"Krippendorff's alpha {m['a']} is below the floor",
                             f"评分一致性 α = {m['a']}，低于下限"))],
    "agreement_unknown": [(re.compile(r"no performance was scored by two trainers"),
                           lambda m, loc, c: _pick(
                               loc, "no performance was scored by two trainers: agreement cannot "
                                    "be measured", "没有任何一次表现由两位考官同时评分，无法计算一致性"))],
    "lenient_rater": [(re.compile(r"scores (?P<b>[+-][\d.]+) points against other trainers over "
                                  r"(?P<n>\d+) shared"), lambda m, loc, c: _pick(
        loc, f"scores {m['b']} points against other trainers over {m['n']} shared performances",
        f"在 {m['n']} 次共同评分中比其他考官平均 {m['b']} 分"))],
    "rater_disagreement": [(re.compile(r"(?P<x>[\d.]+) points from other trainers"),
                            lambda m, loc, c: _pick(
                                loc, f"{m['x']} points from other trainers on average",
                                f"与其他考官平均相差 {m['x']} 分"))],
    "critical": [
        (re.compile(r"critical criterion missed in scenario (?P<s>\S+)"), lambda m, loc, c: _pick(
            loc, f"critical criterion missed in “{c.scenario(m['s'], loc)}”",
            f"在“{c.scenario(m['s'], loc)}”中关键评分项未达标")),
        (re.compile(r"critical behaviour (?P<b>\S+) in (?P<month>\S+)"), lambda m, loc, c: _pick(
            loc, f"critical behaviour in {m['month']}: {c.behaviour(m['b'], loc)}",
            f"{m['month']} 出现严重关键行为：{c.behaviour(m['b'], loc)}")),
    ],
    "straight_lining": [(re.compile(r"gave every one of (?P<n>\d+) people the same answer"),
                         lambda m, loc, c: _pick(
                             loc, f"gave every one of {m['n']} people the same answer to every item",
                             f"对 {m['n']} 人的每一道题都给出了相同的答案"))],
    "mutual_praise": [(re.compile(r"each rates the other (?P<x>[\d.]+)\+ points above"),
                       lambda m, loc, c: _pick(
                           loc, f"each rates the other {m['x']}+ points above what others give",
                           f"双方给对方的评分都比其他人高出 {m['x']} 分以上"))],
    "rater_outlier": [(re.compile(r"(?P<x>[\d.]+) points from the consensus on average over "
                                  r"(?P<n>[\d.]+) people"), lambda m, loc, c: _pick(
        loc, f"{m['x']} points from the consensus on average over {float(m['n']):g} people",
        f"对 {float(m['n']):g} 人的评分平均偏离共识 {m['x']} 分"))],
    "cross_team_rating": [(re.compile(r"rated (?P<e>\S+) outside their team"),
                           lambda m, loc, c: _pick(
                               loc, f"rated {c.person(m['e'])} outside their team; not counted",
                               f"评价了其他团队的 {c.person(m['e'])}，不计入"))],
    "low_survey_coverage": [(re.compile(r"coverage (?P<c>\d+)% x return rate (?P<r>\d+)% = "
                                        r"(?P<p>\d+)%, below the (?P<t>\d+)% target"),
                             lambda m, loc, c: _pick(
                                 loc, f"coverage {m['c']}% × return rate {m['r']}% = {m['p']}%, "
                                      f"below the {m['t']}% target",
                                 f"回访覆盖率 {m['c']}% × 回收率 {m['r']}% = {m['p']}%，"
                                 f"低于 {m['t']}% 的目标"))],
}
_FLAG_RULES["harsh_rater"] = _FLAG_RULES["lenient_rater"]


def flag_kind(kind: str, loc: str) -> str:
    label = t(f"flag_{kind}", loc)
    return label if label != f"flag_{kind}" else kind.replace("_", " ")


def flag_detail(kind: str, detail: str, loc: str, ctx: Context | None = None) -> str:
    """The flag's detail sentence in `loc` (its kind's name when no pattern knows it, on a
    Chinese page)."""
    ctx = ctx or Context()
    for pattern, render in _FLAG_RULES.get(kind, []):
        m = pattern.search(str(detail))
        if m:
            return render(m, loc, ctx)
    return flag_kind(kind, loc) if loc == "zh" else str(detail)


def flag_subject(kind: str, source: str, subject: str, loc: str, ctx: Context | None = None,
                 teams: set[str] | None = None) -> str:
    """Who or what a flag is about, as a reader knows them: names for people (a pair joined by
    ↔), a scenario's title, a team's or trainer's own name."""
    ctx = ctx or Context()
    subject = str(subject)
    if kind in ("low_agreement", "agreement_unknown"):
        return ctx.scenario(subject, loc)
    if teams and subject in teams:
        return subject
    return " ↔ ".join(ctx.person(p) for p in subject.split("<->"))
