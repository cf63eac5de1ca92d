"""The recovery file's format: ciphertext only, bound to account and item, appended, superseded.

Uses a passphrase key so no keyring is needed; the keyring-key path runs end to end in
tests/e2e/test_never_lost.py.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from automation.errors import InputError
from automation.secrets import recovery
from automation.secrets.leakscan import scan

ACCOUNT = "1234567_SB1"
VALUE = "c0nsumer-secret/with+chars=" + "9" * 40


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NSAUTO_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def _key(passphrase: str = "a long test passphrase") -> recovery.RecoveryKey:
    return recovery.RecoveryKey("passphrase", passphrase.encode())


def test_saved_values_are_ciphertext_in_a_private_file(home: Path) -> None:
    path = recovery.save(ACCOUNT, {"consumer_secret": VALUE}, "run-1", _key())
    assert path == home / "recovery" / f"{ACCOUNT}.enc"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert scan([home], {"consumer_secret": VALUE, "passphrase": "a long test passphrase"}) == []
    entry = recovery.load_entries(ACCOUNT)[0]
    assert (entry.name, entry.run_id, entry.kind) == ("consumer_secret", "run-1", "passphrase")
    assert recovery.decrypt(ACCOUNT, entry, _key()) == VALUE


def test_a_wrong_passphrase_or_a_moved_entry_does_not_decrypt() -> None:
    recovery.save(ACCOUNT, {"token_secret": VALUE}, "run-1", _key())
    entry = recovery.load_entries(ACCOUNT)[0]
    with pytest.raises(InputError, match="passphrase is wrong"):
        recovery.decrypt(ACCOUNT, entry, _key("another passphrase"))
    moved = recovery.Entry(**{**entry.to_json(), "name": "consumer_secret"})
    with pytest.raises(InputError, match="cannot decrypt"):
        recovery.decrypt(ACCOUNT, moved, _key())
    with pytest.raises(InputError, match="cannot decrypt"):
        recovery.decrypt("7654321", entry, _key())


def test_entries_append_the_newest_wins_and_a_fresh_store_supersedes(home: Path) -> None:
    recovery.save(ACCOUNT, {"consumer_key": "k" * 32, "consumer_secret": "old" + VALUE}, "run-1", _key())
    recovery.save(ACCOUNT, {"consumer_secret": VALUE}, "run-2", _key())
    entries = recovery.load_entries(ACCOUNT)
    assert [(e.name, e.run_id) for e in entries] == [
        ("consumer_key", "run-1"),
        ("consumer_secret", "run-1"),
        ("consumer_secret", "run-2"),
    ]
    newest = recovery.latest(entries)
    assert recovery.decrypt(ACCOUNT, newest["consumer_secret"], _key()) == VALUE

    recovery.supersede(ACCOUNT, ["consumer_secret"])
    assert [e.name for e in recovery.load_entries(ACCOUNT)] == ["consumer_key"]
    recovery.supersede(ACCOUNT, ["consumer_key"])
    assert not recovery.recovery_path(ACCOUNT).exists()


def test_the_file_says_what_it_is_without_the_key(home: Path) -> None:
    recovery.save(ACCOUNT, {"token_id": "t" * 32}, "run-1", _key())
    data = json.loads(recovery.recovery_path(ACCOUNT).read_text())
    assert data["account_id"] == ACCOUNT and data["service"] == f"netsuite:{ACCOUNT}"
    assert "nsauto secrets recover --account 1234567_SB1" in data["note"]
