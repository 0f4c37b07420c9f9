"""The layering of docs/architecture.md: shell (academy) -> dashboards -> graders -> training ->
roster -> core, no cycles between packages, and only the shell imports the shell.

Checked twice: by import-linter's contracts in pyproject.toml, and statement by statement from the
source (academy.bench.layering, which also counts imports inside functions)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from academy.bench.layering import (
    LAYERS,
    layer_violations,
    module_cycles,
    package_cycles,
    project_imports,
    report,
)

REPO = Path(__file__).resolve().parents[1]


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(Path(sys.executable).parent / "lint-imports"), "--no-cache",
                           "--no-logo"], cwd=cwd, capture_output=True, text=True, timeout=300,
                          check=False)


def test_does_import_linter_keep_every_layer_contract():
    """Does `lint-imports` find every contract of pyproject.toml kept (layers, shell on top)?"""
    run = _lint_imports(REPO)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "BROKEN" not in run.stdout
    assert run.stdout.count("KEPT") >= 2


def test_does_no_lower_layer_import_a_higher_one_even_inside_a_function():
    """Does no module import a package above its own layer, counting imports inside functions?"""
    rows = project_imports(REPO)
    assert any(r.in_function and r.kind == "project" for r in rows)  # the scan sees them
    assert [f"{r.module} -> {r.target} ({r.path.name}:{abs(r.line)})"
            for r in layer_violations(rows)] == []


def test_are_there_no_import_cycles_between_packages():
    """Are the project's packages free of import cycles (inside functions too)?"""
    assert package_cycles(project_imports(REPO)) == []


def test_are_there_no_import_cycles_between_modules_either():
    """Are the project's modules free of import cycles too (inside functions counted), so no
    module needs a late import to get around another?"""
    assert module_cycles(project_imports(REPO), REPO) == []


def test_does_core_import_no_other_package_of_the_project():
    """Does every project import in core/ name core itself?"""
    rows = [r for r in project_imports(REPO) if r.module.split(".")[0] == "core"]
    assert rows, "core has no modules?"
    assert sorted({r.target for r in rows if r.kind == "project"
                   and r.target.split(".")[0] != "core"}) == []


def _tree(tmp_path: Path) -> Path:
    """A tiny project with the same package names: roster imports the shell inside a function."""
    for pkg in LAYERS:
        (tmp_path / pkg).mkdir()
        (tmp_path / pkg / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "academy" / "demo.py").write_text("import roster.people\n", encoding="utf-8")
    (tmp_path / "roster" / "people.py").write_text(
        "import core\n\n\ndef later():\n    from academy import demo\n    return demo\n",
        encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(
        (REPO / "pyproject.toml").read_text(encoding="utf-8"), encoding="utf-8")
    return tmp_path


def test_is_a_shell_import_inside_a_lower_function_caught_by_both_checks(tmp_path):
    """Is `from academy import demo` inside a roster function reported by the scan and by
    import-linter (both contracts), as a cycle between the packages too?"""
    root = _tree(tmp_path)
    rows = project_imports(root)
    assert [(r.module, r.target, r.in_function) for r in layer_violations(rows)] == [
        ("roster.people", "academy.demo", True)]
    assert package_cycles(rows) == [["academy", "roster"]]
    run = _lint_imports(root)
    assert run.returncode != 0
    assert run.stdout.count("BROKEN") >= 2 and "roster.people -> academy.demo" in run.stdout


def test_does_the_layering_report_give_the_figures():
    """Does `academy bench layers` print the cycles and the imports inside functions, split?"""
    text = report(REPO)
    assert "import cycles between packages: 0" in text
    assert "inside functions:" in text and "third-party" in text and "project" in text
