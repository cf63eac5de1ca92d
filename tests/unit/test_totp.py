"""TOTP against the RFC 6238 SHA1 vectors, and seed errors that never echo the seed."""

from __future__ import annotations

import base64

import pytest

from automation.errors import ExitCode
from automation.netsuite.totp import (
    InvalidTotpSeed,
    decode_seed,
    hotp,
    next_step_start,
    seconds_into_step,
    totp_now,
)

# RFC 6238 appendix B: the SHA1 key is the ASCII string "12345678901234567890".
RFC_SEED = base64.b32encode(b"12345678901234567890").decode()
RFC_VECTORS = [  # (time, 8-digit TOTP from the RFC)
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]


@pytest.mark.parametrize(("at", "expected"), RFC_VECTORS)
def test_rfc6238_sha1_vectors(at: int, expected: str) -> None:
    key = decode_seed(RFC_SEED)
    assert hotp(key, at // 30, digits=8) == expected
    # 6 digits are the last 6 of the 8 (same truncated value, smaller modulus).
    assert totp_now(RFC_SEED, at=at) == expected[-6:]


def test_rfc4226_hotp_vectors() -> None:
    expected = ["755224", "287082", "359152", "969429", "338314"]
    key = b"12345678901234567890"
    assert [hotp(key, i) for i in range(5)] == expected


def test_seed_with_spaces_and_lower_case() -> None:
    spaced = " ".join(RFC_SEED.lower()[i : i + 4] for i in range(0, len(RFC_SEED), 4))
    assert totp_now(spaced, at=59) == "287082"


def test_simulator_demo_seed_decodes() -> None:
    assert len(decode_seed("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")) == 20


@pytest.mark.parametrize(
    ("seed", "words"),
    [
        ("JBSWY3DPEHPK3PX1JBSWY3DP", "character 16 of 24"),
        ("JBSWY3DP", "at least 16"),
        ("   ", "empty"),
        ("JBSWY3DPEHPK3PXPJ", "length base32 cannot have"),
    ],
)
def test_bad_seed_errors_do_not_echo_the_seed(seed: str, words: str) -> None:
    with pytest.raises(InvalidTotpSeed) as info:
        totp_now(seed)
    err = info.value
    assert words in err.message
    assert err.exit_code == ExitCode.BAD_INPUT
    if seed.strip():
        assert seed not in str(err) and seed.lower() not in str(err)
        assert seed[:8] not in str(err) and seed[:8] not in (err.hint or "")


def test_step_arithmetic() -> None:
    assert seconds_into_step(at=59.5) == pytest.approx(29.5)
    assert seconds_into_step(at=60) == 0
    assert next_step_start(at=59.5) == 60
    assert next_step_start(at=60) == 90
    assert 0 <= seconds_into_step() < 30
