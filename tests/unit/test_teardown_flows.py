"""The teardown flows (`nsauto destroy`) and the vocabulary they add: revoke, remove_row,
find_record's skip_if_absent and a stage's retires."""

from __future__ import annotations

from pathlib import Path

import pytest

from automation.config import load_config
from automation.engine import model as m
from automation.engine.loader import AUTH_FLOWS, check_references, flow_for_auth, load_flow
from automation.engine.variables import variables_for
from automation.errors import InputError

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("auth", list(AUTH_FLOWS))
def test_destroy_flow_per_auth_loads_in_the_issue_order(auth: str) -> None:
    flow = load_flow(flow_for_auth(auth, destroy=True))
    names = [s.stage for s in flow.stages]
    revokes = {
        "tba": ["revoke-tokens"],
        "oauth2_m2m": ["revoke-certificates"],
        "both": ["revoke-tokens", "revoke-certificates"],
    }
    assert names == ["login", *revokes[auth], "block-integration", "remove-role", "retire-role"]
    config = load_config(ROOT / "config.yaml")
    check_references(flow, variables_for(config, next(iter(config.accounts.values()))))
    retired = {n for s in flow.stages for n in s.retires}
    assert {"consumer_key", "consumer_secret"} <= retired
    assert ("token_id" in retired) == (auth != "oauth2_m2m")
    assert ("private_key" in retired) == (auth != "tba")


def test_destroy_verbs_parse(tmp_path: Path) -> None:
    stage = tmp_path / "stage.yaml"
    stage.write_text(
        "stage: x\nretires: [token_id]\nsteps:\n"
        "  - find_record: {list: /l.nl, form: /f.nl, name: N, skip_if_absent: true}\n"
        "  - revoke: {list: /app/setup/accesstokens.nl, match: {User: Jane}}\n"
        "  - remove_row: {tab: Access, match: {Role: R}}\n"
    )
    flow = load_flow(stage)
    steps = flow.stages[0].steps
    assert [m.action_of(s) for s in steps] == ["find_record", "revoke", "remove_row"]
    assert steps[0].find_record.skip_if_absent is True  # type: ignore[attr-defined]
    assert steps[2].remove_row.tab == "Access"  # type: ignore[attr-defined]
    assert flow.stages[0].retires == ["token_id"]


def test_retires_names_only_keyring_names(tmp_path: Path) -> None:
    stage = tmp_path / "stage.yaml"
    stage.write_text("stage: x\nretires: [token_ids]\nsteps:\n  - open: /a.nl\n")
    with pytest.raises(InputError) as caught:
        load_flow(stage)
    assert "stage.yaml:2" in caught.value.message and "token_ids" in caught.value.message
    assert "token_id" in (caught.value.hint or "")


def test_revoke_needs_its_list(tmp_path: Path) -> None:
    stage = tmp_path / "stage.yaml"
    stage.write_text("stage: x\nsteps:\n  - revoke: {match: {User: Jane}}\n")
    with pytest.raises(InputError) as caught:
        load_flow(stage)
    assert "stage.yaml:3" in caught.value.message
