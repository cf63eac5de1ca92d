"""Issue 16: `check --capture` saves sanitized pages, `simulator --replay` serves them, `check` reads the same.

tests/captures/<name>/ holds captures of the bundled simulator on three dial combinations (TBA on a
fresh account, TBA with the believed dials and the features on, OAuth 2.0 M2M with redwood labels),
each with ``live-report.json``: the per-step outcomes of the live check that made it. Replaying a
committed capture must give those outcomes; one combination is also captured and replayed afresh, so
a simulator that changed since the captures were made still meets the round trip. The canary test
plants the run's secrets on the pages and finds none of them, in any encoding, in the capture.

Regenerate the committed captures with ``NSAUTO_REGENERATE_CAPTURES=1`` (test_regenerate_captures).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import keyring
import pytest
import yaml

from automation.secrets import leakscan
from automation.simulator import demo as sim_demo
from automation.simulator.models import Employee, Integration
from automation.simulator.server import start_in_thread

CAPTURES = Path(__file__).resolve().parents[1] / "captures"
RUN = ("--config", "config.yaml", "--account", "sandbox", "--json", "--fresh-login")
COMBOS: dict[str, dict[str, Any]] = {
    "tba-fresh-default-dials": {"auth": "tba", "dials": {}, "features": {}},
    "tba-believed-dials-features-on": {
        "auth": "tba",
        "dials": {"token_list": "record_revoke", "inactive_list": "hidden", "field_ids": "redwood"},
        "features": {"tba": True, "restwebservices": True},
    },
    "m2m-redwood-labels-no-subject": {
        "auth": "oauth2_m2m",
        "dials": {"m2m_list": "no_subject", "labels": "redwood", "feature_gated": "shown"},
        "features": {"oauth2": True, "restwebservices": True},
    },
}


def _config(workspace, url: str, auth: str, replace: dict[str, str] | None = None, extra: Any = None) -> None:
    """config.yaml for the workspace: the simulator's, with this auth mode and (replay) the capture's placeholders."""
    workspace.write_config(url)
    cfg = yaml.safe_load(workspace.config.read_text())
    cfg["setup"]["auth"] = auth
    if auth == "oauth2_m2m":
        cfg["setup"]["features"] = ["REST Web Services", "OAuth 2.0"]
        cfg["setup"]["role"]["permissions"] = [
            ["Log in using OAuth 2.0 Access Tokens", "Full"],
            ["REST Web Services", "Full"],
        ]
        cfg["setup"]["oauth2"] = {"scopes": ["rest_webservices"], "key_type": "ec-p256"}
    for dotted, value in (replace or {}).items():
        node = cfg
        *parents, last = dotted.split(".")
        for part in parents:
            node = node[part]
        node[last] = value
    if extra:
        extra(cfg)
    workspace.config.write_text(yaml.safe_dump(cfg))


def _outcomes(summary: dict, replace: dict[str, str]) -> list[list[str]]:
    """Per-step outcomes, each config value written as its placeholder; list items end at the first comma."""
    out = []
    for stage in summary["stages"]:
        for step in stage["steps"]:
            item = step["item"]
            for original, placeholder in replace.items():
                item = item.replace(original, placeholder)
            out.append([step["stage"], item.split(",", 1)[0], step["status"]])
    return sorted(out)


def _mapping(workspace, capture: Path) -> tuple[dict[str, str], dict[str, str]]:
    """(dotted config key → placeholder, original value → placeholder) from the capture's index."""
    index = json.loads((capture / "capture.json").read_text())
    cfg = yaml.safe_load(workspace.config.read_text())
    originals = {}
    for dotted, placeholder in index["config"].items():
        node = cfg
        for part in dotted.split("."):
            node = node[part]
        originals[str(node)] = placeholder
    return index["config"], originals


def _prepare(sim, combo: dict[str, Any]) -> None:
    sim.settings(dials=combo["dials"])
    if combo["features"]:
        sim.app.store.set_features({**sim.app.store.features(), **combo["features"]})


def _live_capture(sim, workspace, combo: dict[str, Any], target: Path) -> tuple[dict, dict[str, str]]:
    _prepare(sim, combo)
    _config(workspace, sim.url, combo["auth"])
    result = workspace.nsauto("check", *RUN, "--capture", str(target), "--capture-report")
    assert result.returncode in (0, 1), result.output
    assert "capture: " in result.stderr and "capture report" in result.stderr, result.stderr
    _, originals = _mapping(workspace, target)
    return json.loads(result.stdout), originals


def _replay_outcomes(workspace, capture: Path, auth: str) -> list[list[str]]:
    with start_in_thread(replay=str(capture)) as replay:
        config = json.loads((capture / "capture.json").read_text())["config"]
        _config(workspace, replay.url, auth, config)
        result = workspace.nsauto("check", *RUN)
    assert "Timeout" not in result.output, result.output
    return _outcomes(json.loads(result.stdout), {})


