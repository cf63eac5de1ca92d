"""The encrypted recovery file: where a one-time secret goes when the keyring refuses it.

NetSuite shows a consumer secret or token secret once. If the keyring write fails after the
value left the page, the value exists only in this process's memory; losing it means a Reset
Credentials or a new token later, and a run that "failed" while NetSuite holds a credential
nobody can use. So ``rescue`` encrypts the values not yet stored into
``$NSAUTO_HOME/recovery/<account_id>.enc`` before the step fails, and
``nsauto secrets recover`` moves them into the keyring once it works again.

The key is never printed and never typed: at preflight (``arm``, before any browser starts)
either ``NSAUTO_RECOVERY_PASSPHRASE`` is read (scrypt) and taken out of the environment, so the
browser's processes never inherit it, or a random 256-bit key is created once in the keyring
(service ``nsauto-recovery``, user name = account id) and read back. Either way the key is in
memory before a secret exists, so a keyring that breaks mid-run cannot take the key with it.

Each value is its own entry (AES-256-GCM, the account id and item name as associated data), so
a later run that stores a fresh value can drop the stale entry by name without the key.
Nothing on disk is plain: the file holds item names, run ids, times, nonces and ciphertext.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import secrets as _random
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from automation.errors import EnvironmentNotReady, InputError, NsautoError, SecretAtRisk
from automation.secrets.redact import redactor

RECOVERY_SERVICE = "nsauto-recovery"
PASSPHRASE_ENV = "NSAUTO_RECOVERY_PASSPHRASE"
FORMAT_VERSION = 1
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1  # ~32 MiB, ~0.1 s: cheap once, costly to guess at scale

KeyKind = Literal["keyring", "passphrase"]


@dataclass(frozen=True)
class RecoveryKey:
    """What encrypts an account's entries. ``secret`` is the raw key or the passphrase (bytes)."""

    kind: KeyKind
    secret: bytes

    @property
    def fingerprint(self) -> str | None:
        """Tells "wrong key" from "damaged file". Only for random keys: a passphrase hash would
        be a cheap guessing oracle."""
        return (
            hashlib.sha256(b"nsauto-recovery-key/" + self.secret).hexdigest()[:16] if self.kind == "keyring" else None
        )


@dataclass(frozen=True)
class Entry:
    """One encrypted value as stored in the file (no plain value anywhere)."""

    name: str
    run_id: str
    saved_at: str
    kind: KeyKind
    fingerprint: str | None
    salt: str | None
    nonce: str
    ciphertext: str

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


_armed: dict[str, RecoveryKey] = {}
_passphrase: str | None = None


# --------------------------------------------------------------------------- where


def recovery_dir() -> Path:
    """``$NSAUTO_HOME/recovery`` (next to the manifest, whatever decides where that lives)."""
    from automation.secrets.manifest import default_path

    return default_path().parent / "recovery"


def recovery_path(account_id: str) -> Path:
    return recovery_dir() / f"{account_id}.enc"


# --------------------------------------------------------------------------- the key


def _take_passphrase() -> str | None:
    """The passphrase from the environment, removed from it so child processes never see it."""
    global _passphrase
    value = os.environ.pop(PASSPHRASE_ENV, None)
    if value:
        _passphrase = value
        redactor.add(value, "recovery_passphrase")
    return _passphrase


def arm(account_id: str, backend: Any = None) -> RecoveryKey:
    """Preflight: have the account's recovery key in memory before any secret is captured.

    Creates the keyring key on first use (written, read back). Raises ``EnvironmentNotReady``
    when the keyring cannot hold it: then a run could not protect what it captures.
    """
    passphrase = _take_passphrase()
    if passphrase:
        key = RecoveryKey("passphrase", passphrase.encode("utf-8"))
    else:
        key = _keyring_key(account_id, backend, create=True)
    _armed[account_id] = key
    return key


