"""`academy hub`: the platform for a department (JupyterHub, an account per staff member).

`academy hub` starts it; `academy hub password NAME` issues a password; `academy hub sync` brings
accounts in step with the roster; `academy hub z2jh` writes Zero to JupyterHub values.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from academy.cli_common import console, open_from

app = typer.Typer(help="JupyterHub for a department: accounts from the roster, exams and "
                      "dashboards behind its login.", invoke_without_command=True)


@app.callback()
def hub(ctx: typer.Context,
        port: Annotated[Optional[int], typer.Option(
            help="Port of the hub's proxy (default: hub/settings.yaml, 8000; 0 = a free one).")] = None,
        ip: Annotated[Optional[str], typer.Option(
            help="Address to listen on (default: 127.0.0.1, loopback only).")] = None) -> None:
    """Start JupyterHub with its proxy on the home until Ctrl-C (as root: it creates accounts)."""
    if ctx.invoked_subcommand is not None:
        return
    from academy.hub.launch import run_hub

    h = open_from(ctx)
    run_hub(h, port=port, ip=ip, out=console)


@app.command("password")
def password(ctx: typer.Context, names: Annotated[list[str], typer.Argument(
        help="Hub user names (employee ids, trainer or admin names).")],
             value: Annotated[Optional[str], typer.Option(
                 help="Use this password instead of a random one.")] = None) -> None:
    """Issue a password to each person (hashed; printed once), ending any lock-out."""
    from academy.hub import accounts
    from academy.hub.passwords import PASSWORDS_FILE, PasswordStore
    from academy.hub.settings import hub_dir, load_hub_settings
    from core.errors import AcademyError

    h = open_from(ctx)
    people = accounts.wanted_people(h, load_hub_settings(h.root))
    unknown = [n for n in names if n.lower() not in people]
    if unknown:
        raise AcademyError(f"not an active roster member, trainer or admin: {', '.join(unknown)}")
    hub_dir(h.root).mkdir(mode=0o700, exist_ok=True)
    store = PasswordStore(hub_dir(h.root) / PASSWORDS_FILE)
    for n in names:
        console.print(f"{n.lower()}\t{store.issue(n.lower(), value)}", markup=False)


@app.command("sync")
def sync(ctx: typer.Context) -> None:
    """Create or unlock the accounts of everyone who may sign in; set the home's file modes."""
    from academy.hub.launch import prepare_home

    h = open_from(ctx)
    s, _ = prepare_home(h)
    from academy.hub import accounts

    console.print(f"{len(accounts.wanted_people(h, s))} people may sign in.")


@app.command("z2jh")
def z2jh(ctx: typer.Context, out: Annotated[Path, typer.Option(
        "--out", help="Where to write the Helm values (YAML).")] = Path("values.yaml")) -> None:
    """Write Zero to JupyterHub (Kubernetes) Helm values from the hub settings, with PostgreSQL."""
    from academy.hub.z2jh import write_values

    h = open_from(ctx)
    write_values(h, out)
    console.print(f"Wrote {out}", soft_wrap=True)
