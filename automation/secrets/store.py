"""The OS keyring as the one place the tool keeps secrets.

A one-time secret (consumer secret, token secret) exists nowhere else once NetSuite's page is
gone, so a write is only trusted after reading it back and comparing. Every value that passes
through here is registered with the redactor first, so no later log line or error can show it.
"""

from __future__ import annotations

import contextlib
import hmac
import os
import secrets as _random
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import keyring
import keyring.errors
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail

from automation import blocking
from automation.errors import EnvironmentNotReady, ExitCode, NsautoError
from automation.secrets.redact import redactor

T = TypeVar("T")

TBA_NAMES: tuple[str, ...] = ("consumer_key", "consumer_secret", "token_id", "token_secret")
M2M_NAMES: tuple[str, ...] = ("client_id", "client_secret", "certificate_id", "private_key")

PROBE_SERVICE = "nsauto-probe"

HEADLESS_LINUX_HINT = (
    "on a headless Linux machine run nsauto inside a D-Bus session with an unlocked keyring: "
    'dbus-run-session -- bash -c \'echo -n "$KEYRING_PASS" | gnome-keyring-daemon --unlock '
    "--components=secrets >/dev/null; nsauto ...' (see the README); or pick a backend with "
    "PYTHON_KEYRING_BACKEND; on CI runners, `pip install keyrings.alt pycryptodome` and use its "
    "encrypted file (PYTHON_KEYRING_BACKEND=automation.secrets.filekeyring.EnvKeyEncryptedKeyring, "
    "master password in NSAUTO_KEYRING_FILE_KEY; see docs/secrets.md)"
)
LOCKED_HINT = (
    "unlock the keyring first; on a headless Linux machine start it unlocked with "
    '`echo -n "$KEYRING_PASS" | gnome-keyring-daemon --unlock --components=secrets` '
    "inside dbus-run-session (see the README)"
)


class SecretStoreError(NsautoError):
    """The keyring refused a read or write, or a write did not read back equal.

    The message names the service and item, never the value. ``reason`` is one of
    ``"error"`` (backend raised) or ``"mismatch"`` (read-back differed or was missing).
    """

    exit_code = ExitCode.ENVIRONMENT

    def __init__(self, message: str, hint: str | None = None, *, service: str, name: str, reason: str) -> None:
        super().__init__(message, hint)
        self.service = service
        self.name = name
        self.reason = reason


def service_for(account_id: str) -> str:
    """Keyring service for an account; ``account_id`` is already in realm form (``1234567_SB1``)."""
    return "netsuite:" + account_id


def backend_name(backend: KeyringBackend) -> str:
    """Fully qualified class name, e.g. ``keyring.backends.SecretService.Keyring``."""
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def _describe(exc: BaseException) -> str:
    """An exception as ``Type: text``, redacted, for messages that must carry no secret."""
    text = redactor.redact(str(exc)).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class SecretStore:
    """Named secrets of one keyring service (one NetSuite account)."""

    def __init__(self, service: str, backend: KeyringBackend | None = None) -> None:
        self.service = service
        self._backend = backend

    @property
    def backend(self) -> KeyringBackend:
        # Resolved lazily: keyring's detection talks to D-Bus, not needed until first use.
        return self._backend or keyring.get_keyring()

    def put(self, name: str, value: str) -> None:
        """Store ``value`` under ``name``, then read it back and compare.

        Raises ``SecretStoreError`` when the backend fails or the read-back differs; the
        caller then still holds the value and can put it somewhere safe.
        """
        redactor.add(value, name)
        where = f"{name!r} in keyring service {self.service!r}"
        try:
            _settled(self.backend.set_password, self.service, name, value)
        except Exception as exc:  # any backend failure means the secret is not stored
            raise SecretStoreError(
                f"could not store {where}: {_describe(exc)}",
                self._hint_for(exc),
                service=self.service,
                name=name,
                reason="error",
            ) from exc
        try:
            stored = _settled(self.backend.get_password, self.service, name)
        except Exception as exc:
            raise SecretStoreError(
                f"stored {where} but could not read it back: {_describe(exc)}",
                self._hint_for(exc),
                service=self.service,
                name=name,
                reason="error",
            ) from exc
        if stored is None or not hmac.compare_digest(stored.encode(), value.encode()):
            state = "missing" if stored is None else "different"
            raise SecretStoreError(
                f"stored {where} but the read-back value is {state}",
                "the keyring backend does not keep what it is given; check PYTHON_KEYRING_BACKEND "
                "and the keyring configuration (`keyring diagnose`)",
                service=self.service,
                name=name,
                reason="mismatch",
            )

    def get(self, name: str) -> str | None:
        """The value stored under ``name``, or None if there is none."""
        try:
            value = _settled(self.backend.get_password, self.service, name)
        except Exception as exc:
            raise SecretStoreError(
                f"could not read {name!r} from keyring service {self.service!r}: {_describe(exc)}",
                self._hint_for(exc),
                service=self.service,
                name=name,
                reason="error",
            ) from exc
        if value is not None:
            redactor.add(value, name)
        return value

    def delete(self, name: str) -> bool:
        """Remove ``name``; False if it was not there."""
        if self.get(name) is None:
            return False
        try:
            _settled(self.backend.delete_password, self.service, name)
        except keyring.errors.PasswordDeleteError:
            return False
        except Exception as exc:
            raise SecretStoreError(
                f"could not delete {name!r} from keyring service {self.service!r}: {_describe(exc)}",
                self._hint_for(exc),
                service=self.service,
                name=name,
                reason="error",
            ) from exc
        return True

    def has_all(self, names: tuple[str, ...] | list[str]) -> bool:
        """True when every name has a stored value (e.g. ``has_all(TBA_NAMES)``)."""
        return all(self.get(name) is not None for name in names)

    @staticmethod
    def _hint_for(exc: BaseException) -> str:
        if isinstance(exc, keyring.errors.KeyringLocked):
            return LOCKED_HINT
        return HEADLESS_LINUX_HINT


