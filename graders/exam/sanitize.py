"""Rebuild a submitted exam notebook from the released one before autograding.

All clickable answers live in `answers.json`; the notebook only carries the free-text answers.
So the notebook that nbgrader grades is the released notebook with the trainee's free-text answer
cells copied in: edited or deleted locked cells, changed points and added cells (infinite loops,
crashes, megabytes of output) cannot change a grade, and each such change is reported as a reason.
The submitted original is kept in `course/originals/` for the record.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from graders.exam.answers import read_answers
from graders.exam.safe_files import make_private, remove_unsafe, why_unsafe

REBUILT = "rebuilt"


class UnsafeSubmission(Exception):
    """The submission folder itself is a link or special file: it is not graded."""


def _cells_by_id(nb) -> dict:
    out = {}
    for cell in nb.cells:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid and gid not in out:
            out[gid] = cell
    return out


def rebuild(released, submitted) -> list[str]:
    """Copy the free-text answers of `submitted` into `released` (both notebooks, `released` changed
    in place); return what was found wrong. Nothing else of the submitted notebook is kept."""
    reasons: list[str] = []
    sub_cells = _cells_by_id(submitted)
    rel_ids = set()
    for cell in released.cells:
        nbg = cell.metadata.get("nbgrader", {})
        gid = nbg.get("grade_id")
        if not gid:
            continue
        rel_ids.add(gid)
        mine = sub_cells.get(gid)
        if nbg.get("solution"):
            if mine is None:
                reasons.append(f"answer cell {gid} deleted")
            elif mine.cell_type != cell.cell_type:
                reasons.append(f"answer cell {gid} changed type")
            else:
                cell.source = mine.source
            continue
        if mine is None:
            reasons.append(f"locked cell {gid} deleted (restored)")
            continue
        if mine.source != cell.source or mine.cell_type != cell.cell_type:
            reasons.append(f"locked cell {gid} edited (restored)")
        their_pts = mine.metadata.get("nbgrader", {}).get("points")
        if "points" in nbg and their_pts != nbg["points"]:
            reasons.append(f"points of {gid} changed to {their_pts!r} (restored)")
    extra = [c for c in submitted.cells
             if c.metadata.get("nbgrader", {}).get("grade_id") not in rel_ids]
    if extra:
        reasons.append(f"{len(extra)} added cell(s) removed (never run)")
    return reasons


def sanitize_submission(released_nb: Path, sub_dir: Path, originals_dir: Path) -> list[str]:
    """Replace `sub_dir/<name>.ipynb` by the rebuilt notebook; return what was found wrong."""
    import nbformat

    reasons: list[str] = []
    # a link (or pipe, or hard link) planted in the submission is removed before anything reads or
    # writes there: the link itself goes, what it points to is never opened
    for rel, why in remove_unsafe(sub_dir):
        if rel == ".":
            raise UnsafeSubmission(f"the submission folder {sub_dir} is a {why}: not graded")
        reasons.append(f"{rel}: {why}; removed")
    nb_path = sub_dir / released_nb.name
    kept = originals_dir / released_nb.name
    current = None
    if nb_path.exists():
        try:
            current = nbformat.read(nb_path, as_version=4)
        except Exception:  # noqa: BLE001 - any unreadable notebook is reported, not raised
            current = None
    if current is not None and current.metadata.get("academy", {}).get(REBUILT):
        # graded before: start again from the kept original
        source_path = kept
    else:
        source_path = nb_path
        originals_dir.mkdir(parents=True, exist_ok=True)
        if nb_path.exists():
            shutil.copy2(nb_path, kept)
        elif kept.exists():
            kept.unlink()
    submitted = None
    if source_path.exists():
        try:
            submitted = nbformat.read(source_path, as_version=4)
        except Exception as exc:  # noqa: BLE001
            reasons.append(f"notebook unreadable ({type(exc).__name__}): rebuilt from the release; "
                           "free-text answers lost")
    else:
        reasons.append("notebook missing: rebuilt from the release; free-text answers lost")
    released = nbformat.read(released_nb, as_version=4)
    if submitted is not None:
        reasons += rebuild(released, submitted)
    released.metadata.setdefault("academy", {})[REBUILT] = True
    # written next to it and renamed over it: a link put in its place meanwhile is replaced, never
    # written through
    tmp = nb_path.with_name(f".{nb_path.name}.rebuilt")
    tmp.unlink(missing_ok=True)
    nbformat.write(released, tmp)
    os.replace(tmp, nb_path)
    _, problem = read_answers(sub_dir)
    if problem:
        reasons.append(problem)
    return reasons


def nbgrader_error(result: dict) -> str:
    """The informative lines of a failed nbgrader run (its ERROR log lines, else the traceback end)."""
    lines = [ln.strip() for ln in (result.get("log") or "").splitlines()
             if ln.startswith(("[ERROR]", "[CRITICAL]")) or "Error" in ln]
    if not lines:
        lines = (result.get("error") or "").strip().splitlines()[-2:]
    return " | ".join(lines[-3:])[:500]


def sanitize_in_home(home, exam: str, sid: str, release_nb: Path) -> list[str]:
    """Check the submission's folders in the home, make them private and sanitize the
    notebook against its release (the repairs made, as sentences)."""
    submitted = home.course_dir / "submitted"
    for folder in (submitted, submitted / sid):
        why = why_unsafe(folder.lstat())
        if why:
            raise UnsafeSubmission(f"{folder} is a {why}: not graded")
        make_private(folder)
    return sanitize_submission(release_nb, home.course_dir / "submitted" / sid / exam,
                               home.course_dir / "originals" / sid / exam)
