"""Typed settings of an academy home, stored as `academy.yaml` in the home and validated on load."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from core import yamlio
from core.errors import AcademyError

SETTINGS_FILE = "academy.yaml"

Family = Literal["technical_support", "field_service", "management"]
Level = Literal["staff", "supervisor", "manager"]
Locale = Literal["en", "zh"]


class RoleDef(BaseModel):
    """A role staff can hold. `family` picks the evaluation scheme, `level` the place in the hierarchy."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    family: Family
    level: Level = "staff"
    name_en: str
    name_zh: str
    aliases: list[str] = Field(default_factory=list)


DEFAULT_ROLES: list[RoleDef] = [
    RoleDef(code="technical_support", family="technical_support", name_en="Technical support",
            name_zh="技术支持", aliases=["support technician", "技术支持工程师", "支持中心技术员"]),
    RoleDef(code="hotline_support", family="technical_support", name_en="Hotline expert",
            name_zh="热线专家", aliases=["hotline", "热线", "热线支持", "热线客服"]),
    RoleDef(code="parts_clerk", family="technical_support", name_en="Parts and warehouse clerk",
            name_zh="备件库管员", aliases=["parts", "warehouse clerk", "备件", "库管", "备件管理员"]),
    RoleDef(code="field_service", family="field_service", name_en="Field service engineer",
            name_zh="现场服务工程师", aliases=["field engineer", "service engineer", "现场服务",
                                        "服务工程师", "现场工程师"]),
    RoleDef(code="supervisor", family="management", level="supervisor", name_en="Supervisor",
            name_zh="主管", aliases=["team lead", "team leader", "班组长", "组长", "售后主管"]),
    RoleDef(code="manager", family="management", level="manager", name_en="Department manager",
            name_zh="经理", aliases=["department manager", "部门经理", "售后经理"]),
]


class Settings(BaseModel):
    """What a company configures. Defaults follow the domain brief; every one can be changed."""

    model_config = ConfigDict(extra="forbid")

    version: int = 1
    company: str = "Service Academy"
    locale: Locale = "en"
    #: SQLAlchemy URL of the platform database; empty means the SQLite file `academy.db` in the home.
    db_url: str | None = None
    #: nbgrader course id of the home's course directory.
    course_id: str = Field(default="service-academy", pattern=r"^[A-Za-z0-9_.-]+$")
    roles: list[RoleDef] = Field(default_factory=lambda: [r.model_copy() for r in DEFAULT_ROLES])

    @field_validator("roles")
    @classmethod
    def _unique_roles(cls, roles: list[RoleDef]) -> list[RoleDef]:
        codes = [r.code for r in roles]
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            raise ValueError(f"role codes must be unique; repeated: {', '.join(dupes)}")
        return roles


def load_settings(path: Path) -> Settings:
    """Read and validate a settings file; a bad file raises an AcademyError naming the field."""
    try:
        data = yamlio.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise AcademyError(f"{path}: not valid YAML: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise AcademyError(f"{path}: settings must be UTF-8 text ({exc.reason})") from exc
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        lines = [f"{path}: invalid settings:"]
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
            lines.append(f"  {loc}: {err['msg']}")
        raise AcademyError("\n".join(lines)) from exc


def save_settings(settings: Settings, path: Path) -> None:
    header = (
        "# Service Academy settings for this home. Edit with care: it is validated on every command.\n"
        "# db_url: empty for the SQLite file academy.db in this folder, or a URL such as\n"
        "#   postgresql+psycopg://user:password@host:5432/academy\n"
    )
    body = yaml.safe_dump(
        settings.model_dump(mode="json"), allow_unicode=True, sort_keys=False, width=100
    )
    path.write_text(header + body, encoding="utf-8")
