"""`nsauto destroy`: the setup taken down and built again, end to end (real CLI, Chromium, keyring).

The dials that concern a teardown each take every value in some test: `inactive_list` (does the
role list show an inactive role, or only after Show Inactives), `role_inactivate` (may a role still
held go inactive) and `token_list` (where Revoke lives).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import keyring
import pytest
from conftest import issued_tba
from test_m2m import M2M_NAMES, PENDING, write_config

from automation.netsuite.rest import TbaCredentials, verify_tba
from automation.simulator import demo

pytestmark = pytest.mark.e2e

RUN = ("--config", "config.yaml", "--account", "sandbox")
SERVICE = f"netsuite:{demo.ACCOUNT_ID}"
TBA_NAMES = ("consumer_key", "consumer_secret", "token_id", "token_secret")
ROLE, APP = "Integration Role for Acme", "Integration for Acme"


def _wipe(names: tuple[str, ...]) -> None:
    for name in names:
        if keyring.get_password(SERVICE, name) is not None:
            keyring.delete_password(SERVICE, name)


@pytest.fixture
def m2m_keyring(clean_keyring):
    _wipe((*M2M_NAMES, PENDING))
    yield
    _wipe((*M2M_NAMES, PENDING))


def _taken_down(state: dict, role: str, app: str) -> None:
    """Integration Blocked, the role off every employee and Inactive, nothing of it active."""
    integration = next(i for i in state["integrations"] if i["name"] == app)
    assert integration["state"] == "Blocked", integration["state"]
    assert [r["inactive"] for r in state["roles"] if r["name"] == role] == [True]
    assert all(role not in e["roles"] for e in state["employees"])
    assert not [t for t in state["tokens"] if not t["revoked"]]
    assert not [m for m in state["m2m_mappings"] if not m["revoked"]]


def _no_secret(outputs: list[str], secrets: dict[str, str]) -> None:
    for text in outputs:
        for name, value in secrets.items():
            assert value not in text, f"{name} appeared in the output"


@pytest.mark.parametrize(
    "dials",
    [
        {"inactive_list": "hidden", "role_inactivate": "refused_while_assigned", "token_list": "record_revoke"},
        {"inactive_list": "shown", "role_inactivate": "allowed", "token_list": "list_revoke_link"},
    ],
    ids=["hidden-refused-record", "shown-allowed-link"],
)
def test_tba_destroy_cycle(sim, workspace, clean_keyring, dials):
    sim.settings(dials=dials)
    workspace.write_config(sim.url)
    outputs: list[str] = []

    first = workspace.nsauto("run", *RUN)
    outputs.append(first.output)
    assert first.returncode == 0, first.output
    old = issued_tba(sim.state())

    plan = workspace.nsauto("plan", "--destroy", *RUN)
    outputs.append(plan.output)
    assert plan.returncode == 2, plan.output
    before = sim.state()
    assert next(i for i in before["integrations"] if i["name"] == APP)["state"] == "Enabled"
    assert len([t for t in before["tokens"] if not t["revoked"]]) == 1  # the plan changed nothing
    assert keyring.get_password(SERVICE, "token_id") == old["token_id"]

    gone = workspace.nsauto("destroy", "--yes", *RUN, "--json")
    outputs.append(gone.output)
    assert gone.returncode == 0, gone.output
    _taken_down(sim.state(), ROLE, APP)
    for name in TBA_NAMES:
        assert keyring.get_password(SERVICE, name) is None, name
    teardown = json.loads(gone.stdout)["teardown"]
    assert sorted(teardown["deleted"]) == sorted(TBA_NAMES) and not teardown["kept"]
    refused = verify_tba(sim.rest_url, TbaCredentials(demo.ACCOUNT_ID, *(old[n] for n in TBA_NAMES)))
    assert not refused.ok and refused.status == 401 and refused.error_code == "INVALID_LOGIN"
    manifest = json.loads((workspace.path / "nsauto-home" / "manifest.json").read_text())
    assert manifest["accounts"][demo.ACCOUNT_ID]["facts"]["teardown"]["complete"] is True

    again = workspace.nsauto("destroy", "--yes", *RUN, "--json")
    outputs.append(again.output)
    assert again.returncode == 0, again.output
    assert json.loads(again.stdout)["counts"].get("changed", 0) == 0, again.stdout
    plan_after = workspace.nsauto("plan", "--destroy", *RUN)
    assert plan_after.returncode == 0, plan_after.output

    rebuilt = workspace.nsauto("run", *RUN)
    outputs.append(rebuilt.output)
    assert rebuilt.returncode == 0, rebuilt.output
    state = sim.state()
    assert next(i for i in state["integrations"] if i["name"] == APP)["state"] == "Enabled"
    assert [r["inactive"] for r in state["roles"] if r["name"] == ROLE] == [False]  # the same record again
    new = issued_tba(state)
    assert new["consumer_key"] != old["consumer_key"]  # Reset Credentials: a new consumer pair
    verify = workspace.nsauto("verify", *RUN)
    assert verify.returncode == 0, verify.output
    _no_secret(outputs, {**{f"old {k}": v for k, v in old.items()}, **new})


def test_m2m_destroy_cycle(sim, workspace, m2m_keyring):
    sim.settings(dials={"inactive_list": "hidden", "role_inactivate": "allowed", "m2m_list": "no_subject"})
    write_config(workspace, sim.url)
    role, app = "M2M Role for Acme", "M2M Integration for Acme"
    first = workspace.nsauto("run", *RUN)
    assert first.returncode == 0, first.output
    key = {n: keyring.get_password(SERVICE, n) for n in M2M_NAMES}
    assert all(key.values())

    gone = workspace.nsauto("destroy", "--yes", *RUN)
    assert gone.returncode == 0, gone.output
    _taken_down(sim.state(), role, app)
    for name in (*M2M_NAMES, PENDING):
        assert keyring.get_password(SERVICE, name) is None, name

    again = workspace.nsauto("destroy", "--yes", *RUN, "--json")
    assert again.returncode == 0, again.output
    assert json.loads(again.stdout)["counts"].get("changed", 0) == 0, again.stdout

    rebuilt = workspace.nsauto("run", *RUN)
    assert rebuilt.returncode == 0, rebuilt.output
    verify = workspace.nsauto("verify", *RUN)
    assert verify.returncode == 0, verify.output
    _no_secret([first.output, gone.output, again.output, rebuilt.output, verify.output], key)  # type: ignore[arg-type]


def test_a_destroy_killed_halfway_is_finished_by_the_next(sim, workspace, clean_keyring):
    workspace.write_config(sim.url)
    first = workspace.nsauto("run", *RUN)
    assert first.returncode == 0, first.output
    sim.settings(latency_ms=400)  # later pages come slowly: time to kill between the stages
    proc = subprocess.Popen(
        [sys.executable, "-m", "automation", "destroy", "--yes", *RUN],
        cwd=workspace.path,
        env=workspace.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: the browser dies with it
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and proc.poll() is None:
        if not [t for t in sim.state()["tokens"] if not t["revoked"]]:
            break
        time.sleep(0.2)  # polling the simulator another process drives; there is no event to wait on
    assert proc.poll() is None, "destroy ended before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    halfway = sim.state()
    assert next(i for i in halfway["integrations"] if i["name"] == APP)["state"] == "Enabled"
    assert keyring.get_password(SERVICE, "token_id") is not None  # deleted only after the whole run
    sim.settings(latency_ms=0)

    finished = workspace.nsauto("destroy", "--yes", *RUN)
    assert finished.returncode == 0, finished.output
    _taken_down(sim.state(), ROLE, APP)
    for name in TBA_NAMES:
        assert keyring.get_password(SERVICE, name) is None, name


def test_destroy_without_a_terminal_or_yes_refuses_before_anything(sim, workspace):
    workspace.write_config(sim.url)
    refused = workspace.nsauto("destroy", *RUN)
    assert refused.returncode == 2, refused.output
    assert "--yes" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 2  # one line and a hint, no traceback
    assert not (workspace.path / "runs").exists()  # no browser, no run folder


def test_destroy_features_turns_off_only_what_nsauto_turned_on(sim, workspace, clean_keyring):
    """SOAP Web Services was on before the run: it stays on. REST Web Services and Token-Based
    Authentication were ticked by `run`: `destroy --features` warns, then unticks exactly those."""
    sim.app.store.set_features({"webservicesexternal": True})
    workspace.write_config(sim.url)
    first = workspace.nsauto("run", *RUN)
    assert first.returncode == 0, first.output
    manifest = workspace.path / "nsauto-home" / "manifest.json"
    facts = json.loads(manifest.read_text())["accounts"][demo.ACCOUNT_ID]["facts"]
    assert facts["features_turned_on"] == ["REST Web Services", "Token-Based Authentication"]

    plan = workspace.nsauto("plan", "--destroy", "--features", *RUN)
    assert plan.returncode == 2, plan.output
    assert "REST Web Services: other REST integrations" in plan.stderr
    assert "uncheck Token-Based Authentication" in plan.output
    assert sim.state()["features"]["Token-Based Authentication"] is True  # the plan changed nothing

    gone = workspace.nsauto("destroy", "--yes", "--features", *RUN, "--json")
    assert gone.returncode == 0, gone.output
    assert "warning: --features turns off in sandbox" in gone.stderr
    assert "Token-Based Authentication: every TBA integration" in gone.stderr
    assert "SOAP Web Services" not in gone.stderr
    _taken_down(sim.state(), ROLE, APP)
    features = sim.state()["features"]
    assert features["SOAP Web Services"] is True  # on before nsauto ran: never turned off
    assert features["REST Web Services"] is False and features["Token-Based Authentication"] is False
    teardown = json.loads(gone.stdout)["teardown"]
    assert teardown["features_off"] == ["REST Web Services", "Token-Based Authentication"]
    assert "features_turned_on" not in json.loads(manifest.read_text())["accounts"][demo.ACCOUNT_ID]["facts"]

    again = workspace.nsauto("destroy", "--yes", "--features", *RUN, "--json")
    assert again.returncode == 0, again.output
    assert json.loads(again.stdout)["counts"].get("changed", 0) == 0, again.stdout
    assert "none to turn off" in again.stderr and "warning" not in again.stderr
    assert sim.state()["features"]["SOAP Web Services"] is True
