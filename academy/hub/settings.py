"""Typed settings of a hub deployment, stored as `hub/settings.yaml` in the academy home.

The same settings make the local hub (academy.hub.config) and the Zero to JupyterHub values
(academy.hub.z2jh), so both deployments agree on who may sign in, limits and culling.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from core.yamlio import load_model

HUB_DIR = "hub"
SETTINGS_FILE = "settings.yaml"


class HubSettings(BaseModel):
    """What a department configures for its hub; every field has a working default."""

    model_config = ConfigDict(extra="forbid")

    #: address the proxy listens on (loopback unless a department opens it on purpose)
    ip: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    #: SQLAlchemy URL of JupyterHub's own database; PostgreSQL recommended
    #: (postgresql+psycopg://user:pw@host/hub); empty: SQLite in the home's hub/ folder
    db_url: str | None = None
    #: prefix of every operating-system account the platform creates (trainees and services)
    account_prefix: str = Field("sa-", pattern=r"^[a-z][a-z0-9-]{0,11}$")
    #: hub user names of trainers (hub group `trainers`: formgrader, trainer dashboard)
    trainers: list[str] = Field(default_factory=list)
    #: hub user names of administrators (hub admins, group `admins`, whole-company dashboards)
    admins: list[str] = Field(default_factory=lambda: ["academy-admin"])
    #: passwords: "issued" (only admin-issued ones work) or "first-sign-in" (the first password
    #: a roster member types becomes theirs, if none was issued)
    password_mode: str = Field("issued", pattern=r"^(issued|first-sign-in)$")
    min_password_length: int = Field(8, ge=6)
    #: failed sign-ins in a row before an account is locked, and for how long
    lockout_attempts: int = Field(5, ge=1)
    lockout_seconds: int = Field(600, ge=1)
    #: a server with no activity for this long is stopped (jupyterhub-idle-culler)
    cull_idle_seconds: int = Field(3600, ge=60)
    cull_every_seconds: int = Field(300, ge=10)
    #: memory limit per single-user process (bytes, or with K/M/G); empty: none
    mem_limit: str | None = "2G"
    #: seconds between roster syncs (new accounts, people made inactive)
    sync_seconds: int = Field(10, ge=1)
    #: seconds after which a signed-in person's roster status is checked again
    auth_refresh_seconds: int = Field(10, ge=1)


def hub_dir(home_root: Path) -> Path:
    return Path(home_root) / HUB_DIR


def settings_path(home_root: Path) -> Path:
    return hub_dir(home_root) / SETTINGS_FILE


def load_hub_settings(home_root: Path) -> HubSettings:
    """The home's hub settings; defaults when the file does not exist yet."""
    path = settings_path(home_root)
    if not path.exists():
        return HubSettings()
    return load_model(path, HubSettings)


def save_hub_settings(home_root: Path, settings: HubSettings) -> Path:
    path = settings_path(home_root)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    data = settings.model_dump(exclude_none=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    path.chmod(0o600)
    return path


def parse_bytes(text: str | None) -> int | None:
    """'2G' -> 2147483648; None or '' -> None."""
    if not text:
        return None
    text = text.strip().upper().removesuffix("B")
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)
