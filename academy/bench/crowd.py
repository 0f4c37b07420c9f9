"""Many people opening a dashboard at the same moment, measured on the server's side: what the
server must do for each page (render it, run its kernel, build its widgets) without a browser
on the same two cores drawing twenty pages as well.

Each client does what a browser does on the wire and nothing more: it signs in with its token,
GETs the page (Voila runs the notebook's cells for it on the request's path), opens the page's
kernel websocket with the cookie the sign-in left, and asks for every widget's state as
ipywidgets' own front end does (a `jupyter.widget.control` comm, `request_states`). The kernel
answers only once it has built the dashboard (it builds in its own event loop, see
`dashboards.ui.after_cell`), so the answer holding the page's `done` markers (e.g. seven SVG
charts) is the moment a browser could start drawing. In production every browser runs on its
viewer's own computer; the browser's drawing of one page is measured separately
(`academy.bench.dashboards`, the warm loads)."""

from __future__ import annotations

import http.cookiejar
import json
import re
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

KERNEL_ID = re.compile(r'"kernelId"\s*:\s*"([0-9a-f-]{36})"')


#: the widget control protocol of ipywidgets 8 (its front end sends it with the comm_open)
CONTROL_VERSION = "1.0.0"


def _msg(msg_type: str, content: dict, session: str, metadata: dict | None = None) -> str:
    return json.dumps({"channel": "shell", "header": {
        "msg_id": uuid.uuid4().hex, "msg_type": msg_type, "username": "bench",
        "session": session, "version": "5.3", "date": ""}, "parent_header": {},
        "metadata": metadata or {}, "content": content, "buffers": []})


def _decode(frame) -> dict:
    """A kernel message from a websocket frame: JSON text, or jupyter_server's binary form
    (a count, offsets, then the JSON message and its buffers)."""
    if isinstance(frame, str):
        return json.loads(frame)
    n = int.from_bytes(frame[:4], "big")
    offsets = [int.from_bytes(frame[4 + 4 * i: 8 + 4 * i], "big") for i in range(n)]
    end = offsets[1] if n > 1 else len(frame)
    return json.loads(frame[offsets[0]:end].decode("utf-8"))


def _messages(ws, deadline: float):
    """The kernel's messages on `ws` until `deadline` (perf_counter seconds)."""
    while time.perf_counter() < deadline:
        yield _decode(ws.recv(timeout=max(0.1, deadline - time.perf_counter())))


def page_ready(url: str, base_url: str, marker: str, count: int,
               timeout: float = 300.0) -> float:
    """Seconds from the request for `url` until the page's kernel hands out widget states that
    hold `marker` at least `count` times; with `count` 0 (a page without widgets, such as the
    empty baseline notebook, whose kernel has no widget comm target) until the kernel answers
    its first request, as a browser's kernel connection asks first. Raises on a failed page or
    the time-out."""
    from websockets.sync.client import connect

    t0 = time.perf_counter()
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(url, timeout=timeout) as resp:
        body = resp.read().decode("utf-8", "replace")
    found = KERNEL_ID.search(body)
    if not found:
        raise RuntimeError("the page names no kernel")
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    session = uuid.uuid4().hex
    ws_url = (base_url.replace("http://", "ws://") + f"api/kernels/{found.group(1)}/channels"
              f"?session_id={session}")
    comm = uuid.uuid4().hex
    deadline = t0 + timeout
    with connect(ws_url, additional_headers={"Cookie": cookie}, open_timeout=timeout,
                 close_timeout=5, max_size=None) as ws:
        if count <= 0:
            ws.send(_msg("kernel_info_request", {}, session))
            for m in _messages(ws, deadline):
                if m.get("msg_type") == "kernel_info_reply":
                    return time.perf_counter() - t0
            raise TimeoutError(f"no kernel answer within {timeout:.0f} s")
        ws.send(_msg("comm_open", {"comm_id": comm, "target_name": "jupyter.widget.control",
                                   "data": {}}, session, {"version": CONTROL_VERSION}))
        ws.send(_msg("comm_msg", {"comm_id": comm, "data": {"method": "request_states"}},
                     session))
        for m in _messages(ws, deadline):
            data = (m.get("content") or {}).get("data") or {}
            if m.get("msg_type") == "comm_msg" and data.get("method") == "update_states":
                if json.dumps(data.get("states", {})).count(marker) >= count:
                    return time.perf_counter() - t0
                # asked before the build ended: ask again
                ws.send(_msg("comm_msg", {"comm_id": comm,
                                          "data": {"method": "request_states"}}, session))
    raise TimeoutError(f"no finished page within {timeout:.0f} s")


def crowd(urls: list[str], base_url: str, marker: str, count: int, log=print,
          timeout: float = 300.0) -> list[float]:
    """Every address requested at the same moment, one client thread each: seconds until each
    page was ready on the server (inf: failed)."""
    def one(url: str) -> float:
        try:
            return page_ready(url, base_url, marker, count, timeout)
        except Exception as exc:  # noqa: BLE001 - one failed page is a figure, not a crash
            log(f"concurrent page failed: {type(exc).__name__}: {str(exc)[:200]}")
            return float("inf")

    with ThreadPoolExecutor(max_workers=len(urls) or 1) as pool:
        return list(pool.map(one, urls))
