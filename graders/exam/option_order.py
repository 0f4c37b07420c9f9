"""The released order of a choice question's options and the ids of its correct options.

Seeded by the exam name and question id only (never the key), so building the same exam with
another key releases byte-identical files. Shared by the public form (`public.py`) and the
question types (`question_types.py`).
"""

from __future__ import annotations

import hashlib
import random


def seeded_rng(*parts: str) -> random.Random:
    seed = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return random.Random(int(seed[:16], 16))


def released_order(exam: str, qid: str, n: int) -> list[int]:
    """Bank indexes of the options in released order (position i gets option id f"o{i+1}")."""
    order = list(range(n))
    seeded_rng(exam, qid, "release-order").shuffle(order)
    return order


def key_ids(exam: str, question) -> set[str]:
    """The option ids (as released) of the correct options of a choice question (trainer side)."""
    order = released_order(exam, question.id, len(question.options))
    return {f"o{pos + 1}" for pos, bank_i in enumerate(order) if bank_i in question.key_options}
