"""Survey and review files as survey tools really export them.

Service departments collect customer surveys and reviews with online survey tools and import the
tool's export as it comes. Each tool writes its own layout:

* 问卷星 (wjx): meta columns 序号, 提交答卷时间, 所用时间, 来源, 来源详情, 来自IP (总分 for scored
  forms); questions numbered `1、...`; a matrix question one column per row, `5、(服务态度)` in the
  readable export or `第5题(服务态度)` in the coded one; answers as option text (非常满意 ...).
* 腾讯问卷 (wj.qq.com): 编号, 开始答题时间, 结束答题时间, 答题时长, IP; questions `1.` numbered,
  matrix rows as `3.请评价—服务态度`.
* 金数据 (jinshuju): 序号, question titles, then 填写设备, 操作系统, 浏览器, 填写地区, IP, 提交时间.
* SurveyMonkey: *two* header rows: Respondent ID, Collector ID, Start Date, End Date, IP Address,
  Email Address, First Name, Last Name, Custom Data 1 on the first; "Response" or "Open-Ended
  Response" under single questions on the second, and under a matrix question (whose text stands
  over its first column only) the row labels.
* Google Forms: Timestamp, Email Address; a grid question as `Question [Row]`.
* Microsoft Forms: ID, Start time, Completion time, Email, Name, Last modified time; a Likert
  question one column per statement.
* Qualtrics: *three* header rows: export tags (StartDate ... ResponseId ..., `Q1`, `Q2_1` for a
  matrix row), the question texts (`Please rate ... - Attitude`), and `{"ImportId": ...}`.

`unfold` turns the extra header rows into one header per column; `header_candidates` gives the
texts a header may stand for once numbering (`1、`, `1.`, `Q1`, `Q1_1`, `第1题`) and matrix
stems are taken off; `is_meta` recognises the tools' own columns, which are ignored; `AnswerWords`
maps answers written as words (非常满意 ... 非常不满意, Very satisfied ... Very dissatisfied, 5- and
7-point variants, agreement scales for reviews) onto the form's scale.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from core.errors import Problem
from core.tabular import ColumnMap, Table, map_columns, normalize_header, normalize_text

__all__ = ["unfold", "header_candidates", "is_meta", "map_fields", "AnswerWords", "ANSWER_SCALES"]

# --- header rows --------------------------------------------------------------------------------

#: cells of SurveyMonkey's second header row under a question with one answer column
_SM_SINGLE = {"response", "open-ended response", "open ended response", "other (please specify)"}


def _cell(value: object) -> str:
    return normalize_text(value)


def unfold(table: Table) -> Table:
    """One header per column for the tools that write two or three header rows.

    Qualtrics: the first row holds export tags, the second the question texts, the third
    `{"ImportId": ...}`; the texts become the headers (a tag stays where the text is empty), and
    both extra rows are dropped. SurveyMonkey: the second row holds "Response" / "Open-Ended
    Response" or a matrix question's row labels; a matrix question's text (written over its first
    column only) is carried to its other columns and each becomes "question - row label".
    Data rows keep their spreadsheet row numbers. Any other table is returned as it is.
    """
    if len(table.rows) >= 2 and _is_qualtrics(table):
        texts = [_cell(c) for c in table.rows[0][1]]
        headers = [t or h for h, t in zip(table.headers, texts)]
        return replace(table, headers=headers, rows=table.rows[2:])
    if table.rows and _is_surveymonkey(table):
        second = [_cell(c) for c in table.rows[0][1]]
        headers, stem = [], ""
        for h, sub in zip(table.headers, second):
            if h:
                stem = h
            low = sub.lower()
            if not sub:
                headers.append(h)
            elif low in _SM_SINGLE:
                headers.append(h or stem)
            else:
                headers.append(f"{stem} - {sub}" if stem else sub)
        return replace(table, headers=headers, rows=table.rows[1:])
    return table


def _is_qualtrics(table: Table) -> bool:
    third = [_cell(c) for c in table.rows[1][1]]
    return sum(1 for c in third if c.startswith('{"ImportId"') or c.startswith("{'ImportId'")) >= 2


def _is_surveymonkey(table: Table) -> bool:
    second = [_cell(c).lower() for c in table.rows[0][1]]
    heads = [normalize_header(h) for h in table.headers]
    return "respondent_id" in heads and any(c in _SM_SINGLE for c in second)


# --- question headers ---------------------------------------------------------------------------

#: question numbering as the tools write it: 1、 1. 1: 1) Q1 Q1. Q1_1 Q1.1 第1题 (5) ...
_NUMBER = re.compile(
    r"^\s*(?:第\s*\d+\s*题|q\s*\d+(?:[_.]\d+)*|\d+(?:\.\d+)*(?=\s*[、.:：)）_\-(（]|$))"
    r"\s*[、.:：)）_\-]?\s*", re.IGNORECASE)
#: a matrix row written after the stem: "stem - row", "stem — row", "stem——row", "stem:row",
#: "stem.row", or in brackets at the end: "stem [row]", "stem (row)", "stem（row）"
_BRACKET = re.compile(r"^(.*?)\s*[\[(（【]\s*([^\[\]()（）【】]+?)\s*[\])）】]\s*$")
_SEPARATORS = (" - ", " – ", " — ", "——", "—", " | ", "：", ":", " -", "- ", "-")
_TRAILING = "?？:：*＊ "


def _strip_numbering(text: str) -> str:
    return _NUMBER.sub("", text, count=1).strip()


def header_candidates(header: str) -> list[str]:
    """The texts a column header may stand for, most specific first: the header itself; with the
    question number taken off; for a matrix question, the row label and the stem."""
    text = normalize_text(header)
    out: list[str] = []

    def add(t: str) -> None:
        t = t.strip().rstrip(_TRAILING).strip()
        if t and t not in out:
            out.append(t)

    add(text)
    bare = _strip_numbering(text)
    add(bare)
    m = _BRACKET.match(bare)
    if m:
        add(m[2])
        add(m[1])
    for sep in _SEPARATORS:
        if sep in bare:
            stem, _, row = bare.rpartition(sep)
            add(row)
            add(stem)
            break
    return out


#: the survey tools' own columns (normalised headers): never answers, never a linked field
META_HEADERS = {normalize_header(h) for h in (
    # 问卷星
    "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP", "总分", "答题时长",
    # 腾讯问卷
    "开始答题时间", "结束答题时间", "编号", "答题时长", "地理位置国家和地区", "地理位置省",
    "地理位置市", "用户标识", "昵称", "自定义字段", "IP", "省份", "城市",
    # 金数据
    "填写设备", "操作系统", "浏览器", "填写地区", "提交时间", "更新时间", "填写时间", "微信昵称",
    "微信OpenID", "提交人", "修改时间", "创建时间",
    # SurveyMonkey
    "Collector ID", "Start Date", "End Date", "IP Address", "Email Address", "First Name",
    "Last Name", "Custom Data 1", "Custom Data",
    # Google Forms
    "Timestamp", "Score",
    # Microsoft Forms
    "ID", "Start time", "Completion time", "Email", "Name", "Last modified time",
    # Qualtrics (tags and texts)
    "StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)", "Finished",
    "RecordedDate", "Recorded Date", "Response Type", "RecipientLastName", "RecipientFirstName",
    "RecipientEmail", "Recipient Last Name", "Recipient First Name", "Recipient Email",
    "ExternalReference", "External Data Reference", "LocationLatitude", "LocationLongitude",
    "Location Latitude", "Location Longitude", "DistributionChannel", "Distribution Channel",
    "UserLanguage", "User Language", "Q_RecaptchaScore", "Q_BallotBoxStuffing",
)}


def is_meta(header: str) -> bool:
    """Whether a header is one of the survey tools' own columns (time, duration, source, IP ...)."""
    return normalize_header(header) in META_HEADERS


