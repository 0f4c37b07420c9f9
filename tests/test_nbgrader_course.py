"""The home's nbgrader course: real nbgrader apps release through the exchange inside the home."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from core.home import init_home


@pytest.mark.slow
def test_can_nbgrader_generate_and_release_an_assignment_in_a_new_home(tmp_path):
    """With only `academy init`, do real nbgrader generate and release put the exam in the home's exchange?"""
    h = init_home(tmp_path / "home")
    src = h.course_dir / "source" / "hello"
    src.mkdir(parents=True)
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell("# Hello"))
    nbformat.write(nb, src / "hello.ipynb")
    bindir = Path(sys.executable).parent
    # nbgrader runs `alembic` by name to create its gradebook: the environment's bin must be on PATH.
    env = {**os.environ, "HOME": str(tmp_path), "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}"}
    for cmd in (["generate_assignment", "hello", "--force"], ["release_assignment", "hello", "--force"]):
        proc = subprocess.run([str(bindir / "nbgrader"), *cmd], cwd=h.course_dir, env=env,
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    released = h.exchange_dir / h.settings.course_id / "outbound" / "hello" / "hello.ipynb"
    assert released.is_file()
    assert (h.course_dir / "gradebook.db").is_file()
    h.close()
