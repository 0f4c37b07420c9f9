"""Who really submitted: nbgrader names a submission after the student id the trainee's own
configuration gives, which a trainee can change. On a hub every trainee is an OS account, so a
submission folder in the exchange's inbound must be owned by the account of the id it claims.

`academy hub` keeps `course/hub_accounts.json` (employee id -> OS account); when it exists,
`academy exam collect` first moves every submission whose owner does not match (or whose id has
no account) to the course's `quarantine/` folder, where no trainee can read it, and reports it.
The hub also checks each submission as it arrives and then hands it to the grader account
(`*verified*` in the file names that account); those are accepted here. Without the file
(one-person set-up) nothing changes.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
from pathlib import Path

ACCOUNTS_FILE = "hub_accounts.json"
#: what the last collect set aside (read by the command line to tell the trainer)
LAST: list[str] = []


def accounts_map(course_dir: Path) -> dict[str, str] | None:
    path = Path(course_dir) / ACCOUNTS_FILE
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def forged(inbound: Path, exam: str, accounts: dict[str, str]) -> list[tuple[Path, str]]:
    """Submissions of `exam` in `inbound` not owned by the account of the id they name:
    (folder, reason)."""
    out = []
    if not inbound.is_dir():
        return out
    for entry in sorted(inbound.iterdir()):
        parts = entry.name.split("+")
        if len(parts) < 3 or parts[1] != exam:
            continue
        student = parts[0]
        want = accounts.get(student)
        try:
            owner = pwd.getpwuid(entry.lstat().st_uid).pw_name
        except KeyError:
            owner = str(entry.lstat().st_uid)
        if owner == accounts.get("*verified*") and not entry.is_symlink():
            continue  # checked by the hub when it arrived, then handed to the grader account
        if want is None:
            out.append((entry, f"{student} has no account on this hub (owner {owner})"))
        elif owner != want or entry.is_symlink():
            out.append((entry, f"claims to be {student} but was made by {owner}"))
    return out


def quarantine_forged(course_dir: Path, exchange_course: Path, exam: str) -> list[str]:
    """Move forged submissions out of inbound; messages for the trainer (empty when none)."""
    accounts = accounts_map(course_dir)
    if accounts is None:
        return []
    bad = forged(exchange_course / "inbound", exam, accounts)
    if not bad:
        return []
    qdir = Path(course_dir) / "quarantine"
    qdir.mkdir(mode=0o700, exist_ok=True)
    msgs = []
    for path, reason in bad:
        dest = qdir / path.name
        if dest.exists():
            shutil.rmtree(dest, ignore_errors=True)
        shutil.move(str(path), dest)
        os.chmod(dest, 0o700)
        msgs.append(f"{path.name}: {reason} (moved to {dest})")
    return msgs
