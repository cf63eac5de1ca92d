"""keyrings.alt's encrypted file keyring, its master password taken from the environment.

For CI runners and containers with no Secret Service. keyrings.alt's ``EncryptedKeyring`` asks
for its master password with ``getpass`` (which fails without a terminal), and in keyrings.alt
5.0.2 ``KEYRING_PROPERTY_KEYRING_KEY`` does not reach it (its ``Encrypted.__init__`` skips the
base class that applies ``KEYRING_PROPERTY_*``). This subclass reads ``NSAUTO_KEYRING_FILE_KEY``
once, removes it from the environment (the browser's processes never inherit it), registers it
with the redactor, and answers both prompts with it; a wrong key still fails the file's
reference-password check.

Select it with ``PYTHON_KEYRING_BACKEND=automation.secrets.filekeyring.EnvKeyEncryptedKeyring``
after ``pip install keyrings.alt pycryptodome``. The file is
``${XDG_DATA_HOME:-~/.local/share}/python_keyring/crypted_pass.cfg``.
"""

from __future__ import annotations

import os

from keyring.compat import properties
from keyrings.alt.file import EncryptedKeyring

from automation.secrets.redact import redactor

QUALNAME = "automation.secrets.filekeyring.EnvKeyEncryptedKeyring"
KEY_ENV = "NSAUTO_KEYRING_FILE_KEY"
REFERENCE = ("keyring-setting", "password reference", "password reference value")

_key: str | None = None  # kept for the process: the variable is gone from the environment


class EnvKeyEncryptedKeyring(EncryptedKeyring):
    """``EncryptedKeyring`` whose master password comes from ``NSAUTO_KEYRING_FILE_KEY``."""

    @properties.classproperty
    def priority(cls) -> float:
        # Only when named: keyring must never pick a file backend by itself because this was imported.
        if os.environ.get("PYTHON_KEYRING_BACKEND") != QUALNAME:
            raise RuntimeError(f"select it with PYTHON_KEYRING_BACKEND={QUALNAME}")
        return super().priority

    def __init__(self) -> None:
        global _key
        super().__init__()
        _key = os.environ.pop(KEY_ENV, None) or _key
        if not _key:
            raise RuntimeError(f"{KEY_ENV} is not set: it is the master password of the encrypted keyring file")
        redactor.add(_key, "keyring_file_key")

    def _get_new_password(self) -> str:
        """First use: the file is created with the key from the environment, no prompt."""
        assert _key is not None
        return _key

    def _unlock(self) -> None:
        """Later uses: the same key, checked against the file's reference password."""
        self.keyring_key = _key
        try:
            matches = self.get_password(*REFERENCE[:2]) == REFERENCE[2]
        except Exception:  # a wrong key decrypts to garbage that is not even JSON
            matches = False
        if not matches:
            self._lock()
            raise ValueError(f"{KEY_ENV} does not open {self.file_path}: wrong key")
