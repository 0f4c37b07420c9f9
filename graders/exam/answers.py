"""The answers file next to the exam notebook: written on every click, read back on reopen and grading.

`answers.json` survives a kernel restart, closing the notebook and submission (nbgrader submits
every file of the assignment folder). Reading is defensive: a trainee may have edited or replaced
the file, so anything unexpected becomes "no answer" plus a reason, never an exception.
"""

from __future__ import annotations

import getpass
import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from graders.exam.public import ANSWERS_FILE

#: larger files are not read (a trainee could fill it with megabytes)
MAX_BYTES = 1_000_000


def current_trainee() -> str:
    """Who is answering: the id nbgrader files the submission under (on JupyterHub the hub user,
    else the login name; `ACADEMY_TRAINEE` overrides both)."""
    for var in ("ACADEMY_EXAM_STUDENT", "ACADEMY_TRAINEE", "JUPYTERHUB_USER", "USER", "LOGNAME"):
        if os.environ.get(var):
            return os.environ[var]
    return getpass.getuser()


def read_answers(folder: Path | str = ".") -> tuple[dict, str | None]:
    """({question id: answer}, problem or None)."""
    path = Path(folder) / ANSWERS_FILE
    if not path.exists():
        return {}, "answers file missing"
    try:
        if path.stat().st_size > MAX_BYTES:
            return {}, f"answers file larger than {MAX_BYTES} bytes: ignored"
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return {}, f"answers file unreadable ({type(exc).__name__})"
    if not isinstance(data, dict) or not isinstance(data.get("answers"), dict):
        return {}, "answers file has no answers mapping"
    return data["answers"], None


def read_meta(folder: Path | str = ".") -> dict:
    path = Path(folder) / ANSWERS_FILE
    try:
        if path.stat().st_size <= MAX_BYTES:
            data = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(data, dict):
                return data
    except (OSError, ValueError):
        pass
    return {}


def save_answer(qid: str, value, folder: Path | str = ".", exam: str = "",
                trainee: str | None = None) -> None:
    """Record one answer (None removes it); the file is replaced atomically."""
    folder = Path(folder)
    path = folder / ANSWERS_FILE
    data = read_meta(folder)
    answers = data.get("answers") if isinstance(data.get("answers"), dict) else {}
    if value is None:
        answers.pop(qid, None)
    else:
        answers[qid] = value
    saved = data.get("saved_at") if isinstance(data.get("saved_at"), dict) else {}
    saved[qid] = datetime.now(UTC).isoformat(timespec="seconds")
    data = {"format": 1, "exam": exam or data.get("exam", ""),
            "trainee": trainee or current_trainee(), "answers": answers, "saved_at": saved}
    fd, tmp = tempfile.mkstemp(prefix=".answers-", suffix=".json", dir=folder)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=1, sort_keys=True)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
