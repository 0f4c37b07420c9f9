"""Look-alike and broken input (issue 19, case 6), each fed to the real `academy` command or the
importer as an attacker or a careless exporter would."""

from __future__ import annotations

import csv
import dataclasses
import io
import shutil
import zipfile
from pathlib import Path

from conftest import DATA, run_academy
from openpyxl import Workbook
from sqlalchemy import select
from test_evidence_imports import _practical_rows, write

from academy.synthetic.company import make_company, write_roster_csv
from graders.exam.bank import load_bank
from graders.exam.scoring import score_answer
from roster.models import Staff

HEADER = "employee_id,name,team,role,supervisor,hire_date\n"


def _home(tmp_path) -> Path:
    home = tmp_path / "home"
    run_academy("init", "--home", str(home), check=True)
    run_academy("roster", "import", str(DATA / "roster_small.csv"), home=home, check=True)
    return home


def _roster_list(home) -> str:
    return run_academy("roster", "list", "--all", "--format", "csv", home=home, check=True).stdout


def test_are_ids_with_zero_width_or_bidi_characters_refused_with_row_and_column(tmp_path):
    """Are ids that look like real ones but hold a zero-width space, a zero-width joiner, a
    right-to-left override or a left-to-right mark refused (file, row, column), with nobody added?"""
    home = _home(tmp_path)
    before = _roster_list(home)
    lines = [HEADER,
             "000103\u200b,Emily Chen,售后一部,hotline_support,000101,2021-03-01\n",
             "0001\u200d04,刘洋,售后一部,technical_support,000101,2022-09-12\n",
             "\u202e301000,Mallory,售后一部,technical_support,000101,2022-09-12\n",
             "000107,Eve\u200e,售后一部,technical_support,000101,2022-09-12\n"]
    f = tmp_path / "lookalike.csv"
    f.write_text("".join(lines), encoding="utf-8")
    proc = run_academy("roster", "import", str(f), "--partial", home=home)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    err = proc.stderr
    assert 'lookalike.csv, row 2, column "employee_id" (A): invisible character U+200B (ZERO WIDTH SPACE)' in err
    assert 'row 3, column "employee_id" (A): invisible character U+200D (ZERO WIDTH JOINER)' in err
    assert 'row 4, column "employee_id" (A): invisible character U+202E (RIGHT-TO-LEFT OVERRIDE)' in err
    assert 'row 5, column "name" (B): invisible character U+200E (LEFT-TO-RIGHT MARK)' in err
    assert _roster_list(home) == before


def test_is_a_shift_jis_file_refused_instead_of_read_as_gb18030(tmp_path):
    """Is a Japanese Shift-JIS roster (which GB18030 would 'decode' into wrong characters) refused
    with a message naming Shift-JIS, while the same roster in GB18030 is read correctly?"""
    home = _home(tmp_path)
    before = _roster_list(home)
    text = HEADER + "000200,やまだ たろう,サポート東京,technical_support,000101,2023-04-01\n"
    sj = tmp_path / "sjis.csv"
    sj.write_bytes(text.encode("shift_jis"))
    proc = run_academy("roster", "import", str(sj), "--partial", home=home)
    assert proc.returncode == 2 and "Shift-JIS" in proc.stderr and "Traceback" not in proc.stderr
    assert _roster_list(home) == before
    gb = tmp_path / "gb.csv"
    gb.write_bytes((HEADER + "000201,张伟强,售后二部,technical_support,000101,2023-04-01\n").encode("gb18030"))
    run_academy("roster", "import", str(gb), "--partial", home=home, check=True)
    assert "000201,张伟强,售后二部" in _roster_list(home)


def test_is_a_nul_byte_reported_with_row_and_column(tmp_path):
    """Is a NUL byte inside a value reported with its file, row and column?"""
    home = _home(tmp_path)
    f = tmp_path / "nul.csv"
    f.write_bytes((HEADER + "000200,Null\x00Person,售后一部,technical_support,000101,2023-04-01\n")
                  .encode("utf-8"))
    proc = run_academy("roster", "import", str(f), "--partial", home=home)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert 'nul.csv, row 2, column "name" (B): control character U+0000' in proc.stderr


