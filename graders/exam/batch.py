"""A notebook's cells in one kernel request, recorded exactly as nbclient records them (the
grading worker's side; the kernel's side is `graders.exam.batch_kernel`).

`run` takes the place of nbclient's loop of `execute_cell` in nbgrader's Execute preprocessor on
the worker's warm kernel. It sends every code cell nbclient would run in one request, then, cell
by cell and in order, does what nbclient's `async_execute_cell` does with the messages it gets:
the same hooks (nbgrader's `on_cell_executed` appends the error of a failed or timed-out cell),
the messages handed to nbclient's own `process_message` (status, input, every output, idle), the
execution count and timing metadata, the same per-cell timeout (the kernel interrupted, nbgrader's
CellTimeoutError recorded, the cell's own messages awaited for `iopub_timeout` and
CellTimeoutError raised when they never come, as nbgrader's `raise_on_iopub_timeout` does) and
the same check that the kernel is alive once a second.

`usable` says when this is the same as nbclient's loop: every cell allows errors (nbgrader's
`allow_errors`, so no cell stops the rest) and streams are not coalesced. Otherwise the worker
uses nbclient's loop.
"""

from __future__ import annotations

import time
from datetime import datetime
from queue import Empty

from jupyter_client.jsonutil import parse_date
from jupyter_core.utils import run_sync
from nbclient.exceptions import CellExecutionComplete, CellTimeoutError
from nbclient.util import run_hook

from graders.exam.batch_kernel import CELL_DONE, REQUEST

#: how often the kernel's liveness is checked while waiting (nbclient: once a second)
ALIVE_INTERVAL = 1.0


class PreludeFailed(RuntimeError):
    pass


def usable(client) -> bool:
    return bool(client.allow_errors and not client.force_raise_errors
                and not client.coalesce_streams)


def runnable(client, cell) -> bool:
    """Whether nbclient's async_execute_cell would send this cell to the kernel."""
    return (cell.cell_type == "code" and bool(cell.source.strip())
            and client.skip_cells_with_tag not in cell.metadata.get("tags", []))


def _date(value) -> datetime:
    return parse_date(value) if isinstance(value, str) else value


def _msg(msg_type: str, content: dict, parent_id: str, date) -> dict:
    return {"msg_type": msg_type, "content": content, "metadata": {},
            "header": {"msg_type": msg_type, "date": _date(date)},
            "parent_header": {"msg_id": parent_id}}


