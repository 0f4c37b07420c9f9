"""Each person's single-user server, started as their own operating-system account.

JupyterHub's LocalProcessSpawner, with these changes:

* the account is `<prefix><hub name>` (academy.hub.accounts.os_name), not the hub name itself;
* the serving identity `$ACADEMY_USER` is set here from the hub's record of the person (name and
  groups), after the hub's own environment and overriding anything configured for the user; the
  server's process then runs with the person's uid, so nothing they do changes what the hub, the
  exchange (file ownership) or the dashboards (OAuth identity) believe about them;
* trainees (every roster member: neither trainer nor admin) get trainee mode
  (academy.trainee_lab): their server reads the hub's trainee configuration as its
  JUPYTER_CONFIG_DIR, with JupyterHub's `disable_user_config` (nothing in their home adds
  configuration, extensions or settings) and a settings folder they cannot write; trainers and
  admins get the full JupyterLab;
* the course modules are copied into the person's home before their server starts
  (`prepare_workspace`), so the plan links of their report open their own copy;
* a memory limit (`mem_limit`) is applied to every process of the server as RLIMIT_DATA (Linux
  counts heap and private anonymous maps), since a local process has no container to limit.
"""

from __future__ import annotations

import os
import resource

from jupyterhub.spawner import LocalProcessSpawner, set_user_setuid
from traitlets import Unicode

from academy.hub.identity import identity_of
from academy.hub.settings import load_hub_settings


class AcademySpawner(LocalProcessSpawner):
    home_root = Unicode("", config=True, help="The academy home this hub serves.")
    user_config_dir = Unicode("", config=True,
                              help="Jupyter configuration folder every server reads (nbgrader).")
    trainee_config_dir = Unicode("", config=True,
                                 help="Trainee mode's configuration folder (academy.trainee_lab).")
    progress_url = Unicode("", config=True,
                           help="The hub's progress service (academy.hub.progress), if any.")

    @property
    def account(self) -> str:
        from academy.hub.accounts import os_name

        return os_name(load_hub_settings(self.home_root), self.user.name)

    def make_preexec_fn(self, name):
        setuid = set_user_setuid(self.account)
        limit = int(self.mem_limit) if self.mem_limit else None

        def preexec():
            os.umask(0o077)  # what a person makes is theirs alone unless they open it
            if limit:
                resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
            setuid()

        return preexec

    def user_env(self, env):
        import pwd

        pw = pwd.getpwnam(self.account)
        env["USER"] = env["LOGNAME"] = self.account
        env["HOME"] = pw.pw_dir
        env["SHELL"] = pw.pw_shell or "/bin/bash"
        return env

    def get_env(self):
        env = super().get_env()
        groups = {g.name for g in self.user.groups}
        env["ACADEMY_USER"] = identity_of(self.user.name, groups, bool(self.user.admin))
        if self.user_config_dir:
            env["JUPYTER_CONFIG_PATH"] = self.user_config_dir
        for key in ("JUPYTER_CONFIG_DIR", "JUPYTERLAB_SETTINGS_DIR", "JUPYTERLAB_WORKSPACES_DIR",
                    "JUPYTERHUB_DISABLE_USER_CONFIG"):
            env.pop(key, None)
        if self.trainee_config_dir and self.is_trainee:
            import pwd

            home = pwd.getpwnam(self.account).pw_dir
            env["JUPYTER_CONFIG_DIR"] = self.trainee_config_dir
            env["JUPYTERLAB_SETTINGS_DIR"] = os.path.join(self.trainee_config_dir,
                                                          "lab-user-settings")
            # the layout of their lab (open tabs) is theirs to keep
            env["JUPYTERLAB_WORKSPACES_DIR"] = os.path.join(home, ".academy-lab", "workspaces")
            env["JUPYTERHUB_DISABLE_USER_CONFIG"] = "1"
        # nothing of the home's database or settings is handed to a person's server; course
        # progress goes to the hub's progress service with the server's own token
        for key in ("ACADEMY_HOME", "ACADEMY_DB_URL"):
            env.pop(key, None)
        if self.progress_url:
            env["ACADEMY_PROGRESS_URL"] = self.progress_url
        env.pop("ACADEMY_USER_NAME", None)
        name = self.roster_name(env["ACADEMY_USER"])
        if name:  # a module's header names the person (training.recorder.display_name)
            env["ACADEMY_USER_NAME"] = name
        return env

    def roster_name(self, employee_id: str) -> str | None:
        """The person's name in the roster (read by the hub, which holds the home), or None."""
        if ":" in employee_id:
            return None
        try:
            from sqlalchemy import select
            from sqlalchemy.orm import Session

            from core.home import open_home
            from roster.models import Staff

            home = open_home(self.home_root, upgrade=False)
            try:
                with Session(home.engine) as s:
                    return s.scalar(select(Staff.name).where(Staff.employee_id == employee_id))
            finally:
                home.close()
        except Exception:  # noqa: BLE001 - the header then shows the id
            self.log.exception("could not read the name of %s", employee_id)
            return None

    @property
    def is_trainee(self) -> bool:
        """A roster member (trainee or manager), neither trainer nor admin (the hub's record)."""
        groups = {g.name for g in self.user.groups}
        return ":" not in identity_of(self.user.name, groups, bool(self.user.admin))

    def prepare_workspace(self) -> None:
        """Put the course modules, in both languages, into the person's home folder
        (`~/courses/<course>/<module>.ipynb` and `<module>.zh.ipynb`, read-only documents,
        academy.trainee_lab), owned by their account: a plan link of their report
        (`/hub/user-redirect/lab/tree/courses/..?lang=..`) opens their own copy in the report's
        language; a master notebook is never written."""
        import pwd
        from pathlib import Path

        from academy.trainee_lab import copy_courses

        pw = pwd.getpwnam(self.account)
        home = Path(pw.pw_dir)
        copy_courses(home)
        for root, dirs, files in os.walk(home / "courses"):
            for name in [root, *(os.path.join(root, n) for n in dirs + files)]:
                os.chown(name, pw.pw_uid, pw.pw_gid)

    async def start(self):
        try:
            self.prepare_workspace()
        except Exception:  # noqa: BLE001 - the lab still starts; the links then say not found
            self.log.exception("could not copy the courses for %s", self.user.name)
        return await super().start()

    async def progress(self):
        """What the start page (templates/spawn_pending.html) says while the server starts."""
        yield {"progress": 20, "message": "Preparing your account / 正在准备您的账户"}
        yield {"progress": 50, "message": "Starting JupyterLab with your courses and exams / "
                                          "正在启动 JupyterLab（课程与考试）"}

    async def move_certs(self, paths):  # pragma: no cover - internal SSL is not used
        raise NotImplementedError("internal_ssl is not supported by the academy spawner")
