"""The engine's sentences (scheme health checks, evidence-quality flags) in the page's language.

The scoring engine writes its checks and flags as English sentences with numbers in them (they
also go to the command line and the log). The dashboards show them in English or Chinese: each
known sentence is matched by one pattern here, its numbers picked out, and written again from its
phrase in the one label table (core.labels, scope "phrase"), with ids turned into what a reader knows (a person's name, a
scenario's title, a role family's name). A sentence no pattern knows is shown as it is on an
English page and replaced by the flag's or check's kind on a Chinese page, never left in English
there (tests/test_dashboard_language.py renders every dashboard and fails on the other language).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from core import labels
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
        side = "revise" if level == "revise" else "sound"
        return _say("kpi_health", loc, fam=fam, share=m["share"], n=m["n"], limit=m["limit"],
                    rel=_say(f"kpi_{side}_rel", loc), verdict=_say(f"kpi_{side}", loc))
    m = _NOT_GRADED.match(message) if check == "not_graded" else None
    if m:
        return _say("not_graded", loc, fam=family_name(m["family"], loc, schemes), n=m["n"])
    if loc == "zh":
        return f"{fam}：{t(level, loc)}"
    return message


# --- evidence-quality flags (graders.sources FLAG_COLUMNS: kind, source, subject, detail) ------

#: a pattern of the engine's sentence, the phrase (scope "phrase" of core.labels) that says it
#: again, and what turns the sentence's ids into words (None: its numbers as they are)
_Rule = tuple[re.Pattern, str, "Callable[[re.Match, str, Context], dict] | None"]


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


def _say(key: str, loc: str, **values) -> str:
    """The phrase `key` of the one label table in `loc`, its blanks filled in."""
    return labels.t(key, loc, "phrase").format(**values)


_FLAG_RULES: dict[str, list[_Rule]] = {
    "low_agreement": [(re.compile(r"alpha (?P<a>-?[\d.]+) is below the floor"), "low_agreement",
                       None)],
    "agreement_unknown": [(re.compile(r"no performance was scored by two trainers"),
                           "agreement_unknown", None)],
    "lenient_rater": [(re.compile(r"scores (?P<b>[+-][\d.]+) points against other trainers over "
                                  r"(?P<n>\d+) shared"), "rater_bias", None)],
    "rater_disagreement": [(re.compile(r"(?P<x>[\d.]+) points from other trainers"),
                            "rater_disagreement", None)],
    "critical": [
        (re.compile(r"critical criterion missed in scenario (?P<s>\S+)"), "critical_criterion",
         lambda m, loc, c: {"s": c.scenario(m["s"], loc)}),
        (re.compile(r"critical behaviour (?P<b>\S+) in (?P<month>\S+)"), "critical_behaviour",
         lambda m, loc, c: {"b": c.behaviour(m["b"], loc)}),
    ],
    "straight_lining": [(re.compile(r"gave every one of (?P<n>\d+) people the same answer"),
                         "straight_lining", None)],
    "mutual_praise": [(re.compile(r"each rates the other (?P<x>[\d.]+)\+ points above"),
                       "mutual_praise", None)],
    "rater_outlier": [(re.compile(r"(?P<x>[\d.]+) points from the consensus on average over "
                                  r"(?P<n>[\d.]+) people"), "rater_outlier",
                       lambda m, loc, c: {"n": f"{float(m['n']):g}"})],
    "cross_team_rating": [(re.compile(r"rated (?P<e>\S+) outside their team"), "cross_team_rating",
                           lambda m, loc, c: {"e": c.person(m["e"])})],
    "low_survey_coverage": [(re.compile(r"coverage (?P<c>\d+)% x return rate (?P<r>\d+)% = "
                                        r"(?P<p>\d+)%, below the (?P<t>\d+)% target"),
                             "low_survey_coverage", None)],
}
_FLAG_RULES["harsh_rater"] = _FLAG_RULES["lenient_rater"]


def flag_kind(kind: str, loc: str) -> str:
    label = t(f"flag_{kind}", loc)
    return label if label != f"flag_{kind}" else kind.replace("_", " ")


def flag_detail(kind: str, detail: str, loc: str, ctx: Context | None = None) -> str:
    """The flag's detail sentence in `loc` (its kind's name when no pattern knows it, on a
    Chinese page)."""
    ctx = ctx or Context()
    for pattern, key, words in _FLAG_RULES.get(kind, []):
        m = pattern.search(str(detail))
        if m:
            return _say(key, loc, **(m.groupdict() | (words(m, loc, ctx) if words else {})))
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
