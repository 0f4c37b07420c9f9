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
* the page's language, per request (`page_language`): the `lang` of the address (`?lang=zh`, as
  a plan link of a Chinese report carries it), kept for the next pages in a cookie, else the
  server's default (the home's language). The lab page's configuration (`academyLocale`, read by
  the trainee-mode lab extension) and JupyterLab's own translations
  (`/lab/api/translations/...`, answered with the page language's pack whatever locale the
  settings name) follow it, so one person's lab is Chinese or English as they read, with no
  configuration written by them.
* `GET /academy/documents`: what the trainee opens, by title in the page's language: each course
  with its modules, and the exams they fetched; the trainee-mode lab extension shows it instead
  of the raw file browser, and names each document's tab by it.
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

#: the languages of a trainee's lab, and the cookie that keeps the one an address asked for
LANGS = ("en", "zh")
LANG_COOKIE = "academy-lang"


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


def _exam_titles(settings) -> dict[str, str]:
    """Exam id -> title: from the home's banks (`academy serve`), or on the hub (no home) from
    the released exams' public exam.json."""
    root = os.environ.get("ACADEMY_HOME")
    outbound = settings.get("academy_outbound")
    if outbound and not root:
        return released_titles(outbound)
    if root:
        from core.home import open_home
        from dashboards.exams import exam_titles

        with open_home(root) as home:
            return exam_titles(home)
    return {}


class ExamTitlesHandler(APIHandler):
    """GET: {"exams": {exam id: title}} of the home's exams (titles only, nothing else)."""

    @web.authenticated
    def get(self):
        self.finish(json.dumps({"exams": _exam_titles(self.settings)}, ensure_ascii=False))


def page_language(handler) -> str:
    """The language of this request's page: `?lang=` of the address, else the cookie an earlier
    address set, else the server's default (`academy_locale`); only 'en' or 'zh'."""
    asked = handler.get_query_argument("lang", "")
    if asked in LANGS:
        return asked
    kept = handler.get_cookie(LANG_COOKIE, "")
    if kept in LANGS:
        return kept
    default = handler.settings.get("academy_locale", "en")
    return default if default in LANGS else "en"


def _keep_language(handler) -> str:
    """The page's language; an address's `?lang=` is kept in a cookie for the next pages."""
    lang = page_language(handler)
    if handler.get_query_argument("lang", "") in LANGS:
        handler.set_cookie(LANG_COOKIE, lang, path=handler.base_url, expires_days=365,
                           samesite="Lax")
    return lang


def language_hook(previous=None):
    """A `page_config_hook` (jupyterlab_server) putting the request's language into the lab
    page's configuration, after the one already set (JupyterHub's single-user server has one)."""

    def hook(handler, page_config):
        if previous is not None:
            page_config = previous(handler, page_config)
        out = dict(page_config)  # the server's own dict is shared by every request
        out["academyLocale"] = _keep_language(handler)
        return out

    return hook


class TranslationsHandler(APIHandler):
    """JupyterLab's interface strings in the page's language: the language pack of the page's
    language, whichever locale the lab asks for (its settings hold the server's default)."""

    @web.authenticated
    def get(self, _locale=None):
        from jupyterlab_server.translation_utils import get_language_pack

        data, message = {}, ""
        lang = page_language(self)
        if lang == "zh":  # JupyterLab's Chinese pack (English is its own)
            data, message = get_language_pack("zh_CN")
        self.finish(json.dumps({"data": data, "message": message}, ensure_ascii=False))


def documents(root, lang: str, exam_titles: dict[str, str], courses_root=None) -> dict:
    """What a trainee opens, by title in `lang`: {"courses": [{"title", "modules": [{"title",
    "path"}]}], "exams": [{"title", "path"}], "labels": {path: title}, "twins": {path: path}}.
    Only documents present in the workspace `root` are listed; `labels` names every document of
    either language, `twins` leads from a module's copy in the other language to the one in
    `lang` (a tab restored from a visit in the other language is replaced by it)."""
    from pathlib import Path

    from academy.trainee_lab import module_file
    from training.catalog import load_courses

    root = Path(root)
    courses, labels, twins = [], {}, {}
    for course in load_courses(courses_root):
        modules = []
        for module in course.modules:
            path = f"courses/{course.id}/{module_file(module.id, lang)}"
            for other in LANGS:
                copy = f"courses/{course.id}/{module_file(module.id, other)}"
                if (root / copy).is_file():
                    labels[copy] = module.title(lang)
                    if copy != path and (root / path).is_file():
                        twins[copy] = path
            if (root / path).is_file():
                modules.append({"title": module.title(lang), "path": path})
        if modules:
            courses.append({"title": course.title(lang), "modules": modules})
    exams = []
    for nb in sorted(root.glob("*/*/*.ipynb")):
        exam = nb.parent.name
        if nb.stem != exam or exam not in exam_titles or nb.parent.parent.name.startswith("."):
            continue
        path = nb.relative_to(root).as_posix()
        exams.append({"title": exam_titles[exam], "path": path})
        labels[path] = exam_titles[exam]
    return {"lang": lang, "courses": courses, "exams": exams, "labels": labels, "twins": twins}


class DocumentsHandler(APIHandler):
    """GET: the trainee's courses, modules and fetched exams by title (see `documents`)."""

    @web.authenticated
    def get(self):
        root = self.settings.get("server_root_dir") or self.contents_manager.root_dir
        out = documents(os.path.expanduser(root), page_language(self),
                        _exam_titles(self.settings))
        self.finish(json.dumps(out, ensure_ascii=False))


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

    settings = serverapp.web_app.settings
    base = settings["base_url"]
    serverapp.web_app.add_handlers(".*$", [
        (url_path_join(base, "academy/exams"), ExamTitlesHandler),
        (url_path_join(base, "academy/documents"), DocumentsHandler),
        # added before the server's own handlers and JupyterLab's, so they win
        (url_path_join(base, "nbconvert") + "/.*", RefusedHandler),
        (url_path_join(base, "lab/api/translations") + "(?:/(.*))?", TranslationsHandler),
    ])

    # JupyterHub's single-user server sets its page_config_hook once every extension is
    # initialised: ours goes on top of it when the server runs
    def install():
        settings["page_config_hook"] = language_hook(settings.get("page_config_hook"))

    from tornado.ioloop import IOLoop

    IOLoop.current().add_callback(install)
