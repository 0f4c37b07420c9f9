"""Real servers on localhost: JupyterLab starts, serves a page to Chromium, refuses a taken port."""

from __future__ import annotations

import socket

import pytest

from academy.servers import JupyterLab
from core.errors import AcademyError


def test_is_a_taken_port_refused_with_a_clear_message(tmp_path):
    """Does starting a server on a port already in use fail at once, naming the port?"""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(AcademyError, match=f"port {port} .* is taken"):
            JupyterLab(tmp_path, port=port).start()


@pytest.mark.slow
def test_does_jupyterlab_serve_a_page_that_chromium_draws(tmp_path, browser):
    """Does a real JupyterLab on localhost open in headless Chromium with its token, and stop cleanly?"""
    lab = JupyterLab(tmp_path, log=tmp_path / "lab.log")
    with lab:
        page = browser.new_page()
        page.goto(lab.url)
        page.wait_for_selector("#jp-main-dock-panel", timeout=60_000)
        assert "JupyterLab" in page.title()
        page.close()
    assert lab.proc.poll() is not None