def map_fields(table: Table, synonyms: Mapping[str, Sequence[str]], required: Sequence[str],
               keywords: Mapping[str, Sequence[str]] = ()) -> tuple[ColumnMap, list[Problem]]:
    """`map_columns` on headers as the tools write them.

    A header matches a field by name or synonym once its question number is taken off ("2、工单号"
    is the ticket); failing that, a question whose text contains one of the field's `keywords`
    ("3、为您服务的工程师工号是？") gives that field — the staff id asked as a question. The tools'
    meta columns match nothing. Problems name the headers as written in the file.
    """
    lookup = {normalize_header(n): f for f, names in synonyms.items() for n in (f, *names)}
    view = []
    for h in table.headers:
        if not h or (is_meta(h) and normalize_header(h) not in lookup):
            view.append("")
            continue
        cands = header_candidates(h)
        hit = next((c for c in cands if normalize_header(c) in lookup), None)
        view.append(hit or h)
    cols, problems = map_columns(replace(table, headers=view), synonyms, ())
    for fname, words in dict(keywords).items():
        if fname in cols.index:
            continue
        for i, h in enumerate(table.headers):
            if not view[i] or i in cols.index.values():
                continue
            low = normalize_text(h).lower()
            if any(w.lower() in low for w in words):
                cols.index[fname] = i
                break
    for fname in required:
        if fname not in cols.index:
            accepted = ", ".join([fname, *synonyms.get(fname, [])][:6])
            problems.append(Problem(table.file, 1, None,
                                    f"missing required column {fname!r} (accepted headers: {accepted})"))
    # report and locate with the headers as written
    problems = [Problem(p.file, p.row, table.headers[_index(p.letter)] if p.letter else p.column,
                        p.message, p.letter) for p in problems]
    return ColumnMap(cols.index, table.headers, cols.unknown), problems


