"""engine/session_cache.py: the kept session is encrypted, bounded in time, and its cookies redacted."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend

from automation.engine.session_cache import SERVICE, CachedLogin, SessionCache
from automation.secrets.redact import redactor

URL = "https://1234567-sb1.app.netsuite.com"
COOKIE = "s3ss10n-c00kie-value-0123456789"


class MemoryKeyring(KeyringBackend):
    # Priority 0 keeps these test backends out of keyring's automatic chain: every KeyringBackend
    # subclass is discovered, and with a positive priority they would serve later tests' reads.
    priority = 0  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.items.pop((service, username), None)


class BrokenKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise RuntimeError("no Secret Service")


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    before = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(before)


def state() -> dict:
    return {"cookies": [{"name": "JSESSIONID", "value": COOKIE, "domain": "x", "path": "/"}], "origins": []}


def test_round_trip_is_encrypted_and_keyed_in_the_keyring(tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    cache = SessionCache("1234567_SB1", URL, tmp_path / "s.bin")
    assert cache.save(state())
    assert COOKIE.encode() not in (tmp_path / "s.bin").read_bytes()
    assert (SERVICE, "1234567_SB1") in memory_keyring.items
    assert cache.load() == state()
    assert COOKIE not in redactor.redact(f"cookie={COOKIE}")


def test_expired_or_foreign_sessions_are_deleted(tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    path = tmp_path / "s.bin"
    SessionCache("1234567_SB1", URL, path).save(state())
    assert SessionCache("1234567_SB1", "https://other.example", path).load() is None
    assert not path.exists()
    SessionCache("1234567_SB1", URL, path).save(state())
    time.sleep(2.1)  # Fernet timestamps are whole seconds
    assert SessionCache("1234567_SB1", URL, path, ttl_s=1).load() is None
    assert not path.exists()


def test_without_a_key_nothing_opens(tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    path = tmp_path / "s.bin"
    SessionCache("1234567_SB1", URL, path).save(state())
    memory_keyring.items.clear()
    assert SessionCache("1234567_SB1", URL, path).load() is None


def test_a_broken_keyring_keeps_nothing(tmp_path: Path) -> None:
    before = keyring.get_keyring()
    keyring.set_keyring(BrokenKeyring())
    try:
        assert not SessionCache("1234567_SB1", URL, tmp_path / "s.bin").save(state())
        assert not (tmp_path / "s.bin").exists()
    finally:
        keyring.set_keyring(before)


def test_fresh_login_discards_and_skips_the_kept_session(tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    path = tmp_path / "s.bin"
    cache = SessionCache("1234567_SB1", URL, path)
    cache.save(state())
    logins: list[str] = []
    wrapped = CachedLogin(lambda page: logins.append("real") or URL, cache, fresh=True)
    assert not path.exists()
    assert wrapped._tried  # the first call goes straight to the real login
