"""The whole TBA setup end to end: real CLI, real Chromium, real keyring, simulator over HTTP."""

from __future__ import annotations

import keyring
import pytest
from conftest import issued_tba

pytestmark = pytest.mark.e2e

NAMES = ("consumer_key", "consumer_secret", "token_id", "token_secret")


def test_full_setup_stores_verified_secrets_and_a_rerun_changes_nothing(sim, workspace, clean_keyring):
    workspace.write_config(sim.url)

    first = workspace.nsauto("run", "--config", "config.yaml", "--account", "sandbox")
    assert first.returncode == 0, first.output

    state = sim.state()
    assert state["features"]["Token-Based Authentication"] is True
    assert state["features"]["REST Web Services"] is True
    roles = [r for r in state["roles"] if r["name"] == "Integration Role for Acme"]
    assert len(roles) == 1
    assert roles[0]["web_services_only"] is True
    assert roles[0]["center_type"] == "Accounting Center"
    assert roles[0]["permissions"]["Log in using Access Tokens"] == "Full"
    assert roles[0]["permissions"]["SuiteAnalytics Workbook"] == "Edit"
    admin = next(e for e in state["employees"] if e["email"] == "admin@example.com")
    assert "Integration Role for Acme" in admin["roles"]

    issued = issued_tba(state)
    for name in NAMES:
        assert keyring.get_password(clean_keyring, name) == issued[name], name

    # No secret in what the user saw or in the run's log.
    logs = "".join(p.read_text() for p in (workspace.path / "runs").rglob("*.log"))
    for value in issued.values():
        assert value not in first.output
        assert value not in logs

    verify = workspace.nsauto("verify", "--config", "config.yaml", "--account", "sandbox")
    assert verify.returncode == 0, verify.output

    second = workspace.nsauto("run", "--config", "config.yaml", "--account", "sandbox", "--json")
    assert second.returncode == 0, second.output
    import json

    summary = json.loads(second.stdout)
    assert summary["counts"].get("changed", 0) == 0, summary
    after = sim.state()
    assert len([r for r in after["roles"] if r["name"] == "Integration Role for Acme"]) == 1
    assert len([i for i in after["integrations"] if i["name"] == "Integration for Acme"]) == 1
    assert len([t for t in after["tokens"] if not t["revoked"]]) == 1
