"""The hub's parts that need no running hub: passwords and lock-out, identities, settings,
the exchange's ownership check with real OS accounts, the generated configuration and values."""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import pytest
import yaml

from academy.hub.passwords import BAD, LOCKED, NO_PASSWORD, OK, SET, PasswordStore, Policy


def test_is_a_password_stored_only_as_an_argon2_hash(tmp_path):
    """Is an issued password kept as an argon2 hash in a file only its owner can read?"""
    store = PasswordStore(tmp_path / "passwords.json")
    pw = store.issue("000102")
    text = (tmp_path / "passwords.json").read_text()
    assert pw not in text and "$argon2id$" in text
    assert (tmp_path / "passwords.json").stat().st_mode & 0o777 == 0o600
    assert store.check("000102", pw, Policy()) == OK


def test_is_an_account_locked_after_repeated_failures_even_for_the_right_password(tmp_path):
    """Are five wrong passwords in a row followed by a lock-out that refuses the right one?"""
    store = PasswordStore(tmp_path / "p.json")
    pw = store.issue("000102")
    policy = Policy(lockout_attempts=5, lockout_seconds=600)
    results = [store.check("000102", "wrong", policy, now=1000.0) for _ in range(5)]
    assert results == [BAD, BAD, BAD, BAD, LOCKED]
    assert store.check("000102", pw, policy, now=1001.0) == LOCKED
    assert store.check("000102", pw, policy, now=1000.0 + 601) == OK


def test_does_a_right_password_reset_the_count_of_failures(tmp_path):
    """Do failures interrupted by a good sign-in never add up to a lock-out?"""
    store = PasswordStore(tmp_path / "p.json")
    pw = store.issue("a")
    policy = Policy(lockout_attempts=3)
    for _ in range(4):
        assert store.check("a", "x", policy) == BAD
        assert store.check("a", "x", policy) == BAD
        assert store.check("a", pw, policy) == OK


def test_is_a_first_sign_in_refused_unless_the_policy_allows_it(tmp_path):
    """Without an issued password, is sign-in refused, and with first sign-in does the first
    (long enough) password become the person's own?"""
    store = PasswordStore(tmp_path / "p.json")
    assert store.check("b", "long-enough", Policy()) == NO_PASSWORD
    first = Policy(first_sign_in=True, min_length=8)
    assert store.check("b", "short", first) == NO_PASSWORD
    assert store.check("b", "long-enough", first) == SET
    assert store.check("b", "other-password", first) == BAD
    assert store.check("b", "long-enough", first) == OK


def test_is_the_serving_identity_taken_from_hub_groups():
    """Does a hub user become trainer:/admin: by group and otherwise stay their employee id?"""
    from academy.hub.identity import identity_of

    assert identity_of("000102", ["trainees"]) == "000102"
    assert identity_of("000100", ["managers"]) == "000100"
    assert identity_of("li", ["trainers"]) == "trainer:li"
    assert identity_of("boss", [], is_admin=True) == "admin:boss"


def test_are_bad_hub_settings_refused_with_file_line_and_field(tmp_path):
    """Is a bad account prefix reported with the file, the line and the field?"""
    from academy.hub.settings import load_hub_settings
    from core.errors import ProblemsError

    (tmp_path / "hub").mkdir()
    (tmp_path / "hub" / "settings.yaml").write_text("port: 8000\naccount_prefix: 'Bad Prefix!'\n")
    with pytest.raises(ProblemsError) as exc:
        load_hub_settings(tmp_path)
    text = str(exc.value)
    assert "settings.yaml" in text and "account_prefix" in text and "2" in text


