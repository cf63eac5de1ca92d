"""The entry points: `python -m automation.simulator`, persistence, /__sim/ control, latency."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from automation.simulator.models import Role
from automation.simulator.server import SimulatorHandle, default_db_path, main, start_in_thread

ROOT = Path(__file__).resolve().parents[2]


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return resp.status, resp.read()


def _post_json(url: str, body: object) -> tuple[int, dict]:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
    req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_module_cli_prints_url_and_stops_on_sigterm(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "XDG_STATE_HOME"} | {"XDG_STATE_HOME": str(tmp_path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "automation.simulator", "--port", "0", "--account-id", "7654321_sb2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        m = re.fullmatch(r"NetSuite simulator on (http://127\.0\.0\.1:(\d+)) \(account 7654321_SB2\)", line)
        assert m, line
        status, body = _get(m.group(1) + "/__sim/state")
        assert status == 200 and json.loads(body)["account_id"] == "7654321_SB2"
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    assert (tmp_path / "nsauto-simulator" / "7654321_SB2.sqlite3").is_file()


def test_main_rejects_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--account-id", "not an id!"]) == 2
    assert main(["--latency-ms", "abc"]) == 2
    assert "not a NetSuite account id" in capsys.readouterr().err


def test_default_db_path_honours_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert default_db_path("1234567_SB1") == tmp_path / "nsauto-simulator" / "1234567_SB1.sqlite3"


def test_state_survives_restart(tmp_path: Path) -> None:
    db = str(tmp_path / "sim.sqlite3")
    first = start_in_thread(db=db)
    first.app.store.insert(Role(0, "Kept Role", "customrole_kept"))
    first.stop()
    second = start_in_thread(db=db)
    try:
        assert "Kept Role" in [r["name"] for r in second.state()["roles"]]
        status, _ = _post_json(second.url + "/__sim/reset", {})
        assert status == 200
        assert "Kept Role" not in [r["name"] for r in second.state()["roles"]]
    finally:
        second.stop()


def test_state_endpoint_shape(sim: SimulatorHandle) -> None:
    status, body = _get(sim.url + "/__sim/state")
    state = json.loads(body)
    assert status == 200 and state == sim.state()
    assert set(state) >= {"account_id", "features", "roles", "employees", "integrations", "tokens", "rest_calls"}
    assert state["features"]["Token-Based Authentication"] is False
    admin = next(e for e in state["employees"] if e["email"] == "admin@example.com")
    assert admin["name"] == "Admin User" and admin["roles"] == ["Administrator"]
    assert any(e["name"] == "Jane Doe" for e in state["employees"])
    assert [i["name"] for i in state["integrations"]] == ["SuiteCloud IDE & CLI"]


def test_settings_endpoint_validates(sim: SimulatorHandle) -> None:
    assert _post_json(sim.url + "/__sim/settings", {"latency_ms": 5}) == (200, sim.settings())
    assert sim.settings()["latency_ms"] == 5
    status, body = _post_json(sim.url + "/__sim/settings", {"latency_ms": -1})
    assert status == 400 and "non-negative" in body["error"]
    status, body = _post_json(sim.url + "/__sim/settings", {"nope": 1})
    assert status == 400 and "unknown setting" in body["error"]


def test_latency_applies_to_pages_not_assets(sim: SimulatorHandle) -> None:
    sim.settings(latency_ms=300)
    start = time.perf_counter()
    _get(sim.url + "/pages/customerlogin.jsp")
    assert time.perf_counter() - start >= 0.3
    start = time.perf_counter()
    _get(sim.url + "/ui/ns.js")
    assert time.perf_counter() - start < 0.3


def test_main_reports_busy_port(sim: SimulatorHandle, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--port", str(sim.port), "--db", ":memory:"]) == 3
    assert "cannot listen" in capsys.readouterr().err
