"""The login dials, a session that ends at a Save, and a missing field, through the real CLI.

The login pages NetSuite may put after the password are account properties the public record
leaves open (`automation/simulator/dials.py`): a Login Notification whose button wording is
unknown, a security question, a 2FA page with or without "Trust this device". Every value of each
must log in. A session that ends while a form is open may answer the Save with an error page at
the form's own URL instead of the login redirect: both must end in a re-login and the stage redone,
with exactly one role, integration and active token. And the error path for a missing field must
end with its one-line message (item 8 of the imitation's report: it crashed with a TypeError).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from test_faults import ANSWER, CONFIG, final_state

from automation.simulator.faults import injector_for

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
RUN = ("--config", "config.yaml", "--account", "sandbox")
ENV = {"NS_SECURITY_ANSWER": ANSWER}

# Five logins that between them take every value of the three login dials.
LOGIN_COMBOS = [
    {"login_notification": "off", "security_question": "off", "trust_device": "shown"},
    {"login_notification": "acknowledge", "security_question": "on", "trust_device": "hidden"},
    {"login_notification": "i_acknowledge", "security_question": "off", "trust_device": "hidden"},
    {"login_notification": "continue", "security_question": "on", "trust_device": "shown"},
    {"login_notification": "single_button", "security_question": "on", "trust_device": "hidden"},
]


def _ids(combo: dict[str, str]) -> str:
    return "-".join(combo.values())


def _configure(sim, workspace) -> None:
    workspace.write_config(sim.url, text=CONFIG.format(url=sim.url, account_id=sim.account_id))


def _events(sim) -> Counter[str]:
    return Counter(injector_for(sim.app).events)


@pytest.mark.parametrize("combo", LOGIN_COMBOS, ids=_ids)
def test_login_passes_every_login_dial(sim, workspace, combo: dict[str, str]) -> None:
    sim.settings(dials=combo)
    _configure(sim, workspace)
    before = _events(sim)
    ran = workspace.nsauto("run", "--only", "login", *RUN, env=ENV)
    happened = _events(sim) - before
    assert ran.returncode == 0, f"dials {combo}\n{ran.output}"
    assert happened["notification_acknowledged"] == (combo["login_notification"] != "off"), happened
    assert not happened["notification_declined"], "the login pressed Log Out on the notification"
    assert happened["question_answered"] == (combo["security_question"] == "on"), happened
    assert not happened["trusted_device_issued"], "the login ticked 'trust this device'"
    assert ANSWER not in ran.output


@pytest.mark.usefixtures("clean_keyring")
@pytest.mark.parametrize("session_end", ["login_redirect", "error_page"])
def test_a_session_that_ends_at_a_save_is_lost_and_the_stage_redone(sim, workspace, session_end: str) -> None:
    """The integration's Save finds the session ended: log in again, redo the stage, one of each."""
    sim.settings(
        dials={"session_end": session_end},
        faults={"session_expiry": {"after": 1, "on_post": "/app/common/integration/integrapp.nl"}},
    )
    _configure(sim, workspace)
    before = _events(sim)
    try:
        ran = workspace.nsauto("run", *RUN, env=ENV)
    finally:
        sim.settings(faults={})
    happened = _events(sim) - before
    assert ran.returncode == 0, ran.output
    assert happened["session_expiry"] == 1
    assert bool(happened["session_end_page"]) == (session_end == "error_page"), happened  # a Save saw the page
    # One ended session; each stage branch running then (engine/graph.py) sees it and logs in again.
    assert 1 <= ran.output.count("session ended: logged in again") <= 2, ran.output
    assert "refused the save" not in ran.output
    assert final_state(sim) == []


def test_a_missing_field_ends_with_its_one_line_message(sim, workspace) -> None:
    """FieldNotFound passes explain()'s rebuild (it used to raise a TypeError there instead)."""
    _configure(sim, workspace)
    (workspace.path / "login.yaml").write_text((ROOT / "flows" / "login.yaml").read_text())
    (workspace.path / "broken-role.yaml").write_text(
        "stage: role\n"
        "needs: [login]\n"
        "steps:\n"
        "  - open: /app/setup/role.nl\n"
        "  - fill: { field: Favourite Colour, value: teal }\n"
    )
    flow = workspace.path / "broken.yaml"
    flow.write_text("name: a field that is not there\nstages:\n  - login.yaml\n  - broken-role.yaml\n")
    ran = workspace.nsauto("run", "--flow", str(flow), "--timeout", "5", *RUN, env=ENV)
    assert ran.returncode == 1, ran.output
    errors = [line for line in ran.output.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, ran.output
    assert "stage 'role'" in errors[0] and "no field labelled 'Favourite Colour'" in errors[0], errors[0]
    assert "hint: " in ran.output
    assert "Traceback" not in ran.output and "TypeError" not in ran.output
