"""Put an ffmpeg where Playwright looks for it, so video recording works without `playwright install`.

Run with the venv's python:  .venv/bin/python scripts/place_ffmpeg.py [--check] [FFMPEG]

Playwright runs `${PLAYWRIGHT_BROWSERS_PATH:-${XDG_CACHE_HOME:-~/.cache}/ms-playwright}/ffmpeg-<rev>/
ffmpeg-linux`, rev being the "ffmpeg" entry of its driver's browsers.json. Any ffmpeg with the
libvpx-vp9 encoder and the matroska demuxer will do. If that file is missing, this links FFMPEG
there (default: `ffmpeg` on PATH, else imageio-ffmpeg's binary). Prints one line: what is used.
Exit status: 0 placed or already there, 1 no ffmpeg found, 2 bad usage.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path


def expected_path() -> Path:
    import playwright

    browsers = Path(playwright.__file__).parent / "driver" / "package" / "browsers.json"
    rev = next(b["revision"] for b in json.loads(browsers.read_text())["browsers"] if b["name"] == "ffmpeg")
    root = os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "ms-playwright"
    )
    return Path(root) / f"ffmpeg-{rev}" / "ffmpeg-linux"


def find_ffmpeg() -> str | None:
    found = shutil.which("ffmpeg")
    if found:
        return os.path.realpath(found)
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except Exception:
        return None


def main(argv: list[str]) -> int:
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    if len(args) > 1 or any(a.startswith("-") for a in args):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    dst = expected_path()
    if os.path.isfile(dst) and os.access(dst, os.X_OK):
        target = os.path.realpath(dst)
        print(f"ffmpeg for video: {dst}" + (f" -> {target}" if target != str(dst) else ""))
        return 0
    src = args[0] if args else find_ffmpeg()
    if not src or not (os.path.isfile(src) and os.access(src, os.X_OK)):
        print(f"no ffmpeg found: video recording will not work (Playwright wants {dst})")
        return 1
    if check:
        print(f"would link {dst} -> {src}")
        return 0
    dst.parent.mkdir(parents=True, exist_ok=True)
    if dst.is_symlink():  # a dangling link from an earlier run (e.g. ffmpeg uninstalled since)
        dst.unlink()
    dst.symlink_to(os.path.abspath(src))
    print(f"ffmpeg for video: {dst} -> {src}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