def test_does_the_z2jh_values_file_use_postgresql_and_the_same_limits(sqlite_home, tmp_path):
    """Are the Zero to JupyterHub values made from the hub settings, with PostgreSQL?"""
    from academy.hub.settings import HubSettings, save_hub_settings
    from academy.hub.z2jh import write_values

    save_hub_settings(sqlite_home.root, HubSettings(cull_idle_seconds=1800, mem_limit="3G",
                                                    trainers=["li"]))
    out = write_values(sqlite_home, tmp_path / "values.yaml")
    v = yaml.safe_load(out.read_text())
    assert v["hub"]["db"]["type"] == "postgres"
    assert v["hub"]["db"]["url"].startswith("postgresql")
    assert v["hub"]["db"]["password"] == "CHANGE-ME"  # the chart's Secret, not the URL
    assert v["cull"] == {"enabled": True, "timeout": 1800, "every": 300}
    assert v["singleuser"]["memory"]["limit"] == "3G"
    assert v["hub"]["config"]["JupyterHub"]["authenticator_class"] == \
        "academy.hub.auth.AcademyAuthenticator"
    assert "access:services!service=formgrader" in \
        v["hub"]["loadRoles"]["formgrader-access"]["scopes"]


def test_does_the_hub_configuration_keep_everything_on_loopback(sqlite_home):
    """Does configure() put hub, proxy API and services on 127.0.0.1, with the academy's
    authenticator, spawner, culler and formgrader's frame-ancestors fix?"""
    from traitlets.config import Config

    from academy.hub.config import FORMGRADER_CONFIG, configure

    c = Config()
    configure(c, str(sqlite_home.root), hub_port=1, api_port=2, formgrader_port=3,
              dashboards_port=4)
    assert c.JupyterHub.ip == "127.0.0.1" and c.JupyterHub.hub_ip == "127.0.0.1"
    assert c.ConfigurableHTTPProxy.api_url == "http://127.0.0.1:2"
    assert c.JupyterHub.authenticator_class == "academy.hub.auth.AcademyAuthenticator"
    assert c.JupyterHub.spawner_class == "academy.hub.spawner.AcademySpawner"
    names = {s["name"]: s for s in c.JupyterHub.services}
    assert set(names) == {"idle-culler", "academy-sync", "formgrader", "dashboards"}
    assert names["formgrader"]["url"] == "http://127.0.0.1:3"
    assert "--timeout=3600" in names["idle-culler"]["command"]
    assert "frame-ancestors 'self'" in FORMGRADER_CONFIG
    assert c.Spawner.mem_limit == "2G"


# --- real OS accounts ----------------------------------------------------------------------------

def root_only(test):
    """Creates OS accounts: needs root, and never runs beside the hub tests under xdist."""
    test = pytest.mark.skipif(os.geteuid() != 0, reason="creates OS accounts: needs root")(test)
    return pytest.mark.xdist_group("os-accounts")(test)


@pytest.fixture
def two_accounts():
    from academy.hub.accounts import ensure_person_account, remove_accounts

    prefix = f"t{uuid.uuid4().hex[:6]}-"
    a, b = ensure_person_account(prefix + "a"), ensure_person_account(prefix + "b")
    yield a, b
    remove_accounts(prefix)


@root_only
def test_is_a_submission_made_by_another_account_set_aside(tmp_path, two_accounts):
    """Is a submission naming trainee A but made by B's account moved out of inbound, while
    A's own stays?"""
    from graders.exam.ownership import quarantine_forged

    a, b = two_accounts
    course = tmp_path / "course"
    course.mkdir()
    (course / "hub_accounts.json").write_text(f'{{"000102": "{a.pw_name}", "000103": '
                                              f'"{b.pw_name}"}}')
    inbound = tmp_path / "ex" / "inbound"
    inbound.mkdir(parents=True)
    own = inbound / "000102+exam1+2026-01-01 00:00:00.000000 UTC+abc"
    forged = inbound / "000102+exam1+2026-01-01 00:00:01.000000 UTC+def"
    stranger = inbound / "999999+exam1+2026-01-01 00:00:01.000000 UTC+ghi"
    for p, pw in ((own, a), (forged, b), (stranger, b)):
        p.mkdir()
        os.chown(p, pw.pw_uid, pw.pw_gid)
    msgs = quarantine_forged(course, tmp_path / "ex", "exam1")
    assert own.exists() and not forged.exists() and not stranger.exists()
    assert (course / "quarantine" / forged.name).exists()
    assert len(msgs) == 2 and any(b.pw_name in m for m in msgs)


