"""Remote browsers: the full setup through a locally started `python -m playwright run-server`.

This machine may have no Playwright Chromium, only the system one. `run-server` launches what the
client asks for; it honours the client's `executablePath` only with `--unsafe`, so nsauto names
the system Chromium to a loopback server; without `--unsafe` the server's PLAYWRIGHT_BROWSERS_PATH
can point at links to the system Chromium instead (`browserhost.link_system_chromium`).
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import keyring
import pytest
from conftest import issued_tba

from automation.browser import system_chromium
from automation.browserhost import is_loopback, link_system_chromium, own_chromium_installed, warn_if_remote

NAMES = ("consumer_key", "consumer_secret", "token_id", "token_secret")
RUN = ("--config", "config.yaml", "--account", "sandbox")

needs_a_chromium = pytest.mark.skipif(
    not system_chromium() and not own_chromium_installed(), reason="no Chromium on this machine"
)


@contextmanager
def run_server(*flags: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """`python -m playwright run-server` on a free loopback port; yields its ws:// endpoint."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "playwright", "run-server", "--port", "0", "--host", "127.0.0.1", *flags],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
        start_new_session=True,  # one signal ends the python wrapper and its Node server
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        found = re.search(r"ws://\S+", line)
        assert found, f"run-server said: {line!r}"
        threading.Thread(target=proc.stdout.read, daemon=True).start()  # keep its pipe drained
        yield found.group(0)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=3)
        except subprocess.TimeoutExpired:  # run-server can linger after SIGTERM; its browsers closed already
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.mark.e2e
@needs_a_chromium
def test_full_setup_through_a_local_playwright_run_server(sim, workspace, clean_keyring):
    workspace.write_config(sim.url)
    with run_server("--unsafe") as endpoint:  # --unsafe: the server may launch the Chromium nsauto names
        first = workspace.nsauto("run", *RUN, "--connect", endpoint, timeout=600)
        assert first.returncode == 0, first.output
        assert "warning: the browser runs on" not in first.stderr  # loopback: nothing leaves the machine
        values = issued_tba(sim.state())
        for name in NAMES:
            assert keyring.get_password(clean_keyring, name) == values[name], name
            assert values[name] not in first.output
        assert workspace.nsauto("verify", *RUN).returncode == 0

        again = workspace.nsauto("run", *RUN, "--connect", endpoint, "--json", timeout=600)
        assert again.returncode == 0, again.output
        assert json.loads(again.stdout)["counts"].get("changed", 0) == 0, again.stdout


@pytest.mark.e2e
@pytest.mark.skipif(not system_chromium(), reason="needs the system Chromium to link to")
def test_run_server_without_unsafe_uses_linked_browsers_path(sim, workspace, tmp_path: Path):
    workspace.write_config(sim.url)
    browsers = tmp_path / "pw-browsers"
    link_system_chromium(browsers)
    with run_server(env={"PLAYWRIGHT_BROWSERS_PATH": str(browsers)}) as endpoint:
        run = workspace.nsauto("run", *RUN, "--connect", endpoint, "--only", "login,features", timeout=600)
    assert run.returncode == 0, run.output
    assert sim.state()["features"]["Token-Based Authentication"] is True


@pytest.mark.e2e
@pytest.mark.skipif(not system_chromium() or own_chromium_installed(), reason="needs a machine without Playwright's")
def test_a_server_that_cannot_launch_a_chromium_is_explained(sim, workspace, tmp_path: Path):
    workspace.write_config(sim.url)
    with run_server(env={"PLAYWRIGHT_BROWSERS_PATH": str(tmp_path / "empty")}) as endpoint:
        run = workspace.nsauto("run", *RUN, "--connect", endpoint, "--only", "login", timeout=300)
    assert run.returncode == 3, run.output  # environment not ready
    assert "--unsafe" in run.stderr and "PLAYWRIGHT_BROWSERS_PATH" in run.stderr


def test_a_remote_host_is_warned_about_once_and_loopback_never():
    assert is_loopback("ws://127.0.0.1:3000/") and is_loopback("ws://localhost:3000/") and is_loopback("ws://[::1]:1/")
    assert not is_loopback("wss://10.20.30.40:3000/")
    out = io.StringIO()
    assert warn_if_remote("ws://localhost:3000/", out) is False and out.getvalue() == ""
    assert warn_if_remote("wss://10.20.30.41:3000/pw", out) is True
    assert warn_if_remote("wss://10.20.30.41:3000/pw", out) is True
    assert out.getvalue().count("warning: the browser runs on 10.20.30.41:3000") == 1
    assert "secrets" in out.getvalue()
