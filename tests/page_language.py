"""What a reader must never meet on a dashboard: a string of the other language, a raw code, a
Python repr or a traceback. Used by the browser tests on the text a page shows.

Data the company typed (people's and teams' names, exam questions, cycle names) may be in either
language on either page; the tests pass it as `allowed` and it is taken out before checking.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

#: Latin words a Chinese page may show: proper names, key names and the abbreviations Chinese
#: text uses too
ZH_PAGE_LATIN = {"KPI", "Krippendorff", "Excel", "AquaPure", "Ctrl", "Mac"}

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff01-\uff5e]+")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
RAW = [
    ("snake_case identifier", re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")),
    ("kebab-case identifier", re.compile(r"\b[a-z][a-z0-9]*(?:-[a-z0-9]+){2,}\b")),
    ("Python value", re.compile(r"\b(?:True|False|None|NaN|nan|NaT|<NA>)\b")),
    ("Python repr", re.compile(r"object at 0x[0-9a-f]+|\[['\"]|\{['\"]|\bdtype\b")),
    ("traceback", re.compile(r"Traceback|\w+Error\b|\w+Exception\b")),
    ("pair of ids", re.compile(r"\d+<->\d+")),
]


def strip_allowed(text: str, allowed: Iterable[str]) -> str:
    """`text` without every allowed string (longest first, so a name inside another survives)."""
    for a in sorted({a for a in allowed if a and len(a) > 1}, key=len, reverse=True):
        text = text.replace(a, " ")
    return text


def problems(text: str, lang: str, allowed: Iterable[str] = ()) -> list[str]:
    """What is wrong with a page's text for a reader of `lang` ('en' or 'zh'): each problem as
    'kind: the offending string'. Empty when the page is clean."""
    text = text.replace("\xa0", " ")  # the browser shows some spaces as non-breaking ones
    rest = strip_allowed(text, allowed)
    found = []
    for kind, pattern in RAW:
        found += [f"{kind}: {m.group(0)}" for m in pattern.finditer(rest)]
    if lang == "zh":
        found += [f"English on a Chinese page: {m.group(0)}" for m in LATIN_WORD.finditer(rest)
                  if m.group(0) not in ZH_PAGE_LATIN]
    else:
        found += [f"Chinese on an English page: {m.group(0)}" for m in CJK.finditer(rest)]
    return sorted(set(found))
