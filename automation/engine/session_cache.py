"""A logged-in NetSuite browser session kept between commands, encrypted, for about 20 minutes.

Why: ``nsauto plan`` followed by ``nsauto run`` would pass 2FA twice within a minute. NetSuite
refuses a TOTP code whose 30 s window was used already, so the second login waits for a new
window, and every 2FA attempt counts towards the account lockout. Reusing the first session
avoids both.

What is kept: Playwright's ``context.storage_state()`` (cookies, local storage), encrypted with
Fernet (AES-128-CBC + HMAC-SHA256, with a timestamp) at ``$NSAUTO_HOME/sessions/<account>.bin``
(mode 0600). The key lives in the OS keyring (service ``nsauto-session``, username = account
id), so the file alone opens nothing. Fernet's own timestamp enforces the lifetime: an older
file fails to decrypt and is deleted. The cookies *are* the login: every value is registered
with the redactor the moment it enters the process. Without a working keyring nothing is kept;
``--fresh-login`` ignores and replaces a kept session.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from automation.netsuite.login import is_logged_in_url
from automation.secrets.redact import redactor
from automation.secrets.store import SecretStore

log = logging.getLogger("nsauto.session")

SERVICE = "nsauto-session"
TTL_SECONDS = 20 * 60  # NetSuite's UI session idles out after ~30 min (G); stay well inside it
HOME_PATH = "/app/center/card.nl?sc=-29&whence="  # H: the dashboard


def sessions_dir() -> Path:
    """``$NSAUTO_HOME/sessions``, else ``${XDG_DATA_HOME:-~/.local/share}/nsauto/sessions``."""
    home = os.environ.get("NSAUTO_HOME")
    if home:
        return Path(home).expanduser() / "sessions"
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data).expanduser() / "nsauto" / "sessions"


def register_state(state: dict[str, Any]) -> None:
    """Every cookie and local-storage value is a secret from here on."""
    for cookie in state.get("cookies", []):
        redactor.add(str(cookie.get("value", "")), "session_cookie")
    for origin in state.get("origins", []):
        for item in origin.get("localStorage", []):
            redactor.add(str(item.get("value", "")), "session_storage")


class SessionCache:
    """One account's kept session: load, save, discard. Every failure just means 'nothing kept'."""

    def __init__(self, account_id: str, ui_url: str, path: Path | None = None, ttl_s: int = TTL_SECONDS) -> None:
        self.account_id = account_id
        self.ui_url = ui_url.rstrip("/")
        self.path = path or sessions_dir() / f"{account_id}.bin"
        self.ttl_s = ttl_s

    def _fernet(self, create: bool) -> Any | None:
        from cryptography.fernet import Fernet

        store = SecretStore(SERVICE)
        try:
            key = store.get(self.account_id)
            if key is None and create:
                key = Fernet.generate_key().decode("ascii")
                redactor.add(key, "session_key")  # first name wins: tagged as the key, not the account
                store.put(self.account_id, key)  # read back and compared: else no place for a key
        except Exception as exc:  # any keyring trouble: keep nothing, log in as usual
            log.info("session cache off: keyring %s", type(exc.__cause__ or exc).__name__)
            return None
        if key is None:
            return None
        redactor.add(key, "session_key")
        return Fernet(key.encode("ascii"))

    def load(self) -> dict[str, Any] | None:
        """The kept storage state, or None (none kept, expired, other URL, wrong key: all deleted)."""
        from cryptography.fernet import InvalidToken

        if not self.path.exists():
            return None
        fernet = self._fernet(create=False)
        if fernet is None:
            return None
        try:
            data = json.loads(fernet.decrypt(self.path.read_bytes(), ttl=self.ttl_s))
        except (InvalidToken, OSError, ValueError):
            self.discard()
            return None
        state = data.get("state") if isinstance(data, dict) else None
        if not isinstance(state, dict) or data.get("ui_url") != self.ui_url:
            self.discard()
            return None
        register_state(state)
        return state

    def save(self, state: dict[str, Any]) -> bool:
        register_state(state)
        fernet = self._fernet(create=True)
        if fernet is None:
            return False
        blob = fernet.encrypt(json.dumps({"ui_url": self.ui_url, "saved": time.time(), "state": state}).encode())
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(self.path.parent, 0o700)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".session-")
            with os.fdopen(fd, "wb") as handle:
                handle.write(blob)
            os.replace(tmp, self.path)
        except OSError as exc:
            log.info("session cache not written: %s", type(exc).__name__)
            return False
        return True

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            self.path.unlink()


class CachedLogin:
    """Wraps the real login: the first call tries the kept session; every real login is kept."""

    def __init__(self, log_in: Callable[[Page], str], cache: SessionCache | None, fresh: bool = False) -> None:
        self._log_in = log_in
        self.cache = cache
        self._tried = cache is None or fresh
        self.reused = False
        if fresh and cache is not None:
            cache.discard()

    def __call__(self, page: Page) -> str:
        if not self._tried:
            self._tried = True
            landed = self._resume(page)
            if landed:
                return landed
        landed = self._log_in(page)
        self._keep(page)
        return landed

    def _resume(self, page: Page) -> str | None:
        assert self.cache is not None
        state = self.cache.load()
        if not state or not state.get("cookies"):
            return None
        try:
            page.context.add_cookies(state["cookies"])
            response = page.goto(self.cache.ui_url + HOME_PATH, wait_until="domcontentloaded")
        except PlaywrightError as exc:
            log.info("kept session not usable: %s", type(exc).__name__)
            return None
        if response is None or response.status >= 400 or not is_logged_in_url(page.url):
            self.cache.discard()
            log.info("kept session had ended; logging in")
            return None
        self.reused = True
        log.info("reused the kept NetSuite session (no password, no 2FA)")
        return page.url

    def _keep(self, page: Page) -> None:
        if self.cache is None:
            return
        try:
            state = page.context.storage_state()
        except PlaywrightError:
            return
        if self.cache.save(dict(state)):
            log.info("kept the NetSuite session for %d minutes", self.cache.ttl_s // 60)


def cached_login(log_in: Callable[[Page], str], account_id: str, ui_url: str, fresh: bool) -> CachedLogin:
    """The login the runner uses; the cache is off when the keyring module cannot be used at all."""
    try:
        import keyring  # noqa: F401
    except ImportError:
        return CachedLogin(log_in, None)
    return CachedLogin(log_in, SessionCache(account_id, ui_url), fresh)
