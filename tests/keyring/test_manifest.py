"""The keyring manifest: non-secret, 0600, atomic, and refusing secrets as facts."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from automation.errors import InputError
from automation.secrets.manifest import Manifest, default_path
from automation.secrets.redact import secret
from automation.secrets.store import TBA_NAMES


def test_default_path_follows_nsauto_home_then_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NSAUTO_HOME", str(tmp_path / "home"))
    assert default_path() == tmp_path / "home" / "manifest.json"
    monkeypatch.delenv("NSAUTO_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_path() == tmp_path / "xdg" / "nsauto" / "manifest.json"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert default_path() == Path.home() / ".local" / "share" / "nsauto" / "manifest.json"


def test_record_save_load(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "manifest.json"
    manifest = Manifest.load(path)
    assert manifest.entries() == []
    manifest.record("1234567_SB1", list(TBA_NAMES), "run-1", integration="nsauto", role="TBA Integration")
    manifest.record("7654321", ["client_id"], "run-2", certificate_expires="2028-01-01")
    manifest.save()

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["manifest.json"]  # no temp file left
    entries = Manifest.load(path).entries()
    assert [e["account_id"] for e in entries] == ["1234567_SB1", "7654321"]
    first = entries[0]
    assert first["service"] == "netsuite:1234567_SB1"
    assert set(first["items"]) == set(TBA_NAMES)
    assert first["items"]["token_secret"]["run_id"] == "run-1"
    assert first["items"]["token_secret"]["stored_at"].endswith("+00:00")
    assert first["facts"] == {"integration": "nsauto", "role": "TBA Integration"}
    assert json.loads(path.read_text())["version"] == 1


def test_forget_names_then_account(tmp_path: Path) -> None:
    manifest = Manifest.load(tmp_path / "m.json")
    manifest.record("1234567_SB1", list(TBA_NAMES), "run-1")
    manifest.forget("1234567_SB1", ["token_id", "token_secret"])
    assert set(manifest.entries()[0]["items"]) == {"consumer_key", "consumer_secret"}
    manifest.forget("1234567_SB1", ["consumer_key", "consumer_secret"])
    assert manifest.entries() == []
    manifest.record("1234567_SB1", ["token_id"], "run-2")
    manifest.forget("1234567_SB1")
    manifest.forget("unknown")
    assert manifest.entries() == []


def test_a_secret_cannot_become_a_fact(tmp_path: Path) -> None:
    value = secret("manifest-guard-secret-9", "token_secret")
    manifest = Manifest.load(tmp_path / "m.json")
    with pytest.raises(ValueError) as info:
        manifest.record("1234567_SB1", ["token_secret"], "run-1", token_name=f"x {value}")
    assert value not in str(info.value)
    assert manifest.entries() == []


def test_corrupt_manifest_names_the_position(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    path.write_text('{"version": 1,\n  "accounts": [}\n')
    with pytest.raises(InputError) as info:
        Manifest.load(path)
    assert info.value.message.startswith(f"{path}:2:")
    path.write_text('{"version": 1}')
    with pytest.raises(InputError, match="no 'accounts'"):
        Manifest.load(path)


def test_features_turned_on_are_a_union_forgotten_by_destroy(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Only what the tool ticked is recorded; a second run adds to it; `destroy --features` takes
    back only what it turned off; another manifest saved meanwhile keeps its own changes."""
    from automation.engine.variables import features_to_turn_off

    monkeypatch.setenv("NSAUTO_HOME", str(tmp_path))
    first = Manifest.load()
    first.record_features("1234567_SB1", ["Token-Based Authentication", "REST Web Services"])
    first.save()
    second = Manifest.load()
    other = Manifest.load()  # a parallel run that loaded before the next save
    second.record_features("1234567_SB1", ["REST Web Services", "OAuth 2.0"])
    second.save()
    other.record("1234567_SB1", ["token_id"], "run-2")
    other.save()
    manifest = Manifest.load()
    turned_on = manifest.features_turned_on("1234567_SB1")
    assert turned_on == ["OAuth 2.0", "REST Web Services", "Token-Based Authentication"]
    assert manifest.entries()[0]["items"].keys() == {"token_id"}
    assert manifest.features_turned_on("7654321") == []
    # config order, case ignored, and never a feature of setup.features the record lacks (it was on before)
    wanted = ["SOAP Web Services", "rest web services", "Token-Based Authentication"]
    assert features_to_turn_off("1234567_SB1", wanted) == ["REST Web Services", "Token-Based Authentication"]

    manifest.forget_features("1234567_SB1", ["REST Web Services", "Token-Based Authentication"])
    manifest.save()
    assert Manifest.load().features_turned_on("1234567_SB1") == ["OAuth 2.0"]
    manifest.forget_features("1234567_SB1", ["OAuth 2.0"])
    manifest.forget_features("unknown", ["OAuth 2.0"])
    manifest.save()
    assert "features_turned_on" not in Manifest.load().entries()[0]["facts"]
    assert features_to_turn_off("1234567_SB1", wanted) == []