@root_only
def test_is_a_persons_home_private_to_their_account(two_accounts):
    """Can account B neither list nor read account A's home?"""
    a, b = two_accounts
    Path(a.pw_dir, "notes.txt").write_text("private")
    os.chown(Path(a.pw_dir, "notes.txt"), a.pw_uid, a.pw_gid)
    proc = subprocess.run(["runuser", "-u", b.pw_name, "--", "cat",
                           str(Path(a.pw_dir, "notes.txt"))], capture_output=True, text=True)
    assert proc.returncode != 0 and "Permission denied" in proc.stderr


#: The part of Zero to JupyterHub's values.schema.yaml (jupyterhub/zero-to-jupyterhub-k8s,
#: jupyterhub/values.schema.yaml, chart for JupyterHub 5.x) that the generated values touch,
#: with the chart's own allowed keys and types at each level (additionalProperties: false there).
_CHART = {
    "type": "object", "additionalProperties": False,
    "properties": {
        "hub": {"type": "object", "additionalProperties": False, "properties": {
            k: {} for k in ("activeServerLimit", "allowNamedServers", "annotations", "args",
                            "baseUrl", "command", "concurrentSpawnLimit", "cookieSecret",
                            "existingSecret", "extraEnv", "extraFiles", "extraVolumeMounts",
                            "extraVolumes", "image", "networkPolicy", "nodeSelector",
                            "redirectToServer", "resources", "service", "shutdownOnLogout",
                            "templatePaths", "templateVars")} | {
            "config": {"type": "object"},
            "loadRoles": {"type": "object", "additionalProperties": {"type": "object"}},
            "extraConfig": {"type": "object", "additionalProperties": {"type": "string"}},
            "services": {"type": "object", "additionalProperties": {
                "type": "object", "properties": {"url": {"type": "string"},
                                                 "admin": {"type": "boolean"},
                                                 "oauth_no_confirm": {"type": "boolean"}}}},
            "db": {"type": "object", "additionalProperties": False, "properties": {
                "type": {"enum": ["sqlite-pvc", "sqlite-memory", "mysql", "postgres", "other"]},
                "pvc": {"type": "object"}, "upgrade": {"type": ["boolean", "null"]},
                "url": {"type": ["string", "null"]}, "password": {"type": ["string", "null"]}}}}},
        "proxy": {"type": "object", "properties": {"service": {
            "type": "object", "properties": {"type": {"type": "string"}}}}},
        "singleuser": {"type": "object", "additionalProperties": False, "properties": {
            k: {} for k in ("cmd", "cpu", "extraEnv", "extraFiles", "extraLabels", "fsGid",
                            "networkPolicy", "nodeSelector", "profileList", "startTimeout",
                            "uid", "lifecycleHooks", "initContainers")} | {
            "defaultUrl": {"type": ["string", "null"]},
            "image": {"type": "object", "properties": {"name": {"type": "string"},
                                                       "tag": {"type": "string"}}},
            "memory": {"type": "object", "additionalProperties": False, "properties": {
                "limit": {"type": ["number", "string", "null"]},
                "guarantee": {"type": ["number", "string", "null"]}}},
            "storage": {"type": "object", "additionalProperties": False, "properties": {
                k: {} for k in ("capacity", "dynamic", "extraLabels", "homeMountPath",
                                "static", "type")} | {
                "extraVolumes": {"type": ["object", "array"]},
                "extraVolumeMounts": {"type": ["object", "array"]}}}}},
        "cull": {"type": "object", "additionalProperties": False, "required": ["enabled"],
                 "properties": {"enabled": {"type": "boolean"},
                                "timeout": {"type": ["integer", "null"]},
                                "every": {"type": ["integer", "null"]},
                                "users": {"type": ["boolean", "null"]},
                                "maxAge": {"type": ["integer", "null"]}}},
    }}


