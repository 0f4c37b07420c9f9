"""Errors in a dashboard kernel go to the server's log, never to the browser.

Voila (show_tracebacks=False) hides the tracebacks of the notebook's cells, but once the page is
drawn, the browser still talks to the kernel through widget (comm) messages, and a crafted one
makes two things send a full traceback, with the server's paths, back over the socket: ipywidgets
shows the exception of a failing message handler as an `error` message, and ipykernel logs a
failing comm open or message (with the traceback) to the kernel's stderr, which ipykernel turns
into a `stream` message to the page. `keep_errors_off_the_page()` sends both to the kernel
process's own stderr instead (the server's log) and the browser gets nothing.
"""

from __future__ import annotations

import logging
import re
import sys

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _to_server_log(etype, evalue, stb) -> None:
    text = _ANSI.sub("", "\n".join(stb if isinstance(stb, list) else [str(stb)]))
    print(text, file=sys.__stderr__, flush=True)


def keep_errors_off_the_page() -> None:
    """In a kernel (no-op elsewhere): tracebacks and log records to the real stderr only."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None or getattr(shell, "kernel", None) is None:
        return
    shell._showtraceback = _to_server_log
    loggers = [logging.getLogger(), *(lg for lg in logging.root.manager.loggerDict.values()
                                      if isinstance(lg, logging.Logger))]
    for extra in (getattr(shell.kernel, "log", None), getattr(shell, "log", None)):
        if isinstance(extra, logging.Logger):
            loggers.append(extra)
    # a logger without handlers (ipykernel's comm manager's) writes through logging.lastResort,
    # which looks up sys.stderr (the page) at every record
    last = logging.StreamHandler(sys.__stderr__)
    last.setLevel(logging.WARNING)
    logging.lastResort = last
    page = (sys.stdout, sys.stderr)  # ipykernel's streams: what they get goes to the page
    for logger in loggers:
        for handler in logger.handlers:
            # only handlers that write to the page; never a file handler (setStream on one would
            # leave its file to be closed as if it were stderr, and the kernel's later writes could
            # land in whatever file reuses that descriptor: seen writing into academy.db)
            if type(handler) is logging.StreamHandler and handler.stream in page:
                handler.setStream(sys.__stderr__)
