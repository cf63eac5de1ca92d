"""A one-time secret the keyring refuses mid-capture is never lost.

The run uses the real Secret Service wrapped by ``FailingOnNthWrite`` (a real backend that
fails one write on purpose): the value goes to the encrypted recovery file, the run exits 4
with one line naming the item, the file and the `recover` command; nothing shows the value.
Then, with the keyring working, either `nsauto secrets recover` puts exactly NetSuite's issued
value in the keyring, or the next `nsauto run` repairs by itself (Reset Credentials / a new
token) and drops the stale saved copy. Either way: one integration, one active token, and a
signed REST call that passes.
"""

from __future__ import annotations

import contextlib
import json
import stat
from collections.abc import Iterator

import keyring
import keyring.errors
import pytest

from automation.secrets.leakscan import scan
from automation.secrets.recovery import RECOVERY_SERVICE
from automation.secrets.testing import QUALNAME
from automation.simulator import demo as sim_demo

pytestmark = pytest.mark.e2e

NAMES = ("consumer_key", "consumer_secret", "token_id", "token_secret")
WRITE_NUMBER = {name: n for n, name in enumerate(NAMES, start=1)}  # the recovery key's write is not counted
RUN = ("run", "--config", "config.yaml", "--account", "sandbox")


@pytest.fixture
def recovery_key() -> Iterator[None]:
    """No recovery key before the test (the run must create it at preflight), none after."""

    def wipe() -> None:
        with contextlib.suppress(keyring.errors.PasswordDeleteError):
            keyring.delete_password(RECOVERY_SERVICE, sim_demo.ACCOUNT_ID)

    wipe()
    yield
    wipe()


def _failing(name: str) -> dict[str, str]:
    return {"PYTHON_KEYRING_BACKEND": QUALNAME, "NSAUTO_TEST_FAIL_WRITE_N": str(WRITE_NUMBER[name])}


def _issued(state: dict) -> dict[str, str]:
    integration = next(i for i in state["integrations"] if i["name"] == "Integration for Acme")
    active = [t for t in state["tokens"] if not t["revoked"]]
    issued = {"consumer_key": integration["consumer_key"], "consumer_secret": integration["consumer_secret"]}
    if active:
        issued |= {"token_id": active[-1]["token_id"], "token_secret": active[-1]["token_secret"]}
    return issued


def _assert_no_leak(workspace, issued: dict[str, str], *results) -> None:
    texts = {f"<output {i}>": r.output for i, r in enumerate(results)}
    hits = scan([workspace.path], issued, texts)
    assert hits == [], "\n".join(map(str, hits))


def _assert_one_of_each(state: dict) -> None:
    assert len([i for i in state["integrations"] if i["name"] == "Integration for Acme"]) == 1
    assert len([t for t in state["tokens"] if not t["revoked"]]) == 1