def _keyring_key(account_id: str, backend: Any, create: bool) -> RecoveryKey:
    from automation.secrets.store import SecretStore, SecretStoreError

    store = SecretStore(RECOVERY_SERVICE, backend)
    try:
        text = store.get(account_id)
        if text is None and create:
            text = base64.urlsafe_b64encode(_random.token_bytes(32)).decode("ascii")
            redactor.add(text, "recovery_key")  # first name wins: tagged as the key, not the account
            store.put(account_id, text)
    except SecretStoreError as exc:
        raise EnvironmentNotReady(
            f"cannot keep the recovery key in keyring service {RECOVERY_SERVICE!r}: {exc.message}",
            f"fix the keyring, or set {PASSPHRASE_ENV} to encrypt recovery files with a passphrase instead",
        ) from exc
    if text is None:
        raise InputError(
            f"keyring service {RECOVERY_SERVICE!r} has no recovery key for {account_id}",
            f"the file was encrypted with a key that is gone; if it used a passphrase, set {PASSPHRASE_ENV}",
        )
    redactor.add(text, "recovery_key")
    return RecoveryKey("keyring", base64.urlsafe_b64decode(text))


def _aead(key: RecoveryKey, salt: bytes | None) -> Any:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if key.kind == "keyring":
        return AESGCM(key.secret)
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    assert salt is not None
    derived = Scrypt(salt=salt, length=32, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P).derive(key.secret)
    return AESGCM(derived)


def _aad(account_id: str, name: str) -> bytes:
    """Binds a ciphertext to its account and item: an entry moved elsewhere will not decrypt."""
    return f"nsauto-recovery/v{FORMAT_VERSION}/{account_id}/{name}".encode()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def encrypt(account_id: str, name: str, value: str, key: RecoveryKey, run_id: str) -> Entry:
    salt = _random.token_bytes(16) if key.kind == "passphrase" else None
    nonce = _random.token_bytes(12)
    ciphertext = _aead(key, salt).encrypt(nonce, value.encode("utf-8"), _aad(account_id, name))
    return Entry(
        name=name,
        run_id=run_id,
        saved_at=datetime.now(UTC).isoformat(timespec="seconds"),
        kind=key.kind,
        fingerprint=key.fingerprint,
        salt=_b64(salt) if salt else None,
        nonce=_b64(nonce),
        ciphertext=_b64(ciphertext),
    )


def decrypt(account_id: str, entry: Entry, key: RecoveryKey) -> str:
    """The entry's value (registered with the redactor); ``InputError`` on a wrong key."""
    from cryptography.exceptions import InvalidTag

    if key.kind == "keyring" and entry.fingerprint and entry.fingerprint != key.fingerprint:
        raise InputError(
            f"{entry.name} in {recovery_path(account_id)} was encrypted with another recovery key",
            f"the keyring's {RECOVERY_SERVICE} key for {account_id} was replaced; the entry cannot be decrypted",
        )
    salt = base64.b64decode(entry.salt) if entry.salt else None
    try:
        plain = _aead(key, salt).decrypt(
            base64.b64decode(entry.nonce), base64.b64decode(entry.ciphertext), _aad(account_id, entry.name)
        )
    except InvalidTag:
        what = "the passphrase is wrong" if key.kind == "passphrase" else "the file is damaged"
        raise InputError(
            f"cannot decrypt {entry.name} in {recovery_path(account_id)}: {what}",
            f"set {PASSPHRASE_ENV} to the passphrase of the run that saved it" if key.kind == "passphrase" else None,
        ) from None
    value = plain.decode("utf-8")
    redactor.add(value, entry.name)
    return value


# --------------------------------------------------------------------------- the file


