"""Grading workers forked from one process that has already imported nbgrader (a "zygote").

Importing nbgrader costs a new grading process about 1.1 CPU seconds (its package imports the
server extensions, jupyter_server, SQLAlchemy, nbconvert ...), as much as grading four
submissions. `graders.exam.parallel` starts one zygote per grading run: it imports what a worker
needs once, then forks one worker per request, each as if started with
`python -m graders.exam.worker`: its own session (so it and everything it starts can be killed
together), its stdin, protocol stdout and stderr on pipes and a file the parent made. The zygote
runs no grading, opens no database and starts no thread; it waits for each worker it forked (so
their CPU time is counted with the run's) and ends when the parent closes its socket and its
last worker has ended.

Protocol on the Unix socket: the parent sends b"spawn" with three file descriptors (stdin,
stdout, stderr of the new worker); the zygote answers with the worker's pid and a newline.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import socket
import subprocess
import sys
import threading
from typing import IO

#: what every worker imports before its first submission (graders.exam.worker.Grader)
PRELOAD = ("nbgrader.apps", "nbgrader.converters", "nbgrader.preprocessors", "nbclient",
           "nbformat", "jupyter_client", "sqlalchemy", "graders.exam.course",
           "graders.exam.fast_gradebook", "graders.exam.sandbox", "graders.exam.batch",
           "graders.exam.lifecycle", "graders.exam.widgets", "graders.exam.worker")


class ZygoteDied(Exception):
    pass


# --- the parent's side -------------------------------------------------------------------------


class Forked:
    """A worker forked by the zygote, with what `subprocess.Popen` offers that the pool uses (pid,
    stdin, stdout, poll, wait, returncode). It is the zygote's child, not ours: its end is seen
    through a pidfd (the exit status is not known here: returncode is -1 once it ended)."""

    def __init__(self, pid: int, stdin: IO[bytes], stdout: IO[bytes]):
        self.pid, self.stdin, self.stdout = pid, stdin, stdout
        self.returncode: int | None = None
        try:
            self._pidfd: int | None = os.pidfd_open(pid)
        except (OSError, AttributeError):  # already gone, or no pidfd: poll by signal 0
            self._pidfd = None

    def _ended(self, timeout: float) -> bool:
        if self.returncode is not None:
            return True
        if self._pidfd is not None:
            ready, _, _ = select.select([self._pidfd], [], [], max(timeout, 0))
            ended = bool(ready)
        else:
            ended = not _exists(self.pid)
            if not ended and timeout > 0:
                threading.Event().wait(min(timeout, 0.1))
                ended = not _exists(self.pid)
        if ended:
            self.returncode = -1
            if self._pidfd is not None:
                os.close(self._pidfd)
                self._pidfd = None
        return ended

    def poll(self) -> int | None:
        return self.returncode if self._ended(0) else None

    def wait(self, timeout: float | None = None) -> int:
        import time

        until = None if timeout is None else time.monotonic() + timeout
        while not self._ended(1.0 if until is None else min(1.0, until - time.monotonic())):
            if until is not None and time.monotonic() >= until:
                raise subprocess.TimeoutExpired("grading worker", timeout or 0)
        return self.returncode if self.returncode is not None else -1


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie still "exists": ended all the same
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class Zygote:
    """The parent's handle on the zygote process."""

    def __init__(self, env: dict, log: IO[bytes] | None = None):
        import tempfile

        # its own stderr (import errors), closed with it; nobody reads it
        self.log = log if log is not None else tempfile.TemporaryFile()  # noqa: SIM115
        self._own_log = log is None
        log = self.log
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "graders.exam.zygote", str(theirs.fileno())], env=env,
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, pass_fds=[theirs.fileno()],
                start_new_session=True)
        finally:
            theirs.close()
        self.sock = ours
        self.lock = threading.Lock()
        self._buf = b""
        self.closed = False

    def spawn(self, log: IO[bytes]) -> Forked:
        in_r, in_w = os.pipe()
        out_r, out_w = os.pipe()
        try:
            with self.lock:
                try:
                    socket.send_fds(self.sock, [b"spawn"], [in_r, out_w, log.fileno()])
                    while b"\n" not in self._buf:
                        chunk = self.sock.recv(64)
                        if not chunk:
                            raise ZygoteDied("the grading zygote ended")
                        self._buf += chunk
                except OSError as exc:
                    raise ZygoteDied(str(exc)) from exc
                line, self._buf = self._buf.split(b"\n", 1)
            if not line.strip().isdigit():
                raise ZygoteDied(f"the grading zygote answered {line[:80]!r}")
            pid = int(line)
        except BaseException:
            for fd in (in_w, out_r):
                os.close(fd)
            raise
        finally:
            os.close(in_r)
            os.close(out_w)
        return Forked(pid, os.fdopen(in_w, "wb"), os.fdopen(out_r, "rb"))

    def close(self, grace: float = 30.0) -> None:
        """No more workers: the zygote waits for the ones it forked, then ends."""
        if self.closed:
            return
        self.closed = True
        with contextlib.suppress(OSError):
            self.sock.close()
        try:
            self.proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.kill()
        self._close_log()

    def _close_log(self) -> None:
        if self._own_log:
            with contextlib.suppress(OSError, ValueError):
                self.log.close()

    def kill(self) -> None:
        self.closed = True
        with contextlib.suppress(OSError):
            self.sock.close()
        for kill in (os.killpg, os.kill):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self._close_log()


# --- the zygote's side -------------------------------------------------------------------------


def _reap(*_args) -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _child(fds: list[int], started: int) -> None:
    """In the forked worker: its own session (then the zygote may give out its pid), its pipes as
    stdin/stdout/stderr, then the worker."""
    import random
    import traceback

    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.setsid()
    os.close(started)
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
    for fd in fds:
        if fd > 2:
            os.close(fd)
    random.seed()
    code = 0
    try:
        from graders.exam import worker

        worker.profiled_main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001 - reported on its stderr like an uncaught exception
        traceback.print_exc()
        code = 1
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def main(fd: int) -> None:
    import importlib

    sock = socket.socket(fileno=fd)
    for name in PRELOAD:
        importlib.import_module(name)
    signal.signal(signal.SIGCHLD, _reap)
    while True:
        try:
            msg, fds, _, _ = socket.recv_fds(sock, 16, 3)
        except OSError:
            break
        if not msg:
            break
        if len(fds) != 3:
            for f in fds:
                os.close(f)
            continue
        started_r, started_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            sock.close()
            os.close(started_r)
            _child(fds, started_w)
        os.close(started_w)
        for f in fds:
            os.close(f)
        os.read(started_r, 1)  # end of file once the worker is in its own session
        os.close(started_r)
        sock.sendall(f"{pid}\n".encode())
    sock.close()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    while True:  # the workers it forked end when the parent closes their stdin
        try:
            os.wait()
        except ChildProcessError:
            break


if __name__ == "__main__":
    main(int(sys.argv[1]))
