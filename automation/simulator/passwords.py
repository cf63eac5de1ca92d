"""Password hashing for simulated employees (PBKDF2; the plain password is never stored)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

_ITERATIONS = 20_000  # low on purpose: tests log in often; this is a simulator, not a vault


def hash_password(password: str) -> str:
    salt = secrets.token_hex(8)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), _ITERATIONS).hex()
    return f"{salt}${digest}"


def check_password(password: str, stored: str) -> bool:
    if "$" not in stored:
        return False
    salt, digest = stored.split("$", 1)
    candidate = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), _ITERATIONS).hex()
    return hmac.compare_digest(candidate, digest)
