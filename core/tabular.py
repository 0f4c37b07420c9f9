"""Reading staff-authored tables (CSV in any common encoding, Excel .xlsx) with located problems.

Every import in the platform goes through here, so that each one accepts the same files and
reports problems the same way: file, spreadsheet row number and column header.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from core.errors import AcademyError, Problem, ProblemsError

#: Encodings tried, in order, for CSV files without a byte-order mark. UTF-8 is strict enough that
#: GBK/GB18030 bytes essentially never decode as UTF-8; GB18030 is a superset of GBK and GB2312.
CSV_ENCODINGS = ("utf-8", "gb18030")
#: The longest value a cell may hold (a roster name or a review comment is far shorter); longer
#: ones are refused with their row and column instead of being read into memory and the database.
MAX_CELL = 10_000
#: An .xlsx is a zip: what it may unpack to. A small file that unpacks to hundreds of megabytes
#: (a "zip bomb" of whitespace) is refused before any of it is read.
MAX_XLSX_UNPACKED = 200 * 1024 * 1024
#: CSV fields are read up to this size (Python's csv module stops at 128 KiB with an exception);
#: anything over MAX_CELL is then reported as a problem.
csv.field_size_limit(64 * 1024 * 1024)


@dataclass
class Table:
    """A table read from a file: header texts and data rows with their spreadsheet row numbers."""

    file: str
    encoding: str
    headers: list[str]
    rows: list[tuple[int, list[object]]]
    sha256: str
    problems: list[Problem] = field(default_factory=list)


def column_letter(index: int) -> str:
    """Spreadsheet letter of a 0-based column index (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def normalize_text(value: object) -> str:
    """NFKC-normalised, trimmed text: full-width digits, letters and spaces become plain ones.

    Whole numbers stored by Excel as floats lose their '.0'; text keeps leading zeros.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value
    text = unicodedata.normalize("NFKC", str(value))
    return re.sub(r"\s+", " ", text).strip()


def normalize_header(value: object) -> str:
    text = normalize_text(value).lower()
    return re.sub(r"[\s\-/.]+", "_", text).strip("_")


def _decode(data: bytes, name: str) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        candidates: Sequence[str] = ("utf-8-sig",)
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ("utf-16",)
    else:
        candidates = CSV_ENCODINGS
    for enc in candidates:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if text.count("\x00") * 10 > len(text):  # UTF-16 without a byte-order mark, not this
            continue
        if enc == "gb18030" and _looks_like_shift_jis(data, text):
            raise ProblemsError(
                [Problem(name, None, None,
                         "the file looks like Japanese Shift-JIS text, not Chinese GB18030/GBK "
                         "(reading it as GB18030 would give wrong characters); save it as "
                         "'CSV UTF-8' or as an Excel .xlsx workbook")], what=name)
        return text, enc
    raise ProblemsError(
        [Problem(name, None, None,
                 "unreadable encoding: the file is neither UTF-8 (with or without BOM), UTF-16 "
                 "nor GB18030/GBK text; save it as 'CSV UTF-8' or as an Excel .xlsx workbook")],
        what=name,
    )


def _looks_like_shift_jis(data: bytes, gb_text: str) -> bool:
    """GB18030 decodes almost any bytes, so a Shift-JIS file "succeeds" with wrong characters.
    It is taken for Shift-JIS when it decodes as Shift-JIS into Japanese kana while its GB18030
    reading needs characters outside GB2312 (the common Chinese set) to make sense of it."""
    try:
        sj = data.decode("shift_jis")
    except UnicodeDecodeError:
        return False
    kana = sum(1 for ch in sj if "\u3041" <= ch <= "\u30fa")
    if kana == 0:
        return False
    rare = sum(1 for ch in gb_text if ord(ch) > 0x7F and not _in_gb2312(ch))
    return rare * 2 >= kana


def _in_gb2312(ch: str) -> bool:
    try:
        ch.encode("gb2312")
        return True
    except UnicodeEncodeError:
        return False


def _read_csv(path: Path, data: bytes) -> Table:
    text, enc = _decode(data, path.name)
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample.splitlines()[0] if sample else ",", delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise ProblemsError([Problem(path.name, reader.line_num, None,
                                     f"not readable as CSV ({exc})")], what=path.name) from exc
    return _table(path, enc, rows, data)


def _read_xlsx(path: Path, data: bytes, sheet: str | None) -> Table:
    from openpyxl import load_workbook

    _check_unpacked_size(path, data)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise ProblemsError(
            [Problem(path.name, None, None, f"not a readable Excel .xlsx workbook ({exc})")],
            what=path.name,
        ) from exc
    try:
        if sheet is not None:
            if sheet not in wb.sheetnames:
                raise ProblemsError(
                    [Problem(path.name, None, None,
                             f"no sheet named {sheet!r} (sheets: {', '.join(wb.sheetnames)})")],
                    what=path.name,
                )
            ws = wb[sheet]
        else:
            ws = wb.worksheets[0]
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
    finally:
        wb.close()
    return _table(path, "xlsx", rows, data)


def _check_unpacked_size(path: Path, data: bytes) -> None:
    """Refuse a workbook that unpacks to more than MAX_XLSX_UNPACKED, before unpacking any of it
    (zipfile then also stops any member at its declared size)."""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            unpacked = sum(i.file_size for i in zf.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ProblemsError([Problem(path.name, None, None,
                                     f"not a readable Excel .xlsx workbook ({exc})")],
                            what=path.name) from exc
    if unpacked > MAX_XLSX_UNPACKED:
        raise ProblemsError([Problem(
            path.name, None, None,
            f"the workbook unpacks to {unpacked / 1024 / 1024:.0f} MB ({len(data) / 1024:.0f} KB "
            f"packed), more than the {MAX_XLSX_UNPACKED // 1024 // 1024} MB read; remove empty "
            "rows and columns or save the data as CSV")], what=path.name)


#: Unicode "format" characters (zero-width spaces and joiners, left-to-right and right-to-left
#: marks, embeddings, overrides and isolates, the BOM): invisible, they make look-alike ids
_INVISIBLE = "Cf"


def _cell_problems(file: str, row: int, headers: list[str], cells: list[object]) -> list[Problem]:
    """Invisible or control characters and over-long values, each with its row and column."""
    out = []
    for i, value in enumerate(cells[: len(headers)]):
        if not isinstance(value, str) or not value:
            continue
        letter, header = column_letter(i), headers[i] or None
        if len(value) > MAX_CELL:
            out.append(Problem(file, row, header, f"value of {len(value):,} characters is too long "
                                                  f"(at most {MAX_CELL:,})", letter))
            continue
        for ch in value:
            cat = unicodedata.category(ch)
            if cat == _INVISIBLE or (cat == "Cc" and ch not in "\t\n\r"):
                name = unicodedata.name(ch, "NUL" if ch == "\x00" else "control character")
                kind = "control character" if cat == "Cc" else "invisible character"
                out.append(Problem(file, row, header,
                                   f"{kind} U+{ord(ch):04X} ({name}) in {_shown(value)}: remove it "
                                   "(it makes text look like something it is not)", letter))
                break
    return out


def _shown(value: str) -> str:
    visible = "".join(ch if unicodedata.category(ch) not in ("Cf", "Cc") else "\ufffd"
                      for ch in value)
    return repr(visible[:40] + ("..." if len(visible) > 40 else ""))


def _table(path: Path, enc: str, rows: Sequence[Sequence[object]], data: bytes) -> Table:
    digest = hashlib.sha256(data).hexdigest()
    # Leading blank rows are skipped; the first non-blank row is the header.
    start = 0
    while start < len(rows) and not any(normalize_text(c) for c in rows[start]):
        start += 1
    if start == len(rows):
        raise ProblemsError([Problem(path.name, None, None, "the file has no header row")], path.name)
    header_problems = _cell_problems(path.name, start + 1, [str(c) for c in rows[start]],
                                     list(rows[start]))
    if header_problems:
        raise ProblemsError(header_problems, path.name)
    headers = [normalize_text(c) for c in rows[start]]
    while headers and not headers[-1]:
        headers.pop()
    body: list[tuple[int, list[object]]] = []
    problems: list[Problem] = []
    for offset, cells in enumerate(rows[start + 1:], start=start + 2):
        if not any(normalize_text(c) for c in cells):
            continue
        for i in range(len(headers), len(cells)):
            if normalize_text(cells[i]):
                problems.append(Problem(path.name, offset, None,
                                        f"value {normalize_text(cells[i])!r} in column "
                                        f"{column_letter(i)}, which has no header",
                                        column_letter(i)))
        cells = list(cells[: len(headers)]) + [None] * (len(headers) - len(cells))
        problems += _cell_problems(path.name, offset, headers, cells)
        body.append((offset, cells))
    return Table(path.name, enc, headers, body, digest, problems)


def read_table(path: Path | str, sheet: str | None = None) -> Table:
    """Read a CSV (UTF-8 with or without BOM, UTF-16, GB18030/GBK) or .xlsx file."""
    path = Path(path)
    if not path.is_file():
        raise AcademyError(f"{path}: no such file")
    data = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, data, sheet)
    if suffix == ".xls":
        raise AcademyError(f"{path.name}: old .xls workbooks are not read; save it as .xlsx or CSV")
    return _read_csv(path, data)


@dataclass
class ColumnMap:
    """Where each known field sits in a table (0-based index), and the header as written."""

    index: dict[str, int]
    headers: list[str]
    unknown: list[str]

    def locate(self, field_name: str) -> tuple[str | None, str | None]:
        i = self.index.get(field_name)
        return (self.headers[i], column_letter(i)) if i is not None else (None, None)


def map_columns(
    table: Table, synonyms: Mapping[str, Sequence[str]], required: Sequence[str]
) -> tuple[ColumnMap, list[Problem]]:
    """Match headers to fields by name or synonym (English or Chinese, case and width folded).

    Reports a duplicated column (two headers for one field) and every missing required column.
    """
    lookup: dict[str, str] = {}
    for field_name, names in synonyms.items():
        for n in (field_name, *names):
            lookup[normalize_header(n)] = field_name
    index: dict[str, int] = {}
    unknown: list[str] = []
    problems: list[Problem] = []
    for i, header in enumerate(table.headers):
        fname = lookup.get(normalize_header(header))
        if fname is None:
            if header:
                unknown.append(header)
            continue
        if fname in index:
            first = table.headers[index[fname]]
            problems.append(Problem(
                table.file, 1, header,
                f"duplicated column: {header!r} and {first!r} "
                f"(column {column_letter(index[fname])}) both give the {fname}",
                column_letter(i)))
            continue
        index[fname] = i
    for fname in required:
        if fname not in index:
            accepted = ", ".join([fname, *synonyms.get(fname, [])][:6])
            problems.append(Problem(table.file, 1, None,
                                    f"missing required column {fname!r} (accepted headers: {accepted})"))
    return ColumnMap(index, table.headers, unknown), problems


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def parse_date(value: object) -> date:
    """A date from an Excel cell or text such as 2024-03-05, 2024/3/5, 2024年3月5日, 20240305."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = normalize_text(value)
    text = text.split(" ")[0] if re.match(r"^\d{4}-\d{2}-\d{2} 00:00(:00)?$", text) else text
    for pattern in _DATE_PATTERNS:
        if m := pattern.match(text):
            return date(int(m[1]), int(m[2]), int(m[3]))
    raise ValueError(f"{text!r} is not a date (write it as YYYY-MM-DD)")


_TRUE = {"1", "y", "yes", "true", "t", "active", "是", "在职", "有效", "正常", "x", "✓"}
_FALSE = {"0", "n", "no", "false", "f", "inactive", "否", "离职", "无效", "停用", "left"}


def parse_bool(value: object, default: bool = True) -> bool:
    text = normalize_text(value).lower()
    if not text:
        return default
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{normalize_text(value)!r} is not yes/no (use yes/no, 1/0, 是/否, 在职/离职)")
