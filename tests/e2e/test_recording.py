"""`nsauto demo` records the run: video, trace, HTML report, timeline, and no secret in any of them.

One real demo run (child process, its own simulator, real Chromium, real ffmpeg, the isolated
Secret Service keyring the test command starts) is shared by the checks below. The secrets to
look for are the ones the run really issued: read back from that same keyring.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, quote_plus

import keyring
import keyring.errors
import pytest

from automation.simulator import demo as sim_demo

# One worker runs the whole file (`make test` uses --dist loadgroup): its module fixture is built once.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("recording")]

ROOT = Path(__file__).resolve().parents[2]
STAGES = ("login", "features", "role", "employee-role", "integration", "token")
TBA_NAMES = ("consumer_key", "consumer_secret", "token_id", "token_secret")
SERVICE = f"netsuite:{sim_demo.ACCOUNT_ID}"
PLAYWRIGHT = Path(sys.executable).with_name("playwright")


@dataclass
class DemoRun:
    run_dir: Path
    artifacts_root: Path
    wall_s: float
    data: dict
    secrets: dict[str, str]
    timeline: dict
    stderr: str


def _wipe_keyring() -> None:
    for service, names in ((SERVICE, TBA_NAMES), ("nsauto-demo", ("password", "totp_secret"))):
        for name in names:
            with contextlib.suppress(keyring.errors.PasswordDeleteError):
                keyring.delete_password(service, name)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        pytest.skip("needs a Secret Service keyring: run under scripts/with-keyring --isolated")
    from automation.doctor import ffmpeg_for_video

    video_ok, detail = ffmpeg_for_video()
    if not video_ok or not shutil.which("ffprobe") or not shutil.which("ffmpeg"):
        pytest.skip(f"video needs ffmpeg and ffprobe: {detail}; run .venv/bin/python scripts/place_ffmpeg.py")
    work = tmp_path_factory.mktemp("demo")
    env = {**os.environ, "NSAUTO_HOME": str(work / "home"), "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    _wipe_keyring()
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "automation", "demo", "--latency-ms", "0", "--json"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    wall = time.monotonic() - started
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(proc.stdout)
    secrets = {name: keyring.get_password(SERVICE, name) for name in TBA_NAMES}
    assert all(secrets.values()), f"the demo left {secrets.keys()} incomplete in {SERVICE}"
    secrets |= {"password": sim_demo.ADMIN_PASSWORD, "totp_seed": sim_demo.ADMIN_TOTP_SEED}
    run_dir = work / data["artifacts"]
    timeline = json.loads((run_dir / "timeline.json").read_text())
    yield DemoRun(run_dir, work / "runs", wall, data, secrets, timeline, proc.stderr)
    _wipe_keyring()


def test_demo_names_every_recording_file(demo: DemoRun) -> None:
    recording = demo.data["recording"]
    for key, name in (("video", "video.webm"), ("trace", "trace.zip"), ("report", "report.html")):
        assert Path(recording[key]).name == name
        assert (demo.run_dir / name).stat().st_size > 0


def test_the_read_command_the_demo_prints_works_where_it_ran(demo: DemoRun) -> None:
    line = next(line for line in demo.stderr.splitlines() if "read one with: " in line)
    command = line.split("read one with: ", 1)[1].split()
    assert command[0] == "scripts/with-keyring"  # this suite runs under it, as `make demo` does
    read = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert read.returncode == 0, read.stderr
    same = read.stdout.strip() == demo.secrets["token_id"]  # compared apart: a failure must not print it
    assert same, "the printed command did not read back the stored token id"


def test_video_lasts_about_as_long_as_the_run(demo: DemoRun) -> None:
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration:stream=codec_name,width,height",
         "-of", "json", str(demo.run_dir / "video.webm")],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    info = json.loads(probe.stdout)
    duration = float(info["format"]["duration"])
    stream = info["streams"][0]
    assert (stream["codec_name"], stream["width"], stream["height"]) == ("vp9", 1280, 900)
    assert 0.5 * demo.wall_s <= duration <= 1.5 * demo.wall_s, (duration, demo.wall_s)
    # The timeline's clock is the video's: what the frame checks below rely on.
    assert abs(duration - demo.timeline["ended"]) < 2.5, (duration, demo.timeline["ended"])


def _trace_events(path: Path) -> list[dict]:
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None
        return [json.loads(line) for line in zf.read("trace.trace").decode().splitlines() if line]


def test_trace_groups_the_actions_of_every_stage(demo: DemoRun) -> None:
    events = _trace_events(demo.run_dir / "trace.zip")
    befores = [e for e in events if e["type"] == "before"]
    groups = {e["callId"]: e["title"] for e in befores if e.get("method") == "tracingGroup"}
    by_stage = {title.split(":")[0].removeprefix("stage "): call for call, title in groups.items()}
    assert set(STAGES) <= set(by_stage), groups
    page_actions = {"goto", "click", "fill", "check", "selectOption", "press", "type"}
    for stage in STAGES:
        actions = [e["method"] for e in befores if e.get("parentId") == by_stage[stage]]
        assert page_actions & set(actions), (stage, actions)
    fills = [e["params"] for e in befores if e.get("method") == "fill" and "password" in e["params"]["selector"]]
    assert fills and all(p["value"] == "[secret:password]" for p in fills), fills
    assert any(e["type"] == "screencast-frame" for e in events)
    assert any(e["type"] == "frame-snapshot" for e in events)


def test_trace_opens_in_the_trace_viewer(demo: DemoRun) -> None:
    if not PLAYWRIGHT.exists():
        pytest.skip(f"no {PLAYWRIGHT}")
    proc = subprocess.Popen(
        ["timeout", "25", str(PLAYWRIGHT), "show-trace", "--host", "127.0.0.1", "--port", "0", "trace.zip"],
        cwd=demo.run_dir,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: the node server dies with it
    )
    try:
        assert proc.stdout is not None
        seen = ""
        match = None
        while match is None:  # it prints a blank line first
            line = proc.stdout.readline()
            assert line, f"show-trace ended without serving: {seen!r}"
            seen += line
            match = re.search(r"Listening on (http://\S+)", line)
        with urllib.request.urlopen(match.group(1), timeout=10) as response:  # follows the 302
            page = response.read().decode()
            viewer = response.geturl()
        assert "Playwright Trace Viewer" in page
        file_url = viewer.split("index.html")[0] + "file?path=trace.zip"
        with urllib.request.urlopen(file_url, timeout=10) as response:
            assert response.read(4) == b"PK\x03\x04"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)


def test_report_is_one_file_naming_every_stage(demo: DemoRun) -> None:
    text = (demo.run_dir / "report.html").read_text()
    for stage in STAGES:
        assert f"id='stage-{stage}'" in text, stage
    assert text.count("data:image/jpeg;base64,") == len(STAGES)
    assert not re.search(r"""(src|href)=['"]?(https?:|//)""", text)
    assert "<link" not in text and "<script" not in text
    assert f"<code>{SERVICE}</code>" in text
    for name in TBA_NAMES:
        assert f"<code>{name}</code>" in text


def _forms(value: str) -> set[str]:
    raw = value.encode()
    forms = {value, quote(value, safe=""), quote_plus(value), json.dumps(value)[1:-1]}
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        forms |= {encode(raw).decode(), encode(raw).decode().rstrip("=")}
    return forms


def _blobs(root: Path):
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        yield str(path), data
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                for info in zf.infolist():
                    yield f"{path}!{info.filename}", zf.read(info)


def test_no_secret_in_any_recorded_file(demo: DemoRun) -> None:
    names = {form.encode(): name for name, value in demo.secrets.items() for form in _forms(value)}
    pattern = re.compile(b"|".join(re.escape(form) for form in sorted(names, key=len, reverse=True)))
    scanned = 0
    for where, data in _blobs(demo.artifacts_root):
        scanned += 1
        found = pattern.search(data)
        assert found is None, f"{names[found.group(0)]} found in {where}"
    assert scanned > 100  # the trace's entries were looked into, not only the zip


def _gray_frame(video: Path, t: float, width: int, height: int, since: float) -> bytes:
    """The frame on screen at ``t`` seconds.

    The video has a variable frame rate (a frame only when the screen changes), so ``-ss t`` alone
    would give the next change; the fps filter repeats the frame on screen. Decoding starts at
    ``since``, a moment known to have a frame (the caption changed then), to keep it quick.
    """
    out = subprocess.run(
        ["ffmpeg", "-v", "error", "-ss", f"{since:.3f}", "-i", str(video), "-vf", "fps=25",
         "-ss", f"{t - since:.3f}", "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    assert len(out) == width * height
    return out


def _region(frame: bytes, width: int, box: dict, inset: int) -> list[int]:
    x0, y0 = round(box["x"]) + inset, round(box["y"]) + inset
    x1, y1 = round(box["x"] + box["width"]) - inset, round(box["y"] + box["height"]) - inset
    assert x1 > x0 and y1 > y0, box
    return [p for y in range(y0, y1) for p in frame[y * width + x0 : y * width + x1]]


def test_video_shows_secret_fields_masked_while_their_labels_stay_readable(demo: DemoRun) -> None:
    views = {view["stage"]: view for view in demo.timeline["secret_views"]}
    assert {"integration", "token"} <= set(views), demo.timeline["secret_views"]
    size = demo.timeline["video_size"]
    for stage in ("integration", "token"):
        view = views[stage]
        # Five moments across the hold: on a busy machine the video's clock and the timeline's drift
        # by a frame or two, and a frame may still show the page before it was painted (all white).
        moments = [view["t"] + view["hold_ms"] * share / 1000 for share in (0.1, 0.3, 0.5, 0.7, 0.9)]
        frames = [
            _gray_frame(demo.run_dir / "video.webm", t, size["width"], size["height"], since=max(0.0, view["t"] - 1))
            for t in moments
        ]
        assert len(view["fields"]) >= 2, view
        for field in view["fields"]:
            masks = [_region(frame, size["width"], field["mask"], inset=3) for frame in frames]
            # Never a glyph where the value is: every frame is flat there (the mask, or a blank page).
            assert all(statistics.pstdev(m) < 8 for m in masks), (
                stage,
                field["label"],
                [statistics.pstdev(m) for m in masks],
            )
            # And the mask is seen: a solid dark block (its colour is #2f3640) ...
            shown = [i for i, m in enumerate(masks) if statistics.mean(m) < 90]
            assert shown, (stage, field["label"], [statistics.mean(m) for m in masks])
            # ... beside its label, ordinary text on white whose glyph edges vary a lot.
            labels = [_region(frames[i], size["width"], field["control"], inset=0) for i in shown]
            assert any(statistics.pstdev(label) > 20 for label in labels), (stage, field["label"])


def test_timeline_names_steps_but_no_values(demo: DemoRun) -> None:
    stages = {step["stage"] for step in demo.timeline["steps"]}
    assert set(STAGES) <= stages
    kinds = [card["kind"] for card in demo.timeline["cards"]]
    assert kinds == ["title", "summary"]
    times = [step["t"] for step in demo.timeline["steps"]]
    assert times == sorted(times) and times[0] > demo.timeline["cards"][0]["t"]


def test_trace_scrub_rewrites_every_entry_but_images(tmp_path: Path) -> None:
    from automation.recording.trace_scrub import scrub_trace
    from automation.secrets.redact import Redactor

    secret = "tok3n-S3cret-Value+/="
    redactor = Redactor()
    redactor.add(secret, "token_secret")
    raw = tmp_path / "raw.zip"
    image = b"\xff\xd8\xff" + secret.encode() + b"\xff\xd9"  # pixels that happen to spell it: kept
    with zipfile.ZipFile(raw, "w") as zf:
        zf.writestr("trace.trace", json.dumps({"method": "fill", "params": {"value": secret}}))
        zf.writestr("trace.network", f"postData=token%3D{quote(secret, safe='')}")
        zf.writestr("resources/abc.dat", b"\x00\x01" + base64.b64encode(secret.encode()) + b"\xfe")
        zf.writestr("resources/def.jpeg", image)
    changed = scrub_trace(raw, tmp_path / "trace.zip", redactor)
    assert changed == 3
    with zipfile.ZipFile(tmp_path / "trace.zip") as zf:
        assert json.loads(zf.read("trace.trace"))["params"]["value"] == "[secret:token_secret]"
        assert zf.read("trace.network") == b"postData=token%3D[secret:token_secret]"
        assert zf.read("resources/abc.dat") == b"\x00\x01[secret:token_secret]\xfe"
        assert zf.read("resources/def.jpeg") == image
