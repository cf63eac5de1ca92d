"""RFC 6238 one-time codes for NetSuite's 2FA page (SHA1, 6 digits, 30 s steps).

The login step needs the step boundaries too: a code typed in the last second of its step may
be stale when NetSuite checks it, so the caller can wait for ``next_step_start`` instead.
Errors describe what is wrong with a seed and never include it.
"""

from __future__ import annotations

import base64
import hmac
import re
import struct
import time

from automation.errors import ExitCode, NsautoError
from automation.secrets.redact import redactor

STEP_SECONDS = 30
DIGITS = 6
MIN_SEED_CHARS = 16  # 80 bits; shorter seeds are typos or truncated copies

_BASE32 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


class InvalidTotpSeed(NsautoError, ValueError):
    """The configured TOTP seed is not usable base32. The message never contains the seed."""

    exit_code = ExitCode.BAD_INPUT


def decode_seed(seed_b32: str) -> bytes:
    """Base32 seed -> key bytes; spaces, dashes, lower case and '=' padding are accepted."""
    hint = "copy the seed (the 'secret' of the authenticator setup) again; it uses A-Z and 2-7 only"
    cleaned = re.sub(r"[\s-]", "", seed_b32).upper().rstrip("=")
    if not cleaned:
        raise InvalidTotpSeed("the TOTP seed is empty", hint)
    redactor.add(cleaned, "totp_seed")
    redactor.add(seed_b32.strip(), "totp_seed")
    bad = next((i for i, ch in enumerate(cleaned) if ch not in _BASE32), None)
    if bad is not None:
        raise InvalidTotpSeed(
            f"the TOTP seed is not base32: character {bad + 1} of {len(cleaned)} is outside A-Z and 2-7",
            hint,
        )
    if len(cleaned) < MIN_SEED_CHARS:
        raise InvalidTotpSeed(
            f"the TOTP seed is {len(cleaned)} characters long; seeds have at least {MIN_SEED_CHARS}",
            hint,
        )
    padded = cleaned + "=" * (-len(cleaned) % 8)
    try:
        return base64.b32decode(padded)
    except ValueError:  # a length no base32 encoder produces (e.g. 1, 3 or 6 chars mod 8)
        raise InvalidTotpSeed(
            f"the TOTP seed has {len(cleaned)} characters, a length base32 cannot have", hint
        ) from None


def hotp(key: bytes, counter: int, digits: int = DIGITS, digest: str = "sha1") -> str:
    """RFC 4226 HOTP value of ``counter`` (exposed for the RFC test vectors)."""
    mac = hmac.new(key, struct.pack(">Q", counter), digest).digest()
    offset = mac[-1] & 0x0F
    code = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(code % 10**digits).zfill(digits)


def _now(at: float | None) -> float:
    return time.time() if at is None else at


def totp_now(seed_b32: str, at: float | None = None) -> str:
    """The 6-digit code for Unix time ``at`` (now by default)."""
    return hotp(decode_seed(seed_b32), int(_now(at) // STEP_SECONDS))


def seconds_into_step(at: float | None = None) -> float:
    """How far into the current 30 s step ``at`` is (0 <= x < 30)."""
    return _now(at) % STEP_SECONDS


def next_step_start(at: float | None = None) -> float:
    """Unix time at which the next code becomes valid."""
    now = _now(at)
    return (now // STEP_SECONDS + 1) * STEP_SECONDS
