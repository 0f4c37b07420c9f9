"""Hashed passwords of hub users (argon2id, argon2-cffi) with lock-out after repeated failures.

One JSON file in the home's hub/ folder (mode 0600, root only): for each hub user name the hash,
the failed sign-ins in a row and when a lock-out ends. Nothing stores or logs a password itself.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

PASSWORDS_FILE = "passwords.json"
_HASHER = PasswordHasher()
_LOCK = threading.Lock()

OK, BAD, LOCKED, NO_PASSWORD, SET = "ok", "bad", "locked", "no-password", "set"


@dataclass(frozen=True)
class Policy:
    lockout_attempts: int = 5
    lockout_seconds: int = 600
    first_sign_in: bool = False
    min_length: int = 8


class PasswordStore:
    def __init__(self, path: Path):
        self.path = Path(path)

    def _load(self) -> dict:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}

    def _save(self, data: dict) -> None:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1, sort_keys=True)
        os.replace(tmp, self.path)

    def issue(self, name: str, password: str | None = None) -> str:
        """Set (or reset) a person's password; returns it (a fresh random one unless given).
        Clears any lock-out."""
        password = password or secrets.token_urlsafe(12)
        with _LOCK:
            data = self._load()
            data[name] = {"hash": _HASHER.hash(password), "failures": 0, "locked_until": 0}
            self._save(data)
        return password

    def has_password(self, name: str) -> bool:
        return bool(self._load().get(name, {}).get("hash"))

    def remove(self, name: str) -> None:
        with _LOCK:
            data = self._load()
            if data.pop(name, None) is not None:
                self._save(data)

    def locked(self, name: str, now: float | None = None) -> bool:
        rec = self._load().get(name) or {}
        return rec.get("locked_until", 0) > (now or time.time())

    def check(self, name: str, password: str, policy: Policy, now: float | None = None) -> str:
        """OK, BAD, LOCKED, NO_PASSWORD (none issued) or SET (first sign-in set it)."""
        now = now or time.time()
        with _LOCK:
            data = self._load()
            rec = data.get(name)
            if rec and rec.get("locked_until", 0) > now:
                return LOCKED
            if not rec or not rec.get("hash"):
                if policy.first_sign_in and len(password) >= policy.min_length:
                    data[name] = {"hash": _HASHER.hash(password), "failures": 0, "locked_until": 0}
                    self._save(data)
                    return SET
                return NO_PASSWORD
            try:
                _HASHER.verify(rec["hash"], password)
                good = True
            except (VerificationError, InvalidHashError):
                good = False
            if good:
                if rec.get("failures") or _HASHER.check_needs_rehash(rec["hash"]):
                    rec.update(failures=0, locked_until=0)
                    if _HASHER.check_needs_rehash(rec["hash"]):
                        rec["hash"] = _HASHER.hash(password)
                    self._save(data)
                return OK
            rec["failures"] = rec.get("failures", 0) + 1
            if rec["failures"] >= policy.lockout_attempts:
                rec["locked_until"] = now + policy.lockout_seconds
                rec["failures"] = 0
                self._save(data)
                return LOCKED
            self._save(data)
            return BAD
