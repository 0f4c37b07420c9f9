"""The server side of trainee mode (academy.trainee_lab): what a trainee's Jupyter server refuses,
who may sign in, and the exam titles the Assignments list shows.

Configured by `academy.trainee_lab.write_config_dir` through Jupyter's own traitlets:

* `TraineeContentsManager` (`ServerApp.contents_manager_class`): a trainee opens folders,
  notebooks, their feedback pages and pictures, and saves only notebooks that already exist.
  Anything else (a `.py` or text file, a hidden file, a new notebook, file or folder, an upload,
  a rename, a copy, a delete) is refused with 403, whatever the browser sends.
* `TraineeIdentityProvider` (`ServerApp.identity_provider_class`): the sign-in page, in the
  trainee's language, takes the trainee's own login code (the one of their report, kept in the
  home's dashboard tokens file): no server token is ever shown on a page or needed by the
  trainee. The server's own token (for the operator and the tests) still works.
* the server extension's handlers: `/nbconvert/...` refused (a notebook exported as a script
  would show its code); `GET /academy/exams`: exam id -> title, read from the home's
  exam banks on each request, so an exam released while the server runs is named too; on the
  hub (no access to the home) from the released exams' public `exam.json` instead.
"""

from __future__ import annotations

import fnmatch
import json
import os
from pathlib import PurePosixPath

from jupyter_server.auth.identity import IdentityProvider, User
from jupyter_server.base.handlers import APIHandler
from jupyter_server.files.handlers import FilesHandler
from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager
from tornado import web
from traitlets import Unicode, default

#: files a trainee may open: notebooks, their feedback (HTML) and the pictures pages show
OPENABLE = {".ipynb", ".html", ".png", ".jpg", ".jpeg", ".gif", ".svg"}


def _refuse(what: str) -> web.HTTPError:
    return web.HTTPError(403, f"not available in trainee mode: {what}")


class TraineeContentsManager(AsyncLargeFileManager):
    """Folders, notebooks and feedback pages only; no new, renamed, copied or deleted files."""

    # /files/ through this manager's `get` (the default serves any file of the root directly)
    @default("files_handler_class")
    def _files_handler_class_default(self):
        return FilesHandler

    @default("files_handler_params")
    def _files_handler_params_default(self):
        return {"path": self.root_dir}

    def _openable(self, path: str) -> bool:
        p = PurePosixPath(path.strip("/"))
        if any(part.startswith(".") for part in p.parts):
            return False
        if any(fnmatch.fnmatch(p.name, g) for g in self.hide_globs):
            return False
        return p.suffix.lower() in OPENABLE

    async def get(self, path, content=True, type=None, format=None, **kwargs):
        if type != "directory" and not await self.dir_exists(path) and not self._openable(path):
            raise _refuse(path)
        return await super().get(path, content=content, type=type, format=format, **kwargs)

    async def save(self, model, path=""):
        p = path.strip("/")
        if (model.get("type") != "notebook" or not p.endswith(".ipynb")
                or not self._openable(p) or not await self.file_exists(p)):
            raise _refuse(p)
        return await super().save(model, path)

    async def new_untitled(self, path="", type="", ext=""):
        raise _refuse("new file")

    async def new(self, model=None, path=""):
        raise _refuse("new file")

    async def copy(self, from_path, to_path=None):
        raise _refuse("copy")

    async def rename(self, old_path, new_path):
        raise _refuse("rename")

    async def delete(self, path):
        raise _refuse("delete")


class TraineeIdentityProvider(IdentityProvider):
    """Sign-in with the trainee's own login code (their dashboard token), nobody else's."""

    trainee = Unicode("", config=True, help="The employee id this server serves.")
    tokens_file = Unicode("", config=True, help="The home's dashboard tokens file.")

    def process_login_form(self, handler):
        user = super().process_login_form(handler)  # the server's own token
        if user is not None:
            return user
        from pathlib import Path

        from dashboards.identity import identity_for, load_tokens

        typed = handler.get_argument("password", default="").strip()
        if not self.trainee or not self.tokens_file:
            return None
        who = identity_for(load_tokens(Path(self.tokens_file)), typed)
        if who != self.trainee:
            return None
        return User(username=who, name=who, display_name=who)


class ExamTitlesHandler(APIHandler):
    """GET: {"exams": {exam id: title}} of the home's exams (titles only, nothing else)."""

    @web.authenticated
    def get(self):
        from core.home import open_home
        from dashboards.exams import exam_titles

        titles = {}
        root = os.environ.get("ACADEMY_HOME")
        outbound = self.settings.get("academy_outbound")
        if outbound and not root:
            titles = released_titles(outbound)
        elif root:
            with open_home(root) as home:
                titles = exam_titles(home)
        self.finish(json.dumps({"exams": titles}, ensure_ascii=False))


def released_titles(outbound: str) -> dict[str, str]:
    """Exam id -> title of each exam released in the exchange's `outbound` folder (its public
    exam.json: no answers); an exam whose file cannot be read keeps its id."""
    from pathlib import Path

    out = {}
    for folder in sorted(Path(outbound).iterdir()) if Path(outbound).is_dir() else []:
        if not folder.is_dir() or folder.name.startswith("."):
            continue
        try:
            title = json.loads((folder / "exam.json").read_text(encoding="utf-8"))["title"]
        except (OSError, ValueError, KeyError, TypeError):
            title = None
        out[folder.name] = title if isinstance(title, str) and title else folder.name
    return out


class RefusedHandler(APIHandler):
    """What trainee mode closes although the server has it: notebooks exported as scripts."""

    def prepare(self):
        raise _refuse(self.request.path)


def _jupyter_server_extension_points():
    return [{"module": "academy.trainee_lab.server"}]


def _load_jupyter_server_extension(serverapp):
    from jupyter_server.utils import url_path_join

    base = serverapp.web_app.settings["base_url"]
    serverapp.web_app.add_handlers(".*$", [
        (url_path_join(base, "academy/exams"), ExamTitlesHandler),
        # added before the server's own handlers, so they win
        (url_path_join(base, "nbconvert") + "/.*", RefusedHandler),
    ])
