"""All of a notebook's cells in one kernel request (graders.exam.batch): the same outputs, execution
counts and nbgrader grades, cell by cell, as stock nbgrader's Execute (a fresh kernel, one request
per cell), for cells that print, fail, raise, write to stderr, display, give partial credit, hang
past the timeout and come after a hang. Real kernels, real nbgrader."""

from __future__ import annotations

import copy
import logging
import re

import nbformat
import pytest
from nbgrader.preprocessors import Execute
from nbgrader.utils import determine_grade
from traitlets.config import Config

from graders.exam import batch, worker

pytestmark = pytest.mark.slow

TIMEOUT = 4  # seconds per cell here (the course's is 60)

CELLS = [
    ("md", "# A heading: not run"),
    ("print", 'print("one")\nprint("two")'),
    ("state", "x = 41"),
    ("uses_state", "x + 1"),
    ("partial", 'print("half marks")\n0.5'),
    ("zero_div", "1 / 0"),
    ("assert", 'assert False, "wrong answer"'),
    ("name_error", "undefined_name"),
    ("stderr", 'import sys\nprint("to stderr", file=sys.stderr)\n1.0'),
    ("display", 'from IPython.display import HTML, display\ndisplay(HTML("<b>bold</b>"))\n2'),
    ("comment_only", "# nothing but a comment"),
    ("empty", "   "),
    ("print_then_fail", 'print("before the error")\nraise ValueError("after printing")'),
    ("system_exit", "raise SystemExit(3)"),
    ("after_errors", 'print("still running")\nx'),
    ("print_then_hang", 'print("before the hang", flush=True)\nimport time\ntime.sleep(60)'),
    ("after_hang", 'print("after the hang")\n3'),
]


def notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for name, source in CELLS:
        meta = {"nbgrader": {"grade": True, "grade_id": name, "points": 100.0, "solution": False,
                             "locked": True, "schema_version": 3, "task": False}}
        if name == "md":
            nb.cells.append(nbformat.v4.new_markdown_cell(source, id=name))
        else:
            nb.cells.append(nbformat.v4.new_code_cell(source, id=name, metadata=meta))
    return nb


def config() -> Config:
    from core.home import KERNEL_ARGUMENTS

    c = Config()
    c.Execute.timeout = TIMEOUT
    c.Execute.interrupt_on_timeout = True
    c.Execute.extra_arguments = list(KERNEL_ARGUMENTS)
    return c


def _comparable(outputs: list) -> list:
    """Outputs with consecutive stream chunks joined (how ipykernel splits a print into messages
    depends on flush timing) and the kernel's temporary cell file names (they name its process)
    made equal."""
    out = []
    for o in outputs:
        o = copy.deepcopy(dict(o))
        if "traceback" in o:
            o["traceback"] = [re.sub(r"ipykernel_\d+/\d+", "ipykernel_N/CELL", t) for t in o["traceback"]]
        if out and o["output_type"] == "stream" and out[-1].get("output_type") == "stream" \
                and out[-1]["name"] == o["name"]:
            out[-1] = {**out[-1], "text": out[-1]["text"] + o["text"]}
        else:
            out.append(o)
    return out


def per_cell(nb) -> dict:
    log = logging.getLogger("test")
    return {c.id: {"execution_count": c.get("execution_count"), "outputs": _comparable(c.get("outputs", [])),
                   "grade": determine_grade(c, log) if c.cell_type == "code" else None,
                   "timing": sorted(c.metadata.get("execution", {}))}
            for c in nb.cells}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The notebook run by stock nbgrader's Execute and by the grading worker's batched Execute
    (twice on its warm kernel: a first submission, then one after a kernel replaced for a hang)."""
    folder = tmp_path_factory.mktemp("batch") / "autograded" / "s1" / "exam"
    folder.mkdir(parents=True)
    stock_nb, _ = Execute(config=config()).preprocess(notebook(), {"metadata": {"path": str(folder)}})
    worker._Kernel.sandboxing = None
    warm = worker._execute_class()
    runs, batches = [], []
    run = batch.async_run

    async def counted(client, prelude=None):
        batches.append(len(client.nb.cells))
        return await run(client, prelude)

    batch.async_run = counted
    try:
        for _ in range(2):
            pre = warm(config=config())
            assert batch.usable(pre)
            nb, _ = pre.preprocess(notebook(), {"metadata": {"path": str(folder)}})
            runs.append(nb)
    finally:
        batch.async_run = run
        if worker._Kernel.current is not None:
            worker._Kernel.current.discard()
            worker._Kernel.current = None
    assert batches == [len(CELLS), len(CELLS)]  # each notebook went through the one-request path
    return per_cell(stock_nb), [per_cell(nb) for nb in runs]


def test_does_every_cell_get_the_outputs_and_grade_stock_nbgrader_gives_it(graded):
    """Are outputs, execution counts and nbgrader's grade of every cell, printing, failing, hanging
    or not, those stock nbgrader's one-request-per-cell Execute gives?"""
    stock, ours = graded
    for run in ours:
        for name, _ in CELLS:
            assert run[name] == stock[name], name


def test_are_the_cases_the_comparison_covers_really_there(graded):
    """Does stock nbgrader's own result hold what the comparison is meant to cover (an error, a
    partial credit, stderr, a display, a timeout after printing, a cell run after it)?"""
    stock, _ = graded
    assert stock["print"]["outputs"] == [{"output_type": "stream", "name": "stdout", "text": "one\ntwo\n"}]
    assert stock["zero_div"]["outputs"][0]["ename"] == "ZeroDivisionError"
    assert stock["zero_div"]["grade"] == (0, 100.0)
    assert stock["partial"]["grade"] == (0.5, 100.0)
    assert stock["stderr"]["grade"] == (0, 100.0)
    assert stock["display"]["outputs"][0]["output_type"] == "display_data"
    hang = [o.get("ename") or o.get("text") for o in stock["print_then_hang"]["outputs"]]
    assert hang == ["before the hang\n", "KeyboardInterrupt", "CellTimeoutError"]
    assert stock["after_hang"]["outputs"][0]["text"] == "after the hang\n"
    assert stock["after_errors"]["outputs"][-1]["data"]["text/plain"] == "41"
    assert stock["uses_state"]["execution_count"] == 3
    assert stock["empty"]["execution_count"] is None
