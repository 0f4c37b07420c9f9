"""Trainees' course progress from their own servers to the platform database: a hub service.

A trainee's single-user server holds no database credentials (academy.hub.spawner), so its
notebooks cannot write `module_progress` or `reaction_ratings` themselves. They send each event
(training.progress.check_event: module opened, practice done, self-check score, rating) to this
service with the server's own hub token (training.recorder); the service asks the hub whose
token it is and stores the event for that person (academy.hub.identity), never for an id the
request names: an event naming anyone is refused. It runs as the dashboards' account, the one
account that may write the platform database, as `python -m academy.hub.progress --home H
--port P`; the hub grants every signed-in group `access:services!service=academy-progress` and
lets servers' tokens carry it (academy.hub.config).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from jupyterhub.services.auth import HubAuth, check_scopes
from tornado import ioloop, web

from academy.hub.identity import identity_of
from training.progress import check_event, record_event

SERVICE = "academy-progress"
MAX_BODY = 16 * 1024


def known_module(course: str, module: str) -> list[str] | None:
    """The practice ids of a course module, None if there is no such module."""
    from training.catalog import load_course

    try:
        return list(load_course(course).module(module).content().practice)
    except Exception:  # noqa: BLE001 - any failure: not a module of this platform
        return None


class RecordHandler(web.RequestHandler):
    """POST /record: one event, token in the Authorization header (no cookies: no CSRF)."""

    def initialize(self, hub_auth: HubAuth, home) -> None:
        self.hub_auth, self.home = hub_auth, home

    def check_xsrf_cookie(self) -> None:  # token-only endpoint, cookies are never read
        return

    def _fail(self, status: int, why: str) -> None:
        self.set_status(status)
        self.finish({"error": why})

    async def post(self) -> None:
        token = self.hub_auth.get_token(self, in_cookie=False)
        model = await self.hub_auth.user_for_token(token, sync=False) if token else None
        if not model or model.get("kind", "user") != "user":
            return self._fail(403, "a signed-in person's server token is required")
        scopes = self.hub_auth.access_scopes
        if scopes and not check_scopes(scopes, set(model.get("scopes", []))):
            return self._fail(403, "no access to the progress service")
        if len(self.request.body) > MAX_BODY:
            return self._fail(413, "event too large")
        try:
            event = check_event(json.loads(self.request.body or b"null"))
        except (ValueError, UnicodeDecodeError) as exc:
            return self._fail(400, str(exc))
        practice = known_module(event["course"], event["module"])
        if practice is None:
            return self._fail(400, f"no module {event['module']!r} in course {event['course']!r}")
        if event["kind"] == "practice":
            if event["practice_id"] not in practice:
                return self._fail(400, f"no practice {event['practice_id']!r} in this module")
            event["all_practice"] = practice  # the catalog's, not the sender's
        who = identity_of(model["name"], model.get("groups") or [], bool(model.get("admin")))
        try:
            with self.home.transaction() as session:
                record_event(session, who, event)
        except ValueError as exc:
            return self._fail(400, str(exc))
        self.finish({"recorded_for": who})


def make_app(home, prefix: str) -> web.Application:
    auth = HubAuth(api_token=os.environ["JUPYTERHUB_API_TOKEN"], cache_max_age=60)
    return web.Application([(prefix.rstrip("/") + "/record", RecordHandler,
                             {"hub_auth": auth, "home": home})])


def main(argv: list[str] | None = None) -> None:
    from core.home import open_home

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    home = open_home(Path(args.home), upgrade=False)
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", f"/services/{SERVICE}/")
    make_app(home, prefix).listen(args.port, address="127.0.0.1")
    print(f"{SERVICE}: listening on 127.0.0.1:{args.port}{prefix}", flush=True)
    ioloop.IOLoop.current().start()


if __name__ == "__main__":
    main()
