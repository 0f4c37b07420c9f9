"""Parallel autograding: a pool of grading workers (`graders.exam.worker`), one submission each at
a time, with a deadline per submission.

Each worker is its own process (its own session, so it and everything it starts can be killed
together) with its own warm kernel. The parent hands out trainee ids, waits for each result up to
the deadline and, when a worker overruns or dies, kills it and its kernel, reports that submission
as an error, removes its half-written `autograded/` folder (as nbgrader does for a failed
submission) and starts a fresh worker for the next one. Nothing a submission does reaches another.
"""

from __future__ import annotations

import json
import os
import queue
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from graders.exam.zygote import Forked, Zygote, ZygoteDied

#: how long a new worker may take to import nbgrader and start its kernel
STARTUP_TIMEOUT = 180.0
#: SQLite waits this long for another worker's write instead of failing with "database is locked"
BUSY_TIMEOUT = 60


class WorkerDied(Exception):
    pass


class SandboxRefused(Exception):
    """A worker's grading sandbox could not be set up or failed its canary: grading stops."""

    def __init__(self, reason: str, graded: int = 0):
        super().__init__(reason)
        self.reason, self.graded = reason, graded


def busy_url(url: str) -> str:
    """The gradebook URL with a busy timeout for SQLite (pysqlite reads `?timeout=` from the URL)."""
    if not url.startswith("sqlite") or "timeout=" in url:
        return url
    return f"{url}{'&' if '?' in url else '?'}timeout={BUSY_TIMEOUT}"


