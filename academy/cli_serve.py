"""`academy serve`: JupyterLab (courses, exams, formgrader) and the Voila dashboards on localhost.

Prints each address with its login token, stops both servers cleanly on Ctrl-C or SIGTERM, and
refuses with a clear message when a port is taken. `academy serve --issue-token ID` prints a
dashboard login for one person (an employee id, `trainer:NAME` or `admin:NAME`) and exits.
"""

from __future__ import annotations

import signal
import threading
from typing import Annotated, Optional

import typer
from rich.console import Console

from academy.cli_common import console, open_from
from academy_content import ROOT as CONTENT_ROOT

#: JupyterLab's root: the folder holding `courses/` (a checkout, or the installed package data),
#: so a plan link's `lab/tree/courses/<course>/<module>.ipynb` opens the module
REPO_ROOT = CONTENT_ROOT
SHOWN_LOGINS = 12


def dashboard_for(hierarchy, identity: str) -> str:
    """The dashboard a login opens on: trainer view, manager dashboard or trainee report."""
    from dashboards.access import ADMIN, TRAINER, Viewer, managed_teams

    v = Viewer(identity)
    if v.kind == TRAINER:
        return "trainer.ipynb"
    if v.kind == ADMIN or managed_teams(hierarchy, v):
        return "manager.ipynb"
    return "trainee.ipynb"


def _hierarchy(home):
    from sqlalchemy.orm import Session

    from dashboards.data import hierarchy_frame

    with Session(home.engine) as s:
        return hierarchy_frame(s)


def demo_identities(home) -> list[str]:
    """A manager with teams under them, a trainee with published results, and the trainer."""
    from dashboards.access import Viewer, managed_teams

    h = _hierarchy(home)
    managers = [m for m in h["team_manager_id"].dropna().unique()
                if managed_teams(h, Viewer(m))]
    staff = h[h["level"] == "staff"]["employee_id"]
    out = []
    if managers:
        out.append(sorted(managers)[0])
    if len(staff):
        out.append(sorted(staff)[0])
    return out + ["trainer:demo trainer"]


