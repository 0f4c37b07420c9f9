"""Login tokens of the dashboards: each token names one identity (an employee id, `trainer:NAME`
or `admin:NAME`). Kept in the home, readable by its owner only; `academy serve` creates them.

The Voila server (dashboards.server) reads this file on every login (it is re-read when it changes,
so a token issued while the server runs works at once) and never accepts a request without a
known token or the signed cookie a token login leaves.
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
from pathlib import Path

from core.errors import AcademyError

TOKENS_FILE = "dashboard_tokens.json"


def tokens_path(home_root: Path) -> Path:
    return Path(home_root) / "serve" / TOKENS_FILE


def load_tokens(path: Path) -> dict[str, str]:
    """token -> identity; empty when the file does not exist yet."""
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {str(k): str(v) for k, v in data.get("tokens", {}).items()}


def _save(path: Path, tokens: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump({"tokens": tokens}, f, ensure_ascii=False, indent=1, sort_keys=True)
    os.replace(tmp, path)


def issue_token(path: Path, identity: str) -> str:
    """The token of `identity`, created if it has none yet."""
    identity = identity.strip()
    if not identity:
        raise AcademyError("an identity (employee id, trainer:NAME or admin:NAME) is required")
    tokens = load_tokens(path)
    for tok, who in tokens.items():
        if who == identity:
            return tok
    tok = secrets.token_urlsafe(24)
    tokens[tok] = identity
    _save(path, tokens)
    return tok


def revoke(path: Path, identity: str) -> int:
    """Remove every token of `identity`; how many were removed."""
    tokens = load_tokens(path)
    kept = {t: w for t, w in tokens.items() if w != identity}
    _save(path, kept)
    return len(tokens) - len(kept)


def identity_for(tokens: dict[str, str], presented: str | None) -> str | None:
    """The identity a presented token stands for (constant-time comparison), else None."""
    if not presented:
        return None
    found = None
    for tok, who in tokens.items():
        if hmac.compare_digest(tok.encode(), presented.encode()):
            found = who
    return found
