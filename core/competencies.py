"""The competency model of the domain brief: the four things every source of evidence measures."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Competency:
    code: str
    name_en: str
    name_zh: str


COMPETENCIES: tuple[Competency, ...] = (
    Competency("knowledge", "Professional knowledge and skills", "专业知识与技能"),
    Competency("communication", "Service attitude and communication", "服务态度与沟通能力"),
    Competency("problem_solving", "Problem solving and adaptability", "解决问题与应变能力"),
    Competency("teamwork", "Teamwork and cooperation", "团队协作与配合精神"),
)
CODES: tuple[str, ...] = tuple(c.code for c in COMPETENCIES)
BY_CODE = {c.code: c for c in COMPETENCIES}


def competency_name(code: str, locale: str = "en") -> str:
    c = BY_CODE[code]
    return c.name_zh if locale == "zh" else c.name_en


def check_competency(code: str) -> str:
    """The code itself if it is one of the four; a ValueError naming the valid codes otherwise."""
    if code not in BY_CODE:
        raise ValueError(f"unknown competency {code!r} (use one of: {', '.join(CODES)})")
    return code
