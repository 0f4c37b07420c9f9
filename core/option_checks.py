"""Checks a reader would make of a list of answer options, shared by the exam bank checker
(`academy exam build`) and the course checker (`academy course check`), and the seeded option
order that spreads the right answers over the letters for each trainee.

- `fragments(options)`: options that look like pieces of one answer. The usual cause is a YAML
  flow list, which splits at every comma: `[Switch off, refill, reset, and replace the thermostat,
  ...]` is four options, not one.
- `spread_orders(items, seed)`: a display order per question such that the right answers land on
  different letters (each goes to the least used letter it has, ties broken at random) and the
  other options are shuffled; the same seed (the trainee and the module) always gives the same
  order.
- `letter_counts` / `uneven`: how the right answers of a set of questions fall on the letters.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections import Counter

#: words that begin the continuation of a sentence, not an answer of its own
CONNECTORS_EN = ("and ", "or ", "then ", "but ", "nor ", "so ", "etc")
CONNECTORS_ZH = ("并且", "而且", "然后", "以及", "并", "再", "和", "或者", "等")

FLOW_LIST_HINT = ("a YAML list in [brackets] splits at every comma: put the option in quotes "
                  "(\"Switch off, refill and reset\") or write the options one per line")


def _starts_lower(text: str) -> bool:
    first = text[:1]
    return first.isascii() and first.isalpha() and first.islower()


def fragments(options: list[str]) -> str | None:
    """Why `options` look like fragments of one answer, or None when they read as options."""
    opts = [str(o).strip() for o in options if str(o).strip()]
    if len(opts) < 3:
        return None
    for o in opts[1:]:
        low = o.lower()
        if any(low.startswith(c) for c in CONNECTORS_EN) and _starts_lower(o):
            return (f"option {o!r} starts with {o.split()[0]!r} and continues the option before "
                    f"it; {FLOW_LIST_HINT}")
        if any(o.startswith(c) for c in CONNECTORS_ZH) and len(o) <= 12:
            return (f"option {o!r} starts with a joining word and continues the option before "
                    f"it; {FLOW_LIST_HINT}")
    if opts[0][:1].isupper():
        lower = [o for o in opts[1:] if _starts_lower(o)]
        if len(lower) >= 2:
            shown = ", ".join(repr(o) for o in lower[:3])
            return (f"options {shown} start in lower case after {opts[0]!r}: they look like parts "
                    f"of one answer; {FLOW_LIST_HINT}")
    return None


def _rng(*parts: str) -> random.Random:
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def spread_orders(items: list[tuple[int, int]], seed: str) -> list[list[int]]:
    """For questions given as (number of options, index of the right option), the display order
    of each question's options (a list of option indexes): each right option goes to the least
    used letter the question has (seeded tie-break), the others are shuffled around it."""
    rng = _rng("option-order", seed)
    widest = max((n for n, _ in items), default=1)
    used = [0] * widest
    orders = []
    for n, key in items:
        # the least used letter this question has; ties broken in a seeded random order
        letters = list(range(n))
        rng.shuffle(letters)
        target = min(letters, key=lambda letter: used[letter])
        used[target] += 1
        others = [j for j in range(n) if j != key]
        rng.shuffle(others)
        orders.append(others[:target] + [key] + others[target:])
    return orders


def letter_counts(positions: list[int]) -> Counter:
    """How many right answers sit on each letter (A, B, ...)."""
    return Counter(chr(ord("A") + p) for p in positions)


def uneven(positions: list[int], n_options: int) -> str | None:
    """Why the right answers are not spread over the letters (3 or more questions; a letter may
    hold at most half of them, rounded up, and never all), or None."""
    n = len(positions)
    if n < 3 or n_options < 2:
        return None
    counts = letter_counts(positions)
    letter, most = counts.most_common(1)[0]
    if most == n or most > math.ceil(n / 2):
        spread = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
        return (f"{most} of {n} right answers are option {letter} ({spread}): a reader learns "
                f"the letter, not the answer")
    return None
