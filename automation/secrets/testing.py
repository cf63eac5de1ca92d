"""A keyring backend that fails on purpose, for fault tests of the secret-capture path.

End-to-end tests run the tool in a subprocess, so the fault must be selectable from the
environment: ``PYTHON_KEYRING_BACKEND=automation.secrets.testing.FailingOnNthWrite`` plus

* ``NSAUTO_TEST_FAIL_WRITE_N``: ``3`` fails only the 3rd write, ``3+`` the 3rd and every later one;
* ``NSAUTO_TEST_FAIL_WRITE_KIND``: ``error`` (default) raises ``PasswordSetError``;
  ``corrupt`` stores a different value silently (exercises the read-back compare);
  ``drop`` stores nothing silently;
* ``NSAUTO_TEST_INNER_BACKEND``: the real backend to wrap (dotted class name); default: the best
  viable backend keyring finds, e.g. the Secret Service inside ``dbus-run-session``.

Writes to the tool's own services (the probe, the recovery key, the session-cache key) are
passed through and not counted, so N counts the secrets the run stores (consumer_key = 1,
consumer_secret = 2, ...).
"""

from __future__ import annotations

import os
import threading

from keyring import errors
from keyring.backend import KeyringBackend, _load_plugins
from keyring.backends import chainer, fail
from keyring.compat import properties
from keyring.core import load_keyring

QUALNAME = "automation.secrets.testing.FailingOnNthWrite"
ENV_N = "NSAUTO_TEST_FAIL_WRITE_N"
ENV_KIND = "NSAUTO_TEST_FAIL_WRITE_KIND"
ENV_INNER = "NSAUTO_TEST_INNER_BACKEND"
KINDS = ("error", "corrupt", "drop")
UNCOUNTED_SERVICES = ("nsauto-probe", "nsauto-recovery", "nsauto-session")


def _best_real_backend() -> KeyringBackend:
    """The backend keyring would pick if this one did not exist (not via get_all_keyring,
    which would construct this class again and recurse)."""
    _load_plugins()
    candidates = [
        cls
        for cls in KeyringBackend.get_viable_backends()
        if not issubclass(cls, (FailingOnNthWrite, chainer.ChainerBackend))
    ]
    best = max(candidates, key=lambda cls: cls.priority, default=fail.Keyring)
    return best()


def _parse_n(text: str) -> tuple[int, bool]:
    sticky = text.endswith("+")
    try:
        n = int(text.rstrip("+"))
    except ValueError:
        raise ValueError(f"{ENV_N} must be a positive integer, optionally with '+': got {text!r}") from None
    if n < 1:
        raise ValueError(f"{ENV_N} must be >= 1: got {text!r}")
    return n, sticky


class FailingOnNthWrite(KeyringBackend):
    """Wraps a real backend and makes its Nth ``set_password`` fail.

    Constructed without arguments (as ``PYTHON_KEYRING_BACKEND`` does) it reads the
    environment; tests in-process may pass ``inner``, ``n``, ``sticky`` and ``kind``.
    """

    @properties.classproperty
    def priority(cls) -> float:
        # Only viable when named explicitly, so keyring never picks it on its own just
        # because this module was imported.
        if os.environ.get("PYTHON_KEYRING_BACKEND") != QUALNAME:
            raise RuntimeError(f"test-only backend: select it with PYTHON_KEYRING_BACKEND={QUALNAME}")
        return 0.1

    def __init__(
        self,
        inner: KeyringBackend | None = None,
        n: int | None = None,
        *,
        sticky: bool | None = None,
        kind: str | None = None,
    ) -> None:
        super().__init__()
        env_n, env_sticky = _parse_n(os.environ.get(ENV_N, "1"))
        self.n = n if n is not None else env_n
        self.sticky = sticky if sticky is not None else env_sticky
        self.kind = kind or os.environ.get(ENV_KIND, "error")
        if self.kind not in KINDS:
            raise ValueError(f"{ENV_KIND} must be one of {', '.join(KINDS)}: got {self.kind!r}")
        if inner is None:
            inner_name = os.environ.get(ENV_INNER)
            inner = load_keyring(inner_name) if inner_name else _best_real_backend()
        self.inner = inner
        self.writes = 0  # counted writes so far
        self._lock = threading.Lock()

    def _should_fail(self, service: str) -> bool:
        if service in UNCOUNTED_SERVICES:
            return False
        with self._lock:
            self.writes += 1
            return self.writes == self.n or (self.sticky and self.writes > self.n)

    def set_password(self, service: str, username: str, password: str) -> None:
        if not self._should_fail(service):
            self.inner.set_password(service, username, password)
        elif self.kind == "error":
            raise errors.PasswordSetError(f"injected failure on write {self.writes} ({username!r})")
        elif self.kind == "corrupt":
            self.inner.set_password(service, username, "corrupted-by-test-backend")
        # kind == "drop": pretend success, store nothing

    def get_password(self, service: str, username: str) -> str | None:
        return self.inner.get_password(service, username)

    def delete_password(self, service: str, username: str) -> None:
        self.inner.delete_password(service, username)