# --- answers written as words -------------------------------------------------------------------

#: answer scales as the tools offer them, lowest first; the first listed set that holds every
#: word of a column (preferring one with as many points as the form's scale) reads that column
ANSWER_SCALES: tuple[tuple[str, ...], ...] = (
    # satisfaction, Chinese
    ("非常不满意", "不满意", "一般", "满意", "非常满意"),
    ("很不满意", "不满意", "一般", "满意", "很满意"),
    ("非常不满意", "比较不满意", "一般", "比较满意", "非常满意"),
    ("非常不满意", "不满意", "比较不满意", "一般", "比较满意", "满意", "非常满意"),
    # satisfaction, English (SurveyMonkey, Google and Microsoft Forms, Qualtrics)
    ("Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very satisfied"),
    ("Very dissatisfied", "Dissatisfied", "Neither satisfied nor dissatisfied", "Satisfied",
     "Very satisfied"),
    ("Very unsatisfied", "Unsatisfied", "Neutral", "Satisfied", "Very satisfied"),
    ("Extremely dissatisfied", "Somewhat dissatisfied", "Neither satisfied nor dissatisfied",
     "Somewhat satisfied", "Extremely satisfied"),
    ("Very dissatisfied", "Dissatisfied", "Somewhat dissatisfied", "Neutral",
     "Somewhat satisfied", "Satisfied", "Very satisfied"),
    ("Extremely dissatisfied", "Moderately dissatisfied", "Slightly dissatisfied",
     "Neither satisfied nor dissatisfied", "Slightly satisfied", "Moderately satisfied",
     "Extremely satisfied"),
    # agreement (review forms), Chinese and English
    ("非常不同意", "不同意", "一般", "同意", "非常同意"),
    ("非常不同意", "不同意", "中立", "同意", "非常同意"),
    ("非常不符合", "不符合", "一般", "符合", "非常符合"),
    ("非常不同意", "不同意", "比较不同意", "一般", "比较同意", "同意", "非常同意"),
    ("Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"),
    ("Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"),
    ("Strongly disagree", "Disagree", "Somewhat disagree", "Neither agree nor disagree",
     "Somewhat agree", "Agree", "Strongly agree"),
    # quality words
    ("很差", "差", "一般", "好", "很好"),
    ("非常差", "较差", "一般", "较好", "非常好"),
    ("Very poor", "Poor", "Fair", "Good", "Excellent"),
    ("Poor", "Fair", "Good", "Very good", "Excellent"),
)


