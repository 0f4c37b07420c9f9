"""Starting and stopping Jupyter servers on localhost (JupyterLab now; Voila with the dashboards).

Used by `academy serve` and by the tests, which start and stop the real servers they need.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from core.errors import AcademyError


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_taken(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


class ServerProcess:
    """A server child process with a readiness probe, stopped cleanly (SIGTERM, then SIGKILL)."""

    name = "server"

    def __init__(self, cmd: list[str], port: int, probe_path: str, env: dict | None = None,
                 cwd: Path | None = None, log: Path | None = None):
        self.cmd, self.port, self.probe_path = cmd, port, probe_path
        self.env = {**os.environ, **(env or {})}
        self.cwd = cwd
        self.log_path = log
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 120) -> "ServerProcess":
        if port_taken(self.port):
            raise AcademyError(f"port {self.port} on 127.0.0.1 is taken: stop what uses it or "
                               f"choose another port for the {self.name}")
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self.proc = subprocess.Popen(self.cmd, env=self.env, cwd=self.cwd, stdout=out,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.port}{self.probe_path}"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AcademyError(f"the {self.name} exited with code {self.proc.returncode} "
                                   f"(log: {self.log_path})")
            try:
                with urllib.request.urlopen(url, timeout=2) as resp:
                    if resp.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.3)
        self.stop()
        raise AcademyError(f"the {self.name} did not answer on port {self.port} within {timeout:.0f} s")

    def stop(self, timeout: float = 15) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class JupyterLab(ServerProcess):
    """JupyterLab on 127.0.0.1 with a login token, serving `root_dir`."""

    name = "JupyterLab server"

    def __init__(self, root_dir: Path, port: int | None = None, token: str | None = None,
                 env: dict | None = None, extra_args: list[str] | None = None,
                 log: Path | None = None):
        self.token = token or secrets.token_hex(16)
        port = port or free_port()
        cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1",
               f"--port={port}", "--port-retries=0", f"--ServerApp.root_dir={root_dir}",
               f"--IdentityProvider.token={self.token}", "--ServerApp.open_browser=False"]
        if os.geteuid() == 0:
            cmd.append("--allow-root")
        cmd += extra_args or []
        super().__init__(cmd, port, f"/api/status?token={self.token}", env=env, cwd=root_dir,
                         log=log)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/lab?token={self.token}"


#: how long Voila waits for a cell's output once the kernel has answered the cell
IOPUB_TIMEOUT_SECONDS = 120


class Voila(ServerProcess):
    """The dashboards' Voila server (dashboards.server) on 127.0.0.1, set up for production use.

    Sources stripped, no tracebacks, notebooks never served as files, one preheated kernel per
    dashboard (imports and company data loaded before anyone asks), kernels idle for
    `cull_idle_seconds` shut down (even with their tab still open), lab
    extensions that fail inside Voila or that the dashboards do not need denied, and a page
    template that requests nothing from a CDN.
    Logins use the home's tokens file (dashboards.identity); anonymous requests are refused.
    """

    name = "Voila dashboards server"
    #: lab extensions that do not work inside Voila (nbgrader's needs JupyterLab's shell) or
    #: that the dashboards do not use: plotly's renderer is a 4.8 MB bundle that every page would
    #: load and evaluate (the dashboards draw their charts as SVG in the kernel, dashboards.charts)
    DENIED_EXTENSIONS = ["@jupyter/nbgrader", "@voila-dashboards/jupyterlab-preview",
                         "@jupyter-notebook/lab-extension", "jupyterlab-plotly"]

    def __init__(self, home_root: Path, tokens_file: Path, port: int | None = None,
                 notebooks: Path | None = None, env: dict | None = None, preheat: bool = True,
                 cull_idle_seconds: int = 900, cull_interval_seconds: int = 60,
                 extra_args: list[str] | None = None,
                 log: Path | None = None):
        from dashboards.server import template_root

        port = port or free_port()
        notebooks = notebooks or Path(__file__).resolve().parent.parent / "dashboards"
        denied = "[" + ",".join(f"'{e}'" for e in self.DENIED_EXTENSIONS) + "]"
        cmd = [sys.executable, "-m", "dashboards.server", str(notebooks), "--no-browser",
               f"--port={port}", "--Voila.ip=127.0.0.1", "--Voila.port_retries=0",
               "--Voila.identity_provider_class=dashboards.server.AcademyIdentityProvider",
               "--Voila.authorizer_class=dashboards.server.AcademyAuthorizer",
               "--VoilaConfiguration.multi_kernel_manager_class="
               "dashboards.server.AcademyKernelManager",
               f"--AcademyIdentityProvider.tokens_file={tokens_file}",
               "--VoilaConfiguration.template=academy",
               "--VoilaConfiguration.strip_sources=True",
               "--VoilaConfiguration.show_tracebacks=False",
               "--VoilaConfiguration.http_header_envs=['X-Academy-Viewer']",
               f"--VoilaConfiguration.extension_denylist={denied}",
               f"--VoilaConfiguration.preheat_kernel={preheat}",
               "--VoilaConfiguration.default_pool_size=1",
               # nbclient gives up waiting for a cell's output after 4 s by default and renders
               # the page without it: with many pages at once (or a busy machine) a dashboard
               # went out without its main panel (measured: 1 of 20 managers at once)
               f"--VoilaExecutor.iopub_timeout={IOPUB_TIMEOUT_SECONDS}",
               # an idle page's kernel is shut down even while its tab stays open (a dashboard
               # kernel holds 100-250 MB; a day of tabs left open would otherwise pile them
               # up); Voila never culls its preheated pool, and a reload brings a fresh page
               f"--MappingKernelManager.cull_idle_timeout={cull_idle_seconds}",
               f"--MappingKernelManager.cull_interval={cull_interval_seconds}",
               "--MappingKernelManager.cull_connected=True"]
        cmd += extra_args or []
        jpath = os.pathsep.join(p for p in (str(template_root()), os.environ.get("JUPYTER_PATH"))
                                if p)
        full_env = {"ACADEMY_HOME": str(home_root), "JUPYTER_PATH": jpath,
                    "PYDEVD_DISABLE_FILE_VALIDATION": "1", **(env or {})}
        super().__init__(cmd, port, "/login", env=full_env, cwd=notebooks, log=log)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def url(self, notebook: str, token: str | None = None) -> str:
        return f"{self.base_url}voila/render/{notebook}" + (f"?token={token}" if token else "")