def _fail_once(workspace, sim, failing: str, env: dict[str, str]) -> tuple[dict[str, str], object]:
    workspace.write_config(sim.url)
    failed = workspace.nsauto(*RUN, env={**_failing(failing), **env})
    assert failed.returncode == 4, failed.output
    errors = [line for line in failed.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, failed.stderr
    path = workspace.path / "nsauto-home" / "recovery" / f"{sim_demo.ACCOUNT_ID}.enc"
    assert failing in errors[0] and str(path) in errors[0], errors[0]
    assert f"nsauto secrets recover --account {sim_demo.ACCOUNT_ID}" in failed.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [e["name"] for e in json.loads(path.read_text())["entries"]] == [failing]

    issued = _issued(sim.state())
    _assert_no_leak(workspace, issued, failed)  # the recovery file too: ciphertext only
    assert keyring.get_password(f"netsuite:{sim_demo.ACCOUNT_ID}", failing) is None
    return issued, failed


@pytest.mark.parametrize(
    ("failing", "passphrase"),
    [("consumer_secret", None), ("token_secret", "correct horse battery staple")],
    ids=["consumer_secret-keyring-key", "token_secret-passphrase"],
)
def test_recover_puts_the_issued_value_in_the_keyring(sim, workspace, clean_keyring, recovery_key, failing, passphrase):
    env = {"NSAUTO_RECOVERY_PASSPHRASE": passphrase} if passphrase else {}
    issued, failed = _fail_once(workspace, sim, failing, env)
    if passphrase is None:
        assert keyring.get_password(RECOVERY_SERVICE, sim_demo.ACCOUNT_ID), "the preflight creates the key"

    listed = workspace.nsauto("secrets", "list", "--json")
    assert listed.returncode == 0, listed.output
    account = next(a for a in json.loads(listed.stdout)["accounts"] if a["account_id"] == sim_demo.ACCOUNT_ID)
    assert account["recovery"]["items"] == [failing]

    if passphrase:
        refused = workspace.nsauto("secrets", "recover", "--account", sim_demo.ACCOUNT_ID)
        assert refused.returncode == 2 and "NSAUTO_RECOVERY_PASSPHRASE" in refused.stderr, refused.output
        wrong = workspace.nsauto(
            "secrets",
            "recover",
            "--account",
            sim_demo.ACCOUNT_ID,
            env={"NSAUTO_RECOVERY_PASSPHRASE": "not the passphrase 42"},
        )
        assert wrong.returncode == 2 and "passphrase is wrong" in wrong.stderr, wrong.output

    recovered = workspace.nsauto("secrets", "recover", "--account", sim_demo.ACCOUNT_ID, env=env)
    assert recovered.returncode == 0, recovered.output
    assert keyring.get_password(clean_keyring, failing) == issued[failing]
    assert not (workspace.path / "nsauto-home" / "recovery" / f"{sim_demo.ACCOUNT_ID}.enc").exists()
    manifest = json.loads((workspace.path / "nsauto-home" / "manifest.json").read_text())
    assert failing in manifest["accounts"][sim_demo.ACCOUNT_ID]["items"]

    rerun = workspace.nsauto(*RUN)
    assert rerun.returncode == 0, rerun.output
    verify = workspace.nsauto("verify", "--config", "config.yaml", "--account", "sandbox")
    assert verify.returncode == 0, verify.output
    state = sim.state()
    _assert_one_of_each(state)
    final = _issued(state)
    assert final[failing] == issued[failing], "recovered, not replaced"
    for name in NAMES:
        assert keyring.get_password(clean_keyring, name) == final[name], name
    _assert_no_leak(workspace, final, failed, recovered, rerun, verify)


def test_the_next_run_repairs_without_recover_and_drops_the_stale_copy(sim, workspace, clean_keyring, recovery_key):
    issued, failed = _fail_once(workspace, sim, "consumer_secret", {})

    repaired = workspace.nsauto(*RUN, "--json")
    assert repaired.returncode == 0, repaired.output
    steps = [s for stage in json.loads(repaired.stdout)["stages"] for s in stage["steps"]]
    assert any(s["item"].startswith("Reset Credentials and capture") and s["status"] == "changed" for s in steps)

    state = sim.state()
    _assert_one_of_each(state)
    final = _issued(state)
    assert final["consumer_secret"] != issued["consumer_secret"], "Reset Credentials issued a new pair"
    for name in NAMES:
        assert keyring.get_password(clean_keyring, name) == final[name], name
    assert not (workspace.path / "nsauto-home" / "recovery" / f"{sim_demo.ACCOUNT_ID}.enc").exists()

    verify = workspace.nsauto("verify", "--config", "config.yaml", "--account", "sandbox")
    assert verify.returncode == 0, verify.output
    nothing = workspace.nsauto("secrets", "recover", "--account", "sandbox")
    assert nothing.returncode == 0 and "nothing to recover" in nothing.stderr, nothing.output
    _assert_no_leak(workspace, {**final, **{f"old_{k}": v for k, v in issued.items()}}, failed, repaired, verify)