@pytest.mark.parametrize("name", sorted(COMBOS))
def test_replay_of_each_committed_capture_gives_the_live_check_report(name, workspace):
    capture = CAPTURES / name
    live = json.loads((capture / "live-report.json").read_text())
    assert _replay_outcomes(workspace, capture, COMBOS[name]["auth"]) == live["outcomes"]
    assert (capture / "pages").is_dir() and sum(f.stat().st_size for f in capture.rglob("*")) < 400_000


def test_a_fresh_capture_replays_to_the_same_report(sim, workspace, tmp_path):
    """The round trip on today's simulator: M2M, so the Create New popup window is captured too."""
    combo = COMBOS["m2m-redwood-labels-no-subject"]
    summary, originals = _live_capture(sim, workspace, combo, tmp_path / "cap")
    index = json.loads((tmp_path / "cap" / "capture.json").read_text())
    assert any(page["popup"] for page in index["pages"]), [p["url"] for p in index["pages"]]
    assert _replay_outcomes(workspace, tmp_path / "cap", combo["auth"]) == _outcomes(summary, originals)


def test_the_runs_secrets_planted_on_the_pages_are_not_in_the_capture(sim, workspace, tmp_path, clean_keyring):
    """The password, the TOTP seed, a security answer and a keyring value, shown as names and values."""
    answer, stored = "Canary-Answer-Rosebud", "ck-canary-0123456789abcdef0123456789"
    keyring.set_password(clean_keyring, "consumer_key", stored)
    store = sim.app.store
    store.insert(Employee(0, sim_demo.ADMIN_PASSWORD, "canary1@example.com", title=answer))
    store.insert(Employee(0, sim_demo.ADMIN_TOTP_SEED, "canary2@example.com", title=stored))
    store.insert(Employee(0, answer, f"{stored}@example.com"))
    store.insert(Integration(0, "Integration for Acme", "canary-app", description=stored, note=answer))

    def answers(cfg: dict) -> None:
        cfg["accounts"]["sandbox"]["login"]["security_answers"] = {"What was your first pet's name?": "env:NS_ANSWER"}

    _config(workspace, sim.url, "tba", extra=answers)
    target = tmp_path / "cap"
    result = workspace.nsauto("check", *RUN, "--capture", str(target), env={"NS_ANSWER": answer})
    assert "capture: " in result.stderr, result.output
    pages = (target / "pages").iterdir()
    assert any("Employee" in p.read_text() for p in pages)  # the planted names were there, as placeholders
    secrets = {
        "password": sim_demo.ADMIN_PASSWORD,
        "totp": sim_demo.ADMIN_TOTP_SEED,
        "answer": answer,
        "keyring": stored,
    }
    scanner = leakscan.Scanner(secrets)
    scanner.scan_path(target)
    assert scanner.hits == [], [str(h) for h in scanner.hits]
    assert scanner.files >= 5


@pytest.mark.skipif(not os.environ.get("NSAUTO_REGENERATE_CAPTURES"), reason="set NSAUTO_REGENERATE_CAPTURES=1")
@pytest.mark.parametrize("name", sorted(COMBOS))
def test_regenerate_captures(name, sim, workspace, tmp_path):
    """Make tests/captures/<name> anew from the bundled simulator (and the live report it must replay to)."""
    target = tmp_path / name
    summary, originals = _live_capture(sim, workspace, COMBOS[name], target)
    report = {"dials": COMBOS[name]["dials"], "auth": COMBOS[name]["auth"], "outcomes": _outcomes(summary, originals)}
    (target / "live-report.json").write_text(json.dumps(report, indent=1) + "\n")
    shutil.rmtree(CAPTURES / name, ignore_errors=True)
    shutil.copytree(target, CAPTURES / name)


def _inspected(workspace, url: str, auth: str, replace: dict[str, str] | None = None) -> dict[str, list]:
    """`inspect --json` of the role and integration pages, as (label, field id, widget) per page."""
    _config(workspace, url, auth, replace)
    result = workspace.nsauto("inspect", *RUN[:4], "role", "integration", "--json", "--options", "0")
    assert result.returncode == 0, result.output
    return {
        page["url"].split("//", 1)[1].split("/", 1)[1].split("?")[0]: sorted(
            (f["label"], f["id"], f["widget"], f["tab"]) for f in page.get("fields", [])
        )
        for page in json.loads(result.stdout)["pages"]
    }


def test_inspect_on_a_replay_shows_the_fields_it_shows_live(sim, workspace):
    """Labels, field ids and widgets are structure, kept by the sanitizer; values are not compared."""
    name = "tba-fresh-default-dials"
    _prepare(sim, COMBOS[name])
    live = _inspected(workspace, sim.url, "tba")
    capture = CAPTURES / name
    placeholders = json.loads((capture / "capture.json").read_text())["config"]
    with start_in_thread(replay=str(capture)) as replay:
        replayed = _inspected(workspace, replay.url, "tba", placeholders)
    assert len(live) == 2 and all(len(fields) >= 5 for fields in live.values()), live
    assert replayed == live