class Worker:
    """One `python -m graders.exam.worker` process and its kernel."""

    def __init__(self, spec: dict, env: dict, zygote: Zygote | None = None):
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - the worker's stderr, closed in _close_files
        self.proc: subprocess.Popen | Forked | None = None
        if zygote is not None:  # forked with nbgrader already imported
            try:
                self.proc = zygote.spawn(self.log)
            except ZygoteDied:
                self.proc = None
        if self.proc is None:
            self.proc = subprocess.Popen([sys.executable, "-m", "graders.exam.worker"], env=env,
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=self.log, start_new_session=True)
        self.kernels: set[int] = set()
        self.warming = True  # until it says ready: at start, and after it lost its kernel
        self._buf = b""
        self._send(spec)

    def _send(self, msg: dict) -> None:
        try:
            self.proc.stdin.write((json.dumps(msg) + "\n").encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise WorkerDied(self.stderr_tail() or str(exc)) from exc

    def _receive(self, until: float) -> dict | None:
        """The next message, or None when the time is up."""
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buf:
            left = until - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], min(left, 1.0))
            if not ready:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                self.proc.wait()
                raise WorkerDied(self.stderr_tail() or f"exit code {self.proc.returncode}")
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        return json.loads(line)

    def wait_for(self, key: str, until: float) -> dict | None:
        while True:
            msg = self._receive(until)
            if msg is None:
                return None
            if "kernel" in msg:
                self.kernels.add(int(msg["kernel"]))
            if "refused" in msg:
                raise SandboxRefused(msg["refused"])
            if key in msg:
                return msg

    def ready(self, timeout: float = STARTUP_TIMEOUT) -> None:
        """Wait until the worker's kernel is warm; WorkerDied if it never gets there."""
        if self.warming:
            if self.wait_for("ready", time.monotonic() + timeout) is None:
                raise WorkerDied(f"not ready after {timeout:g} s")
            self.warming = False

    def grade(self, sid: str, deadline: float) -> dict | None:
        self._send({"sid": sid})
        msg = self.wait_for("result", time.monotonic() + deadline)
        if msg is None:
            return None
        self.warming = bool(msg["result"].pop("kernel_lost", False))
        return msg["result"]

    def stderr_tail(self, lines: int = 3) -> str:
        try:
            self.log.seek(0)
            text = self.log.read().decode("utf-8", "replace")
        except (OSError, ValueError):
            return ""
        tail = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
        errors = [ln for ln in tail if re.match(r"[\w.]+(Error|Exception|Interrupt)\b", ln)]
        return (errors[-1] if errors else " | ".join(tail[-lines:]))[:500]

    def kill(self) -> None:
        """The worker's process group and every kernel it started (kernels have sessions of their own)."""
        for pid in [self.proc.pid, *self.kernels]:
            for kill in (os.killpg, os.kill):
                try:
                    kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
        self.proc.wait()
        self._close_files()

    def close(self, grace: float = 15.0) -> None:
        """End of the jobs: the worker shuts its kernel down and exits (killed if it does not)."""
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=grace)
        except (OSError, subprocess.TimeoutExpired):
            pass
        if self.proc.poll() is None:
            self.kill()
        else:
            for pid in self.kernels:  # a kernel left behind by a worker that could not stop it
                try:
                    os.killpg(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            self._close_files()

    def _close_files(self) -> None:
        for f in (self.proc.stdin, self.proc.stdout, self.log):
            try:
                f.close()
            except (OSError, ValueError):
                pass


def worker_env(env: dict | None = None) -> dict:
    """The environment of the grading workers (no trainee identity of the caller's)."""
    env = dict(os.environ if env is None else env)
    env.pop("ACADEMY_EXAM_STUDENT", None)
    return env


def start_zygote(env: dict | None, workers: int, jobs: int) -> Zygote | None:
    """The zygote the workers of a run of `jobs` submissions will be forked from, started now so
    that its imports overlap the caller's own work before `grade_all` (None for one worker)."""
    if max(1, min(workers, jobs)) < 2:
        return None
    return Zygote(worker_env(env))


def grade_all(spec: dict, sids: list[str], workers: int, deadline: float,
              on_result: Callable[[dict], None], env: dict | None = None,
              zygote: Zygote | None = None) -> None:
    """Grade the trainees' submissions on `workers` worker processes; `on_result` gets each
    worker's result dict ({sid, status, reasons}) as soon as it is in, from one thread at a time.
    `zygote` (from `start_zygote` with the same env) is used and closed here."""
    if not sids:
        if zygote is not None:
            zygote.close()
        return
    env = worker_env(env)
    jobs: queue.Queue[str] = queue.Queue()
    for sid in sids:
        jobs.put(sid)
    lock = threading.Lock()
    live: set[Worker] = set()
    stopping = threading.Event()
    cannot_start: list[str] = []
    refused: list[str] = []
    reported = [0]
    n_slots = max(1, min(workers, len(sids)))
    # several workers: forked from one process that imported nbgrader once (graders.exam.zygote)
    if zygote is None and n_slots > 1:
        zygote = Zygote(env)
    # no submission is graded before every first worker has passed its sandbox canary
    gate = threading.Barrier(n_slots)

    def through_gate() -> None:
        try:
            gate.wait(timeout=2 * STARTUP_TIMEOUT)
        except threading.BrokenBarrierError:
            pass
    autograded = Path(spec["course_dir"]) / "autograded"

    def report(result: dict) -> None:
        with lock:
            reported[0] += 1
            on_result(result)

    def discard(worker: Worker | None) -> None:
        if worker is not None:
            worker.kill()
            with lock:
                live.discard(worker)

    def failed(worker: Worker | None, sid: str, reason: str) -> dict:
        discard(worker)
        # a submission stopped half-way leaves no half-written autograded folder (as nbgrader's own
        # failure handling does)
        shutil.rmtree(autograded / sid / spec["exam"], ignore_errors=True)
        return {"sid": sid, "status": "error", "reasons": [reason]}

    def refuse(worker: Worker | None, exc: SandboxRefused) -> None:
        """Nothing more is graded, by any worker."""
        with lock:
            refused.append(exc.reason)
        stopping.set()
        gate.abort()
        discard(worker)

    def slot() -> None:
        worker: Worker | None = None
        gated = False
        try:
            while not stopping.is_set():
                try:
                    sid = jobs.get_nowait()
                except queue.Empty:
                    return
                if cannot_start:
                    report({"sid": sid, "status": "error", "reasons": cannot_start[:1]})
                    continue
                if worker is not None:
                    try:
                        worker.ready()  # its new kernel, after the previous submission lost one
                    except WorkerDied:  # could not start a new kernel: a new worker instead
                        discard(worker)
                        worker = None
                    except SandboxRefused as exc:
                        refuse(worker, exc)
                        return
                try:
                    if worker is None:
                        worker = Worker(spec, env, zygote)
                        with lock:
                            live.add(worker)
                        try:
                            worker.ready()
                        except WorkerDied as exc:  # the same for every worker: do not try each submission
                            cannot_start.append(f"the grading process could not start: {exc}")
                            discard(worker)
                            if not gated:
                                gated = True
                                gate.abort()
                            report({"sid": sid, "status": "error", "reasons": cannot_start[:1]})
                            worker = None
                            continue
                    if not gated:
                        gated = True
                        through_gate()
                        if refused:
                            jobs.put(sid)
                            return
                    result = worker.grade(sid, deadline)
                    if result is None:
                        result = failed(worker, sid, f"timed out: grading took longer than {deadline:g} s "
                                                     "(stopped; the other submissions are not affected)")
                        worker = None
                except WorkerDied as exc:
                    result = failed(worker, sid, f"the grading process died: {exc}")
                    worker = None
                except SandboxRefused as exc:
                    refuse(worker, exc)
                    worker = None
                    return
                report(result)
        finally:
            if worker is not None:
                worker.close()
                with lock:
                    live.discard(worker)

    threads = [threading.Thread(target=slot, name=f"autograde-{i}", daemon=True)
               for i in range(n_slots)]
    for t in threads:
        t.start()
    try:
        for t in threads:
            while t.is_alive():
                t.join(0.5)
    except BaseException:
        stopping.set()
        with lock:
            doomed = list(live)
        for w in doomed:
            w.kill()
        if zygote is not None:
            zygote.kill()
        raise
    finally:
        if zygote is not None:
            zygote.close()
    if refused:
        raise SandboxRefused(refused[0], reported[0])


def default_workers() -> int:
    return os.cpu_count() or 1
