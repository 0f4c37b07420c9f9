"""Start JupyterHub (and through it the proxy, the services and everybody's servers) on a home,
print where to sign in, and stop everything on Ctrl-C or SIGTERM."""

from __future__ import annotations

import secrets
import signal
import sys
import threading
from pathlib import Path

from rich.console import Console

from academy.hub import accounts
from academy.hub.config import write_user_config
from academy.hub.passwords import PASSWORDS_FILE, PasswordStore
from academy.hub.settings import hub_dir, load_hub_settings, save_hub_settings, settings_path
from academy.servers import ServerProcess, free_port

CONFIG_TEMPLATE = '''\
# JupyterHub configuration of this academy home, written by `academy hub` at each start.
# Change hub/settings.yaml instead; the logic is academy.hub.config.configure.
from academy.hub.config import configure
configure(c, home_root={home!r}, hub_port={hub_port}, api_port={api_port},  # noqa: F821
          formgrader_port={formgrader_port}, dashboards_port={dashboards_port},
          port={port}, ip={ip!r}, progress_port={progress_port})
'''


class Hub(ServerProcess):
    name = "JupyterHub"

    def __init__(self, home, port: int | None = None, ip: str | None = None,
                 log: Path | None = None):
        s = load_hub_settings(home.root)
        self.home, self.ip = home, ip or s.ip
        port = port if port is not None else s.port
        if port == 0:
            port = free_port()
        hd = hub_dir(home.root)
        config = hd / "jupyterhub_config.py"
        config.write_text(CONFIG_TEMPLATE.format(
            home=str(home.root), hub_port=free_port(), api_port=free_port(),
            formgrader_port=free_port(), dashboards_port=free_port(), port=port, ip=self.ip,
            progress_port=free_port()),
            encoding="utf-8")
        cmd = [str(Path(sys.executable).parent / "jupyterhub"), "-f", str(config)]
        env = {"CONFIGPROXY_AUTH_TOKEN": secrets.token_hex(32), "ACADEMY_HOME": str(home.root)}
        super().__init__(cmd, port, "/hub/health", env=env, cwd=hd,
                         log=log or hd / "jupyterhub.log")

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.ip in ("", "0.0.0.0") else self.ip
        return f"http://{host}:{self.port}/"

    def stop(self, timeout: float = 90) -> None:
        """SIGTERM to the hub (it stops the proxy, services and servers), then end whatever of
        its descendants is left (a hub that crashed leaves them running)."""
        if self.proc is None:
            return
        family = descendants(self.proc.pid)
        super().stop(timeout)
        end_processes(family)
        # and whatever runs as one of the hub's own accounts, though no longer a descendant (a
        # kernel or helper whose server ended first is re-parented to init)
        end_processes(account_processes(load_hub_settings(self.home.root).account_prefix))


def account_processes(prefix: str) -> set[int]:
    """Every process running as an OS account whose name starts with `prefix` (the hub's own)."""
    import pwd

    uids = {pw.pw_uid for pw in pwd.getpwall() if prefix and pw.pw_name.startswith(prefix)}
    out = set()
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            line = next(x for x in status.read_text().splitlines() if x.startswith("Uid:"))
        except (OSError, StopIteration):
            continue
        if int(line.split()[1]) in uids:
            out.add(int(status.parent.name))
    return out


def descendants(pid: int) -> set[int]:
    """Every process started, directly or not, by `pid` (from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parts = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(parts[1]), []).append(int(stat.parent.name))
    out, todo = set(), [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            if c not in out:
                out.add(c)
                todo.append(c)
    return out


def end_processes(pids: set[int], grace: float = 10) -> None:
    import os
    import time

    def alive() -> set[int]:
        return {p for p in pids if Path(f"/proc/{p}").exists()
                and "zombie" not in _state(p)}

    for p in alive():
        try:
            os.kill(p, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + grace
    while alive() and time.monotonic() < deadline:
        time.sleep(0.2)
    for p in alive():
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + grace  # SIGKILL is not instant: return once they are gone
    while alive() and time.monotonic() < deadline:
        time.sleep(0.2)


def _state(pid: int) -> str:
    try:
        return "zombie" if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] \
            == "Z" else "alive"
    except OSError:
        return "zombie"


def check_hub_db(url: str | None) -> None:
    """JupyterHub's own database (`db_url` in hub/settings.yaml) answers; else AcademyError
    naming it (password hidden), before anything is started."""
    if not url:
        return
    from sqlalchemy import create_engine, text

    from core.db import safe_url
    from core.errors import AcademyError

    try:
        engine = create_engine(url, connect_args={"connect_timeout": 20}
                               if url.startswith("postgres") else {})
    except Exception as exc:  # noqa: BLE001 - a malformed URL or a missing driver
        raise AcademyError(f"hub/settings.yaml: db_url is not a usable database URL: {exc}") \
            from None
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure: the hub could not start on it
        why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise AcademyError(f"cannot reach the hub's database {safe_url(url)} (db_url in "
                           f"hub/settings.yaml): {why}") from None
    finally:
        engine.dispose()


def prepare_home(home) -> tuple[object, str | None]:
    """Settings (written with defaults the first time), accounts, file modes, user config;
    returns the settings and a fresh admin password if the first admin had none."""
    from academy.hub.sync import prepare

    accounts.require_root()
    if not settings_path(home.root).exists():
        save_hub_settings(home.root, load_hub_settings(home.root))
    hub_dir(home.root).mkdir(mode=0o700, exist_ok=True)
    s = load_hub_settings(home.root)
    check_hub_db(s.db_url)
    prepare(home, s)
    write_user_config(home, s)
    store = PasswordStore(hub_dir(home.root) / PASSWORDS_FILE)
    fresh = None
    if s.admins and not store.has_password(s.admins[0].lower()):
        fresh = store.issue(s.admins[0].lower())
    return s, fresh


def run_hub(home, port: int | None = None, ip: str | None = None, out: Console | None = None,
            stop: threading.Event | None = None) -> None:
    out = out or Console(highlight=False)
    stop = stop or threading.Event()
    s, fresh = prepare_home(home)
    hub = Hub(home, port=port, ip=ip)
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def _stop(_sig, _frame):
        stop.set()

    if threading.current_thread() is threading.main_thread():
        for sig in previous:
            signal.signal(sig, _stop)
    try:
        out.print("Starting JupyterHub and its proxy ...")
        hub.start(timeout=180)
        out.print(f"[bold]JupyterHub[/bold]: {hub.url}", soft_wrap=True)
        admin = s.admins[0].lower() if s.admins else None
        if admin and fresh:
            out.print(f"Admin login: {admin} / {fresh}", soft_wrap=True, markup=False)
        elif admin:
            out.print(f"Admin login: {admin} (password as issued; `academy hub password {admin}` "
                      f"issues a new one)", soft_wrap=True, markup=False)
        out.print(f"Dashboards: {hub.url}services/dashboards/   Formgrader (trainers): "
                  f"{hub.url}services/formgrader/formgrader", soft_wrap=True, markup=False)
        out.print(f"Log: {hub.log_path}.  Press Ctrl-C to stop.", soft_wrap=True)
        while not stop.wait(1.0):
            if hub.proc.poll() is not None:
                out.print(f"[red]JupyterHub stopped (log: {hub.log_path})[/red]")
                break
    finally:
        hub.stop()
        if threading.current_thread() is threading.main_thread():
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        out.print("JupyterHub, its proxy, services and servers stopped.")
