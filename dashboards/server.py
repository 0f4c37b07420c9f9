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

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import tornado.web
from jupyter_server.auth.authorizer import Authorizer
from jupyter_server.auth.identity import IdentityProvider, User
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from traitlets import Unicode, default
from voila.app import Voila
from voila.request_info_handler import RequestInfoSocketHandler
from voila.tornado.handler import TornadoVoilaHandler

from dashboards.access import VIEWER_ENV, VIEWER_HEADER
from dashboards.identity import identity_for, load_tokens
from dashboards.kernel_query import QUERY_PATH, SECRET_ENV

#: kernel id -> the identity whose page it renders (recorded when a kernel is started for a
#: request, or when a preheated kernel is handed one); read by AcademyAuthorizer
KERNEL_OWNERS: dict[str, str] = {}
#: kernel id -> the one-time secret with which that kernel (and only it) fetches its request
KERNEL_SECRETS: dict[str, str] = {}


def _token_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:32]


@dataclass
class AcademyUser(User):
    """A signed-in identity and which token it signed in with (kept in the login cookie)."""

    token_id: str = ""


class AcademyIdentityProvider(IdentityProvider):
    """Tokens mapped to identities (dashboards.identity); no anonymous access, ever."""

    tokens_file = Unicode("", config=True, help="JSON file of login tokens (dashboards.identity)")

    _cache: tuple[float, dict[str, str]] | None = None

    @default("cookie_options")
    def _cookie_options_default(self):
        # the login cookie: never readable by scripts, never sent with another site's request
        return {"httponly": True, "samesite": "Strict"}

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
        return AcademyUser(username=who, name=who, display_name=who,
                           token_id=_token_id(presented)) if who else None

    def user_to_cookie(self, user: User) -> str:
        return json.dumps({"username": user.username, "token_id": getattr(user, "token_id", "")})

    def user_from_cookie(self, cookie_value: str) -> User | None:
        """The cookie's user only while the token it was made from is still in the tokens file:
        revoking a token ends its logins at once, not at the next restart."""
        data = json.loads(cookie_value)
        who, token_id = data.get("username"), data.get("token_id") or ""
        for tok, identity in self._tokens().items():
            if identity == who and hmac.compare_digest(_token_id(tok), token_id):
                return AcademyUser(username=who, name=who, display_name=who, token_id=token_id)
        return None

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
    signed-in user who learnt its id gets 403, and so does everyone for a kernel with no owner
    (a preheated kernel not handed out yet). Nobody may list the kernels."""

    def is_authorized(self, handler, user, action, resource) -> bool:
        if resource == "kernels":
            kernel_id = (getattr(handler, "path_kwargs", None) or {}).get("kernel_id")
            if not kernel_id:
                return False
            owner = KERNEL_OWNERS.get(kernel_id)
            return owner is not None and user is not None and owner == user.username
        return True


class AcademyKernelManager(AsyncMappingKernelManager):
    """Every dashboard kernel, preheated or started for a request, gets a one-time secret for
    fetching its request (dashboards.kernel_query); one started for a request is owned at once by
    the viewer it renders for."""

    async def start_kernel(self, *args, **kwargs):
        env = dict(kwargs.get("env") or os.environ)
        secret = secrets.token_urlsafe(32)
        env[SECRET_ENV] = secret
        kwargs["env"] = env
        kernel_id = await super().start_kernel(*args, **kwargs)
        KERNEL_SECRETS[kernel_id] = secret
        if env.get("VOILA_PREHEAT") != "True" and env.get(VIEWER_ENV):
            KERNEL_OWNERS[kernel_id] = env[VIEWER_ENV]
        return kernel_id

    async def shutdown_kernel(self, kernel_id, *args, **kwargs):
        try:
            return await super().shutdown_kernel(kernel_id, *args, **kwargs)
        finally:
            # the owner stays recorded: its owner then learns the kernel is gone (404), anyone
            # else still gets 403 (an id is a few bytes per page served)
            KERNEL_SECRETS.pop(kernel_id, None)


class AcademyRequestInfoSocketHandler(RequestInfoSocketHandler):
    """Voila's request-info socket, answered only to the kernel itself: the address carries the
    kernel's one-time secret. Anyone else (signed in or not) gets 403 and cannot take the place of
    the waiting kernel, so no preheated kernel is ever stranded by stray sockets."""

    async def get(self, *args, **kwargs):
        kernel_id, secret = self.path_kwargs.get("kernel_id"), self.path_kwargs.get("secret") or ""
        expected = KERNEL_SECRETS.get(kernel_id or "")
        if not expected or not hmac.compare_digest(expected.encode(), secret.encode()):
            self.set_status(403)
            await self.finish()
            return
        KERNEL_SECRETS.pop(kernel_id, None)  # one use: a secret seen in a log is worth nothing
        await super().get(*args, **kwargs)

    def open(self, kernel_id: str, secret: str | None = None) -> None:
        super().open(kernel_id)


class RefusedSocketHandler(tornado.web.RequestHandler):
    """Voila's own /voila/query/<kernel id>: not used by our kernels, refused to everyone."""

    def get(self, *args, **kwargs):
        raise tornado.web.HTTPError(403)


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
        from jupyter_server.utils import url_path_join
        from voila.app import _kernel_id_regex

        handlers = super().init_handlers()
        out = []
        for spec in handlers:
            if isinstance(spec, tuple) and len(spec) >= 2 and spec[1] is TornadoVoilaHandler:
                spec = (spec[0], AcademyVoilaHandler, *spec[2:])
            if isinstance(spec, tuple) and len(spec) >= 2 and spec[1] is RequestInfoSocketHandler:
                spec = (spec[0], RefusedSocketHandler, *spec[2:])
            out.append(spec)
        query = url_path_join(self.server_url,
                              rf"/{QUERY_PATH}/(?P<secret>[\w-]+)/{_kernel_id_regex}")
        return [(query, AcademyRequestInfoSocketHandler), *out]


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
