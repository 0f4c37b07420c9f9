"""Run independent pieces of work in forked child processes, a few at a time.

`run_forked(tasks, workers)` calls each task (a callable without arguments) in its own child
process forked from this one, at most `workers` at once, and returns their results in the order
of `tasks`. A child inherits everything the parent holds (imports, frames already read) without
copying or pickling it; only its result travels back, pickled through a pipe. Each child runs one
task and exits, so the memory a task used is given back when it ends.

Why not `concurrent.futures` or `multiprocessing.Pool`: both pickle the callable to send it to
a worker, and the tasks here are closures over frames and sessions; a fork per task hands them
over for free. A child must not use database connections it inherited (open its own).

A task that raises re-raises in the parent with the child's message (an AcademyError stays an
AcademyError); a child that dies without an answer (killed, out of memory) raises
`ForkedTaskError` naming the task. When one task fails the children still running are stopped.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import traceback
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection, wait
from typing import Any

from core.errors import AcademyError


class ForkedTaskError(AcademyError):
    """A forked task failed in a way that could not be passed back as its own exception."""


def fork_available() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _child(task: Callable[[], Any], conn: Connection) -> None:
    try:
        payload = pickle.dumps(("ok", task()), protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent
        detail = traceback.format_exc()
        try:
            payload = pickle.dumps(("error", exc, detail), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001 - an exception that does not pickle: its text goes back
            payload = pickle.dumps(("error", None, detail), protocol=pickle.HIGHEST_PROTOCOL)
    conn.send_bytes(payload)
    conn.close()


class Forked:
    """One task running in a forked child; `result()` waits for it (or re-raises its error)."""

    def __init__(self, task: Callable[[], Any], name: str = "task"):
        ctx = multiprocessing.get_context("fork")
        self.name = name
        self.conn, send = ctx.Pipe(duplex=False)
        self.proc = ctx.Process(target=_child, args=(task, send), daemon=True,
                                name=f"academy-{name}")
        self.proc.start()
        send.close()  # the parent keeps only the reading end

    def result(self) -> Any:
        try:
            payload = self.conn.recv_bytes()
        except EOFError:
            self.proc.join()
            raise ForkedTaskError(
                f"{self.name} ended without an answer (exit code {self.proc.exitcode}; "
                "killed or out of memory?)") from None
        finally:
            self.conn.close()
        self.proc.join()
        answer = pickle.loads(payload)
        if answer[0] == "ok":
            return answer[1]
        _, exc, detail = answer
        if exc is not None:
            raise exc from ForkedTaskError(f"in {self.name}:\n{detail}")
        raise ForkedTaskError(f"{self.name} failed:\n{detail}")

    def stop(self) -> None:
        """End the child if it still runs (after another task failed)."""
        if self.proc.is_alive() and self.proc.pid is not None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.join()
        self.conn.close()


def run_forked(tasks: Sequence[Callable[[], Any]], workers: int,
               names: Sequence[str] | None = None) -> list[Any]:
    """The tasks' results, in order; each task run in a forked child, `workers` at a time."""
    names = list(names) if names is not None else [f"task {i + 1}" for i in range(len(tasks))]
    results: list[Any] = [None] * len(tasks)
    pending = list(range(len(tasks)))
    running: dict[Connection, tuple[int, Forked]] = {}
    try:
        while pending or running:
            while pending and len(running) < max(1, workers):
                i = pending.pop(0)
                child = Forked(tasks[i], names[i])
                running[child.conn] = (i, child)
            for conn in wait(list(running)):
                i, child = running.pop(conn)  # type: ignore[call-overload]
                results[i] = child.result()
    finally:
        for _i, child in running.values():
            child.stop()
    return results
