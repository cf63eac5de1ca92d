"""The critical path's page loads (issue 14): no list read twice in a run, lists read ahead beside
features, no wait for a branch window.

The simulator's App is wrapped to record every request, so the test counts page loads as NetSuite
would see them.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest

pytestmark = pytest.mark.e2e

EMPLOYEES = "/app/common/entity/employeelist.nl"
ROLES = "/app/setup/rolelist.nl"
TOKENS = "/app/setup/accesstokens.nl"
FEATURES = "/app/setup/features.nl"


@pytest.fixture
def requests_seen(sim, monkeypatch):
    """(method, path) of every request the simulator answers during the test."""
    seen: list[tuple[str, str]] = []
    handle = sim.app.handle

    def recording(request):
        seen.append((request.method, request.path))
        return handle(request)

    monkeypatch.setattr(sim.app, "handle", recording)
    return seen


@pytest.mark.parametrize("look", ["ticked_late"])  # the others run in tests/e2e/test_dials.py's draws
def test_the_employee_list_is_read_once_and_the_branch_gets_its_window_at_once(
    sim, workspace, clean_keyring, requests_seen, look
):
    """employee-role reads the employee list; token's lookup of the same row is served from the run's
    memory. The integration branch opens its window right after features, whose terms watch must not
    take that window for a terms window (it held it for the whole 10 s popup timeout)."""
    sim.settings(dials={"tos_popup": look})
    workspace.write_config(sim.url)
    started = time.monotonic()
    result = workspace.nsauto("run", "--config", "config.yaml", "--account", "sandbox")
    seconds = time.monotonic() - started
    assert result.returncode == 0, result.output

    gets = Counter(path for method, path in requests_seen if method == "GET")
    assert gets[EMPLOYEES] == 1, gets
    # Read ahead in the spare window while features ran: off the critical path, and once each.
    features_saved = requests_seen.index(("POST", FEATURES))
    for listed in (ROLES, EMPLOYEES, TOKENS):
        assert gets[listed] == 1, (listed, gets)
        assert requests_seen.index(("GET", listed)) < features_saved, (listed, requests_seen)
    assert "none active (the list read before the new record had none)" in result.output
    assert "look up Name of admin@example.com" in result.output
    assert "Admin User" in result.output  # the value the token's User dropdown got, from memory
    log = "".join(p.read_text() for p in (workspace.path / "runs").rglob("nsauto.log"))
    assert "no popup window for a branch" not in log
    assert seconds < 60, seconds
    token = [t for t in sim.state()["tokens"] if not t["revoked"]]
    assert len(token) == 1 and token[0]["user"] == "Admin User"


def test_check_mode_reads_the_list_again(sim, workspace, clean_keyring, requests_seen):
    """`nsauto check` resolves every step's locators on its own page: no row from memory there."""
    workspace.write_config(sim.url)
    assert workspace.nsauto("run", "--config", "config.yaml", "--account", "sandbox").returncode == 0
    requests_seen.clear()
    result = workspace.nsauto("check", "--config", "config.yaml", "--account", "sandbox")
    assert result.returncode in (0, 1), result.output
    gets = Counter(path for method, path in requests_seen if method == "GET")
    assert gets[EMPLOYEES] == 2, gets


def test_a_rerun_goes_straight_to_the_records_and_a_rotation_weighs_the_old_token(
    sim, workspace, clean_keyring, requests_seen
):
    """With everything there, the read-ahead finds the role and the employee (their stages open the
    record, no list); with an active token on the list read ahead, `--rotate` reads the list again
    after its save and revokes the old one."""
    workspace.write_config(sim.url)
    assert workspace.nsauto("run", "--config", "config.yaml", "--account", "sandbox").returncode == 0
    requests_seen.clear()
    result = workspace.nsauto("run", "--config", "config.yaml", "--account", "sandbox", "--rotate")
    assert result.returncode == 0, result.output
    gets = Counter(path for method, path in requests_seen if method == "GET")
    assert gets[ROLES] == 1 and gets[EMPLOYEES] == 1, gets
    first_token_save = requests_seen.index(("POST", "/app/setup/accesstoken.nl"))
    assert ("GET", TOKENS) in requests_seen[:first_token_save]  # read ahead: one active token there
    assert ("GET", TOKENS) in requests_seen[first_token_save:]  # so read again after the save, to revoke it
    assert "revoked 1 older token(s)" in result.output
    tokens = sim.state()["tokens"]
    assert [t["revoked"] for t in tokens] == [True, False], tokens


def test_a_read_ahead_that_fails_leaves_the_list_to_its_stage(
    sim, workspace, clean_keyring, requests_seen, monkeypatch
):
    """NetSuite answers the first read of the role list (the read-ahead's) with a 503: the read-ahead
    stops without a word on the console, and the role stage reads the list itself."""
    from automation.simulator.web import html

    handle = sim.app.handle  # requests_seen's recorder
    refused: list[str] = []

    def refusing(request):
        if request.method == "GET" and request.path == ROLES and not refused:
            refused.append(request.path)
            return html("<html><body><h1>An Unexpected Error Has Occurred</h1></body></html>", status=503)
        return handle(request)

    monkeypatch.setattr(sim.app, "handle", refusing)
    workspace.write_config(sim.url)
    result = workspace.nsauto("run", "--config", "config.yaml", "--account", "sandbox")
    assert result.returncode == 0, result.output
    assert refused == [ROLES]
    gets = Counter(path for method, path in requests_seen if method == "GET")
    assert gets[ROLES] == 1 and gets[EMPLOYEES] == 1, gets  # the 503 never reached the recorder; read once more
    assert "read-ahead" not in result.output
    log = "".join(p.read_text() for p in (workspace.path / "runs").rglob("nsauto.log"))
    assert "read-ahead of /app/setup/rolelist.nl stopped" in log
    assert [t for t in sim.state()["tokens"] if not t["revoked"]], "the setup finished with a token"
