"""Roster -> hub users -> operating-system accounts, and the file modes of a hub home.

Every active roster member is a hub user named by their employee id (lower case, as JupyterHub
normalises names); trainers and admins are named in the hub settings. Each hub user's server runs
as an OS account `<prefix><name>` created here (useradd, as root) with a private home (0700);
people made inactive get their account locked and their processes ended. Two service accounts
hold the trainer side: `<prefix>grader` (the nbgrader course: banks, gradebook, submissions;
formgrader runs as it) and `<prefix>dash` (the platform database; the dashboards run as it).
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from academy.hub.settings import HubSettings, hub_dir
from core.errors import AcademyError

TRAINEE, TRAINER, ADMIN = "trainee", "trainer", "admin"
ACCOUNTS_FILE = "hub_accounts.json"  # in the course folder: employee id -> OS account
#: private homes (0700) of the service accounts: their Jupyter runtime files (kernel keys) live there
SERVICE_HOMES = "/var/lib/service-academy"


@dataclass(frozen=True)
class Person:
    """A hub user: `name` (hub), `kind`, and the identity the dashboards and exams know."""

    name: str
    kind: str
    employee_id: str | None = None

    @property
    def identity(self) -> str:
        """The serving identity ($ACADEMY_USER, the dashboards' viewer)."""
        if self.kind == TRAINER:
            return f"trainer:{self.name}"
        if self.kind == ADMIN:
            return f"admin:{self.name}"
        return self.employee_id or self.name


def hub_name(employee_id: str) -> str:
    return employee_id.strip().lower()


def os_name(settings: HubSettings, name: str) -> str:
    """The OS account of hub user `name` (letters, digits, '-' and '_' only; at most 32)."""
    safe = re.sub(r"[^a-z0-9_-]", "_", name.lower())
    out = f"{settings.account_prefix}{safe}"
    if len(out) > 32:
        raise AcademyError(f"the account name {out!r} is longer than 32 characters: "
                           f"choose a shorter account_prefix")
    return out


def grader_account(settings: HubSettings) -> str:
    return f"{settings.account_prefix}grader"


def dash_account(settings: HubSettings) -> str:
    return f"{settings.account_prefix}dash"


def roster_people(home) -> dict[str, Person]:
    """Active roster members as hub users, by hub name (read now from the platform database)."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from roster.models import Staff

    with Session(home.engine) as s:
        ids = s.scalars(select(Staff.employee_id).where(Staff.active.is_(True))).all()
    return {hub_name(i): Person(hub_name(i), TRAINEE, i) for i in ids}


def wanted_people(home, settings: HubSettings) -> dict[str, Person]:
    """Everyone who may sign in now: active roster members, trainers, admins."""
    people = roster_people(home)
    for t in settings.trainers:
        people[t.lower()] = Person(t.lower(), TRAINER)
    for a in settings.admins:
        people[a.lower()] = Person(a.lower(), ADMIN)
    return people


# --- OS accounts ---------------------------------------------------------------------------------


def _run(*cmd: str) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise AcademyError(f"{' '.join(cmd)} failed: {proc.stderr.strip()}")
    return proc


def account_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def require_root() -> None:
    if os.geteuid() != 0:
        raise AcademyError("the hub creates an operating-system account per person and must run "
                           "as root (sudo academy hub ...)")


def ensure_service_account(name: str, groups: list[str] | None = None) -> pwd.struct_passwd:
    if not account_exists(name):
        Path(SERVICE_HOMES).mkdir(mode=0o755, parents=True, exist_ok=True)
        _run("useradd", "--system", "--user-group", "--create-home",
             "--shell", "/usr/sbin/nologin", "--home-dir", f"{SERVICE_HOMES}/{name}", name)
    for g in groups or []:
        _run("usermod", "-a", "-G", g, name)
    pw = pwd.getpwnam(name)
    Path(pw.pw_dir).mkdir(parents=True, exist_ok=True)
    os.chown(pw.pw_dir, pw.pw_uid, pw.pw_gid)
    os.chmod(pw.pw_dir, 0o700)
    return pw


def ensure_person_account(name: str) -> pwd.struct_passwd:
    """Create (or unlock) a person's OS account with a private home."""
    if not account_exists(name):
        _run("useradd", "--create-home", "--user-group", "--shell", "/bin/bash", name)
    else:
        _run("usermod", "--unlock", "--expiredate", "", name)
    pw = pwd.getpwnam(name)
    home = Path(pw.pw_dir)
    home.mkdir(exist_ok=True)
    os.chown(home, pw.pw_uid, pw.pw_gid)
    home.chmod(0o700)
    return pw


def lock_person_account(name: str) -> None:
    """Lock an account (no password, expired) and end every process it runs."""
    if not account_exists(name):
        return
    _run("usermod", "--lock", "--expiredate", "1", name)
    subprocess.run(["pkill", "-KILL", "-u", name], capture_output=True)


def remove_accounts(prefix: str) -> list[str]:
    """Delete every OS account (and its home) whose name starts with `prefix` (tests' clean-up)."""
    gone = []
    for pw in pwd.getpwall():
        if pw.pw_name.startswith(prefix):
            subprocess.run(["pkill", "-KILL", "-u", pw.pw_name], capture_output=True)
            subprocess.run(["userdel", "--remove", pw.pw_name], capture_output=True)
            gone.append(pw.pw_name)
    for gr in grp.getgrall():
        if gr.gr_name.startswith(prefix):
            subprocess.run(["groupdel", gr.gr_name], capture_output=True)
    return gone


# --- the home's file modes -----------------------------------------------------------------------


def _chown_tree(root: Path, uid: int, gid: int, dirmode: int, filemode: int,
                keep: str | None = None) -> None:
    """Owner and modes of a tree; below a top-level folder named `keep` the owners stay (the
    evidence of who made a set-aside submission), only the modes close."""
    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        rel = path.relative_to(root).parts
        if keep and len(rel) > 1 and rel[0] == keep:
            path.chmod(0o700 if path.is_dir() else 0o600)
            continue
        os.chown(path, uid, gid)
        path.chmod(dirmode if path.is_dir() else filemode)


def secure_home(home, settings: HubSettings) -> list[str]:
    """File modes and owners of a home served to many accounts.

    root:dash 0771 home (others may only pass through, to the exchange); platform database and
    settings readable by the dashboards' account only; the course (banks, gradebook, sources,
    submissions) owned by the grader account, 0750, group-readable by the dashboards; the
    exchange 1777 (as nbgrader requires) with the course's inbound 3733 (others may drop a
    submission, never list or read one), outbound 0755 and feedback 0711, all the grader's;
    hub/, serve/, imports/, exports/ root only.
    """
    g = pwd.getpwnam(grader_account(settings))
    d = pwd.getpwnam(dash_account(settings))
    root = Path(home.root)
    os.chown(root, 0, d.pw_gid)
    root.chmod(0o771)
    for name in ("academy.yaml", "academy.db", "academy.db-journal", "academy.db-wal"):
        p = root / name
        if p.exists():
            os.chown(p, d.pw_uid, d.pw_gid)
            p.chmod(0o640 if name == "academy.yaml" else 0o600)
    if (root / "academy.yaml").exists():
        os.chown(root / "academy.yaml", 0, d.pw_gid)
    if (root / "assessments").exists():  # rubrics and rules: read by the trainer dashboard
        _chown_tree(root / "assessments", 0, d.pw_gid, 0o750, 0o640)
    for private in ("hub", "imports", "exports"):
        p = root / private
        if p.exists():
            os.chown(p, 0, 0)
            p.chmod(0o700)
    # the dashboards keep computed evidence flags in serve/cache (dashboards.data)
    serve = root / "serve"
    serve.mkdir(exist_ok=True)
    os.chown(serve, 0, d.pw_gid)
    serve.chmod(0o710)
    cache = serve / "cache"
    cache.mkdir(exist_ok=True)
    _chown_tree(cache, d.pw_uid, d.pw_gid, 0o700, 0o600)
    runtime = root / "dash-runtime"  # the dashboards' kernel connection files (their keys)
    runtime.mkdir(exist_ok=True)
    os.chown(runtime, d.pw_uid, d.pw_gid)
    runtime.chmod(0o700)
    _chown_tree(home.course_dir, g.pw_uid, g.pw_gid, 0o750, 0o640, keep="quarantine")
    # nbgrader's exchange: the root writable by all with the sticky bit (nbgrader requires it,
    # like /srv/nbgrader/exchange); the course's folders belong to the grader account, so that
    # formgrader (running as it) releases and collects; root's `academy exam ...` commands may
    # release there too (graders.exam.shared_exchange). Inbound is set-group-id: a submission
    # (graders.exam.shared_exchange.PrivateSubmit) belongs to the grader's group from its start
    ex = home.exchange_dir
    ex.mkdir(exist_ok=True)
    os.chown(ex, 0, 0)
    ex.chmod(0o1777)
    course = ex / home.settings.course_id
    for sub, mode in (("", 0o755), ("outbound", 0o755), ("inbound", 0o3733),
                      ("feedback", 0o711)):
        p = course / sub if sub else course
        p.mkdir(exist_ok=True)
        os.chown(p, g.pw_uid, g.pw_gid)
        p.chmod(mode)
    msgs = close_submissions(home, settings)
    for sub in ("outbound", "feedback"):
        for p in (course / sub).rglob("*"):
            if not p.is_symlink() and p.lstat().st_uid == 0:
                os.chown(p, g.pw_uid, g.pw_gid)
    for p in (course / "outbound").rglob("*"):
        if not p.is_symlink():
            p.chmod(0o755 if p.is_dir() else 0o644)
    return msgs


def close_submissions(home, settings: HubSettings) -> list[str]:
    """nbgrader leaves each submission in inbound world-readable (0777/0644), hidden only by its
    unguessable name, and owned by the submitter (who could open it up again). Check each new one
    against the account of the id it names (graders.exam.ownership: forged ones are set aside),
    then hand it to the grader account, 0750/0640: no trainee reads or changes it any more.
    Returns the messages about submissions set aside."""
    from graders.exam.ownership import quarantine_forged

    g = pwd.getpwnam(grader_account(settings))
    course = home.exchange_dir / home.settings.course_id
    inbound = course / "inbound"
    if not inbound.is_dir():
        return []
    exams = {e.name.split("+")[1] for e in inbound.iterdir() if e.name.count("+") >= 2}
    msgs = [m for exam in sorted(exams) for m in quarantine_forged(home.course_dir, course, exam)]
    for sub in inbound.iterdir():
        if sub.is_symlink() or not sub.is_dir() or sub.lstat().st_uid == g.pw_uid:
            continue
        for path in [sub, *sub.rglob("*")]:
            if path.is_symlink():
                path.unlink()
                continue
            os.chown(path, g.pw_uid, g.pw_gid, follow_symlinks=False)
            path.chmod(0o750 if path.is_dir() else 0o640)
    return msgs


def write_accounts_map(home, settings: HubSettings, people: dict[str, Person]) -> Path:
    """employee id -> OS account, for the collect-time ownership check (graders.exam.ownership)."""
    mapping = {p.employee_id: os_name(settings, p.name) for p in people.values() if p.employee_id}
    # submissions the hub already checked and handed to the grader account
    mapping["*verified*"] = grader_account(settings)
    path = home.course_dir / ACCOUNTS_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(mapping, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)
    g = pwd.getpwnam(grader_account(settings))
    os.chown(path, g.pw_uid, g.pw_gid)
    path.chmod(0o640)
    return path


def user_config_dir(home_root: Path) -> Path:
    """Jupyter configuration every single-user server reads (root-owned, world-readable)."""
    return hub_dir(home_root).parent / "hub-user-config"