def _word(value: object) -> str:
    text = unicodedata.normalize("NFKC", str(value)).strip().casefold()
    return re.sub(r"\s+", " ", text)


_NUMBERED = re.compile(r"^(\d+(?:\.\d+)?)\s*(?:分|points?|pts?|星|stars?)?\s*(?:[-–—:：(（].*)?$",
                       re.IGNORECASE)


def leading_number(text: str) -> float | None:
    """A number a tool wrote with a unit or a label: "5分", "4 - Satisfied", "5 (非常满意)"."""
    m = _NUMBERED.match(text.strip())
    return float(m[1]) if m else None


@dataclass
class AnswerWords:
    """Reads word answers, per column, onto a form's scale.

    For each item column the words found in it choose one answer scale of `ANSWER_SCALES`; a word
    at position p (1 = lowest) of an N-point scale becomes `min + (p - 1) * (max - min) / (N - 1)`
    on the form's scale, so 满意 on the 5-point scale is 4 of 1-5 and 比较满意 on the 7-point
    scale is 1 + 4 x 4/6 = 3.67. Words no scale holds are left to be reported.
    """

    scale_min: float
    scale_max: float
    #: item id -> (scale words casefolded, lowest first)
    chosen: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def for_table(cls, table: Table, items: Mapping[str, int], scale_min: float,
                  scale_max: float, scales: Iterable[Sequence[str]] = ANSWER_SCALES) -> AnswerWords:
        sets = [tuple(_word(w) for w in s) for s in scales]
        points = int(round(scale_max - scale_min)) + 1
        out = cls(scale_min, scale_max)
        per_item: dict[str, set[str]] = {}
        for item_id, i in items.items():
            words = set()
            for _row, cells in table.rows:
                v = cells[i]
                if v is None or isinstance(v, (int, float)):
                    continue
                w = _word(v)
                if w and leading_number(w) is None:
                    words.add(w)
            if words:
                per_item[item_id] = words

        def pick(words: set[str]) -> tuple[str, ...] | None:
            fitting = [s for s in sets if words <= set(s)]
            if not fitting:
                return None
            fitting.sort(key=lambda s: (len(s) != points, len(s)))
            return fitting[0]

        # One scale for the whole file when one holds every word (a 7-point survey whose column
        # happens to hold only 满意 and 非常满意 is still read on 7 points) ...
        everything = set().union(*per_item.values()) if per_item else set()
        whole = pick(everything) if everything else None
        for item_id, words in per_item.items():
            chosen = whole or pick(words)
            if chosen is None:  # ... else per column: the scale holding most of its words
                best = max(sets, key=lambda s: len(words & set(s)))
                chosen = best if words & set(best) else None
            if chosen is not None:
                out.chosen[item_id] = chosen
        return out

    def value(self, item_id: str, cell: object) -> float:
        """The answer on the form's scale; ValueError naming what is accepted otherwise."""
        w = _word(cell)
        num = leading_number(w)
        if num is not None:
            return num
        words = self.chosen.get(item_id)
        if words and w in words:
            p, n = words.index(w), len(words)
            return self.scale_min + p * (self.scale_max - self.scale_min) / (n - 1)
        hint = (f"{words[-1]} ... {words[0]}" if words else
                "a number, or words such as 非常满意 ... 非常不满意, Very satisfied ... Very dissatisfied")
        raise ValueError(f"{normalize_text(cell)!r} is not an answer on the scale (use {hint})")


def _index(letter: str) -> int:
    """0-based index of a spreadsheet column letter (A -> 0, AA -> 26)."""
    n = 0
    for ch in letter:
        n = n * 26 + ord(ch) - 64
    return n - 1
