"""`academy bench hub --users N`: N simulated trainees sign in to a real hub at once (loopback
only, bounded in count and time), each waits for their own server, fetches the exam and submits
it through that server, as the Assignments panel does.

Figures: p50/p95 seconds from sign-in to a ready server, submissions lost (must be 0: every
trainee's submission is in the exchange, owned as it should be), and the memory (RSS) of the
hub and its proxy, at their peak during the run. The baseline in the same run is one trainee
alone (sign-in to ready server) before the crowd.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from academy_content import ASSESSMENTS

ROSTER_HEAD = "employee_id,name,team,role,supervisor,active\n"
BANK = ASSESSMENTS / "banks" / "aquapure-service-basics.yaml"
MAX_USERS = 200
DEADLINE_SECONDS = 1800


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _proxy_pid(hub_pid: int) -> int | None:
    from academy.hub.launch import descendants

    for pid in descendants(hub_pid):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"configurable-http-proxy" in cmd:
            return pid
    return None


class Trainee:
    def __init__(self, url: str, name: str, password: str, course_id: str, exam: str):
        self.url, self.name, self.password = url, name, password
        self.course_id, self.exam = course_id, exam
        self.s = requests.Session()

    def sign_in_until_ready(self, timeout: float = 900) -> float:
        t0 = time.monotonic()
        self.s.get(self.url + "hub/login", timeout=120)
        r = self.s.post(self.url + "hub/login", timeout=300, allow_redirects=False,
                        data={"username": self.name, "password": self.password,
                              "_xsrf": self.s.cookies.get("_xsrf")})
        if r.status_code != 302:
            raise RuntimeError(f"{self.name}: sign-in refused ({r.status_code})")
        self.s.get(self.url + "hub/spawn", timeout=300)
        lab = f"{self.url}user/{self.name}/lab"
        while time.monotonic() - t0 < timeout:
            r = self.s.get(lab, timeout=300)
            if r.status_code == 200 and r.url.startswith(lab) and "jupyter-config-data" in r.text:
                return time.monotonic() - t0
            time.sleep(0.5)
        raise RuntimeError(f"{self.name}: no server within {timeout:.0f} s")

    def _post(self, action: str) -> requests.Response:
        xsrf = self.s.cookies.get("_xsrf", path=f"/user/{self.name}/") or \
            self.s.cookies.get("_xsrf")
        return self.s.post(f"{self.url}user/{self.name}/assignments/{action}", timeout=600,
                           headers={"X-XSRFToken": xsrf or ""},
                           json={"course_id": self.course_id, "assignment_id": self.exam})

    def fetch_and_submit(self) -> bool:
        for action in ("fetch", "submit"):
            r = self._post(action)
            if r.status_code != 200:
                raise RuntimeError(f"{self.name}: {action} answered {r.status_code}: "
                                   f"{r.text[:200]}")
        return True


def run(users: int, out=None, workdir: Path | None = None) -> dict:
    """Build a home with `users` trainees, start the hub, run the crowd, stop; the figures."""
    from academy.hub import accounts
    from academy.hub.launch import Hub, prepare_home
    from academy.hub.passwords import PASSWORDS_FILE, PasswordStore
    from academy.hub.settings import HubSettings, hub_dir, save_hub_settings
    from core.home import init_home
    from graders.exam import lifecycle
    from roster.store import import_roster_file

    say = out.print if out is not None else print
    if not 1 <= users <= MAX_USERS:
        from core.errors import AcademyError

        raise AcademyError(f"--users must be between 1 and {MAX_USERS}")
    accounts.require_root()
    base = Path(tempfile.mkdtemp(prefix="academy-bench-hub-", dir=workdir))
    base.chmod(0o711)
    prefix = f"b{uuid.uuid4().hex[:5]}-"
    names = ["solo", *[f"crowd{i:03d}" for i in range(users)]]
    roster = base / "roster.csv"
    roster.write_text(ROSTER_HEAD + "".join(f"{n},Trainee {n},Bench,technical_support,,yes\n"
                                            for n in names), encoding="utf-8")
    hub = None
    try:
        home = init_home(base / "home")
        import_roster_file(home, roster)
        bank = lifecycle.build(home, BANK)
        lifecycle.release(home, bank.name)
        save_hub_settings(home.root, HubSettings(account_prefix=prefix, port=0, sync_seconds=5,
                                                 cull_idle_seconds=3600))
        say(f"Creating {len(names)} accounts and starting the hub ...")
        prepare_home(home)
        store = PasswordStore(hub_dir(home.root) / PASSWORDS_FILE)
        pw = {n: store.issue(n) for n in names}
        hub = Hub(home, port=0)
        hub.start(timeout=300)
        course_id = home.settings.course_id
        proxy = _proxy_pid(hub.proc.pid)
        peak = {"hub": _rss_kb(hub.proc.pid), "proxy": _rss_kb(proxy) if proxy else 0}
        stop = threading.Event()

        def sample():
            while not stop.wait(0.5):
                peak["hub"] = max(peak["hub"], _rss_kb(hub.proc.pid))
                if proxy:
                    peak["proxy"] = max(peak["proxy"], _rss_kb(proxy))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        solo = Trainee(hub.url, "solo", pw["solo"], course_id, bank.name)
        baseline = solo.sign_in_until_ready()
        solo.fetch_and_submit()
        say(f"Baseline: one trainee alone, sign-in to ready server {baseline:.1f} s")
        crowd = [Trainee(hub.url, n, pw[n], course_id, bank.name) for n in names[1:]]
        errors: list[str] = []
        times: list[float] = []
        submitted: set[str] = set()
        lock = threading.Lock()

        def one(t: Trainee):
            try:
                took = t.sign_in_until_ready()
                t.fetch_and_submit()
                with lock:
                    times.append(took)
                    submitted.add(t.name)
            except Exception as exc:  # noqa: BLE001 - counted and reported
                with lock:
                    errors.append(str(exc)[:300])

        say(f"{users} trainees sign in at once, each fetching and submitting {bank.name} ...")
        t0 = time.monotonic()
        with ThreadPoolExecutor(max_workers=users) as pool:
            futures = [pool.submit(one, t) for t in crowd]
            for f in futures:
                f.result(timeout=DEADLINE_SECONDS)
        wall = time.monotonic() - t0
        stop.set()
        sampler.join(5)
        inbound = home.exchange_dir / course_id / "inbound"
        time.sleep(8)  # one sync round: submissions checked and handed to the grader
        in_exchange = {e.name.split("+")[0] for e in inbound.iterdir()
                       if e.name.split("+")[1] == bank.name}
        lost = len([n for n in submitted if n not in in_exchange]) + len(crowd) - len(submitted)
        q = statistics.quantiles(times, n=20) if len(times) >= 2 else [0] * 19
        figures = {
            "users": users, "baseline_ready_s": round(baseline, 2),
            "p50_ready_s": round(statistics.median(times), 2) if times else None,
            "p95_ready_s": round(q[18], 2) if times else None,
            "p50_vs_baseline": round(statistics.median(times) / baseline, 2) if times else None,
            "wall_s": round(wall, 1), "submitted": len(submitted), "lost": lost,
            "errors": errors[:5], "hub_peak_rss_mb": round(peak["hub"] / 1024, 1),
            "proxy_peak_rss_mb": round(peak["proxy"] / 1024, 1),
        }
        return figures
    finally:
        if hub is not None:
            hub.stop()
        accounts.remove_accounts(prefix)
        import shutil

        shutil.rmtree(base, ignore_errors=True)


def report(fig: dict, out) -> None:
    out.print(f"users {fig['users']}: ready p50 {fig['p50_ready_s']} s, p95 {fig['p95_ready_s']} s "
              f"(alone: {fig['baseline_ready_s']} s, p50 x{fig['p50_vs_baseline']}); "
              f"submissions {fig['submitted']}/{fig['users']}, lost {fig['lost']}; "
              f"hub {fig['hub_peak_rss_mb']} MB + proxy {fig['proxy_peak_rss_mb']} MB peak RSS; "
              f"wall {fig['wall_s']} s")
    for e in fig["errors"]:
        out.print(f"  error: {e}", markup=False)


def save(fig: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(fig, indent=1), encoding="utf-8")
