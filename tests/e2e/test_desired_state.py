"""Desired state: plan changes nothing, run repairs only what differs, rotate and resume are safe."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import keyring
import pytest

from automation.simulator.catalog import LEVEL_BY_LABEL, PERMISSION_BY_NAME
from automation.simulator.models import Role

pytestmark = pytest.mark.e2e

RUN = ("--config", "config.yaml", "--account", "sandbox")
ROLE = "Integration Role for Acme"


def _business_state(sim) -> dict:
    """The simulator's records without its request log (REST calls are not changes)."""
    state = sim.state()
    state.pop("rest_calls", None)
    return state


def _active_tokens(sim) -> list[dict]:
    return [t for t in sim.state()["tokens"] if not t["revoked"]]


def test_plan_changes_nothing_and_run_makes_plan_clean(sim, workspace, clean_keyring):
    workspace.write_config(sim.url)
    before = _business_state(sim)
    plan = workspace.nsauto("plan", *RUN)
    assert plan.returncode == 2, plan.output  # changes pending, as terraform plan -detailed-exitcode
    assert "+ create Integration Role for Acme" in plan.stderr
    assert "Plan:" in plan.stderr
    assert _business_state(sim) == before, "plan changed the account"

    assert workspace.nsauto("run", *RUN).returncode == 0
    after_run = _business_state(sim)
    again = workspace.nsauto("plan", *RUN, "--json")
    assert again.returncode == 0, again.output
    assert json.loads(again.stdout)["counts"].get("would-change", 0) == 0
    assert _business_state(sim) == after_run


def test_role_edited_by_hand_is_shown_by_plan_and_repaired_by_run(sim, workspace, clean_keyring):
    workspace.write_config(sim.url)
    assert workspace.nsauto("run", *RUN).returncode == 0
    store = sim.app.store
    role = store.find(Role, name=ROLE)[0]
    del role.permissions[PERMISSION_BY_NAME["User Access Tokens"].key]
    role.permissions[PERMISSION_BY_NAME["SuiteAnalytics Workbook"].key] = LEVEL_BY_LABEL["View"]
    role.web_services_only = False
    store.update(role)

    plan = workspace.nsauto("plan", *RUN)
    assert plan.returncode == 2, plan.output
    assert "+ Permission User Access Tokens → Level Full" in plan.stderr
    assert "~ Permission SuiteAnalytics Workbook → Level Edit  (now Level View)" in plan.stderr
    assert "~ check Web Services Only Role" in plan.stderr

    run = workspace.nsauto("run", *RUN)
    assert run.returncode == 0, run.output
    roles = [r for r in sim.state()["roles"] if r["name"] == ROLE]
    assert len(roles) == 1
    assert roles[0]["permissions"]["User Access Tokens"] == "Full"
    assert roles[0]["permissions"]["SuiteAnalytics Workbook"] == "Edit"
    assert roles[0]["web_services_only"] is True
    assert workspace.nsauto("plan", *RUN).returncode == 0


def test_lost_consumer_secret_leads_to_reset_credentials(sim, workspace, clean_keyring):
    workspace.write_config(sim.url)
    assert workspace.nsauto("run", *RUN).returncode == 0
    keyring.delete_password(clean_keyring, "consumer_secret")

    plan = workspace.nsauto("plan", *RUN)
    assert plan.returncode == 2
    assert "Reset Credentials and capture consumer_key, consumer_secret" in plan.stderr

    run = workspace.nsauto("run", *RUN)
    assert run.returncode == 0, run.output
    assert "Reset Credentials" in run.stderr
    integration = next(i for i in sim.state()["integrations"] if i["name"] == "Integration for Acme")
    assert keyring.get_password(clean_keyring, "consumer_secret") == integration["consumer_secret"]
    assert keyring.get_password(clean_keyring, "consumer_key") == integration["consumer_key"]
    assert workspace.nsauto("verify", *RUN).returncode == 0
    assert len([i for i in sim.state()["integrations"] if i["name"] == "Integration for Acme"]) == 1


def test_lost_token_secret_makes_a_new_token_and_revokes_the_old(sim, workspace, clean_keyring):
    workspace.write_config(sim.url)
    assert workspace.nsauto("run", *RUN).returncode == 0
    keyring.delete_password(clean_keyring, "token_secret")

    run = workspace.nsauto("run", *RUN)
    assert run.returncode == 0, run.output
    active = _active_tokens(sim)
    assert len(active) == 1
    assert keyring.get_password(clean_keyring, "token_secret") == active[0]["token_secret"]
    assert workspace.nsauto("verify", *RUN).returncode == 0


@pytest.mark.parametrize("token_list", ["list_revoke_link", "record_revoke"])
def test_rotate_leaves_exactly_one_working_token(sim, workspace, clean_keyring, token_list):
    """On either list layout (a Revoke link per row, or SuiteTools' columns with Revoke only on the
    record), the rotate revokes the old token through its record and says which one it revoked."""
    sim.settings(dials={"token_list": token_list})
    workspace.write_config(sim.url)
    assert workspace.nsauto("run", *RUN).returncode == 0
    first = _active_tokens(sim)[0]

    rotate = workspace.nsauto("run", *RUN, "--rotate")
    assert rotate.returncode == 0, rotate.output
    active = _active_tokens(sim)
    assert len(active) == 1
    assert active[0]["id"] != first["id"]
    assert next(t for t in sim.state()["tokens"] if t["id"] == first["id"])["revoked"] is True
    assert f"revoked 1 older token(s): '{first['name']}' (id {first['id']})" in rotate.output
    assert keyring.get_password(clean_keyring, "token_id") == active[0]["token_id"]
    assert workspace.nsauto("verify", *RUN).returncode == 0


def test_rotate_with_the_token_list_refused_fails_and_never_says_none_active(sim, workspace, clean_keyring):
    """An error page on the Access Tokens list is not an empty list: the run fails and says where."""
    sim.settings(dials={"token_list": "record_revoke"})
    workspace.write_config(sim.url)
    assert workspace.nsauto("run", *RUN).returncode == 0
    sim.settings(faults={"no_permission": {"paths": ["/app/setup/accesstokens.nl"]}})
    try:
        rotate = workspace.nsauto("run", *RUN, "--rotate")
    finally:
        sim.settings(faults={})
    assert rotate.returncode == 1, rotate.output
    assert "/app/setup/accesstokens.nl" in rotate.stderr and "privileges" in rotate.stderr, rotate.stderr
    assert "none active" not in rotate.output


def test_run_killed_in_the_role_stage_resumes_with_exactly_one_role(sim, workspace, clean_keyring):
    workspace.write_config(sim.url)
    sim.settings(latency_ms=300)  # slow pages give the test time to kill mid-stage
    proc = subprocess.Popen(
        [sys.executable, "-m", "automation", "run", *RUN],
        cwd=workspace.path,
        env=workspace.env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if "Center Type = Accounting Center" in line:  # inside the role stage, before its Save
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "".join(seen)
    journal = json.loads((workspace.path / "runs" / "journal" / "sandbox.json").read_text())
    assert journal["stages"]["features"]["status"] == "done"
    assert "role" not in journal["stages"]

    sim.settings(latency_ms=0)
    resumed = workspace.nsauto("run", *RUN, "--resume")
    assert resumed.returncode == 0, resumed.output
    assert "▶ features" not in resumed.stderr  # finished stages are not repeated
    assert "▶ role" in resumed.stderr
    assert len([r for r in sim.state()["roles"] if r["name"] == ROLE]) == 1
    assert workspace.nsauto("verify", *RUN).returncode == 0
