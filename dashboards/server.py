"""The dashboards' Voila server: Voila 0.5 with the academy's identity provider and a notebook
handler that tells each dashboard kernel who is looking.

Run as `python -m dashboards.server [voila options]` (academy.servers.Voila builds the command).

* `AcademyIdentityProvider` (a jupyter_server IdentityProvider) accepts a request only with a token
  from the home's tokens file (`?token=`, `Authorization: token ...` or the login form) or with the
  signed cookie a token login leaves; the user's name is the token's identity. Anonymous requests
  are redirected to the login page (HTML) or refused with 403 (API, websockets).
* `AcademyVoilaHandler` renders the notebooks. Before rendering it removes any `X-Academy-Viewer`
  header the browser sent and sets it to the authenticated name; Voila copies that header (and only
  that one, `http_header_envs`) into the kernel's environment, directly for a fresh kernel and via
  `voila.utils.wait_for_request()` for a preheated one. A token in the address is dropped by a
  redirect once the login cookie is set, so it stays out of the browser history and kernel env.
"""

from __future__ import annotations

import os
from pathlib import Path

import tornado.web
from jupyter_server.auth.authorizer import Authorizer
from jupyter_server.auth.identity import IdentityProvider, User
from traitlets import Unicode
from voila.app import Voila
from voila.request_info_handler import RequestInfoSocketHandler
from voila.tornado.handler import TornadoVoilaHandler

from dashboards.access import VIEWER_ENV, VIEWER_HEADER
from dashboards.identity import identity_for, load_tokens

#: kernel id -> the identity whose page it renders (recorded when a preheated kernel is handed
#: the request); read by AcademyAuthorizer
KERNEL_OWNERS: dict[str, str] = {}


class AcademyIdentityProvider(IdentityProvider):
    """Tokens mapped to identities (dashboards.identity); no anonymous access, ever."""

    tokens_file = Unicode("", config=True, help="JSON file of login tokens (dashboards.identity)")

    _cache: tuple[float, dict[str, str]] | None = None

    def _tokens(self) -> dict[str, str]:
        path = Path(self.tokens_file)
        try:
            mtime = path.stat().st_mtime
        except OSError:
            return {}
        if self._cache is None or self._cache[0] != mtime:
            self._cache = (mtime, load_tokens(path))
        return self._cache[1]

    def _user(self, presented: str | None) -> User | None:
        who = identity_for(self._tokens(), presented)
        return User(username=who, name=who, display_name=who) if who else None

    async def get_user_token(self, handler: tornado.web.RequestHandler) -> User | None:
        return self._user(self.get_token(handler))

    def process_login_form(self, handler: tornado.web.RequestHandler) -> User | None:
        return self._user(handler.get_argument("password", default=""))

    @property
    def auth_enabled(self) -> bool:
        return True

    @property
    def login_available(self) -> bool:
        return True


class AcademyVoilaHandler(TornadoVoilaHandler):
    """Voila's notebook handler with the viewer's identity set by the server."""

    @tornado.web.authenticated
    async def get(self, path=None):
        if self.get_query_argument("token", None) is not None:
            # the login cookie is set: continue at the same address without the token
            args = {k: v for k, v in self.request.query_arguments.items() if k != "token"}
            from urllib.parse import urlencode

            query = urlencode({k: v[-1].decode() for k, v in args.items()})
            self.redirect(self.request.path + (f"?{query}" if query else ""))
            return
        headers = self.request.headers
        while VIEWER_HEADER in headers:
            del headers[VIEWER_HEADER]
        headers[VIEWER_HEADER] = self.current_user.username
        await super().get(path)


class AcademyAuthorizer(Authorizer):
    """Only the person a kernel renders for may reach it (websocket, kernel API): another
    signed-in user who learnt its id gets 403. Kernels started without the pool (no owner
    recorded) fall back to Voila's default, any signed-in user."""

    def is_authorized(self, handler, user, action, resource) -> bool:
        kernel_id = (getattr(handler, "path_kwargs", None) or {}).get("kernel_id")
        if resource == "kernels" and kernel_id:
            owner = KERNEL_OWNERS.get(kernel_id)
            return owner is None or (user is not None and owner == user.username)
        return True


_send_updates = RequestInfoSocketHandler.send_updates.__func__


def _send_updates_recording_owner(cls, msg):
    who = (msg.get("payload") or {}).get(VIEWER_ENV)
    if who:
        KERNEL_OWNERS[msg["kernel_id"]] = who
    return _send_updates(cls, msg)


class AcademyVoila(Voila):
    """Voila serving the dashboards folder with AcademyVoilaHandler for every notebook."""

    name = "academy-dashboards"

    def initialize(self, argv=None):
        # Voila hands a preheated kernel its request here: remember whose page the kernel is.
        RequestInfoSocketHandler.send_updates = classmethod(_send_updates_recording_owner)
        super().initialize(argv)

    def init_handlers(self):
        handlers = super().init_handlers()
        out = []
        for spec in handlers:
            if isinstance(spec, tuple) and len(spec) >= 2 and spec[1] is TornadoVoilaHandler:
                spec = (spec[0], AcademyVoilaHandler, *spec[2:])
            out.append(spec)
        return out


def template_root() -> Path:
    """The folder to add to JUPYTER_PATH so that Voila finds the `academy` template."""
    return Path(__file__).resolve().parent / "jupyter"


def main() -> None:
    # Launch the package's classes, not this file's copy under __main__: the authorizer (loaded
    # by name from dashboards.server) must share KERNEL_OWNERS with the app that fills it.
    from dashboards.server import AcademyVoila as App

    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    App.launch_instance()


if __name__ == "__main__":
    main()