@contextlib.contextmanager
def _locked(account_id: str) -> Iterator[None]:
    """Serialises read-modify-write of one account's file between processes (POSIX only)."""
    folder = recovery_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no concurrent runs of one account assumed
        yield
        return
    fd = os.open(folder / f".{account_id}.lock", os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def load_entries(account_id: str) -> list[Entry]:
    """The account's entries, oldest first; none when there is no file."""
    path = recovery_path(account_id)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        raise InputError(
            f"{path}: the recovery file cannot be read ({type(exc).__name__})",
            "keep it; it may hold the only copy of a secret",
        ) from None
    return [Entry(**item) for item in data.get("entries", [])]


def _write(account_id: str, entries: list[Entry]) -> None:
    """Atomic, 0600 from the first byte (mkstemp), fsynced; no entries: the file is removed."""
    path = recovery_path(account_id)
    if not entries:
        path.unlink(missing_ok=True)
        return
    from automation.secrets.store import service_for

    payload = {
        "version": FORMAT_VERSION,
        "account_id": account_id,
        "service": service_for(account_id),
        "note": "encrypted one-time secrets; `nsauto secrets recover --account " + account_id + "` restores them",
        "entries": [entry.to_json() for entry in entries],
    }
    fd, tmp = tempfile.mkstemp(prefix=f".{account_id}-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(payload, handle, indent=2)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    with contextlib.suppress(OSError):  # the rename itself is durable only once the folder is synced
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def save(account_id: str, values: dict[str, str], run_id: str, key: RecoveryKey) -> Path:
    """Append one entry per value; earlier entries stay (several failed runs may each add some)."""
    with _locked(account_id):
        entries = load_entries(account_id)
        entries.extend(encrypt(account_id, name, value, key, run_id) for name, value in values.items())
        _write(account_id, entries)
    return recovery_path(account_id)


def supersede(account_id: str, names: list[str]) -> None:
    """A run stored fresh values for ``names``: their saved copies are stale, drop them.

    Otherwise a later ``recover`` would overwrite the working values with revoked ones. Needs no
    key, so it also works when the recovery key is not available.
    """
    if not recovery_path(account_id).exists():
        return
    with _locked(account_id):
        entries = load_entries(account_id)
        kept = [entry for entry in entries if entry.name not in names]
        if len(kept) != len(entries):
            _write(account_id, kept)


def latest(entries: list[Entry]) -> dict[str, Entry]:
    """The newest entry per item name (a later failed run's value replaces an earlier one)."""
    newest: dict[str, Entry] = {}
    for entry in entries:
        newest[entry.name] = entry
    return newest


# --------------------------------------------------------------------------- the capture path


def rescue(
    account_id: str, pending: dict[str, str], run_id: str, cause: NsautoError, store: Any = None
) -> SecretAtRisk:
    """Put ``pending`` in the recovery file and return the error the step raises.

    Called when ``SecretStore.put`` failed mid-capture with the values still in memory. Items
    whose write failed are then removed from the keyring (best effort), so it never keeps a
    half-written or stale value a later run could trust.
    """
    names = ", ".join(pending)
    hint_run = "or run `nsauto run` again: it resets the credentials, which makes the saved copy obsolete"
    key = _armed.get(account_id)
    if key is None:
        with contextlib.suppress(NsautoError):
            key = arm(account_id)  # a runner started without preflight; may fail with the keyring
    if key is None:
        return SecretAtRisk(
            f"{names} could not be stored ({cause.message}) and no recovery key was at hand; the value is lost",
            f"fix the keyring, then {hint_run.removeprefix('or ')}",
        )
    try:
        path = save(account_id, pending, run_id, key)
    except OSError as exc:  # NSAUTO_HOME unwritable, disk full: say so plainly rather than crash
        return SecretAtRisk(
            f"{names} could not be stored ({cause.message}) nor saved to {recovery_path(account_id)} "
            f"({type(exc).__name__}: {exc.strerror or exc}); the value is lost",
            f"fix the keyring and {recovery_dir()}, then {hint_run.removeprefix('or ')}",
        )
    if store is not None:
        for name in pending:
            with contextlib.suppress(Exception):
                store.delete(name)
    return SecretAtRisk(
        f"{names} could not be stored ({cause.message}); saved encrypted in {path}",
        f"run `nsauto secrets recover --account {account_id}` once the keyring works; {hint_run}",
    )


def _key_of_kind(account_id: str, kind: KeyKind, ask: Callable[[], str] | None) -> RecoveryKey:
    if kind == "keyring":
        return _keyring_key(account_id, None, create=False)
    passphrase = _take_passphrase() or (ask() if ask else None)
    if not passphrase:
        raise InputError(
            f"{recovery_path(account_id)} was encrypted with a passphrase",
            f"set {PASSPHRASE_ENV} to it (or run on a terminal to be asked)",
        )
    redactor.add(passphrase, "recovery_passphrase")
    return RecoveryKey("passphrase", passphrase.encode("utf-8"))


def restore(account_id: str, store: Any, ask: Callable[[], str] | None = None) -> list[str]:
    """Decrypt the newest entry per item, store each (read back), then remove the file.

    Everything is decrypted before anything is written, and the file goes only after every
    value is in the keyring: a failure at any point leaves the file as it was.
    """
    with _locked(account_id):
        newest = latest(load_entries(account_id))
        keys: dict[str, RecoveryKey] = {}
        values: dict[str, str] = {}
        for name, entry in newest.items():
            if entry.kind not in keys:
                keys[entry.kind] = _key_of_kind(account_id, entry.kind, ask)
            values[name] = decrypt(account_id, entry, keys[entry.kind])
        for name, value in values.items():
            store.put(name, value)
        _write(account_id, [])
    return list(values)
