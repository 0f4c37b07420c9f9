"""A wheel installed without -e: built from the sources, installed into a scratch environment, and
run from a folder outside the checkout (`academy init`, `academy demo --no-serve --staff 30`).
The demo has the 30 staff the architecture issue asks for (the smallest allowed is 20).

The scratch environment reuses the dependencies already installed in the project's environment (a
`.pth` file naming its site-packages, and its commands such as `alembic` and `jupyter` given the
scratch interpreter, as a full install would put them in bin/), so nothing is downloaded but the
build backend (pip's build isolation, from the configured index). Only the platform's own packages
come from the wheel: the checkout is on no path of the scratch interpreter.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
_FIND = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
    "tool"]["setuptools"]["packages"]["find"]["include"]
#: the platform's own top-level packages (pyproject.toml's packages.find)
PACKAGES = sorted(d.name for d in ROOT.iterdir() if (d / "__init__.py").is_file()
                  and any(fnmatch.fnmatch(d.name, pattern) for pattern in _FIND))
#: what the wheel is built from: the packages, and the definitions they ship
SOURCES = [*PACKAGES, "assessments", "courses"]
JUNK = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")
#: a path of the checkout other than its environment (.venv holds the reused dependencies)
CHECKOUT_PATH = re.compile(re.escape(str(ROOT)).encode() + rb"/(?!\.venv/)")
TIMEOUT = 1800  # a busy two-core machine: generous


def _run(cmd, **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                          timeout=TIMEOUT, **kw)
    assert proc.returncode == 0, f"{cmd} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return proc


def _give_commands(project_bin: Path, scratch_bin: Path) -> None:
    """The dependencies' commands (alembic, jupyter, nbgrader ...) in the scratch bin/, run by the
    scratch interpreter, as installing the dependencies there would have made them."""
    for f in project_bin.iterdir():
        if (scratch_bin / f.name).exists() or f.is_symlink() or not f.is_file():
            continue
        try:
            first, _, rest = f.read_text(encoding="utf-8").partition("\n")
        except UnicodeDecodeError:
            continue
        if first.startswith("#!") and first[2:].startswith(str(project_bin)):
            (scratch_bin / f.name).write_text(f"#!{scratch_bin / 'python'}\n{rest}", encoding="utf-8")
            (scratch_bin / f.name).chmod(0o755)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The wheel, the scratch environment it is installed in, and a working folder outside the
    checkout."""
    base = tmp_path_factory.mktemp("wheel")
    src = base / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    for name in SOURCES:
        # symlinks kept: academy_content's links to assessments/ and courses/, as in a checkout
        shutil.copytree(ROOT / name, src / name, symlinks=True, ignore=JUNK)
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", base / "dist", src])
    wheel = next((base / "dist").glob("service_academy-*.whl"))
    venv = base / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--quiet", wheel])
    # the dependencies, after the install (so pip never sees the project's editable install)
    purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    scratch_site = Path(_run([python, "-c", purelib]).stdout.strip())
    project_site = _run([sys.executable, "-c", purelib]).stdout.strip()
    (scratch_site / "project-dependencies.pth").write_text(project_site + "\n", encoding="utf-8")
    _give_commands(Path(sys.executable).parent, venv / "bin")
    work = base / "work"
    work.mkdir()
    project_bin = str(Path(sys.executable).parent)
    path = [str(venv / "bin"), *(p for p in os.environ["PATH"].split(os.pathsep) if p != project_bin)]
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("ACADEMY_") and k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    env.update({"PATH": os.pathsep.join(path), "COLUMNS": "200", "NO_COLOR": "1",
                "ACADEMY_USER": "tester"})
    return {"wheel": wheel, "venv": venv, "python": python, "work": work, "env": env}


@pytest.fixture(scope="module")
def runs(installed):
    """`academy init` and `academy demo --no-serve --staff 30` of the installed wheel, each on its
    own home in the working folder."""
    work, env = installed["work"], installed["env"]
    academy = installed["venv"] / "bin" / "academy"
    init = _run([academy, "--home", work / "home", "init"], cwd=work, env=env)
    demo = _run([academy, "--home", work / "demo", "demo", "--no-serve", "--staff", "30"],
                cwd=work, env=env)
    return init, demo


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts}


def test_does_the_wheel_hold_the_definitions_and_the_files_beside_the_code(installed):
    """Does the wheel hold every course and assessment definition, the dashboards' notebooks and
    Voila template, the migrations and the lab's and hub's templates?"""
    names = set(zipfile.ZipFile(installed["wheel"]).namelist())
    for folder in ("assessments", "courses"):
        shipped = {f"academy_content/{folder}/{f}" for f in _files(ROOT / folder)}
        assert shipped and shipped <= names, sorted(shipped - names)[:5]
    for package in PACKAGES:
        beside = {f"{package}/{f}" for f in _files(ROOT / package) if not f.endswith(".py")}
        assert beside <= names, sorted(beside - names)[:5]
    assert {"academy_content/__init__.py", "dashboards/manager.ipynb",
            "dashboards/jupyter/voila/templates/academy/index.html.j2"} <= names
    assert any(n.endswith("/migrations/script.py.mako") for n in names)