def run_servers(home, lab_port: int | None = None, voila_port: int | None = None,
                lab: bool = True, out: Console | None = None,
                stop: threading.Event | None = None, trainee: str | None = None) -> None:
    """Start the servers, print the addresses, wait for Ctrl-C/SIGTERM (or `stop`), stop both."""
    from academy.servers import JupyterLab, Voila
    from dashboards.identity import issue_token, load_tokens, tokens_path

    out = out or console
    stop = stop or threading.Event()
    logs = home.root / "serve"
    logs.mkdir(exist_ok=True)
    tokens_file = tokens_path(home.root)
    if not load_tokens(tokens_file):
        from roster.store import current_user

        issue_token(tokens_file, f"admin:{current_user()}")
    if trainee:  # their login code: for their report and for their lab's sign-in page
        issue_token(tokens_file, trainee)
    started = []
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def _stop(_sig, _frame):
        stop.set()

    for sig in previous:
        signal.signal(sig, _stop)
    try:
        env = {"ACADEMY_HOME": str(home.root)}
        lab_server = None
        if lab:
            # nbgrader's Assignments panel and formgrader read the home's course configuration
            # (exchange and course id) from the Jupyter config dir.
            lab_env = {**env, "JUPYTER_CONFIG_DIR": str(home.course_dir)}
            lab_root = REPO_ROOT
            if trainee:  # trainee mode: own workspace, documents not code (academy.trainee_lab)
                from academy.trainee_lab import prepare

                mode = prepare(home, trainee)
                lab_env, lab_root = {**env, **mode.env}, mode.workspace
            lab_server = JupyterLab(lab_root, port=lab_port, env=lab_env,
                                    log=logs / "jupyterlab.log")
            out.print("Starting JupyterLab ...")
            lab_server.start()
            started.append(lab_server)
            if trainee:  # plan links on this trainee's report open their lab (own login)
                env["ACADEMY_LAB_URL"] = f"http://127.0.0.1:{lab_server.port}/"
                env["ACADEMY_LAB_TRAINEE"] = trainee
        voila = Voila(home.root, tokens_file, port=voila_port, env=env, log=logs / "voila.log")
        out.print("Starting the Voila dashboards ...")
        voila.start()
        started.append(voila)
        if lab_server is not None and trainee:
            out.print(f"[bold]JupyterLab[/bold] for trainee {trainee} (courses, exams): "
                      f"{lab_server.url}", soft_wrap=True)
            out.print(f"  the trainee opens http://127.0.0.1:{lab_server.port}/lab (or a module "
                      f"link of their report) and signs in with their own dashboard login code",
                      soft_wrap=True)
        elif lab_server is not None:
            out.print(f"[bold]JupyterLab[/bold] (courses, exams, formgrader): {lab_server.url}",
                      soft_wrap=True)
        out.print(f"[bold]Dashboards[/bold]: {voila.base_url}  (logins below; "
                  f"`academy serve --issue-token ID` adds one)", soft_wrap=True)
        hierarchy = _hierarchy(home)
        logins = sorted(load_tokens(tokens_file).items(), key=lambda kv: kv[1])
        for tok, who in logins[:SHOWN_LOGINS]:
            out.print(f"  {who:<24} {voila.url(dashboard_for(hierarchy, who), tok)}",
                      soft_wrap=True, markup=False)
        if len(logins) > SHOWN_LOGINS:
            out.print(f"  ... and {len(logins) - SHOWN_LOGINS} more in {tokens_file}")
        out.print("Press Ctrl-C to stop.")
        while not stop.wait(1.0):
            for srv in started:
                if srv.proc.poll() is not None:
                    out.print(f"[red]the {srv.name} stopped (log: {srv.log_path})[/red]")
                    stop.set()
    finally:
        for srv in reversed(started):
            srv.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        out.print("Servers stopped.")


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        ctx: typer.Context,
        lab_port: Annotated[Optional[int], typer.Option(
            "--lab-port", help="JupyterLab port (default: a free one).")] = None,
        voila_port: Annotated[Optional[int], typer.Option(
            "--voila-port", help="Dashboards port (default: a free one).")] = None,
        no_lab: Annotated[bool, typer.Option("--no-lab", help="Serve only the dashboards.")] = False,
        issue_token: Annotated[Optional[str], typer.Option(
            "--issue-token", metavar="ID",
            help="Print a dashboard login for ID (employee id, trainer:NAME or admin:NAME) "
                 "and exit.")] = None,
        trainee: Annotated[Optional[str], typer.Option(
            "--trainee", metavar="ID",
            help="Serve JupyterLab in trainee mode for this employee: their own copy of the "
                 "courses, exams as documents, no instructor tools.")] = None,
    ) -> None:
        """Run JupyterLab and the Voila dashboards on localhost until Ctrl-C."""
        from core.errors import AcademyError
        from dashboards.identity import issue_token as _issue
        from dashboards.identity import tokens_path

        h = open_from(ctx)
        if issue_token is not None:
            from dashboards.access import PREFIXES

            who = issue_token.strip()
            if not any(who.startswith(p) for p in PREFIXES) and \
                    who not in set(_hierarchy(h)["employee_id"]):
                raise AcademyError(f"{who} is not an active employee id of the roster "
                                   "(or use trainer:NAME / admin:NAME)")
            tok = _issue(tokens_path(h.root), who)
            page = dashboard_for(_hierarchy(h), who)
            console.print(f"{who}: token {tok}", soft_wrap=True, markup=False)
            console.print(f"  open /voila/render/{page}?token={tok} on the dashboards server",
                          soft_wrap=True, markup=False)
            return
        if trainee is not None and trainee.strip() not in set(_hierarchy(h)["employee_id"]):
            raise AcademyError(f"{trainee} is not an active employee id of the roster")
        run_servers(h, lab_port, voila_port, lab=not no_lab,
                    trainee=trainee.strip() if trainee else None)
