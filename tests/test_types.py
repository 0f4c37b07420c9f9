"""Type checks: the core package (the bottom layer everything stands on) has no mypy error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# one after the other on one xdist worker: the second mypy run reads the first one's cache
# (.mypy_cache in the checkout) instead of checking core/ and its imports again from scratch
pytestmark = pytest.mark.xdist_group("mypy")


def test_is_core_free_of_type_errors():
    """Does mypy (settings in pyproject.toml) find no error in core/?"""
    run = subprocess.run([sys.executable, "-m", "mypy", "core"], cwd=REPO, capture_output=True,
                         text=True, timeout=600, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Success: no issues found" in run.stdout


def test_is_the_scoring_engine_free_of_type_errors():
    """Does mypy find no error in graders/engine/ (the pure scoring engine)? Modules it imports
    from other parts of graders are checked along the way; only the engine's own lines count."""
    run = subprocess.run([sys.executable, "-m", "mypy", "graders/engine"], cwd=REPO,
                         capture_output=True, text=True, timeout=900, check=False)
    assert "error" in run.stdout or "Success" in run.stdout, run.stdout + run.stderr
    engine = [line for line in run.stdout.splitlines()
              if line.startswith("graders/engine/") and ": error:" in line]
    assert engine == []