def test_is_a_one_megabyte_field_refused_with_row_and_column(tmp_path):
    """Is a 1 MB value refused (row and column, its length) instead of ending in a traceback?"""
    home = _home(tmp_path)
    f = tmp_path / "huge.csv"
    f.write_text(HEADER + "000200," + "A" * 1_000_000 + ",售后一部,technical_support,000101,\n",
                 encoding="utf-8")
    proc = run_academy("roster", "import", str(f), "--partial", home=home)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert 'huge.csv, row 2, column "name" (B): value of 1,000,000 characters is too long' in proc.stderr
    assert len(proc.stderr) < 5_000


def test_is_a_bank_in_invalid_utf8_refused_with_its_line(tmp_path):
    """Is a question bank with Latin-1 bytes refused with the file and line, not a traceback?"""
    home = _home(tmp_path)
    bank = tmp_path / "bad-bank.yaml"
    text = (DATA / "exam_small.yaml").read_bytes().replace(b"Every 6 months", b"Tous les 6 mois \xe9t\xe9")
    bank.write_bytes(text)
    line = text[: text.index(b"\xe9")].count(b"\n") + 1
    proc = run_academy("exam", "build", str(bank), home=home)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"bad-bank.yaml, line {line}: not UTF-8 text: byte 0xE9" in proc.stderr


def test_do_commands_in_a_home_without_an_open_cycle_explain_instead_of_crashing(tmp_path):
    """In a home with no open cycle, do evidence commands say to open one instead of a traceback?"""
    home = _home(tmp_path)
    for args in (("evidence", "summary"), ("evidence", "flags"), ("evidence", "batches"),
                 ("practical", "agreement")):
        proc = run_academy(*args, home=home)
        assert proc.returncode != 0 and "Traceback" not in proc.stderr, args
        assert "no open assessment cycle" in proc.stderr and "academy cycle open" in proc.stderr


def test_is_an_xlsx_decompression_bomb_refused_before_it_is_unpacked(tmp_path):
    """Is a small .xlsx whose sheet unpacks to about 400 MB of whitespace refused, naming both
    sizes, without reading it whole?"""
    home = _home(tmp_path)
    wb = Workbook()
    wb.active.append(["employee_id", "name", "team", "role"])
    wb.active.append(["000200", "Bomb", "售后一部", "technical_support"])
    plain = tmp_path / "plain.xlsx"
    wb.save(plain)
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED,
                                                         compresslevel=9) as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                with dst.open(item.filename, "w", force_zip64=True) as out:
                    head, tail = data.split(b"<sheetData>")
                    out.write(head + b"<sheetData>")
                    chunk = b" " * (1 << 20)
                    for _ in range(400):
                        out.write(chunk)
                    out.write(tail)
            else:
                dst.writestr(item, data)
    assert bomb.stat().st_size < 1_000_000
    proc = run_academy("roster", "import", str(bomb), "--partial", home=home)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "bomb.xlsx: the workbook unpacks to 400 MB" in proc.stderr


def test_are_200000_bad_rows_reported_in_a_capped_list_with_a_count(tmp_path):
    """Does a file with 200,000 bad rows print the first problems and a count of the rest, not
    200,000 lines, with nothing written?"""
    home = _home(tmp_path)
    before = _roster_list(home)
    buf = io.StringIO()
    buf.write(HEADER)
    for i in range(200_000):
        buf.write(f"9{i:06d},Person {i},售后一部,no_such_role,000101,2023-04-01\n")
    f = tmp_path / "many.csv"
    f.write_text(buf.getvalue(), encoding="utf-8")
    proc = run_academy("roster", "import", str(f), "--partial", home=home)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "200000 problems" in proc.stderr or "200,000 problems" in proc.stderr
    assert "... and 199,950 more problems not shown (200,000 in all" in proc.stderr
    assert proc.stderr.count("unknown role") == 50
    assert _roster_list(home) == before