def test_are_the_platform_and_its_definitions_imported_from_the_scratch_environment(installed):
    """Are the platform's modules, its shipped definitions and its courses found inside the scratch
    environment, none of them in the checkout?"""
    probe = ("import json, importlib\n"
             f"mods = {PACKAGES!r}\n"
             "out = {m: importlib.import_module(m).__file__ for m in mods}\n"
             "import academy_content, core.home, graders.engine.schemes, training.catalog\n"
             "out['assessments'] = str(academy_content.ASSESSMENTS)\n"
             "out['courses'] = str(training.catalog.courses_dir())\n"
             "out['schemes'] = str(graders.engine.schemes.default_schemes_dir())\n"
             "out['copied'] = str(core.home.DEFAULT_ASSESSMENTS)\n"
             "print(json.dumps(out))\n")
    found = json.loads(_run([installed["python"], "-c", probe], cwd=installed["work"],
                            env=installed["env"]).stdout)
    venv = installed["venv"].resolve()
    for what, where in found.items():
        assert Path(where).resolve().is_relative_to(venv), f"{what} from {where}"
    assert (Path(found["courses"]) / "communication" / "course.yaml").is_file()
    assert any(Path(found["schemes"]).glob("*.yaml"))


def test_do_init_and_the_demo_run_from_the_wheel_and_grade_everyone(installed, runs):
    """Do `academy init` and `academy demo --no-serve --staff 30` succeed from the installed wheel,
    does the new home get the shipped assessment definitions, and does the demo end with final
    grades for every one of its staff, exported?"""
    init, demo = runs
    home, demo_home = installed["work"] / "home", installed["work"] / "demo"
    assert "Academy home ready" in init.stdout
    copied = _files(home / "assessments")
    assert {"careers.yaml", "practical.yaml"} <= copied
    assert any(f.startswith("schemes/") for f in copied) and any(f.startswith("banks/") for f in copied)
    graded = re.search(r"grades (\S+): (\d+) graded, (\d+) incomplete", demo.stdout)
    assert graded, demo.stdout
    cycle, n, incomplete = graded.group(1), int(graded.group(2)), int(graded.group(3))
    assert n + incomplete == 30 and n > 0, graded.group(0)
    assert (demo_home / "exports" / f"grades_{cycle}.xlsx").stat().st_size > 0


def test_does_nothing_the_wheel_made_name_a_path_of_the_checkout(installed, runs):
    """Does no output, and no file of either home (database, settings, nbgrader course, exports),
    name a path of the checkout?"""
    init, demo = runs
    for text in (init.stdout, init.stderr, demo.stdout, demo.stderr):
        assert not CHECKOUT_PATH.search(text.encode()), text
    for home in (installed["work"] / "home", installed["work"] / "demo"):
        named = [p for p in home.rglob("*") if p.is_file() and CHECKOUT_PATH.search(p.read_bytes())]
        assert not named, named[:5]


def test_does_a_grading_kernel_of_the_wheel_import_the_platform_but_see_no_shipped_bank(installed):
    """In the installed wheel, does a command in the grading sandbox import the platform (its
    shipped-definitions package included) while the shipped question banks, with their keys, are
    out of its sight?"""
    inner = ("import json, os, core.home, graders.exam.widgets\n"
             "from academy_content import ASSESSMENTS\n"
             "print(json.dumps({'where': str(ASSESSMENTS), 'seen': sorted(os.listdir(ASSESSMENTS))}))\n")
    probe = ("import json, subprocess, sys\n"
             "from graders.exam.sandbox import Limits, Sandbox\n"
             "box = Sandbox(Limits(), [])\n"
             "try:\n"
             "    argv = box.argv()\n"
             "    cmd = argv[:argv.index('--') + 1] + [sys.executable, '-c', sys.argv[1]]\n"
             "    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)\n"
             "finally:\n"
             "    box.cleanup()\n"
             "print(json.dumps({'rc': proc.returncode, 'out': proc.stdout, 'err': proc.stderr}))\n")
    ran = json.loads(_run([installed["python"], "-c", probe, inner], cwd=installed["work"],
                          env=installed["env"]).stdout)
    assert ran["rc"] == 0, ran["err"]
    seen = json.loads(ran["out"])
    assert Path(seen["where"]).is_relative_to(installed["venv"].resolve())
    assert (Path(seen["where"]) / "banks").is_dir()  # outside the sandbox the banks are there
    assert seen["seen"] == [], seen
