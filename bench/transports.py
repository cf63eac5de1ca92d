"""How K threads should share a browser: the measurement behind automation/browserhost.py.

Each of K threads starts its own Playwright (the sync API belongs to its thread), reaches the
browser one of three ways, opens a context and a page on the simulator's login page, and does 20
fills and clicks. Printed: time until all K are ready, the slowest thread's 20 actions, and the
process tree's RSS and PSS while all K pages are open.

  launch-server  one Chromium behind `playwright launch-server`; threads `connect()` (nsauto's choice)
  cdp            one Chromium started with --remote-debugging-port; threads `connect_over_cdp()`
  run-server     `playwright run-server --unsafe`: every connection launches its own Chromium

    scripts/with-keyring --isolated .venv/bin/python bench/transports.py [--threads 4]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from automation.browser import CHROMIUM_ARGS, system_chromium  # noqa: E402
from bench.proctree import sample  # noqa: E402


def start(kind: str, chromium: str) -> tuple[subprocess.Popen[str], str]:
    from playwright._impl._driver import compute_driver_executable, get_driver_env

    node, cli = compute_driver_executable()
    if kind == "launch-server":
        config = Path(tempfile.mkdtemp()) / "config.json"
        config.write_text(json.dumps({"headless": True, "executablePath": chromium, "args": CHROMIUM_ARGS}))
        proc = subprocess.Popen(
            [node, cli, "launch-server", "--browser", "chromium", "--config", str(config)],
            stdout=subprocess.PIPE,
            text=True,
            env=get_driver_env(),
        )
        assert proc.stdout is not None
        return proc, proc.stdout.readline().strip()
    if kind == "run-server":
        proc = subprocess.Popen(
            [node, cli, "run-server", "--port", "0", "--host", "127.0.0.1", "--unsafe"],
            stdin=subprocess.PIPE,  # run-server ends when its stdin closes
            stdout=subprocess.PIPE,
            text=True,
            env=get_driver_env(),
        )
        assert proc.stdout is not None
        found = re.search(r"ws://\S+", proc.stdout.readline())
        assert found
        return proc, found.group(0)
    profile = tempfile.mkdtemp()
    command = [chromium, "--headless", "--remote-debugging-port=0", f"--user-data-dir={profile}", "--no-sandbox"]
    proc = subprocess.Popen([*command, *CHROMIUM_ARGS, "about:blank"], stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    for line in proc.stderr:
        if "DevTools listening on" in line:
            endpoint = line.split("on ", 1)[1].strip()
            threading.Thread(target=proc.stderr.read, daemon=True).start()
            return proc, endpoint
    raise RuntimeError("chromium gave no DevTools endpoint")


def measure(kind: str, threads: int, url: str, chromium: str) -> str:
    from playwright.sync_api import sync_playwright

    started = time.monotonic()
    proc, endpoint = start(kind, chromium)
    ready, release = threading.Barrier(threads + 1), threading.Event()
    action_s: list[float] = []

    def worker() -> None:
        with sync_playwright() as pw:
            if kind == "cdp":
                browser = pw.chromium.connect_over_cdp(endpoint, timeout=60_000)
            else:
                options = {"executablePath": chromium, "headless": True}
                headers = {"x-playwright-launch-options": json.dumps(options)}
                browser = pw.chromium.connect(endpoint, headers=headers, timeout=60_000)
            context = browser.new_context()
            page = context.new_page()
            page.goto(url)
            ready.wait()
            begun = time.monotonic()
            for index in range(10):
                page.locator("#email").click()
                page.locator("#email").fill(f"user{index}@example.com")
            action_s.append(time.monotonic() - begun)
            release.wait()
            context.close()
            browser.close()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    ready.wait()
    all_ready = time.monotonic() - started
    while len(action_s) < threads:
        time.sleep(0.05)
    tree = sample(os.getpid())
    release.set()
    for thread in pool:
        thread.join()
    proc.terminate()
    try:
        proc.wait(timeout=3)
    except subprocess.TimeoutExpired:
        proc.kill()  # run-server can linger after SIGTERM; its browsers closed with their connections
        proc.wait()
    return (
        f"{kind:<14} {threads:>2} threads: ready {all_ready:5.1f} s, 20 actions ≤ {max(action_s):4.1f} s, "
        f"RSS {tree.rss_mib:5.0f} MiB, PSS {tree.pss_mib:4.0f} MiB, {tree.processes} processes"
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", default="1,4", help="thread counts (default 1,4)")
    args = parser.parse_args()
    chromium = system_chromium()
    if not chromium:
        print("needs a system Chromium")
        return 2
    from automation.simulator.server import start_in_thread

    with start_in_thread() as sim:
        url = f"{sim.url}/pages/customerlogin.jsp?c={sim.account_id}"
        print(f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs")
        for count in (int(x) for x in args.threads.split(",")):
            for kind in ("launch-server", "cdp", "run-server"):
                print(measure(kind, count, url, chromium), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
