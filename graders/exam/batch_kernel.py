"""Inside the grading kernel: run a whole notebook's cells as ONE shell request
(`graders.exam.batch`, the grading worker's side).

nbclient (and so nbgrader) runs a notebook one execute request per cell, each a round trip: the
worker sends the cell, the kernel announces busy, echoes the input, runs it, sends every output,
its reply and idle, and only then does the worker send the next cell. A grading worker spent most
of a submission's time in these round trips. Here the worker sends all the cells at once
(`REQUEST`); the kernel runs each exactly as ipykernel's `execute_request` does (the kernel's own
`do_execute`, store_history on, not silent, the streams flushed after each cell), but instead of
publishing each output as its own message it collects them, as the messages ipykernel would have
published, and publishes ONE message per cell (`CELL_DONE`): the cell's output messages in
order, its execution count, its execute reply and when it started and ended. The worker feeds
those messages to nbclient's own message handling, so a cell's outputs are recorded exactly as
nbclient records them.

A `prelude` (the worker's preparation of the kernel for this submission) runs first, silently,
as the worker's own silent execute requests did; if it fails no cell runs.

The handler is installed when the worker warms the kernel up (`install`). It runs only what the
worker sends on the kernel's shell socket, which could send any execute request anyway: it gives
no one anything new.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime

REQUEST = "academy_run_cells_request"
REPLY = "academy_run_cells_reply"
CELL_DONE = "academy_cell_done"
#: messages of a cell that are not its outputs (nbclient uses them only to know a cell ended)
NOT_OUTPUT = {"status"}


def install(kernel) -> None:
    """Make the kernel answer REQUEST (idempotent)."""

    async def handler(stream, ident, parent):
        await run_cells(kernel, stream, ident, parent)

    kernel.shell_handlers[REQUEST] = handler


def _now() -> str:
    return datetime.now(UTC).isoformat()


class _Capture:
    """While on: every message the kernel would publish on IOPub (except status) is kept in
    `messages` instead, as the message dict ipykernel built."""

    def __init__(self, kernel):
        self.kernel = kernel
        self.messages: list[dict] = []
        self.targets = [t for t in (kernel.iopub_socket, getattr(kernel, "iopub_thread", None),
                                    getattr(sys.stdout, "pub_thread", None),
                                    getattr(sys.stderr, "pub_thread", None)) if t is not None]
        sessions = [kernel.session]
        for owner in (getattr(kernel.shell, "displayhook", None),
                      getattr(kernel.shell, "display_pub", None), sys.stdout, sys.stderr):
            s = getattr(owner, "session", None)
            if s is not None and all(s is not x for x in sessions):
                sessions.append(s)
        self.sessions = sessions

    def __enter__(self):
        for session in self.sessions:
            session.send = self._sender(session)
        return self

    def __exit__(self, *exc):
        for session in self.sessions:
            session.__dict__.pop("send", None)
        return False

    def _sender(self, session):
        send = type(session).send

        def capture(stream, msg_or_type, content=None, parent=None, ident=None, buffers=None,
                    track=False, header=None, metadata=None):
            if not any(stream is t for t in self.targets):
                return send(session, stream, msg_or_type, content, parent, ident, buffers, track,
                            header, metadata)
            if isinstance(msg_or_type, dict):
                msg = msg_or_type
            else:
                msg = session.msg(msg_or_type, content=content, parent=parent, header=header,
                                  metadata=metadata)
            if msg["msg_type"] in NOT_OUTPUT:
                return send(session, stream, msg, ident=ident, buffers=buffers, track=track)
            self.messages.append({"msg_type": msg["msg_type"], "header": msg["header"],
                                  "parent_header": msg["parent_header"],
                                  "metadata": msg.get("metadata") or {}, "content": msg["content"]})
            return msg

        return capture

    def take(self) -> list[dict]:
        out, self.messages = self.messages, []
        return out


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            stream.flush()


async def _execute(kernel, code: str, silent: bool) -> dict:
    """The kernel's own do_execute, called as its execute_request calls it."""
    from ipykernel.jsonutil import json_clean

    args = {"code": code, "silent": silent, "store_history": not silent,
            "user_expressions": {}, "allow_stdin": False}
    accepted = getattr(kernel, "_do_exec_accepted_params", {})
    if accepted.get("cell_meta"):
        args["cell_meta"] = {}
    if accepted.get("cell_id"):
        args["cell_id"] = None
    reply = await kernel.do_execute(**args)
    _flush()
    return json_clean(reply)


async def run_cells(kernel, stream, ident, parent) -> None:
    content = parent["content"]
    session = kernel.session
    reply: dict = {"status": "ok", "cells": 0}
    prelude = content.get("prelude")
    if prelude:
        result = await _execute(kernel, prelude, silent=True)
        if result.get("status") != "ok":
            reply = {"status": "error", "ename": result.get("ename", ""),
                     "evalue": result.get("evalue", ""), "prelude": True}
            session.send(kernel.iopub_socket, CELL_DONE, {"prelude": reply}, parent)
            session.send(stream, REPLY, reply, parent, ident=ident)
            return
    capture = _Capture(kernel)
    for cell in content.get("cells", []):
        count = kernel.shell.execution_count  # what ipykernel's execute_input would announce
        started = _now()
        with capture:
            result = await _execute(kernel, cell["code"], silent=False)
        done = {"index": cell["index"], "execution_count": count, "messages": capture.take(),
                "reply": result, "started": started, "ended": _now()}
        session.send(kernel.iopub_socket, CELL_DONE, done, parent)
        reply["cells"] += 1
    session.send(stream, REPLY, reply, parent, ident=ident)
