"""Trainee mode of JupyterLab: course modules and exams open as documents, not code.

`prepare(home, employee_id)` makes, for one trainee, everything a JupyterLab server needs to serve
them (used by `academy serve --trainee ID`; under JupyterHub, `write_hub_config_dir` writes the
same configuration once for every trainee's server, academy.hub.spawner):

- a **workspace** of their own (`<home>/trainees/<id>/`): a copy of every course module in both
  languages (`courses/<course>/<module>.ipynb` English, `<module>.zh.ipynb` Chinese, cells
  read-only and code hidden), where nbgrader's Assignments panel also fetches their exams. The
  master notebooks of the checkout are only read: opening a module never writes into them. A copy
  is renewed when its master changes (progress lives in the database, not in the copy).
- a **Jupyter config directory** (`<home>/serve/trainee-lab/<id>/`, given as `JUPYTER_CONFIG_DIR`):
  * `jupyter_server_config.json`: no formgrader or course-list server extensions, no terminals,
    no Notebook 7 pages, the file browser hides `.yaml`, `.json`, `.py` and the other files a
    trainee never opens (and the lab extension shows titles in its place), custom CSS on, plugins locked; the trainee-mode server parts
    (`academy.trainee_lab.server`): a contents manager that opens only folders, notebooks and
    feedback pages and creates, renames or deletes nothing, the sign-in with the trainee's own
    login code on a page in their language, exam titles for the Assignments list;
  * `custom/custom.css`: no code cells, prompts or cell chrome (JupyterLab's own `custom_css`);
  * `labconfig/page_config.json`: nbgrader's instructor plugins (Create Assignment, Formgrader,
    course list), the news pop-up, the debugger, the extension manager, the terminal and every
    other way to code (console, text editor, launcher, command palette, cell tools, settings
    editor, plugin manager) off and locked;
  * `nbgrader_config.py`: the trainee's student id, the home's exchange and a cache of their own,
    so the Assignments panel lists only their own submissions and feedback;
  * `lab-settings/overrides.json`: no news or update checks, read-only markdown not opened for
    editing, every cell rendered (widgets stay live when scrolled), the interface language, no
    main menu but the exams', no context menu, every keyboard shortcut off but moving between
    cells, no new-folder or upload buttons;
- the small lab extension in `labextensions/` (plain JavaScript, no build step), which runs a
  notebook's cells once its kernel is ready (widgets show on open, no Run All) and gives an exam a
  **Submit exam** button with a confirmation dialog and a visible submitted state, and written
  answers typed after one click and saved on leaving the box; it shows, instead of the raw file
  browser, the trainee's courses, modules and exams by title and names each tab by its title,
  shows nbgrader's Assignments list (which has no translations) in the page's language, with
  exam titles and local times, and neither shows nor runs a command that reaches code.

The language of a page is the person's, not the configuration's: the server's default is the
trainee's (`locale`; on the hub the home's), and an address with `?lang=zh|en` (a plan link of a
report in that language) switches the lab, its titles and JupyterLab's own strings, kept for the
next pages in a cookie of the trainee's browser (academy.trainee_lab.server). Nothing is written
into the configuration, which on the hub stays root's and read-only.

Why this set-up: everything but the run-on-open and the Submit button is JupyterLab's and
nbgrader's own configuration (page_config, overrides.json, custom_css, traitlets), so upgrades keep
working; no extension on PyPI runs cells on open for JupyterLab 4 (jupyterlab-autorun-cells is
for JupyterLab 3; jupyterlab-hide-code needs a click), and a one-file extension using only the
application's public API (document registry, commands) needs no Node toolchain on a fresh machine.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
LABEXTENSIONS = HERE / "labextensions"
EXTENSION_NAME = "@service-academy/trainee-mode"

#: lab plugins a trainee never needs (instructor tools, news, developer tools)
DISABLED_PLUGINS = {
    "@jupyter/nbgrader:create-assignment": True,
    "@jupyter/nbgrader:course-list": True,
    "@jupyter/nbgrader:formgrader": True,
    "@jupyter/nbgrader:validate-assignment": True,
    "@jupyterlab/apputils-extension:announcements": True,
    "@jupyterlab/debugger-extension": True,
    "@jupyterlab/extensionmanager-extension": True,
    "@jupyterlab/terminal-extension": True,
    "@jupyter-notebook/lab-extension": True,
    "@voila-dashboards/jupyterlab-preview": True,
    # every way to code: consoles, text editor, launcher (new notebook, console, terminal, file),
    # command palette, the cell and notebook metadata tools, inspector, completer, tooltips,
    # the settings editor and the plugin manager (which could turn the rest back on)
    "@jupyterlab/console-extension": True,
    "@jupyterlab/fileeditor-extension": True,
    "@jupyterlab/launcher-extension": True,
    "@jupyterlab/apputils-extension:palette": True,
    "@jupyterlab/apputils-extension:palette-restorer": True,
    "@jupyterlab/apputils-extension:kernel-status": True,
    "@jupyterlab/application-extension:property-inspector": True,
    "@jupyterlab/notebook-extension:tools": True,
    "@jupyterlab/notebook-extension:kernel-status": True,
    "@jupyterlab/metadataform-extension": True,
    "@jupyterlab/celltags-extension": True,
    "@jupyterlab/cell-toolbar-extension": True,
    "@jupyterlab/inspector-extension": True,
    "@jupyterlab/completer-extension": True,
    "@jupyterlab/tooltip-extension": True,
    "@jupyterlab/lsp-extension": True,
    "@jupyterlab/logconsole-extension": True,
    "@jupyterlab/csvviewer-extension": True,
    "@jupyterlab/documentsearch-extension": True,
    "@jupyterlab/settingeditor-extension": True,
    "@jupyterlab/pluginmanager-extension": True,
    "@jupyterlab/running-extension": True,
    "@jupyterlab/statusbar-extension": True,
    "@jupyterlab/docmanager-extension:download": True,
    "@jupyterlab/filebrowser-extension:download": True,
    "@jupyterlab/filebrowser-extension:open-with": True,
    "@jupyterlab/filebrowser-extension:open-browser-tab": True,
    "@jupyterlab/filebrowser-extension:open-url": True,
    "@jupyterlab/filebrowser-extension:share-file": True,
    "@jupyterlab/help-extension": True,
}

#: main menus a trainee keeps none of (the exams' menu, nbgrader's, stays)
DISABLED_MENUS = ["jp-mainmenu-file", "jp-mainmenu-edit", "jp-mainmenu-view", "jp-mainmenu-run",
                  "jp-mainmenu-kernel", "jp-mainmenu-tabs", "jp-mainmenu-settings",
                  "jp-mainmenu-help"]

#: keyboard shortcuts a trainee keeps: moving between cells, leaving a cell
KEPT_SHORTCUTS = {"notebook:enter-command-mode", "notebook:move-cursor-up",
                  "notebook:move-cursor-down"}

#: server extensions off for trainees (formgrader serves every trainee's work)
SERVER_EXTENSIONS = {
    "nbgrader.server_extensions.formgrader": False,
    "nbgrader.server_extensions.course_list": False,
    "nbgrader.server_extensions.validate_assignment": False,
    "nbgrader.server_extensions.assignment_list": True,
    "voila.server_extension": False,
    # Notebook 7's pages (/notebooks, /edit, /terminals, /consoles) bypass the lab's settings;
    # the language server reads files as code
    "notebook": False,
    "jupyter_lsp": False,
    "jupyter_server_terminals": False,
    "academy.trainee_lab.server": True,  # exam titles; nbconvert refused
}

#: what the file browser never lists: course data, exam data, configuration, Python files
HIDE_GLOBS = ["__pycache__", "*.pyc", "*.pyo", ".DS_Store", "*~", "*.yaml", "*.yml", "*.json",
              "*.py", "*.csv", "*.db", "*.log"]

NBGRADER_CONFIG = '''\
# nbgrader configuration of one trainee's JupyterLab (written by Service Academy's trainee mode)
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = {course_id!r}
c.CourseDirectory.student_id = {student!r}
c.Exchange.root = {exchange!r}
c.Exchange.path_includes_course = True
c.Exchange.timezone = "UTC"
c.Exchange.assignment_dir = {workspace!r}
c.Exchange.cache = {cache!r}
'''


@dataclass
class TraineeLab:
    """What a JupyterLab server needs to serve one trainee in trainee mode."""

    employee_id: str
    locale: str
    workspace: Path
    config_dir: Path
    env: dict[str, str] = field(default_factory=dict)

    def module_path(self, course: str, module: str, lang: str | None = None) -> str:
        """The path of a module inside the workspace, as JupyterLab's /lab/tree/ takes it, in
        `lang` (default: the trainee's language)."""
        return f"courses/{course}/{module_file(module, lang or self.locale)}"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _document_copy(master: Path) -> str:
    """The trainee's copy of a module: every cell read-only and undeletable, code hidden."""
    nb = json.loads(master.read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        meta = cell.setdefault("metadata", {})
        meta["editable"] = False
        meta["deletable"] = False
        if cell.get("cell_type") == "code":
            meta.setdefault("jupyter", {})["source_hidden"] = True
            cell["outputs"], cell["execution_count"] = [], None
    return json.dumps(nb, ensure_ascii=False, indent=1) + "\n"


def module_file(module_id: str, lang: str) -> str:
    """The file name of a module's copy in a workspace: `<module>.ipynb` in English,
    `<module>.zh.ipynb` in Chinese (what a plan link of a report in that language opens)."""
    return f"{module_id}.zh.ipynb" if lang == "zh" else f"{module_id}.ipynb"


def copy_courses(workspace: Path, locale: str | None = None,
                 courses_root: Path | None = None) -> list[Path]:
    """Copy every module notebook into `workspace/courses/`, in both languages (`module_file`;
    the English one where a module has no Chinese twin), so one lab reads in either language;
    a copy is renewed only when its master changed. Returns the copies. (`locale` is kept for
    callers of the one-language layout and no longer changes what is copied.)"""
    from training.catalog import load_courses

    index_file = workspace / "courses" / ".masters.json"
    try:
        index = json.loads(index_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        index = {}
    copies = []
    for course in load_courses(courses_root):
        for module in course.modules:
            for lang in ("en", "zh"):
                master = module.notebook(lang)
                if not master.exists():
                    master = module.notebook("en")
                data = master.read_bytes()
                target = workspace / "courses" / course.id / module_file(module.id, lang)
                key = f"{course.id}/{module_file(module.id, lang)}"
                if not target.exists() or index.get(key) != _sha(data):
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_text(_document_copy(master), encoding="utf-8")
                    index[key] = _sha(data)
                copies.append(target)
    index_file.parent.mkdir(parents=True, exist_ok=True)
    index_file.write_text(json.dumps(index, indent=1, sort_keys=True), encoding="utf-8")
    return copies


def _schema_files() -> list[Path]:
    """The settings schemas of JupyterLab and of every installed lab extension."""
    import sys

    from jupyter_core.paths import jupyter_path

    roots = [Path(sys.prefix) / "share" / "jupyter" / "lab" / "schemas"]
    roots += [Path(p) for p in jupyter_path("labextensions")]
    return [f for r in roots if r.is_dir() for f in sorted(r.rglob("*.json"))
            if "schemas" in f.parts]


def disabled_shortcuts() -> list[dict]:
    """Every keyboard shortcut the installed lab declares, turned off (but KEPT_SHORTCUTS): in
    the shortcuts settings an entry with the same command, keys and selector and
    `"disabled": true` removes a default one."""
    out, seen = [], set()
    for f in _schema_files():
        try:
            schema = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for sc in schema.get("jupyter.lab.shortcuts", []) if isinstance(schema, dict) else []:
            key = (sc.get("command"), tuple(sc.get("keys", ())), sc.get("selector"))
            if not key[0] or key[0] in KEPT_SHORTCUTS or key in seen:
                continue
            seen.add(key)
            out.append({"command": key[0], "keys": list(key[1]), "selector": key[2],
                        "disabled": True})
    return out


def lab_overrides(locale: str) -> dict:
    """JupyterLab settings defaults for trainees (overrides.json): no news, no menus but the
    exams', no context menu, no keyboard shortcuts that reach code, no new-file buttons."""
    return {
        "@jupyterlab/mainmenu-extension:plugin": {
            "menus": [{"id": m, "disabled": True} for m in DISABLED_MENUS]},
        "@jupyterlab/application-extension:context-menu": {"disabled": True},
        "@jupyterlab/shortcuts-extension:shortcuts": {"shortcuts": disabled_shortcuts()},
        "@jupyterlab/filebrowser-extension:widget": {"toolbar": [
            {"name": "new-directory", "disabled": True}, {"name": "uploader", "disabled": True},
            {"name": "toggle-file-filter", "disabled": True}]},
        "@jupyterlab/apputils-extension:notification": {"fetchNews": "false",
                                                        "checkForUpdates": False},
        "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none",
                                                  "showEditorForReadOnlyMarkdown": False},
        # the page's language pack, whichever it is (server.TranslationsHandler answers with
        # it): a named locale "en" would make JupyterLab ignore a Chinese pack
        "@jupyterlab/translation-extension:plugin": {"locale": "default"},
    }


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _server_config(locale: str, config_dir: Path) -> dict:
    """jupyter_server_config.json of trainee mode, without the sign-in (see write_config_dir)."""
    return {
        "ServerApp": {"jpserver_extensions": SERVER_EXTENSIONS, "terminals_enabled": False,
                      # read by the trainee-mode extension (nbgrader's strings in Chinese)
                      "tornado_settings": {"page_config_data": {"academyLocale": locale},
                                           # the default language of a page (server.py)
                                           "academy_locale": locale},
                      "contents_manager_class": f"{__name__}.server.TraineeContentsManager",
                      "extra_template_paths": [str(HERE / "templates")],
                      "jinja_template_vars": {"academy_locale": locale}},
        "ContentsManager": {"hide_globs": HIDE_GLOBS, "allow_hidden": False},
        "LabApp": {"custom_css": True, "app_settings_dir": str(config_dir / "lab-settings"),
                   "extra_labextensions_path": [str(LABEXTENSIONS)],
                   "lock_all_plugins": True},
    }


def _write_lab_files(config_dir: Path, locale: str) -> None:
    """custom.css, page_config.json (plugins off and locked) and the settings defaults."""
    _write(config_dir / "custom" / "custom.css", (HERE / "custom.css").read_text(encoding="utf-8"))
    _write(config_dir / "labconfig" / "page_config.json",
           json.dumps({"disabledExtensions": DISABLED_PLUGINS,
                       "lockedExtensions": DISABLED_PLUGINS}, indent=1))
    _write(config_dir / "lab-settings" / "overrides.json",
           json.dumps(lab_overrides(locale), indent=1, ensure_ascii=False))


def write_config_dir(home, config_dir: Path, employee_id: str, workspace: Path,
                     locale: str) -> None:
    """Write the trainee's Jupyter config directory (see the module docstring)."""
    from dashboards.identity import tokens_path

    server = _server_config(locale, config_dir)
    server["ServerApp"]["identity_provider_class"] = f"{__name__}.server.TraineeIdentityProvider"
    server["TraineeIdentityProvider"] = {"trainee": employee_id,
                                         "tokens_file": str(tokens_path(home.root))}
    _write(config_dir / "jupyter_server_config.json", json.dumps(server, indent=1))
    _write_lab_files(config_dir, locale)
    _write(config_dir / "nbgrader_config.py", NBGRADER_CONFIG.format(
        course_id=home.settings.course_id, student=employee_id, exchange=str(home.exchange_dir),
        workspace=str(workspace), cache=str(config_dir / "nbgrader_cache")))


def write_hub_config_dir(config_dir: Path, locale: str, outbound: Path) -> Path:
    """Trainee mode for every trainee's server on JupyterHub (academy.hub.spawner gives it as
    `JUPYTER_CONFIG_DIR`, with JupyterHub's `disable_user_config`, so nothing in the person's
    home adds or changes configuration): the same server parts, plugins, settings defaults and
    CSS as `write_config_dir`, but the sign-in is the hub's and nbgrader's settings (the person's
    id, the exchange) are the hub's own (academy.hub.config). The server runs as the person's
    account with no access to the home, so exam titles are read from the released exams in
    `outbound` (world-readable). `lab-user-settings/` stays empty and is the person's settings
    folder: they cannot write it, so no setting turns a menu, shortcut or plugin back on.
    Written by root, readable by all, writable by none of the people."""
    server = _server_config(locale, config_dir)
    server["ServerApp"]["tornado_settings"]["academy_outbound"] = str(outbound)
    _write(config_dir / "jupyter_server_config.json", json.dumps(server, indent=1))
    _write_lab_files(config_dir, locale)
    (config_dir / "lab-user-settings").mkdir(parents=True, exist_ok=True)
    # jupyter_core "migrates" an IPython folder into the config folder once a person has one
    # (their first kernel makes it): the marker says done, so no server start writes here
    _write(config_dir / "migrated", "")
    for path in [config_dir, *config_dir.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return config_dir


def safe_id(employee_id: str) -> str:
    """An employee id as a folder name (ids are digits and letters; anything else is refused)."""
    from core.errors import AcademyError

    eid = employee_id.strip()
    if not eid or not all(ch.isalnum() or ch in "-_." for ch in eid) or eid.startswith("."):
        raise AcademyError(f"{employee_id!r} is not an employee id")
    return eid


def prepare(home, employee_id: str, locale: str | None = None,
            workspace: Path | None = None, config_dir: Path | None = None,
            courses_root: Path | None = None) -> TraineeLab:
    """Set up trainee mode for one person; returns the workspace and the environment (config dir
    included) for a JupyterLab server rooted at the workspace."""
    eid = safe_id(employee_id)
    locale = locale or home.settings.locale
    workspace = Path(workspace or home.root / "trainees" / eid)
    config_dir = Path(config_dir or home.root / "serve" / "trainee-lab" / eid)
    workspace.mkdir(parents=True, exist_ok=True)
    copy_courses(workspace, locale, courses_root)
    write_config_dir(home, config_dir, eid, workspace, locale)
    env = {
        "ACADEMY_HOME": str(home.root),
        "ACADEMY_USER": eid,
        "ACADEMY_TRAINEE": eid,
        "JUPYTER_CONFIG_DIR": str(config_dir),
        "JUPYTERLAB_SETTINGS_DIR": str(config_dir / "lab-user-settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(config_dir / "lab-workspaces"),
    }
    if courses_root is not None:
        env["ACADEMY_COURSES"] = str(courses_root)
    return TraineeLab(eid, locale, workspace, config_dir, env)
