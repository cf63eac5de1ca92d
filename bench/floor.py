"""The floor: what Playwright and this machine's Chromium cost before nsauto does anything.

Run as a child of the benchmark (``python -m bench.floor URL ACCOUNT_ID LOADS``), which samples its process
tree. It prints one JSON line: the seconds from start to a ready page (Python's Playwright, its
Node driver, Chromium, a context and a page: what every nsauto run pays first), the seconds for
LOADS plain page loads (the simulator's login page: a small page like NetSuite's own), and the
seconds for FILLS (20) fills of one field (one Playwright action, the unit every step is made of),
and CONTEXTS (4) more contexts with a page each (what the browser needs per extra account).
The benchmark turns these into the floor under the critical-path bound and under the CPU that
many accounts need: figures no change to nsauto can beat on this machine.
"""

from __future__ import annotations

import json
import sys
import time

from automation.browser import BrowserOptions, launch
from automation.netsuite.login import login_url

FILLS = 20
CONTEXTS = 4


def mark(event: str, **figures: float) -> None:
    """Tell the benchmark where we are, and wait until it has read the CPU used so far."""
    print(json.dumps({"event": event, **figures}), flush=True)
    sys.stdin.readline()


def main() -> None:
    from playwright.sync_api import sync_playwright

    url, account_id, loads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    started = time.monotonic()
    with sync_playwright() as pw:
        browser = launch(pw, BrowserOptions())
        page = browser.new_context().new_page()
        mark("ready", seconds=time.monotonic() - started)
        before = time.monotonic()
        for _ in range(loads):
            page.goto(login_url(url, account_id), wait_until="domcontentloaded")
        mark("loaded", seconds=time.monotonic() - before)
        before = time.monotonic()
        for n in range(FILLS):
            page.locator("#email").fill(f"user{n}@example.com")
        mark("filled", seconds=time.monotonic() - before)
        before = time.monotonic()
        for _ in range(CONTEXTS):  # what each more account costs the browser: a context, a page, a page load
            browser.new_context().new_page().goto(login_url(url, account_id), wait_until="domcontentloaded")
        mark("contexts", seconds=time.monotonic() - before)
        browser.close()


if __name__ == "__main__":
    main()