def test_does_a_partial_import_without_a_hire_date_column_keep_hire_dates(tmp_path):
    """Does `--partial` with a file that has no hire-date (or supervisor) column leave those fields
    of the listed people as they were, while changing what the file does give?"""
    home = _home(tmp_path)
    f = tmp_path / "names.csv"
    f.write_text("employee_id,name,team,role\n000103,Emily Chen-Wong,售后一部,hotline_support\n"
                 "000102,张伟,售后一部,field_service\n", encoding="utf-8")
    run_academy("roster", "import", str(f), "--partial", home=home, check=True)
    rows = {r[0]: r for r in csv.reader(io.StringIO(_roster_list(home)))}
    assert rows["000103"][1] == "Emily Chen-Wong"
    assert rows["000103"][5] == "2021-03-01" and rows["000102"][5] == "2019-05-06"
    assert rows["000103"][4] == "000101" and rows["000102"][4] == "000101"
    history = run_academy("roster", "history", "000103", home=home, check=True).stdout
    assert "hire_date" not in history


def test_does_an_unknown_option_id_in_a_multiple_choice_answer_score_as_wrong():
    """Does a multiple-choice answer holding an option id that does not exist score 0 (no more
    than an honest wrong pick), for every partial-credit rule?"""
    bank = load_bank(DATA / "exam_small.yaml")
    q = next(q for q in bank.questions if q.type == "multiple")
    for rule in ("per_option", "right_minus_wrong", "all_or_nothing"):
        q2 = dataclasses.replace(q, partial=rule)
        forged = score_answer(bank.name, q2, ["o99"])
        assert forged.points == 0.0 and forged.verdict != "correct", rule
        n = len(q2.options)
        wrong = [f"o{i}" for i in range(1, n + 1)][:1]
        honest = score_answer(bank.name, q2, wrong)
        assert forged.points <= honest.points
        # a right answer with a forged extra id is not better than the right answer alone
        from graders.exam.public import key_ids

        right = sorted(key_ids(bank.name, q2))
        assert score_answer(bank.name, q2, [*right, "o99"]).points == 0.0
        assert score_answer(bank.name, q2, right).points == q2.points


def test_is_an_identical_evidence_file_under_another_name_refused(tmp_path):
    """Is the same practical-scores file imported again under another file name refused (it would
    count twice), naming the earlier import and --replaces, with nothing written?"""
    people = make_company(30, seed=5)
    roster = tmp_path / "roster.csv"
    write_roster_csv(people, roster)
    home = tmp_path / "home"
    run_academy("init", "--home", str(home), check=True)
    run_academy("roster", "import", str(roster), home=home, check=True)
    run_academy("cycle", "open", "2026-Q4", home=home, check=True)
    first = write(tmp_path / "practical.csv", _practical_rows(people))
    run_academy("practical", "import", str(first), home=home, check=True)
    copy = tmp_path / "practical-copy.csv"
    shutil.copy(first, copy)
    batches = run_academy("evidence", "batches", home=home, check=True).stdout
    proc = run_academy("practical", "import", str(copy), home=home)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert "identical to 'practical.csv'" in proc.stderr and "--replaces practical" in proc.stderr
    assert run_academy("evidence", "batches", home=home, check=True).stdout == batches
    # the same file under its own name is a re-import (replaces the earlier one), still allowed
    run_academy("practical", "import", str(first), home=home, check=True)
    from core.home import open_home
    from graders.evidence import EvidenceBatch

    h = open_home(home)
    with h.transaction() as s:
        current = list(s.scalars(select(EvidenceBatch).where(EvidenceBatch.superseded_by.is_(None))))
        assert len(current) == 1 and s.scalar(select(Staff).limit(1)) is not None
    h.close()
