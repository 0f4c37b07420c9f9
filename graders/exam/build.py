"""From a question bank to the nbgrader source notebook and the public `exam.json`.

The notebook holds prose and one call per question (`ask("q01")`, an autograded cell whose code
is hidden from the trainee); free-text questions are a read-only stem with the mark scheme between
nbgrader's `BEGIN/END MARK SCHEME` markers plus a manually graded answer cell. Output is
deterministic (fixed cell ids, sorted JSON): the same bank always gives the same bytes.
"""

from __future__ import annotations

from pathlib import Path

from graders.exam.bank import Bank
from graders.exam.public import PUBLIC_FILE, dump_public, public_exam

TEXT = {
    "en": {
        "intro": ("**How to take this exam**\n\n"
                  "1. The questions appear by themselves when the exam opens (if they do not, "
                  "click **Run > Run All Cells**).\n"
                  "2. Answer by clicking the options or typing in the boxes. Every answer is saved "
                  "at once (you see *Saved*), even if you close the exam and come back later.\n"
                  "3. Written answers: double-click the box under the question, type, then press "
                  "Shift+Enter.\n"
                  "4. When you are done, click **Submit exam** at the top and confirm. You can "
                  "submit again until the exam closes; your last submission counts.\n\n"
                  "You never need to change any code."),
        "end": ("**End of the exam.** Click **Submit exam** at the top and confirm. Your result "
                "and feedback appear in the Assignments list once your trainer releases them."),
        "points": "points",
        "answer_stub": "✎ Double-click here and write your answer, then press Shift+Enter.",
        "mark_scheme": "Mark scheme (trainers only)",
        "answer_below": "# Question {n}: answer below",
    },
    "zh": {
        "intro": ("**答题说明**\n\n"
                  "1. 打开试卷后题目会自动出现（如果没有出现，请点击菜单 **运行 > 运行所有单元格**）。\n"
                  "2. 点击选项或在输入框中填写作答。每次作答都会立即保存（显示“已保存”），"
                  "关闭后重新打开也不会丢失。\n"
                  "3. 简答题：双击题目下方的方框，输入答案后按 Shift+Enter。\n"
                  "4. 完成后点击顶部的 **提交试卷** 并确认。考试结束前可以再次提交，以最后一次提交为准。\n\n"
                  "整个考试无需修改任何代码。"),
        "end": "**考试结束。** 请点击顶部的 **提交试卷** 并确认。培训师发布后，成绩和反馈会出现在作业列表中。",
        "points": "分",
        "answer_stub": "✎ 双击此处写下你的答案，然后按 Shift+Enter。",
        "mark_scheme": "评分标准（仅培训师可见）",
        "answer_below": "# 第 {n} 题：请在下方作答",
    },
}


def answer_stub(language: str) -> str:
    return TEXT[language]["answer_stub"]


def _meta(grade_id: str, *, grade=False, solution=False, locked=False, points=None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def build_notebook(bank: Bank):
    import nbformat

    tx = TEXT[bank.language]
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
