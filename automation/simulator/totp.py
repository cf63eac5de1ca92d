"""RFC 6238 TOTP (SHA1, 6 digits, 30 s), as NetSuite's authenticator-app 2FA uses."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time

STEP_SECONDS = 30
DIGITS = 6


def _key(seed_b32: str) -> bytes:
    cleaned = seed_b32.replace(" ", "").upper()
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))


def hotp(key: bytes, counter: int, digits: int = DIGITS) -> str:
    """RFC 4226 HOTP value for one counter."""
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    code = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(code % 10**digits).zfill(digits)


def totp(seed_b32: str, at: float | None = None) -> str:
    """The current code for a base32 seed."""
    now = time.time() if at is None else at
    return hotp(_key(seed_b32), int(now // STEP_SECONDS))


def verify(seed_b32: str, code: str, at: float | None = None, window: int = 1) -> bool:
    """True if `code` matches the step at `at` or one of `window` steps either side (clock drift)."""
    code = code.strip()
    if len(code) != DIGITS or not code.isdigit():
        return False
    now = time.time() if at is None else at
    key = _key(seed_b32)
    step = int(now // STEP_SECONDS)
    return any(hmac.compare_digest(hotp(key, step + d), code) for d in range(-window, window + 1))
