"""Grading workers forked from one process that imported nbgrader once (graders.exam.zygote):
each in a session of its own, on its own pipes, and ended and counted like a started one."""

from __future__ import annotations

import os
import tempfile
import time

import pytest

from graders.exam.zygote import Zygote

pytestmark = pytest.mark.slow  # real processes importing nbgrader


def _stat(pid: int) -> list[str]:
    with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
        return fh.read().rsplit(")", 1)[1].split()


def test_is_a_forked_worker_a_process_of_its_own_that_reports_its_failure():
    """Is a worker forked by the zygote the zygote's child in a session of its own, reading its
    job from its own stdin, and does a bad job end it with the error on its own stderr?"""
    zlog, wlog = tempfile.TemporaryFile(), tempfile.TemporaryFile()
    zygote = Zygote(dict(os.environ), zlog)
    try:
        proc = zygote.spawn(wlog)
        fields = _stat(proc.pid)
        assert int(fields[1]) == zygote.proc.pid  # its parent is the zygote
        assert int(fields[3]) == proc.pid  # its own session: killing its group ends only it
        assert proc.poll() is None  # waiting for its job
        proc.stdin.write(b'{"not": "a job"}\n')
        proc.stdin.flush()
        proc.stdin.close()
        proc.wait(timeout=120)
        assert proc.poll() is not None
        assert proc.stdout.read() == b""  # nothing on the protocol pipe
        wlog.seek(0)
        assert b"KeyError" in wlog.read()  # the worker's own stderr
    finally:
        zygote.close()
        zlog.close()
        wlog.close()
    assert zygote.proc.returncode == 0  # it waited for its worker and ended by itself


def test_is_a_killed_zygote_gone_with_a_worker_killed_by_its_group():
    """When grading is stopped, are the zygote and a worker it forked both ended (the worker by
    its process group, as the pool kills a worker)?"""
    import signal

    zlog, wlog = tempfile.TemporaryFile(), tempfile.TemporaryFile()
    zygote = Zygote(dict(os.environ), zlog)
    try:
        proc = zygote.spawn(wlog)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
        zygote.kill()
        assert zygote.proc.poll() is not None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                state = _stat(proc.pid)[0]
            except OSError:
                break
            if state == "Z":
                break
            time.sleep(0.2)
        else:
            raise AssertionError("the forked worker is still running")
    finally:
        zlog.close()
        wlog.close()