def test_are_the_z2jh_values_valid_for_the_charts_schema(sqlite_home, tmp_path):
    """Do the generated values use only keys and types the Zero to JupyterHub chart's schema
    allows (a misspelt key would make `helm install` refuse them), with the hub database on
    PostgreSQL and its password apart from the URL?"""
    import jsonschema

    from academy.hub.settings import HubSettings, save_hub_settings
    from academy.hub.z2jh import write_values

    save_hub_settings(sqlite_home.root, HubSettings(
        db_url="postgresql+psycopg://hub:s3cret@db.internal:5432/hub", trainers=["li"]))
    v = yaml.safe_load(write_values(sqlite_home, tmp_path / "values.yaml").read_text())
    jsonschema.validate(v, _CHART)
    assert v["hub"]["db"] == {"type": "postgres", "upgrade": True, "password": "s3cret",
                              "url": "postgresql+psycopg://hub@db.internal:5432/hub"}
    bad = {**v, "singleuser": {**v["singleuser"], "defaultURL": "/lab"}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, _CHART)


def test_does_the_z2jh_hook_set_the_identity_from_the_hubs_record(sqlite_home, tmp_path):
    """Does the hub configuration the values carry give a trainer's pod `trainer:NAME` and a
    trainee's their employee id as $ACADEMY_USER, the progress service's address, and drop any
    database settings, whatever the pod's environment held?"""
    from types import SimpleNamespace

    from traitlets.config import Config

    from academy.hub.settings import HubSettings
    from academy.hub.z2jh import values

    v = values(HubSettings(trainers=["li"]), "service-academy")
    c = Config()
    exec(compile(v["hub"]["extraConfig"]["academy-identity"], "extraConfig", "exec"), {"c": c})
    hook = c.KubeSpawner.pre_spawn_hook
    for name, groups, want in (("li", ["trainers"], "trainer:li"), ("001002", ["trainees"],
                                                                     "001002")):
        spawner = SimpleNamespace(
            user=SimpleNamespace(name=name, admin=False,
                                 groups=[SimpleNamespace(name=g) for g in groups]),
            environment={"ACADEMY_USER": "someone-else", "ACADEMY_DB_URL": "sqlite:///x"})
        hook(spawner)
        assert spawner.environment["ACADEMY_USER"] == want
        assert "ACADEMY_DB_URL" not in spawner.environment
        assert spawner.environment["ACADEMY_PROGRESS_URL"].endswith(
            "/services/academy-progress/")
    assert "access:services!service=academy-progress" in c.KubeSpawner.server_token_scopes


def test_is_a_progress_event_naming_anyone_or_malformed_refused():
    """Does the progress event check refuse an event that names a trainee (whoever stores it
    decides who it is for), an unknown kind, a wrong type or an oversized comment, and keep a
    good one as it is?"""
    from training.progress import check_event

    good = {"kind": "self_check", "course": "c", "module": "m", "score": 80}
    assert check_event(good) == good
    for bad in ({**good, "employee_id": "001002"}, {**good, "trainee": "x"},
                {**good, "kind": "grade"}, {**good, "score": "100"}, {**good, "score": True},
                {"kind": "reaction", "course": "c", "module": "m", "rating": 4,
                 "comment": "x" * 2001},
                {"kind": "opened", "course": "", "module": "m"}, ["opened"]):
        with pytest.raises(ValueError):
            check_event(bad)


def test_does_the_hub_configuration_add_the_progress_service_with_narrow_tokens(sqlite_home):
    """With a progress port, does configure() run the progress service as the dashboards'
    account on loopback, let every group reach it, and give servers' tokens that scope and no
    more than JupyterHub's default server role?"""
    from traitlets.config import Config

    from academy.hub.config import configure

    c = Config()
    configure(c, str(sqlite_home.root), hub_port=1, api_port=2, formgrader_port=3,
              dashboards_port=4, progress_port=5)
    svc = next(s for s in c.JupyterHub.services if s["name"] == "academy-progress")
    assert svc["url"] == "http://127.0.0.1:5" and svc["user"].endswith("dash")
    assert c.Spawner.server_token_scopes == ["users:activity!user", "access:servers!server",
                                             "access:services!service=academy-progress"]
    role = next(r for r in c.JupyterHub.load_roles if r["name"] == "dashboards-access")
    assert "access:services!service=academy-progress" in role["scopes"]
    assert c.AcademySpawner.progress_url == "http://127.0.0.1:5/services/academy-progress/"


