"""The whole setup (TBA and OAuth 2.0 M2M in one run) on random draws of the simulator's dials.

Every behaviour of NetSuite that the public record leaves open is a dial
(`automation/simulator/dials.py`). Each CI run draws new combinations from a fresh seed, printed in
the test ids and the report header, so a failure is reproducible:

    NSAUTO_DIALS_SEED=<seed> make test PYTEST_ARGS=tests/e2e/test_dials.py

`NSAUTO_DIALS=all-pairs` runs instead a set in which every pair of values of two dials occurs
(`make all-pairs`, docs/real-netsuite.md); `NSAUTO_DIALS=believed` runs the values believed true,
`defaults` the first value of each; `NAME=VALUE,NAME=VALUE` one given combination.
On each combination: `check` on the empty account passes, `run` sets everything up and verifies,
a second `run` changes nothing, `run --rotate` leaves exactly one active token and one active
certificate mapping, `verify` passes, and no secret is in any output or file.
"""

from __future__ import annotations

import json
import os

import pytest
from test_m2m import APP, M2M_NAMES, RUN, TBA_NAMES, leaks, m2m_keyring, stored, write_config  # noqa: F401

from automation.simulator import dials

pytestmark = pytest.mark.e2e

DRAWS = int(os.environ.get("NSAUTO_DIALS_COUNT", "8"))
SECURITY_ANSWER = "Whiskers-2026"  # the simulator's default answer to its security question


def dials_seed() -> int:
    """NSAUTO_DIALS_SEED: tests/conftest.py sets a new one per run unless given (and prints it)."""
    return int(os.environ["NSAUTO_DIALS_SEED"])


def combinations() -> list[tuple[str, dict[str, str]]]:
    mode = os.environ.get("NSAUTO_DIALS", "random")
    if mode == "all-pairs":
        return [(f"pairs-{i + 1}", combo) for i, combo in enumerate(dials.all_pairs())]
    if mode == "believed":
        return [("believed", dials.believed())]
    if mode == "defaults":
        return [("defaults", {name: d.default for name, d in dials.CATALOG.items()})]
    if "=" in mode:  # one combination: NSAUTO_DIALS=tos_popup=ticked_late,token_list=record_revoke
        return [("given", dials.parse(mode.split(",")))]
    seed = dials_seed()
    return [(f"seed{seed}-{i + 1}", dials.draw(seed * 1000 + i)) for i in range(DRAWS)]


COMBOS = combinations()


def one_line(combo: dict[str, str]) -> str:
    return " ".join(f"{name}={value}" for name, value in combo.items())


def active_tokens(state: dict) -> list[dict]:
    return [t for t in state["tokens"] if not t["revoked"]]


def active_mappings(state: dict) -> list[dict]:
    return [m for m in state["m2m_mappings"] if not m["revoked"]]


@pytest.mark.usefixtures("m2m_keyring")
@pytest.mark.parametrize("combo", [c for _, c in COMBOS], ids=[name for name, _ in COMBOS])
def test_full_setup_on_a_dial_combination(sim, workspace, combo: dict[str, str]) -> None:
    sim.settings(dials=combo, dials_seed=dials_seed())
    write_config(workspace, sim.url, auth="both")
    config = workspace.config.read_text().replace(
        "      totp_secret: env:NS_TOTP_SECRET\n",
        "      totp_secret: env:NS_TOTP_SECRET\n      security_answers:\n        first pet: env:NS_SECURITY_ANSWER\n",
    )
    workspace.config.write_text(config)
    env = {"NS_SECURITY_ANSWER": SECURITY_ANSWER}
    where = f"dials: {one_line(combo)}"

    check = workspace.nsauto("check", *RUN, env=env)
    assert check.returncode == 0, f"{where}\n{check.output}"

    first = workspace.nsauto("run", *RUN, "--json", env=env)
    assert first.returncode == 0, f"{where}\n{first.output}"
    stages = [s["name"] for s in json.loads(first.stdout)["stages"]]
    assert stages == ["login", "features", "role", "employee-role", "integration", "token", "m2m-mapping"], where
    state = sim.state()
    integration = next(i for i in state["integrations"] if i["name"] == APP)
    assert integration["tba"] is True and integration["client_credentials"] is True, where
    assert len(active_tokens(state)) == 1 and len(active_mappings(state)) == 1, where
    values = stored((*TBA_NAMES, *M2M_NAMES))
    assert values["consumer_key"] == integration["consumer_key"], where
    assert values["token_secret"] == active_tokens(state)[0]["token_secret"], where

    again = workspace.nsauto("run", *RUN, "--json", env=env)
    assert again.returncode == 0, f"{where}\n{again.output}"
    assert json.loads(again.stdout)["counts"].get("changed", 0) == 0, f"{where}\n{again.stdout}"

    rotated = workspace.nsauto("run", *RUN, "--rotate", env=env)
    assert rotated.returncode == 0, f"{where}\n{rotated.output}"
    after = sim.state()
    tokens, mappings = active_tokens(after), active_mappings(after)
    assert len(tokens) == 1 and len(mappings) == 1, f"{where}: {len(tokens)} tokens, {len(mappings)} mappings"
    assert tokens[0]["token_id"] != active_tokens(state)[0]["token_id"], where
    assert mappings[0]["certificate_id"] != active_mappings(state)[0]["certificate_id"], where

    verify = workspace.nsauto("verify", *RUN, env=env)
    assert verify.returncode == 0, f"{where}\n{verify.output}"
    assert "OAuth 2.0 M2M token" in verify.stderr and "signed SuiteQL call" in verify.stderr, where
    assert leaks(workspace, check, first, again, rotated, verify) == [], where
