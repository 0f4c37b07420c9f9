"""The dashboards as a JupyterHub service: Voila behind the hub's login.

Run by the hub (`academy.hub.config`, service `dashboards`) as `python -m academy.hub.voila
--home H --port P`, as the dashboards' service account. The dashboards' own server
(dashboards.server.AcademyVoila, with its viewer header and kernel-owner authorizer) is used
unchanged; only who the viewer is comes from elsewhere:

* `HubViewerIdentityProvider` asks the hub who the browser's OAuth cookie belongs to
  (jupyterhub.services.auth.HubOAuth) and maps the hub user to the dashboards' identity
  (academy.hub.identity: employee id, `trainer:NAME` or `admin:NAME`). No cookie: the login
  page sends the browser through the hub's OAuth flow; no access scope: refused.
* The browser may not make a dashboard kernel run code: of the messages a browser sends over a
  kernel's websocket only the widget traffic passes (comm messages, kernel and comm info);
  an execute, inspect, complete or history request is dropped
  (`MappingKernelManager.allowed_message_types`).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from jupyter_server.auth.identity import IdentityProvider, User
from jupyterhub.services.auth import (
    HubOAuth,
    HubOAuthCallbackHandler,
    HubOAuthenticated,
    check_scopes,
)
from jupyterhub.utils import url_path_join
from tornado.httputil import url_concat
from tornado.web import RequestHandler

from academy.hub.identity import identity_of

#: what a browser may send to a dashboard kernel: widget traffic only
ALLOWED_MESSAGE_TYPES = ["comm_open", "comm_msg", "comm_close", "comm_info_request",
                         "kernel_info_request"]


class HubLoginHandler(HubOAuthenticated, RequestHandler):
    """Start the hub's OAuth flow, coming back to `next` (a path inside this service)."""

    def get(self):
        prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/")
        nxt = self.get_argument("next", prefix)
        if not nxt.startswith(prefix):
            nxt = prefix
        auth = self.hub_auth
        params = {}
        code_verifier = None
        if getattr(auth, "pkce_enabled", False):
            code_verifier, challenge, method = auth.generate_pkce_code_challenge()
            params.update(code_challenge=challenge, code_challenge_method=method)
        kwargs = {"next_url": nxt}
        if code_verifier is not None:
            kwargs["code_verifier"] = code_verifier
        params["state"] = auth.set_state_cookie(self, **kwargs)
        self.redirect(url_concat(auth.login_url, params))


class HubViewerIdentityProvider(IdentityProvider):
    """The viewer is the hub user whose OAuth cookie the browser holds, nothing else."""

    @property
    def hub_auth(self) -> HubOAuth:
        return HubOAuth.instance()

    async def get_user(self, handler) -> User | None:
        model = await self.hub_auth.get_user(handler, sync=False)
        if not model or model.get("kind", "user") != "user":
            return None
        scopes = self.hub_auth.access_scopes
        if scopes and not check_scopes(scopes, set(model.get("scopes", []))):
            return None
        who = identity_of(model["name"], model.get("groups") or [], bool(model.get("admin")))
        return User(username=who, name=model["name"], display_name=model["name"])

    def get_handlers(self):
        return []  # added with the service prefix by HubVoila.init_handlers

    @property
    def auth_enabled(self) -> bool:
        return True

    @property
    def login_available(self) -> bool:
        return True


def _hub_voila_class():
    from dashboards.server import AcademyVoila

    class HubVoila(AcademyVoila):
        name = "academy-hub-dashboards"

        def init_handlers(self):
            handlers = super().init_handlers()
            return [(url_path_join(self.base_url, "login"), HubLoginHandler),
                    (url_path_join(self.base_url, "oauth_callback"), HubOAuthCallbackHandler),
                    *handlers]

    return HubVoila


def voila_argv(home_root: Path, port: int, prefix: str) -> tuple[list[str], dict]:
    """The dashboards server's production options (academy.servers.Voila) for the hub."""
    from academy.servers import Voila

    spec = Voila(home_root, Path("/nonexistent"), port=port)
    keep = [a for a in spec.cmd[3:]
            if not a.startswith(("--Voila.identity_provider_class", "--AcademyIdentityProvider"))]
    allowed = "[" + ",".join(f"'{t}'" for t in ALLOWED_MESSAGE_TYPES) + "]"
    keep += [f"--Voila.base_url={prefix}",
             "--Voila.identity_provider_class=academy.hub.voila.HubViewerIdentityProvider",
             f"--MappingKernelManager.allowed_message_types={allowed}"]
    env = {k: v for k, v in spec.env.items() if k in ("ACADEMY_HOME", "JUPYTER_PATH",
                                                      "PYDEVD_DISABLE_FILE_VALIDATION")}
    return keep, env


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/services/dashboards/")
    voila_args, env = voila_argv(Path(args.home), args.port, prefix)
    os.environ.update(env)
    runtime = Path(args.home) / "dash-runtime"
    if runtime.is_dir():
        os.environ["JUPYTER_RUNTIME_DIR"] = str(runtime)
    # the package's class (not a __main__ copy) so that AcademyAuthorizer shares KERNEL_OWNERS
    import dashboards.server  # noqa: F401

    _hub_voila_class().launch_instance(argv=voila_args)


if __name__ == "__main__":
    main()