def test_does_a_private_copy_never_open_or_follow_anything(tmp_path):
    """Does the submission copy create every folder 0700 and file 0600 whatever the source's
    modes, leave links out (never following one to a file outside), and close_tree open it to
    the group only?"""
    from graders.exam.shared_exchange import close_tree, private_copy

    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "a.ipynb").write_text("{}")
    (src / "sub" / "b.txt").write_text("b")
    (src / "a.ipynb").chmod(0o666)
    (src / "sub").chmod(0o777)
    secret = tmp_path / "secret.txt"
    secret.write_text("key")
    (src / "link.txt").symlink_to(secret)
    dest = tmp_path / "dest"
    private_copy(str(src), str(dest))
    modes = {p.relative_to(dest).as_posix(): p.lstat().st_mode & 0o777
             for p in [dest, *dest.rglob("*")]}
    assert modes == {".": 0o700, "a.ipynb": 0o600, "sub": 0o700, "sub/b.txt": 0o600}
    close_tree(str(dest))
    assert {p.lstat().st_mode & 0o777 for p in [dest, *dest.rglob("*")]} == {0o750, 0o640}


@root_only
def test_does_any_collect_leave_out_a_submission_made_in_anothers_name(tmp_path, two_accounts):
    """When formgrader's Collect (nbgrader's collect, our SafeCollect) runs on a hub's course,
    is a newer submission that trainee B's account made under A's id left out and A's own
    collected instead?"""
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config

    from graders.exam.course import ensure_path
    from graders.exam.stock import SafeCollect

    ensure_path()  # nbgrader's gradebook runs `alembic` from the venv
    a, b = two_accounts
    course = tmp_path / "course"
    course.mkdir()
    (course / "hub_accounts.json").write_text(f'{{"000102": "{a.pw_name}"}}')
    inbound = tmp_path / "ex" / "c" / "inbound"
    inbound.mkdir(parents=True)
    for stamp, pw in (("2026-01-01 00:00:00.000000 UTC", a), ("2026-01-01 00:00:05.000000 UTC", b)):
        sub = inbound / f"000102+exam1+{stamp}+r{pw.pw_uid}"
        sub.mkdir()
        (sub / "timestamp.txt").write_text(stamp)
        (sub / "exam1.ipynb").write_text(f'{{"made_by": "{pw.pw_name}"}}')
        for p in (sub, *sub.iterdir()):
            os.chown(p, pw.pw_uid, pw.pw_gid)
    c = Config()
    c.CourseDirectory.root = str(course)
    c.CourseDirectory.course_id = "c"
    c.CourseDirectory.db_url = f"sqlite:///{course / 'gradebook.db'}"
    c.Exchange.root = str(tmp_path / "ex")
    c.Exchange.path_includes_course = True
    cd = CourseDirectory(config=c)
    cd.assignment_id = "exam1"
    SafeCollect(coursedir=cd, config=c).start()
    got = course / "submitted" / "000102" / "exam1"
    assert a.pw_name in (got / "exam1.ipynb").read_text()
    assert (got / "timestamp.txt").read_text() == "2026-01-01 00:00:00.000000 UTC"


def test_is_an_unreachable_hub_database_reported_before_anything_starts(tmp_path):
    """Is a hub database URL that does not answer (a closed loopback port) or is malformed
    refused with a clear message naming it, without its password?"""
    import socket

    from academy.hub.launch import check_hub_db
    from core.errors import AcademyError

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(AcademyError) as err:
        check_hub_db(f"postgresql+psycopg://hub:s3cret@127.0.0.1:{port}/jupyterhub")
    assert "cannot reach the hub's database" in str(err.value) and "s3cret" not in str(err.value)
    assert f"127.0.0.1:{port}/jupyterhub" in str(err.value)
    with pytest.raises(AcademyError, match="db_url is not a usable database URL"):
        check_hub_db("nosuchdb://x")
    check_hub_db(f"sqlite:///{tmp_path / 'hub.sqlite'}")  # SQLite still works
