"""A page NetSuite answers with an error is never read as an empty list or a blank form."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


def test_a_list_answered_with_404_stops_the_stage_with_its_path(sim, workspace, clean_keyring):
    """The token stage's lookup points at a list NetSuite does not have: the run stops there, in one
    line naming the path, and creates no token (a 404 read as an empty list would look like 'no user')."""
    shutil.copytree(ROOT / "flows", workspace.path / "flows")
    token = workspace.path / "flows" / "token.yaml"
    token.write_text(token.read_text().replace("list: /app/common/entity/employeelist.nl", "list: /app/nolist.nl"))
    workspace.write_config(sim.url)

    result = workspace.nsauto("run", "--config", "config.yaml", "--account", "sandbox", "--flow", "flows/setup.yaml")

    assert result.returncode == 1, result.output
    assert "/app/nolist.nl with HTTP 404" in result.output
    assert "Traceback" not in result.output
    assert [t for t in sim.state()["tokens"] if not t["revoked"]] == []
