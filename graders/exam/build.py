"""From a question bank to the nbgrader source notebook and the public `exam.json`.

The notebook holds prose and one call per question (`ask("q01")`, an autograded cell whose code
is hidden from the trainee); free-text questions are a read-only stem with the mark scheme between
nbgrader's `BEGIN/END MARK SCHEME` markers plus a manually graded answer cell. Output is
deterministic (fixed cell ids, sorted JSON): the same bank always gives the same bytes.
"""

from __future__ import annotations

from pathlib import Path

from core import labels
from graders.exam.bank import Bank
from graders.exam.public import PUBLIC_FILE, dump_public, public_exam


def answer_stub(language: str) -> str:
    return labels.t("answer_stub", language, "exam_notebook")


def _meta(grade_id: str, *, grade=False, solution=False, locked=False, points=None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def build_notebook(bank: Bank):
    import nbformat

    tx = labels.words("exam_notebook", bank.language)
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "academy": {"exam": bank.name, "language": bank.language},
    }
    cells = []
    title = f"# {bank.title}\n\n" + (bank.intro.strip() + "\n\n" if bank.intro.strip() else "")
    cells.append(nbformat.v4.new_markdown_cell(title + tx["intro"], id="intro",
                                               metadata=_meta("intro", locked=True)))
    by_id = bank.by_id
    for number, slot in enumerate(public_exam(bank)["slots"], start=1):
        sid = slot["slot"]
        q = by_id.get(slot.get("question", ""))
        if q is not None and q.manual:
            stem = (f"**{number}.** {q.stem} *({q.points:g} {tx['points']})*\n\n"
                    f"### BEGIN MARK SCHEME\n**{tx['mark_scheme']}:** {q.mark_scheme}\n"
                    f"### END MARK SCHEME")
            cells.append(nbformat.v4.new_markdown_cell(stem, id=f"{sid}-stem",
                                                       metadata=_meta(f"{sid}_stem", locked=True)))
            cells.append(nbformat.v4.new_markdown_cell(
                tx["answer_stub"], id=f"{sid}-answer",
                metadata=_meta(sid, grade=True, solution=True, points=q.points)))
        else:
            meta = _meta(sid, grade=True, locked=True, points=slot["points"])
            meta["jupyter"] = {"source_hidden": True}
            meta["tags"] = ["question"]
            cells.append(nbformat.v4.new_code_cell(
                tx["answer_below"].format(n=number) + f'\nfrom graders.exam import ask\nask("{sid}")',
                id=f"{sid}-ask", metadata=meta))
    cells.append(nbformat.v4.new_markdown_cell(tx["end"], id="end", metadata=_meta("end", locked=True)))
    nb.cells = cells
    return nb


def write_source(bank: Bank, folder: Path) -> list[Path]:
    """Write `<name>.ipynb` and `exam.json` (no key) into an nbgrader source folder."""
    import nbformat

    folder.mkdir(parents=True, exist_ok=True)
    nb_path = folder / f"{bank.name}.ipynb"
    nb_path.write_text(nbformat.writes(build_notebook(bank)) + "\n", encoding="utf-8")
    pub = folder / PUBLIC_FILE
    pub.write_text(dump_public(public_exam(bank)), encoding="utf-8")
    return [nb_path, pub]
