"""automation.netsuite.oauth2: keys and certificates, the JWT assertion (checked by the simulator's
independent verifier), refusal diagnosis, and that no secret shows in reprs or redacted output."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509

from automation.netsuite import oauth2
from automation.secrets.redact import redactor
from automation.simulator import oauth2 as sim_oauth2

AUD = "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token"


def _part(token: str, index: int) -> dict:
    text = token.split(".")[index]
    return json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


@pytest.fixture(scope="module")
def keys() -> dict[str, oauth2.GeneratedKey]:
    return {kt: oauth2.generate_key(kt, 730, oauth2.new_common_name("1234567_SB1")) for kt in oauth2.KEY_TYPES}


@pytest.mark.parametrize("key_type", list(oauth2.KEY_TYPES))
def test_certificate_is_self_signed_within_two_years_and_accepted_by_the_simulator(keys, key_type: str) -> None:
    key = keys[key_type]
    cert = x509.load_pem_x509_certificate(key.certificate_pem.encode())
    assert cert.subject == cert.issuer
    assert cert.not_valid_after_utc - cert.not_valid_before_utc == timedelta(days=730)
    assert key.common_name in cert.subject.rfc4514_string()
    info = sim_oauth2.inspect_certificate(key.certificate_pem.encode(), datetime.now(UTC).timestamp())
    assert not isinstance(info, str), info
    assert oauth2.public_fingerprint(key.private_key_pem) == key.fingerprint


@pytest.mark.parametrize("key_type", list(oauth2.KEY_TYPES))
def test_assertion_header_payload_and_signature(keys, key_type: str) -> None:
    key = keys[key_type]
    token = oauth2.client_assertion(key.private_key_pem, "CERT-ID", "CLIENT-ID", AUD, ["rest_webservices", "restlets"])
    header, payload = _part(token, 0), _part(token, 1)
    assert header == {"typ": "JWT", "alg": key.alg, "kid": "CERT-ID"}
    assert key.alg == {"ec-p256": "ES256", "ec-p384": "ES384", "ec-p521": "ES512"}.get(key_type, "PS256")
    assert payload["iss"] == "CLIENT-ID" and payload["aud"] == AUD
    assert payload["scope"] == "rest_webservices,restlets"
    assert 0 < payload["exp"] - payload["iat"] < 3600
    head, body, signature = token.split(".")
    raw = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    assert sim_oauth2.signature_valid(key.certificate_pem, key.alg, f"{head}.{body}".encode(), raw)
    other = keys["ec-p256" if key_type != "ec-p256" else "ec-p384"]
    assert not sim_oauth2.signature_valid(other.certificate_pem, key.alg, f"{head}.{body}".encode(), raw)


def test_limits_and_unknown_key_types() -> None:
    with pytest.raises(ValueError, match="two years"):
        oauth2.generate_key("ec-p256", 731, "x")
    with pytest.raises(ValueError, match="unknown key type"):
        oauth2.generate_key("rsa-2048", 30, "x")
    assert oauth2.token_url_for("https://a.suitetalk.api.netsuite.com/services/rest/") == (
        "https://a.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token"
    )


def test_secrets_stay_out_of_reprs_and_redacted_text(keys) -> None:
    key = keys["ec-p256"]
    creds = oauth2.M2MCredentials("1234567_SB1", "c" * 64, "certificate-id-0123456789", key.private_key_pem)
    for text in (repr(key), str(key), repr(creds), repr(oauth2.TokenAnswer(True, 200, None, "t" * 40))):
        assert "PRIVATE KEY" not in text and "c" * 64 not in text and "t" * 40 not in text
    body_line = key.private_key_pem.splitlines()[1]
    assert body_line not in redactor.redact(f"log line with {body_line} in it")
    assert "[secret:private_key]" in redactor.redact(key.private_key_pem)


def _answer(error: str, skew: float | None = None) -> oauth2.TokenAnswer:
    return oauth2.TokenAnswer(False, 400, error, skew_s=skew)


def test_diagnosis_narrows_invalid_grant_from_local_facts(keys) -> None:
    key, other = keys["ec-p256"], keys["ec-p384"]
    creds = oauth2.M2MCredentials("1234567_SB1", "c" * 64, "certificate-id-0123456789", key.private_key_pem)
    future = datetime.now(UTC) + timedelta(days=300)
    matching = oauth2.CertificateFacts(future, key.fingerprint)
    assert "not the key of the certificate" in oauth2.diagnose(
        _answer("invalid_grant"), creds, oauth2.CertificateFacts(future, other.fingerprint)
    )
    expired = oauth2.CertificateFacts(datetime.now(UTC) - timedelta(days=1), key.fingerprint)
    assert "certificate expired on" in oauth2.diagnose(_answer("invalid_grant"), creds, expired)
    assert "2.0 h ahead" in oauth2.diagnose(_answer("invalid_grant", 7200), creds, matching)
    assert "unknown to NetSuite or its certificate was revoked" in oauth2.diagnose(
        _answer("invalid_grant", 2), creds, matching
    )
    assert oauth2.diagnose(_answer("invalid_scope"), creds, matching).startswith("invalid_scope:")
    assert "Log in using OAuth 2.0 Access Tokens" in oauth2.diagnose(_answer("access_denied"), creds, matching)


def test_certificate_facts_from_the_manifest() -> None:
    when = datetime(2028, 1, 2, tzinfo=UTC)
    facts = oauth2.CertificateFacts.from_manifest(
        {"certificate_expires": when.isoformat(), "certificate_fingerprint": "ab"}
    )
    assert facts == oauth2.CertificateFacts(when, "ab")
    assert oauth2.CertificateFacts.from_manifest({}).days_left() is None
    assert oauth2.CertificateFacts.from_manifest({"certificate_expires": "garbage"}).expires is None
