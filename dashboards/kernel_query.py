"""How a preheated dashboard kernel learns its request (and so its viewer) from the server.

Voila's own `/voila/query/<kernel id>` socket answers whoever connects first, without a login: an
attacker who learnt a kernel id could read the request meant for it, or take the kernel's place
and leave it waiting forever. Here the server (dashboards.server) gives every kernel a one-time
secret in its environment and answers only `/academy/query/<secret>/<kernel id>`;
`wait_for_request` is Voila's helper pointed at that address.
"""

from __future__ import annotations

import os

SECRET_ENV = "ACADEMY_KERNEL_SECRET"
QUERY_PATH = "academy/query"


def query_url() -> str:
    """Voila's request-info address for this kernel, with its secret (Voila appends the id)."""
    protocol = os.getenv("VOILA_WS_PROTOCOL", "ws")
    ip = os.getenv("VOILA_APP_IP", "127.0.0.1")
    port = os.getenv("VOILA_APP_PORT", "8866")
    base = os.getenv("VOILA_WS_BASE_URL", os.getenv("VOILA_SERVER_URL", "/"))
    return f"{protocol}://{ip}:{port}{base}{QUERY_PATH}/{os.environ.get(SECRET_ENV, 'none')}"


def wait_for_request() -> None:
    """In a preheated Voila kernel: wait until the request (and the viewer) is known."""
    if os.environ.get("VOILA_PREHEAT") == "True":
        from voila.utils import wait_for_request as _wait

        _wait(query_url())
