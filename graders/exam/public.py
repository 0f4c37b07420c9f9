"""The public part of an exam (released to trainees) and per-trainee variants.

Nothing here depends on the answer key: option order and option ids come from a seeded shuffle of
the exam name and question id only, so building the same exam with another key releases
byte-identical files. Per-trainee variants (pool draws, option order) are seeded by the trainee id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from graders.exam.option_order import key_ids, released_order
from graders.exam.option_order import seeded_rng as _rng
from graders.exam.question_types import question_type

__all__ = ["key_ids", "released_order", "public_exam", "variant", "slots_of", "dump_public",
           "load_public", "SlotView", "PUBLIC_FILE", "ANSWERS_FILE"]

PUBLIC_FILE = "exam.json"
ANSWERS_FILE = "answers.json"


def slots_of(bank) -> list[dict]:
    """The exam's answer slots in order: a fixed question, or one draw from a pool."""
    slots, done = [], set()
    for q in bank.questions:
        if q.pool is None:
            slots.append({"slot": q.id, "points": q.points, "question": q.id})
        elif q.pool not in done:
            done.add(q.pool)
            for k in range(1, bank.pools[q.pool] + 1):
                slots.append({"slot": f"{q.pool}_{k}", "points": q.points, "pool": q.pool})
    return slots


def public_exam(bank) -> dict:
    """Everything a trainee may see: stems, options (released order), points. No key in any form."""
    questions = {}
    for q in bank.questions:
        item = {"type": q.type, "stem": q.stem, "points": q.points, "competency": q.competency}
        item.update(q.kind.public_fields(bank.name, q))
        if q.pool:
            item["pool"] = q.pool
        questions[q.id] = item
    pools = {p: sorted(q.id for q in bank.questions if q.pool == p) for p in bank.pools}
    return {"format": 1, "name": bank.name, "title": bank.title, "language": bank.language,
            "slots": slots_of(bank), "pools": pools, "questions": questions}


def dump_public(public: dict) -> str:
    return json.dumps(public, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def load_public(folder: Path | str = ".") -> dict:
    return json.loads((Path(folder) / PUBLIC_FILE).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class SlotView:
    slot: str
    number: int
    question: str
    option_ids: tuple[str, ...]


def variant(public: dict, trainee: str) -> dict[str, SlotView]:
    """The trainee's answer sheet: which question sits in each slot, and its option order."""
    exam = public["name"]
    draws: dict[str, list[str]] = {}
    for pool, members in sorted(public.get("pools", {}).items()):
        n = sum(1 for s in public["slots"] if s.get("pool") == pool)
        draws[pool] = _rng(exam, trainee, "pool", pool).sample(sorted(members), n)
    out = {}
    for number, s in enumerate(public["slots"], start=1):
        if "pool" in s:
            qid = draws[s["pool"]][int(s["slot"].rsplit("_", 1)[1]) - 1]
        else:
            qid = s["question"]
        opts = [o["id"] for o in public["questions"][qid].get("options", [])]
        if question_type(public["questions"][qid]["type"]).shuffles_options:
            _rng(exam, trainee, "options", qid).shuffle(opts)
        out[s["slot"]] = SlotView(s["slot"], number, qid, tuple(opts))
    return out
