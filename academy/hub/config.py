"""What `jupyterhub_config.py` of a home does: `configure(c, ...)` sets every option.

`academy hub` writes a three-line jupyterhub_config.py into the home's hub/ folder that calls this
with the ports it chose, so the logic lives here, tested, and the file stays readable.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from academy.hub import accounts
from academy.hub.settings import HubSettings, hub_dir, load_hub_settings
from academy.trainee_lab import write_hub_config_dir
from core.errors import AcademyError

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
BIN = Path(sys.executable).parent
#: the dashboards' page notebooks (package data of `dashboards`), served by the dashboards service
DASHBOARDS = REPO_ROOT / "dashboards"

ALL_GROUPS = ["trainees", "managers", "trainers", "admins"]
PROGRESS_SERVICE = "academy-progress"


def proxy_command() -> str:
    """configurable-http-proxy as installed by `make venv` (npm, into .venv/node)."""
    for cand in (BIN / "configurable-http-proxy",
                 BIN.parent / "node" / "node_modules" / ".bin" / "configurable-http-proxy"):
        if cand.exists():
            return str(cand)
    found = shutil.which("configurable-http-proxy")
    if found:
        return found
    raise AcademyError("configurable-http-proxy is not installed: run `make venv` (it installs it "
                       "with npm into .venv/node; Debian's nodejs and npm are needed)")


USER_NBGRADER_CONFIG = '''\
# nbgrader in every person's server on the hub (written by `academy hub`; do not edit).
import os
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = {course_id!r}
# submissions are named by the identity the hub gave this server; the exchange's ownership
# check (graders.exam.ownership) refuses any that the person's own account did not make
c.CourseDirectory.student_id = os.environ.get("ACADEMY_USER") or "*"
c.Exchange.root = {exchange!r}
c.Exchange.path_includes_course = True
c.Exchange.timezone = "UTC"
# a submission is closed to every other trainee from its first byte (nbgrader's own is
# world-readable until the hub's sync closes it)
c.ExchangeFactory.submit = "graders.exam.shared_exchange.PrivateSubmit"
'''

USER_SERVER_CONFIG = '''\
# Jupyter server of every person on the hub (written by `academy hub`; do not edit).
c = get_config()  # noqa: F821
# trainees take exams in the Assignments panel; formgrader and the course list live in the
# trainers' formgrader service
c.ServerApp.jpserver_extensions = {{
    "nbgrader.server_extensions.formgrader": False,
    "nbgrader.server_extensions.course_list": False,
}}
'''

#: the lab plugins of those server parts, off in every person's own server (labconfig/, read by
#: JupyterLab's page config; a `LabApp.disabled_extensions` setting is no LabApp option and makes
#: the whole jupyterlab extension fail to link, with trainee mode's settings)
USER_PAGE_CONFIG = {"disabledExtensions": {"@jupyter/nbgrader:formgrader": True,
                                           "@jupyter/nbgrader:course-list": True,
                                           "@jupyter/nbgrader:create-assignment": True}}

FORMGRADER_CONFIG = '''\
# The trainers' formgrader service (written by `academy hub`; do not edit).
c = get_config()  # noqa: F821
# nbgrader issue 1870: JupyterHub 4.1+ sends "frame-ancestors 'none'" from every server, which
# blanks formgrader inside JupyterLab's Formgrader panel (an iframe of the same origin)
c.ServerApp.tornado_settings = {{"headers": {{"Content-Security-Policy": "frame-ancestors 'self'"}}}}
c.ServerApp.root_dir = {course_dir!r}
c.ServerApp.terminals_enabled = False
c.ServerApp.jpserver_extensions = {{"nbgrader.server_extensions.assignment_list": False}}
'''


def formgrader_config_dir(home_root: Path) -> Path:
    """Jupyter configuration of the formgrader service (root-owned, readable by its account)."""
    return Path(home_root) / "hub-formgrader-config"


def trainee_config_dir(home_root: Path) -> Path:
    """Trainee mode's Jupyter configuration (academy.trainee_lab): every trainee's server reads it
    as its JUPYTER_CONFIG_DIR (root-owned, world-readable)."""
    return Path(home_root) / "hub-trainee-config"


def write_user_config(home, settings: HubSettings) -> Path:
    folder = accounts.user_config_dir(home.root)
    folder.mkdir(exist_ok=True)
    folder.chmod(0o755)
    (folder / "nbgrader_config.py").write_text(USER_NBGRADER_CONFIG.format(
        course_id=home.settings.course_id, exchange=str(home.exchange_dir)), encoding="utf-8")
    (folder / "jupyter_server_config.py").write_text(USER_SERVER_CONFIG.format(), "utf-8")
    (folder / "labconfig").mkdir(exist_ok=True)
    (folder / "labconfig" / "page_config.json").write_text(
        json.dumps(USER_PAGE_CONFIG, indent=1), encoding="utf-8")
    for f in [*folder.iterdir(), *(folder / "labconfig").iterdir()]:
        f.chmod(0o755 if f.is_dir() else 0o644)
    trainee = trainee_config_dir(home.root)
    if trainee.exists():
        shutil.rmtree(trainee)
    trainee.mkdir()
    write_hub_config_dir(trainee, home.settings.locale,
                         home.exchange_dir / home.settings.course_id / "outbound")
    fg = formgrader_config_dir(home.root)
    fg.mkdir(exist_ok=True)
    fg.chmod(0o755)
    (fg / "jupyter_server_config.py").write_text(
        FORMGRADER_CONFIG.format(course_dir=str(home.course_dir)), encoding="utf-8")
    (fg / "jupyter_server_config.py").chmod(0o644)
    return folder


def configure(c, home_root: str, hub_port: int, api_port: int, formgrader_port: int,
              dashboards_port: int, port: int | None = None, ip: str | None = None,
              progress_port: int | None = None) -> None:
    """Set every JupyterHub option for the home at `home_root`."""
    root = Path(home_root)
    s = load_hub_settings(root)
    hd = hub_dir(root)
    c.JupyterHub.ip = ip or s.ip
    c.JupyterHub.port = port if port is not None else s.port
    c.JupyterHub.hub_ip = "127.0.0.1"
    c.JupyterHub.hub_port = hub_port
    c.JupyterHub.db_url = s.db_url or f"sqlite:///{hd / 'jupyterhub.sqlite'}"
    c.JupyterHub.cookie_secret_file = str(hd / "jupyterhub_cookie_secret")
    c.JupyterHub.pid_file = str(hd / "jupyterhub.pid")
    c.JupyterHub.cleanup_servers = True
    c.JupyterHub.template_paths = [str(Path(__file__).parent / "templates")]
    c.JupyterHub.template_vars = {"academy_home": str(root)}
    # the proxy: started and stopped by the hub, API on loopback only
    c.ConfigurableHTTPProxy.command = [proxy_command()]
    c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{api_port}"
    c.ConfigurableHTTPProxy.should_start = True

    c.JupyterHub.authenticator_class = "academy.hub.auth.AcademyAuthenticator"
    c.AcademyAuthenticator.home_root = str(root)
    c.Authenticator.manage_groups = True
    c.Authenticator.auth_refresh_age = s.auth_refresh_seconds
    c.Authenticator.refresh_pre_spawn = True
    c.Authenticator.any_allow_config = True  # check_allowed: the roster decides
    c.Authenticator.admin_users = {a.lower() for a in s.admins}

    c.JupyterHub.spawner_class = "academy.hub.spawner.AcademySpawner"
    c.AcademySpawner.home_root = str(root)
    c.AcademySpawner.user_config_dir = str(accounts.user_config_dir(root))
    c.AcademySpawner.trainee_config_dir = str(trainee_config_dir(root))
    c.Spawner.cmd = [str(BIN / "jupyterhub-singleuser")]
    c.Spawner.default_url = "/lab"
    c.Spawner.notebook_dir = "~"
    c.Spawner.mem_limit = s.mem_limit
    c.Spawner.start_timeout = 180
    c.Spawner.http_timeout = 180
    c.Spawner.env_keep = ["LANG", "LC_ALL", "PYDEVD_DISABLE_FILE_VALIDATION"]
    c.Spawner.environment = {"PATH": f"{BIN}:/usr/local/bin:/usr/bin:/bin",
                             "PYDEVD_DISABLE_FILE_VALIDATION": "1"}

    python = sys.executable
    home_arg = ["--home", str(root)]
    c.JupyterHub.services = [
        {"name": "idle-culler",
         "command": [python, "-m", "jupyterhub_idle_culler",
                     f"--timeout={s.cull_idle_seconds}", f"--cull-every={s.cull_every_seconds}"]},
        {"name": "academy-sync",
         "command": [python, "-m", "academy.hub.sync", *home_arg]},
        {"name": "formgrader", "url": f"http://127.0.0.1:{formgrader_port}",
         "command": [str(BIN / "jupyterhub-singleuser"), f"--port={formgrader_port}",
                     "--ip=127.0.0.1"],
         "user": accounts.grader_account(s), "cwd": str(root / "course"),
         "oauth_no_confirm": True,
         "environment": {"JUPYTER_CONFIG_PATH": str(formgrader_config_dir(root)),
                         "PATH": f"{BIN}:/usr/bin:/bin",
                         "PYDEVD_DISABLE_FILE_VALIDATION": "1"}},
        {"name": "dashboards", "url": f"http://127.0.0.1:{dashboards_port}",
         "command": [python, "-m", "academy.hub.voila", *home_arg,
                     f"--port={dashboards_port}"],
         "user": accounts.dash_account(s), "cwd": str(DASHBOARDS),
         "oauth_no_confirm": True,
         "environment": {"PATH": f"{BIN}:/usr/bin:/bin",
                         "PYDEVD_DISABLE_FILE_VALIDATION": "1",
                         # plan links: the hub leads each person to their own server
                         # (academy.hub.spawner copies the modules into their home)
                         "ACADEMY_LAB_URL": "/hub/user-redirect/"}},
    ]
    if progress_port:
        # trainees' notebooks record course progress through it, with their server's token
        # (academy.hub.progress); that token may reach it and nothing more than before
        c.JupyterHub.services.append(
            {"name": PROGRESS_SERVICE, "url": f"http://127.0.0.1:{progress_port}",
             "command": [python, "-m", "academy.hub.progress", *home_arg,
                         f"--port={progress_port}"],
             "user": accounts.dash_account(s), "cwd": str(DASHBOARDS),
             "environment": {"PATH": f"{BIN}:/usr/bin:/bin"}})
        c.Spawner.server_token_scopes = ["users:activity!user", "access:servers!server",
                                         f"access:services!service={PROGRESS_SERVICE}"]
        c.AcademySpawner.progress_url = \
            f"http://127.0.0.1:{progress_port}/services/{PROGRESS_SERVICE}/"
    c.JupyterHub.load_roles = [
        {"name": "idle-culler", "services": ["idle-culler"],
         "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"]},
        {"name": "academy-sync", "services": ["academy-sync"],
         "scopes": ["list:users", "read:users", "admin:users", "admin:servers", "read:groups"]},
        {"name": "formgrader-access", "groups": ["trainers", "admins"],
         "scopes": ["access:services!service=formgrader"]},
        {"name": "dashboards-access", "groups": ALL_GROUPS,
         "scopes": ["access:services!service=dashboards",
                    f"access:services!service={PROGRESS_SERVICE}"]},
    ]