def _settled(call: Callable[..., T], *args: str) -> T:
    """``call(*args)``, tried again while the keyring's answer is one it gives only in passing.

    Both seen with gnome-keyring when several processes write at once (`make test` runs four
    fault cases side by side; `--all --parallel` does the same in one process):
    - the collection does not open (``InitError``, "Failed to create the collection: Prompt
      dismissed"), and a moment later it does;
    - an item that a search has just returned "does not exist" (secretstorage's
      ``ItemNotFoundException``) when read or deleted: the next search finds it again, or finds
      it really gone.
    Each try starts from a fresh search, so a retry never acts on a stale item. A keyring that is
    really locked refuses the last try too, and that error is the one shown.
    """
    for pause in _RETRY_PAUSES:
        try:
            return call(*args)
        except Exception as exc:
            if not _passing(exc):
                raise
        blocking.sleep(pause)
    return call(*args)


# No event tells when gnome-keyring has settled; three short pauses cover what load produced in
# tests (one retry was always enough) and keep a broken keyring's error under a second.
_RETRY_PAUSES = (0.1, 0.3, 0.5)


def _passing(exc: BaseException) -> bool:
    if isinstance(exc, keyring.errors.InitError):
        return True
    try:  # secretstorage exists only where the Secret Service backend does (Linux)
        from secretstorage.exceptions import ItemNotFoundException
    except ImportError:
        return False
    return isinstance(exc, ItemNotFoundException)


@dataclass(frozen=True)
class BackendReport:
    """What the keyring preflight found; ``problem``/``hint`` are None when all is well."""

    backend: str
    writable: bool
    problem: str | None = None
    hint: str | None = None


def _has_no_backend(backend: KeyringBackend) -> bool:
    if isinstance(backend, fail.Keyring):
        return True
    if isinstance(backend, chainer.ChainerBackend):
        return not backend.backends
    return False


def _no_backend_problem() -> str:
    if sys.platform.startswith("linux") and not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return "no keyring backend is available: DBUS_SESSION_BUS_ADDRESS is unset (no D-Bus session)"
    return "no keyring backend is available"


def _problem_for(exc: BaseException) -> tuple[str, str]:
    if isinstance(exc, keyring.errors.KeyringLocked):
        return f"the keyring is locked ({_describe(exc)})", LOCKED_HINT
    if isinstance(exc, keyring.errors.NoKeyringError):
        return _no_backend_problem(), HEADLESS_LINUX_HINT
    if isinstance(exc, keyring.errors.InitError):
        return f"the keyring could not be opened ({_describe(exc)})", LOCKED_HINT
    return f"the keyring refused a test write ({_describe(exc)})", HEADLESS_LINUX_HINT


def probe(backend: KeyringBackend | None = None) -> BackendReport:
    """Write, read back and delete a random item under ``nsauto-probe``.

    Done before any browser work, so a run never captures a one-time secret it cannot keep.
    """
    try:
        chosen = backend or keyring.get_keyring()
    except Exception as exc:  # a configured backend that cannot load (no D-Bus, bad name)
        configured = os.environ.get("PYTHON_KEYRING_BACKEND") or "the configured keyring backend"
        problem = f"{configured} could not be loaded ({_describe(exc)})"
        return BackendReport(configured, False, problem, HEADLESS_LINUX_HINT)
    name = backend_name(chosen)
    if _has_no_backend(chosen):
        return BackendReport(name, False, _no_backend_problem(), HEADLESS_LINUX_HINT)
    item = "probe-" + _random.token_hex(8)
    value = _random.token_urlsafe(24)
    redactor.add(value, "keyring_probe")
    store = SecretStore(PROBE_SERVICE, chosen)
    try:
        store.put(item, value)
    except SecretStoreError as err:
        cause = err.__cause__
        if cause is not None:
            problem, hint = _problem_for(cause)
        else:
            problem, hint = "the keyring does not return what was written to it", HEADLESS_LINUX_HINT
        return BackendReport(name, False, problem, hint)
    finally:
        # Cleanup only: the item may never have been written.
        with contextlib.suppress(Exception):
            chosen.delete_password(PROBE_SERVICE, item)
    problem, hint = _plaintext_warning(chosen)
    return BackendReport(name, True, problem, hint)


def _plaintext_warning(backend: KeyringBackend) -> tuple[str | None, str | None]:
    """Writable but unencrypted backends still pass, with a warning attached."""
    if backend_name(backend) == "keyrings.alt.file.PlaintextKeyring":
        return (
            "this keyring backend stores secrets unencrypted (base64 only)",
            "use the Secret Service or an encrypted file keyring for real credentials (docs/secrets.md)",
        )
    return None, None


def require_writable_keyring(backend: KeyringBackend | None = None) -> BackendReport:
    """The preflight: the report if the keyring is writable, else ``EnvironmentNotReady``."""
    report = probe(backend)
    if not report.writable:
        raise EnvironmentNotReady(f"keyring {report.backend} is not writable: {report.problem}", report.hint)
    return report