class _Messages:
    """The batch's CELL_DONE messages from IOPub, in order, with nbclient's liveness checks."""

    def __init__(self, client, msg_id: str):
        self.client, self.msg_id = client, msg_id

    async def next(self, timeout: float | None) -> dict | None:
        """The next CELL_DONE content, or None after `timeout` seconds (None: no limit)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            wait = ALIVE_INTERVAL if deadline is None else min(ALIVE_INTERVAL, deadline - time.monotonic())
            if wait <= 0:
                return None
            try:
                msg = await self.client.kc.iopub_channel.get_msg(timeout=wait)
            except Empty:
                await self.client._async_check_alive()  # DeadKernelError when it died
                continue
            if msg["parent_header"].get("msg_id") == self.msg_id and msg["msg_type"] == CELL_DONE:
                return msg["content"]


async def async_run(client, prelude: str | None = None) -> None:
    """Run the notebook `client.nb` on `client.kc` as nbclient's cell loop would."""
    nb = client.nb
    cells = [{"index": i, "code": c.source} for i, c in enumerate(nb.cells) if runnable(client, c)]
    request = client.kc.session.msg(REQUEST, {"prelude": prelude or "", "cells": cells})
    client.kc.shell_channel.send(request)
    msg_id = request["header"]["msg_id"]
    messages = _Messages(client, msg_id)
    pending: dict[int, dict] = {}
    for index, cell in enumerate(nb.cells):
        await run_hook(client.on_cell_start, cell=cell, cell_index=index)
        if not runnable(client, cell):
            continue
        if client.record_timing:
            cell["metadata"]["execution"] = {}
        await run_hook(client.on_cell_execute, cell=cell, cell_index=index)
        await run_hook(client.on_cell_complete, cell=cell, cell_index=index)
        client.code_cells_executed += 1
        timeout = client._get_timeout(cell)
        cell.outputs = []
        client.clear_before_next_output = False
        done = pending.pop(index, None)
        timeout_reply = None
        while done is None:
            got = await messages.next(timeout)
            if got is None:  # no reply in time: what nbclient's _async_poll_for_reply does
                await client._async_check_alive()
                timeout_reply = await client._async_handle_timeout(timeout, cell)
                if timeout_reply is None:
                    continue
                done = await _late(messages, client, cell, index, pending)
                break
            if got.get("prelude"):
                raise PreludeFailed(f"kernel preparation failed: {got['prelude'].get('ename', '')} "
                                    f"{got['prelude'].get('evalue', '')}")
            if got["index"] == index:
                done = got
            elif got["index"] > index:
                pending[got["index"]] = got  # cannot happen: cells come in order
            # an earlier cell's late messages (after its timeout) are not this cell's
        if done is not None:
            _record(client, cell, index, done, msg_id, timeout_reply is None)
        if timeout_reply is not None:
            if client.record_timing:
                from nbclient.client import timestamp

                cell["metadata"]["execution"]["shell.execute_reply"] = timestamp(timeout_reply)
            reply = timeout_reply
            reply["parent_header"] = {"msg_id": msg_id}
        else:
            reply = _msg("execute_reply", done["reply"], msg_id, done["ended"])
        await run_hook(client.on_cell_executed, cell=cell, cell_index=index, execute_reply=reply)
        await client._check_raise_for_error(cell, index, reply)
        nb["cells"][index] = cell
    if not client._timed_out:
        await client.async_wait_for_reply(msg_id)


async def _late(messages: _Messages, client, cell, index: int, pending: dict) -> dict | None:
    """After a timeout: the cell's own messages, if they come within iopub_timeout (nbclient waits
    that long for the cell's idle after the reply); CellTimeoutError if not and nbgrader says so."""
    deadline = time.monotonic() + client.iopub_timeout
    while True:
        got = await messages.next(max(0.0, deadline - time.monotonic()))
        if got is None:
            if client.raise_on_iopub_timeout:
                raise CellTimeoutError.error_from_timeout_and_cell(
                    "Timeout waiting for IOPub output", client.iopub_timeout, cell)
            client.log.warning("Timeout waiting for IOPub output")
            return None
        if got.get("index") == index:
            return got
        if (got.get("index") or -1) > index:
            pending[got["index"]] = got


def _record(client, cell, index: int, done: dict, msg_id: str, replied: bool) -> None:
    """The cell's messages through nbclient's process_message, in the order ipykernel publishes
    them: busy, the input with its execution count, the outputs, idle."""
    from nbclient.client import timestamp

    started, ended = done["started"], done["ended"]
    client.process_message(_msg("status", {"execution_state": "busy"}, msg_id, started), cell, index)
    client.process_message(_msg("execute_input", {"code": cell.source,
                                                  "execution_count": done["execution_count"]},
                                msg_id, started), cell, index)
    for m in done["messages"]:
        m = dict(m, header=dict(m["header"], date=_date(m["header"].get("date"))))
        client.process_message(m, cell, index)
    if replied and client.record_timing:
        cell["metadata"]["execution"]["shell.execute_reply"] = timestamp(
            _msg("execute_reply", {}, msg_id, ended))
    try:
        client.process_message(_msg("status", {"execution_state": "idle"}, msg_id, ended), cell, index)
    except CellExecutionComplete:
        pass


def run(client, prelude: str | None = None) -> None:
    run_sync(async_run)(client, prelude)

