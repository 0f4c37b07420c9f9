"""Recording a trainee's progress from a notebook kernel, without ever crashing the notebook.

The home is `$ACADEMY_HOME` (or the default home when it exists); the trainee is the serving
identity. When no home can be opened, recording is off and the reason is shown gently.

On a hub a trainee's server holds no database credentials: `$ACADEMY_PROGRESS_URL` names the
hub's progress service (academy.hub.progress), and each event goes there with the server's own
hub token (`$JUPYTERHUB_API_TOKEN`); the service stores it for the person the hub issued that
token to, whatever the event or the environment says.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Callable

from sqlalchemy.orm import Session

from core.home import HOME_ENV, default_home, open_home
from training.progress import check_event, current_trainee, record_event

PROGRESS_URL_ENV = "ACADEMY_PROGRESS_URL"
TOKEN_ENV = "JUPYTERHUB_API_TOKEN"
NAME_ENV = "ACADEMY_USER_NAME"  # set by academy.hub.spawner: shown, never trusted


class Recorder:
    def __init__(self, trainee: str | None = None, home=None, reason: str | None = None,
                 service: tuple[str, str] | None = None):
        self.trainee = trainee or current_trainee()
        self.home = home
        self.reason = reason  # why nothing is recorded, or None
        self.service = service  # (url, token) of the hub's progress service

    @classmethod
    def from_environment(cls) -> Recorder:

        trainee = current_trainee()
        url, token = os.environ.get(PROGRESS_URL_ENV), os.environ.get(TOKEN_ENV)
        if url and token:
            return cls(trainee, None, None, service=(url, token))
        root = os.environ.get(HOME_ENV)
        if not root and not (default_home() / "academy.yaml").exists():
            return cls(trainee, None, f"no academy home is set up (the server sets {HOME_ENV})")
        try:
            return cls(trainee, open_home(root or None))
        except Exception as exc:  # noqa: BLE001  (any failure only means: not recorded)
            return cls(trainee, None, f"the academy home cannot be opened ({exc})")

    @property
    def active(self) -> bool:
        return self.home is not None or self.service is not None

    def record(self, event: dict) -> str | None:
        """Store one event (training.progress.check_event); None if stored, else why not."""
        if self.service is not None:
            return self._send(event)
        return self.run(lambda db, who: record_event(db, who, event))

    def _send(self, event: dict) -> str | None:
        url, token = self.service
        try:
            check_event(event)
            req = urllib.request.Request(
                url.rstrip("/") + "/record", data=json.dumps(event).encode("utf-8"),
                method="POST", headers={"Authorization": f"token {token}",
                                        "Content-Type": "application/json"})
            with urllib.request.urlopen(req, timeout=30) as resp:
                resp.read()
            return None
        except urllib.error.HTTPError as exc:
            return f"the progress service refused the record ({exc.code}: " \
                   f"{exc.read().decode('utf-8', 'replace')[:200]})"
        except Exception as exc:  # noqa: BLE001  (a notebook must never crash on recording)
            return f"the progress service cannot be reached ({type(exc).__name__}: {exc})"

    def display_name(self) -> str:
        """The trainee's name as the roster has it (their id when the roster does not know
        them or cannot be read): a module's header names the person, not a number. On a hub
        (no database here) the name the hub's spawner read from the roster ($ACADEMY_USER_NAME)."""
        if self.home is None:
            return os.environ.get(NAME_ENV) or self.trainee
        try:
            from sqlalchemy import select

            from roster.models import Staff

            with Session(self.home.engine) as s:
                name = s.scalar(select(Staff.name).where(Staff.employee_id == self.trainee))
        except Exception:  # noqa: BLE001 - the header falls back to the id
            return self.trainee
        return str(name) if name else self.trainee

    def run(self, write: Callable[[Session, str], object]) -> str | None:
        """Run `write(session, trainee)` in one transaction; None if stored, else why not."""
        if self.home is None:
            return self.reason
        from sqlalchemy.exc import IntegrityError

        for attempt in (1, 2):
            try:
                with self.home.transaction() as session:
                    write(session, self.trainee)
                return None
            except IntegrityError as exc:
                # The same module opened in two tabs at once: the other one created the row
                # first. Once more, and the row is found and updated.
                if attempt == 2:
                    return f"the database refused the record ({type(exc).__name__}: {exc})"
            except Exception as exc:  # noqa: BLE001  (a notebook must never crash on recording)
                return f"the database refused the record ({type(exc).__name__}: {exc})"
        return None
