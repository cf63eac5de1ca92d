"""`nsauto doctor`: is this machine ready? Keyring, browser, video.

Preflight runs the same keyring probe before every `run`; doctor adds what the run would use
and what to do about anything missing.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from automation.errors import ExitCode


def ffmpeg_for_video() -> tuple[bool, str]:
    """Whether Playwright will find an ffmpeg for video (it looks only in its browsers folder)."""
    import playwright

    browsers = Path(playwright.__file__).parent / "driver" / "package" / "browsers.json"
    rev = next(b["revision"] for b in json.loads(browsers.read_text())["browsers"] if b["name"] == "ffmpeg")
    root = os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "ms-playwright"
    )
    path = Path(root) / f"ffmpeg-{rev}" / "ffmpeg-linux"
    if path.exists() and os.access(path, os.X_OK):
        return True, str(path)
    return False, f"no ffmpeg at {path}; run `make setup` (links the system ffmpeg or imageio-ffmpeg's there)"


def run_doctor(args: argparse.Namespace) -> int:
    from automation.browser import BrowserOptions, describe
    from automation.secrets.store import probe

    keyring_report = probe()
    browser = describe(BrowserOptions())
    video_ok, video = ffmpeg_for_video()
    findings = {
        "keyring": {
            "backend": keyring_report.backend,
            "writable": keyring_report.writable,
            "problem": keyring_report.problem,
            "hint": keyring_report.hint,
        },
        "browser": {"found": browser != "none found", "which": browser},
        "video": {"available": video_ok, "detail": video},
    }
    ready = keyring_report.writable and findings["browser"]["found"]
    if args.json:
        print(json.dumps({"ready": ready, **findings}, indent=2))
    else:
        mark = {True: "ok ", False: "NO "}
        print(f"{mark[keyring_report.writable]} keyring: {keyring_report.backend}", file=sys.stderr)
        if keyring_report.problem:
            print(f"    problem: {keyring_report.problem}", file=sys.stderr)
        if keyring_report.hint:
            print(f"    hint: {keyring_report.hint}", file=sys.stderr)
        print(f"{mark[findings['browser']['found']]} browser: {browser}", file=sys.stderr)
        print(f"{mark[video_ok]} video recording: {video}", file=sys.stderr)
    return ExitCode.OK if ready else ExitCode.ENVIRONMENT
