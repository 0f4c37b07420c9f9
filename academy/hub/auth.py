"""JupyterHub's Authenticator for the academy: the roster says who may sign in, the password store
(academy.hub.passwords, argon2) says whether it is them.

* Active roster members sign in with their employee id; trainers and admins named in the hub
  settings with their hub name. Anyone else, and anyone the roster made inactive, is refused.
* Passwords are issued by an admin (`academy hub password`), or with `password_mode:
  first-sign-in` the first one a person types becomes theirs. Repeated failures lock the account
  for a while (`lockout_attempts`, `lockout_seconds`); while locked even the right password fails.
* `refresh_user` checks the roster again at most every `auth_refresh_seconds`: a person made
  inactive is signed out at their next request (the sync service also stops their server and
  deletes their hub user at once).
* Hub groups: `trainers`, `admins` (also hub admins), `managers` (roster members with staff under
  them), `trainees` (everyone else in the roster).
"""

from __future__ import annotations

import time
from pathlib import Path

from jupyterhub.auth import Authenticator
from traitlets import Unicode

from academy.hub import accounts
from academy.hub.passwords import LOCKED, OK, SET, PasswordStore, Policy
from academy.hub.settings import hub_dir, load_hub_settings


class AcademyAuthenticator(Authenticator):
    home_root = Unicode("", config=True, help="The academy home this hub serves.")

    _home = None
    _people: tuple[float, dict] | None = None

    @property
    def settings(self):
        return load_hub_settings(Path(self.home_root))

    @property
    def store(self) -> PasswordStore:
        from academy.hub.passwords import PASSWORDS_FILE

        return PasswordStore(hub_dir(Path(self.home_root)) / PASSWORDS_FILE)

    def people(self, max_age: float = 2.0) -> dict[str, accounts.Person]:
        now = time.monotonic()
        if self._people is None or now - self._people[0] > max_age:
            from core.home import open_home

            if self._home is None:
                self._home = open_home(self.home_root, upgrade=False)
            self._people = (now, accounts.wanted_people(self._home, self.settings))
        return self._people[1]

    def groups_of(self, person: accounts.Person) -> list[str]:
        if person.kind == accounts.TRAINER:
            return ["trainers"]
        if person.kind == accounts.ADMIN:
            return ["admins"]
        from academy.hub.identity import is_manager

        return ["managers"] if is_manager(self._home, person.employee_id) else ["trainees"]

    async def authenticate(self, handler, data):
        name = self.normalize_username((data or {}).get("username", ""))
        password = (data or {}).get("password", "")
        person = self.people(max_age=0).get(name)
        if person is None or not password:
            self.log.warning("sign-in refused for %r: not an active member of the roster", name)
            return None
        s = self.settings
        policy = Policy(lockout_attempts=s.lockout_attempts, lockout_seconds=s.lockout_seconds,
                        first_sign_in=s.password_mode == "first-sign-in",
                        min_length=s.min_password_length)
        result = self.store.check(name, password, policy)
        if result == LOCKED:
            self.log.warning("sign-in refused for %r: locked after repeated failures", name)
            return None
        if result not in (OK, SET):
            self.log.warning("sign-in refused for %r: %s", name, result)
            return None
        return {"name": name, "admin": person.kind == accounts.ADMIN,
                "groups": self.groups_of(person),
                "auth_state": None}

    def check_allowed(self, username, authentication=None):
        return username in self.people()

    def check_blocked_users(self, username, authentication=None):
        return username in self.people()

    async def refresh_user(self, user, handler=None, **kwargs):
        # False signs the person out: they are no longer an active member of the roster
        return user.name in self.people()
