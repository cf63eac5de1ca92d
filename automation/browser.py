"""Start a Chromium for the run: Playwright's own if installed, else the system one, or a remote one.

Playwright's browser download is not reachable everywhere (corporate proxies, air-gapped
runners), while Debian and Ubuntu ship a Chromium that Playwright drives fine. So the order is:
an explicit path (config ``browser.executable`` or ``NSAUTO_CHROMIUM``), Playwright's own
Chromium, then the system's: for a headless run its headless shell when installed (Debian's
``chromium-headless-shell``), else the full Chromium. ``browser.connect`` uses a Playwright
browser server instead.

Why the headless shell: it is what Playwright itself launches for a headless run of its own
Chromium, and the full browser in headless mode costs far more. Measured here at 400 ms per
page (bench/bench.py, the same code back to back; docs/benchmarks.md): 20 accounts in parallel
6.4 → 4.0 CPU s per account (the browser process 2.1 → 0.8), one account 642 → 501 MiB PSS.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from playwright.sync_api import Browser, Playwright
from playwright.sync_api import Error as PlaywrightError

from automation.errors import EnvironmentNotReady

T = TypeVar("T")

# Without the background-networking flags Chromium keeps calling Google's hosts, which closed
# networks refuse; the rest keeps a headless run quiet and deterministic.
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Chromium's new headless mode preloads the omnibox popup's WebUI for every window: a renderer per
# window that nobody sees (measured: ~150 MB RSS, ~1 s CPU per account). Chromium keeps only the
# last --disable-features switch, so ours repeats Playwright's own list (read from its driver).
EXTRA_DISABLED_FEATURES = ("WebUIOmniboxPopup", "WebUIOmniboxAimPopup", "SpareRendererForSitePerProcess")


def chromium_args() -> list[str]:
    """CHROMIUM_ARGS, and Playwright's own disabled features plus the renderers nobody sees."""
    import playwright

    bundle = Path(playwright.__file__).parent / "driver" / "package" / "lib" / "coreBundle.js"
    try:
        text = bundle.read_text(encoding="utf-8")
        listed = re.search(r"disabledFeatures = \[(.*?)\]\.filter", text, re.S)
    except OSError:
        listed = None
    if listed is None:
        return list(CHROMIUM_ARGS)  # Playwright's list unknown: replacing it could undo its own fixes
    theirs = re.findall(r'"([A-Za-z0-9]+)"', re.sub(r"//[^\n]*", "", listed.group(1)))
    return [*CHROMIUM_ARGS, "--disable-features=" + ",".join(dict.fromkeys([*theirs, *EXTRA_DISABLED_FEATURES]))]


SYSTEM_CHROMIUMS = ("/usr/bin/chromium", "/usr/lib/chromium/chromium", "/usr/bin/chromium-browser")
SYSTEM_HEADLESS_SHELLS = ("/usr/bin/chromium-headless-shell", "/usr/lib/chromium/chromium-headless-shell")


@dataclass(frozen=True)
class BrowserOptions:
    headless: bool = True
    slow_mo_ms: float = 0
    executable: str | None = None
    connect: str | None = None


def start_while(work: Callable[[], T]) -> tuple[Playwright, Callable[[], None], T]:
    """Playwright's driver started on this thread while ``work`` (loading config and flows) runs on
    another; returns the driver, how to stop it, and what ``work`` returned.

    Why: the driver is a Node process that takes ~0.4 s to answer, during which this thread only
    waits; imports and YAML parsing (~0.3 s) fit in that wait instead of coming before it. If
    ``work`` raises, the driver is stopped and the error goes on as it would have.
    """
    from playwright.sync_api import sync_playwright

    done: Future[T] = Future()

    def settle() -> None:
        try:
            done.set_result(work())
        except BaseException as exc:  # handed to this thread below
            done.set_exception(exc)

    threading.Thread(target=settle, name="nsauto-load", daemon=True).start()
    manager = sync_playwright()
    playwright = manager.__enter__()
    stop = lambda: manager.__exit__(None, None, None)  # noqa: E731
    try:
        return playwright, stop, done.result()
    except BaseException:
        stop()
        raise


def system_chromium(headless: bool = False) -> str | None:
    """The system's Chromium; for a headless run its headless shell first (see the module's note)."""
    for candidate in (*SYSTEM_HEADLESS_SHELLS, *SYSTEM_CHROMIUMS) if headless else SYSTEM_CHROMIUMS:
        if Path(candidate).exists():
            return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def launch(pw: Playwright, options: BrowserOptions) -> Browser:
    """A browser ready for contexts; raises EnvironmentNotReady with what to install."""
    if options.connect:  # names the system Chromium to a server without one; warns when it is remote
        from automation.browserhost import connect_remote

        return connect_remote(pw, options)
    if options.headless is False and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        raise EnvironmentNotReady("--headed needs a display and none is set", "run under xvfb-run, or drop --headed")
    explicit = options.executable or os.environ.get("NSAUTO_CHROMIUM")
    kwargs = {"headless": options.headless, "slow_mo": options.slow_mo_ms, "args": chromium_args()}
    if explicit:
        if not Path(explicit).exists():
            raise EnvironmentNotReady(f"no browser at {explicit}", "fix browser.executable or NSAUTO_CHROMIUM")
        return _launch(pw, executable_path=explicit, **kwargs)
    try:
        return pw.chromium.launch(**kwargs)
    except PlaywrightError as exc:
        if "Executable doesn't exist" not in str(exc):
            raise EnvironmentNotReady(f"Chromium did not start: {_first_line(exc)}", "run `nsauto doctor`") from None
    system = system_chromium(options.headless)
    if not system:
        raise EnvironmentNotReady(
            "no Chromium found: neither Playwright's own nor a system one",
            "run `playwright install chromium`, or install your system's chromium package",
        )
    return _launch(pw, executable_path=system, **kwargs)


def _launch(pw: Playwright, **kwargs) -> Browser:
    try:
        return pw.chromium.launch(**kwargs)
    except PlaywrightError as exc:
        raise EnvironmentNotReady(f"Chromium did not start: {_first_line(exc)}", "run `nsauto doctor`") from None


def describe(options: BrowserOptions) -> str:
    """Which browser a run would use, without starting it (for `doctor`)."""
    if options.connect:
        return f"remote Playwright server {options.connect}"
    explicit = options.executable or os.environ.get("NSAUTO_CHROMIUM")
    if explicit:
        return explicit
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        own = pw.chromium.executable_path
    if own and Path(own).exists():
        return f"Playwright's Chromium ({own})"
    system = system_chromium(options.headless)
    return f"system Chromium ({system})" if system else "none found"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
