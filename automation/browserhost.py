"""Playwright browser servers reached over a WebSocket, and the switches of a browser many accounts share.

A remote browser (``browser.connect`` / ``--connect ws://...``) is usually ``playwright run-server``,
which launches a browser for each connection with the launch options the client sends. When the
server's machine lacks Playwright's own Chromium (Debian/Ubuntu machines without the download),
its system Chromium must be named: nsauto sends it in ``x-playwright-launch-options`` (the server
honours ``executablePath`` only when started with ``--unsafe``), or the server is started with a
``PLAYWRIGHT_BROWSERS_PATH`` whose Chromium paths link to the system one (``link_system_chromium``).
A browser on another host renders every page nsauto opens, secrets included: nsauto says so.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import socket
import sys
import threading
from pathlib import Path
from typing import IO
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Browser, Playwright
from playwright.sync_api import Error as PlaywrightError

from automation.browser import CHROMIUM_ARGS, BrowserOptions, system_chromium
from automation.errors import EnvironmentNotReady

log = logging.getLogger("nsauto.browser")

MISSING_EXECUTABLE = "Executable doesn't exist"
SERVER_HINT = (
    "start the server with `python -m playwright run-server --port N --unsafe` (nsauto then names the "
    "system Chromium), or with PLAYWRIGHT_BROWSERS_PATH pointing at links to it (docs/benchmarks.md)"
)
_warned: set[str] = set()
_warned_lock = threading.Lock()


def is_loopback(url: str) -> bool:
    """True when the URL's host is this machine (a name is resolved: every address must be loopback)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError:
        return False
    return bool(addresses) and all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses)


def warn_if_remote(url: str, stream: IO[str] | None = None) -> bool:
    """Say once per host that its browser will render the secrets; True when the host is remote."""
    if is_loopback(url):
        return False
    host = urlsplit(url).netloc
    with _warned_lock:
        if host in _warned:
            return True
        _warned.add(host)
    message = (
        f"warning: the browser runs on {host}, not on this machine: it renders every page nsauto opens, "
        "so the login password, the 2FA code and the one-time consumer and token secrets pass through "
        "that host. Use a browser server only on a host you trust, reached over wss:// or an SSH tunnel."
    )
    print(message, file=stream or sys.stderr, flush=True)
    log.warning("remote browser host %s renders the secrets", host)
    return True


def launch_options(options: BrowserOptions, executable: str | None = None) -> dict[str, object]:
    """What a `run-server` launches for this client (``args`` and ``executablePath`` need ``--unsafe``)."""
    found: dict[str, object] = {"headless": options.headless, "args": CHROMIUM_ARGS}
    if executable:
        found["executablePath"] = executable
    return found


def connect_remote(pw: Playwright, options: BrowserOptions, timeout_ms: float = 60_000) -> Browser:
    """A browser from the Playwright server at ``options.connect``; EnvironmentNotReady with what to do."""
    url = options.connect or ""
    warn_if_remote(url)
    if "launch-options" in parse_qs(urlsplit(url).query):
        return _connect(pw, url, options, None, timeout_ms)  # the URL says what to launch
    explicit = options.executable or os.environ.get("NSAUTO_CHROMIUM")
    try:
        return _connect(pw, url, options, launch_options(options, explicit), timeout_ms)
    except _Missing as missing:
        system = system_chromium(options.headless) if is_loopback(url) and not explicit else None
        if system is None:
            raise EnvironmentNotReady(f"the browser server at {url} has no Chromium: {missing}", SERVER_HINT) from None
    try:
        return _connect(pw, url, options, launch_options(options, system), timeout_ms)
    except _Missing:
        raise EnvironmentNotReady(
            f"the browser server at {url} has no Playwright Chromium and ignores nsauto's path to {system}",
            SERVER_HINT,
        ) from None


class _Missing(Exception):
    """The server could not find a Chromium to launch."""


def _connect(
    pw: Playwright, url: str, options: BrowserOptions, launch: dict[str, object] | None, timeout_ms: float
) -> Browser:
    headers = {"x-playwright-launch-options": json.dumps(launch)} if launch else None
    try:
        return pw.chromium.connect(url, slow_mo=options.slow_mo_ms, headers=headers, timeout=timeout_ms)
    except PlaywrightError as exc:
        text = _first_line(exc)
        if MISSING_EXECUTABLE in str(exc):
            raise _Missing(text) from None
        raise EnvironmentNotReady(
            f"cannot reach the Playwright browser server at {url}: {text}",
            "start it with `python -m playwright run-server --port N` and check browser.connect",
        ) from None


def browsers_root() -> Path:
    """Where Playwright looks for its browsers (PLAYWRIGHT_BROWSERS_PATH, else the user cache)."""
    configured = os.environ.get("PLAYWRIGHT_BROWSERS_PATH")
    if configured and configured != "0":
        return Path(configured)
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "ms-playwright"


def _revisions() -> dict[str, str]:
    import playwright

    data = json.loads((Path(playwright.__file__).parent / "driver" / "package" / "browsers.json").read_text())
    return {entry["name"]: str(entry["revision"]) for entry in data["browsers"]}


CHROMIUM_PATHS = {  # Linux x64 layout of Playwright's downloads, per browsers.json name
    "chromium-headless-shell": "chromium_headless_shell-{rev}/chrome-headless-shell-linux64/chrome-headless-shell",
    "chromium": "chromium-{rev}/chrome-linux64/chrome",
}


def own_chromium_installed(headless: bool = True) -> bool:
    """Is Playwright's own Chromium for this version downloaded? (Linux x64 layout; elsewhere: assume yes.)"""
    if not sys.platform.startswith("linux"):
        return True
    name = "chromium-headless-shell" if headless else "chromium"
    try:
        rev = _revisions()[name]
    except (OSError, KeyError, ValueError):
        return True
    return (browsers_root() / CHROMIUM_PATHS[name].format(rev=rev)).exists()


def link_system_chromium(root: Path, chromium: str | None = None) -> list[Path]:
    """Make ``root`` a PLAYWRIGHT_BROWSERS_PATH whose Chromium is the system one (for a run-server host).

    The folder names carry Playwright's browser revision, so they must be made again after a
    Playwright upgrade (nsauto pins the version).
    """
    full = chromium or system_chromium()
    if not full:
        raise EnvironmentNotReady("no system Chromium to link", "install your system's chromium package")
    # Playwright launches its headless shell for headless runs: the system's shell where it has one.
    shell = chromium or system_chromium(headless=True) or full
    links = []
    for name, pattern in CHROMIUM_PATHS.items():
        link = root / pattern.format(rev=_revisions()[name])
        link.parent.mkdir(parents=True, exist_ok=True)
        link.unlink(missing_ok=True)
        link.symlink_to(shell if name == "chromium-headless-shell" else full)
        links.append(link)
    return links


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
