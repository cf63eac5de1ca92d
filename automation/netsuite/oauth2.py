"""OAuth 2.0 client credentials (M2M): key pair, self-signed certificate, JWT assertion, token, bearer SuiteQL.

NetSuite's M2M flow has no shared secret on the wire: the tool keeps a private key, NetSuite keeps
the matching certificate (uploaded in the M2M Setup popup) under a generated Certificate ID. A
token request is a JWT signed with the key (header ``kid`` = Certificate ID, payload ``iss`` =
client ID, ``aud`` = the token endpoint, ``exp`` < 60 min after ``iat``); the answer is a bearer
token for about an hour.

The token endpoint answers nearly every problem with the same terse ``{"error": "invalid_grant"}``
(the reason goes only to NetSuite's Login Audit Trail), so :func:`diagnose` narrows it down from
what this machine can check itself: does the keyring's key belong to the certificate we uploaded,
does the certificate's validity still hold, and does NetSuite's clock (its ``Date`` header) agree
with ours.

Standard library for HTTP (urllib, like ``rest.py``); ``cryptography`` is imported lazily so that
``nsauto validate`` does not pay for it. Every secret that passes through here is registered with
the redactor where it enters the process.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import secrets as _random
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode

from automation import blocking
from automation.errors import EnvironmentNotReady
from automation.netsuite.rest import USER_AGENT, VERIFY_QUERY, _error_fields
from automation.secrets.redact import redactor

TOKEN_PATH = "/auth/oauth2/v1/token"
GRANT_TYPE = "client_credentials"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_LIFETIME_S = 1800  # NetSuite wants exp < 60 min after iat; half of that leaves room for clock skew
ROTATE_WITHIN_DAYS = 60  # NetSuite's first expiry reminder comes two months ahead
CLOCK_SKEW_WARN_S = 300

SCOPE_LABELS: dict[str, str] = {
    "restlets": "RESTlets",
    "rest_webservices": "REST Web Services",
    "suite_analytics": "SuiteAnalytics Connect",
}
"""Scope claim value -> the checkbox label on the integration record's Authentication subtab."""

KEY_TYPES: dict[str, tuple[str, int | str, str]] = {
    "ec-p256": ("ec", "secp256r1", "ES256"),
    "ec-p384": ("ec", "secp384r1", "ES384"),
    "ec-p521": ("ec", "secp521r1", "ES512"),
    "rsa-3072": ("rsa", 3072, "PS256"),
    "rsa-4096": ("rsa", 4096, "PS256"),
}
"""``setup.oauth2.key_type`` -> (family, curve or bits, JWT alg). RFC 7518 ties ES384/ES512 to P-384/P-521."""


def token_url_for(rest_url: str) -> str:
    """The token endpoint below a SuiteTalk REST base URL (``.../services/rest``); also the JWT ``aud``."""
    return rest_url.rstrip("/") + TOKEN_PATH


def _register_pem(pem: str, name: str) -> None:
    """A PEM leaks in pieces too (one base64 line in a log); register the whole and every body line."""
    redactor.add(pem, name)
    body = [line for line in pem.splitlines() if line and not line.startswith("-----")]
    redactor.add("".join(body), name)
    for line in body:
        if len(line) >= 16:
            redactor.add(line, name)


# --------------------------------------------------------------------------- keys and certificates


@dataclass(frozen=True, repr=False)
class GeneratedKey:
    """A fresh key pair and its self-signed certificate; ``repr`` hides the private key."""

    key_type: str
    alg: str
    private_key_pem: str
    certificate_pem: str
    common_name: str
    not_before: datetime
    not_after: datetime
    fingerprint: str  # SHA-256 of the public key (SubjectPublicKeyInfo DER), hex: public, for diagnosis

    def __post_init__(self) -> None:
        _register_pem(self.private_key_pem, "private_key")

    def __repr__(self) -> str:
        return (
            f"GeneratedKey(key_type={self.key_type!r}, common_name={self.common_name!r}, "
            f"not_after={self.not_after.isoformat()!r}, private_key=<hidden>)"
        )

    __str__ = __repr__


def _load_private_key(pem: str) -> Any:
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    return load_pem_private_key(pem.encode(), password=None)


def public_fingerprint(private_key_pem: str) -> str:
    """SHA-256 (hex) of the public key that belongs to this private key."""
    from cryptography.hazmat.primitives import serialization

    public = _load_private_key(private_key_pem).public_key()
    der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def generate_key(key_type: str, days: int, common_name: str, now: datetime | None = None) -> GeneratedKey:
    """A new key pair and a self-signed X.509 certificate valid ``days`` days (NetSuite: at most 730)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.x509.oid import NameOID

    if key_type not in KEY_TYPES:
        raise ValueError(f"unknown key type {key_type!r}; known: {', '.join(KEY_TYPES)}")
    if not 1 <= days <= 730:
        raise ValueError("NetSuite accepts certificates valid for at most two years (730 days)")
    family, size, alg = KEY_TYPES[key_type]
    if family == "ec":
        key: Any = ec.generate_private_key(getattr(ec, str(size).upper())())
    else:
        key = rsa.generate_private_key(public_exponent=65537, key_size=int(size))
    start = (now or datetime.now(UTC)).replace(microsecond=0) - timedelta(minutes=5)  # room for clock skew
    name = x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, common_name), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "nsauto")]
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False),  # digitalSignature
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return GeneratedKey(
        key_type=key_type,
        alg=alg,
        private_key_pem=private_pem,
        certificate_pem=certificate.public_bytes(serialization.Encoding.PEM).decode("ascii"),
        common_name=common_name,
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        fingerprint=hashlib.sha256(der).hexdigest(),
    )


def new_common_name(account_id: str, now: datetime | None = None) -> str:
    """A subject CN unique per certificate, so the tool can find its own row in the M2M Setup list."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"nsauto {account_id} {stamp} {_random.token_hex(3)}"


# --------------------------------------------------------------------------- the JWT client assertion


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def alg_for(private_key: Any) -> str:
    """ES256/ES384/ES512 by curve (RFC 7518 §3.4), PS256 for RSA."""
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        return {"secp256r1": "ES256", "secp384r1": "ES384", "secp521r1": "ES512"}[private_key.curve.name]
    if isinstance(private_key, rsa.RSAPrivateKey):
        return "PS256"
    raise ValueError("the private key is neither EC nor RSA")


def _sign(private_key: Any, alg: str, data: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    digest = {"256": hashes.SHA256(), "384": hashes.SHA384(), "512": hashes.SHA512()}[alg[2:]]
    if alg.startswith("ES"):
        # JWS wants the raw r || s, each padded to the curve's size, not the DER that cryptography returns.
        r, s = decode_dss_signature(private_key.sign(data, ec.ECDSA(digest)))
        size = (private_key.curve.key_size + 7) // 8
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")
    pss = padding.PSS(mgf=padding.MGF1(digest), salt_length=digest.digest_size)  # RFC 7518 §3.5
    return private_key.sign(data, pss, digest)


def client_assertion(
    private_key_pem: str,
    certificate_id: str,
    client_id: str,
    audience: str,
    scopes: list[str] | tuple[str, ...],
    now: float | None = None,
    lifetime_s: int = ASSERTION_LIFETIME_S,
) -> str:
    """The signed JWT for the token request (header typ/alg/kid; payload iss/scope/aud/iat/exp)."""
    key = _load_private_key(private_key_pem)
    alg = alg_for(key)
    issued = int(time.time() if now is None else now)
    header = {"typ": "JWT", "alg": alg, "kid": certificate_id}
    payload = {"iss": client_id, "scope": ",".join(scopes), "aud": audience, "iat": issued, "exp": issued + lifetime_s}
    signing_input = (
        _b64url(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + _b64url(json.dumps(payload, separators=(",", ":")).encode())
    )
    signature = _sign(key, alg, signing_input.encode("ascii"))
    assertion = signing_input + "." + _b64url(signature)
    redactor.add(assertion, "client_assertion")  # a bearer of sorts until exp: keep it out of output
    return assertion


# --------------------------------------------------------------------------- HTTP


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect means a wrong URL; following it would send the assertion or the token elsewhere."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        return None


_opener = urllib.request.build_opener(_NoRedirect)
_UNREACHABLE_HINT = (
    "check the REST URL (account id), the network and any HTTPS_PROXY setting; "
    "for the simulator, check that it is running"
)


@dataclass
class _Answer:
    status: int
    body: bytes
    date: str | None  # the server's Date header: its clock, for the skew check
    received: float  # our clock when the answer came


def _exchange(request: urllib.request.Request, timeout: float) -> _Answer:
    try:
        with _opener.open(request, timeout=timeout) as response:
            return _Answer(response.status, response.read(), response.headers.get("Date"), time.time())
    except urllib.error.HTTPError as exc:
        answer = _Answer(exc.code, exc.read(), exc.headers.get("Date") if exc.headers else None, time.time())
        exc.close()
        return answer


def _send(request: urllib.request.Request, url: str, timeout: float) -> _Answer:
    try:
        return blocking.call(_exchange, request, timeout)
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise EnvironmentNotReady(redactor.redact(f"cannot reach {url}: {reason}"), _UNREACHABLE_HINT) from None


def _request(url: str, data: bytes, headers: dict[str, str]) -> urllib.request.Request:
    try:
        return urllib.request.Request(url, data=data, method="POST", headers={"User-Agent": USER_AGENT, **headers})
    except ValueError as exc:  # "unknown url type": no scheme or host
        raise EnvironmentNotReady(redactor.redact(f"{url!r} is not a usable URL ({exc})"), _UNREACHABLE_HINT) from None


def _skew_s(answer: _Answer) -> float | None:
    """Server clock minus ours, from the Date header (None when absent or unreadable)."""
    if not answer.date:
        return None
    try:
        server = parsedate_to_datetime(answer.date)
    except (TypeError, ValueError):
        return None
    if server.tzinfo is None:
        server = server.replace(tzinfo=UTC)
    return server.timestamp() - answer.received


@dataclass(frozen=True, repr=False)
class TokenAnswer:
    """The token endpoint's answer; ``repr`` hides the access token."""

    ok: bool
    status: int
    error: str | None  # OAuth error code (invalid_grant, invalid_client, ...) when refused
    access_token: str | None = None
    expires_in: int | None = None
    skew_s: float | None = None

    def __repr__(self) -> str:
        return f"TokenAnswer(ok={self.ok}, status={self.status}, error={self.error!r}, access_token=<hidden>)"

    __str__ = __repr__


def request_token(token_url: str, assertion: str, timeout: float = 30) -> TokenAnswer:
    """POST the client_credentials grant with the JWT assertion; never raises for an HTTP answer."""
    form = urlencode(
        {"grant_type": GRANT_TYPE, "client_assertion_type": ASSERTION_TYPE, "client_assertion": assertion}
    ).encode()
    request = _request(
        token_url, form, {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    )
    answer = _send(request, token_url, timeout)
    skew = _skew_s(answer)
    try:
        data = json.loads(answer.body.decode("utf-8", errors="replace"))
    except ValueError:
        data = None
    data = data if isinstance(data, dict) else {}
    if answer.status == 200 and isinstance(data.get("access_token"), str) and data["access_token"]:
        token = data["access_token"]
        redactor.add(token, "access_token")
        expires = data.get("expires_in")
        return TokenAnswer(True, 200, None, token, int(expires) if isinstance(expires, int | float) else None, skew)
    error = data.get("error") if isinstance(data.get("error"), str) else None
    if error is None and answer.status == 200:
        error = "no_access_token"
    return TokenAnswer(False, answer.status, error or f"http_{answer.status}", None, None, skew)


def suiteql_with_bearer(rest_url: str, access_token: str, timeout: float = 30) -> tuple[int, str | None, str]:
    """``SELECT 1 FROM DUAL`` with ``Authorization: Bearer``: (status, NetSuite error code, detail)."""
    url = rest_url.rstrip("/") + "/query/v1/suiteql"
    request = _request(
        url,
        json.dumps({"q": VERIFY_QUERY}).encode(),
        {
            "Authorization": f"Bearer {access_token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Prefer": "transient",
        },
    )
    answer = _send(request, url, timeout)
    if answer.status == 200:
        return 200, None, "HTTP 200"
    code, detail = _error_fields(answer.status, answer.body)
    return answer.status, code, redactor.redact(f"HTTP {answer.status}: {detail}")


# --------------------------------------------------------------------------- verification


@dataclass(frozen=True, repr=False)
class M2MCredentials:
    """What a token request needs (the client secret is not one of them); ``repr`` hides the values."""

    account_id: str
    client_id: str
    certificate_id: str
    private_key_pem: str

    def __post_init__(self) -> None:
        redactor.add(self.client_id, "client_id")
        redactor.add(self.certificate_id, "certificate_id")
        _register_pem(self.private_key_pem, "private_key")

    def __repr__(self) -> str:
        return f"M2MCredentials(account_id={self.account_id!r}, client_id=<hidden>, certificate_id=<hidden>, ...)"

    __str__ = __repr__


@dataclass(frozen=True)
class CertificateFacts:
    """What the manifest remembers about the uploaded certificate (all public)."""

    expires: datetime | None = None
    fingerprint: str | None = None

    @classmethod
    def from_manifest(cls, facts: dict[str, Any]) -> CertificateFacts:
        expires = None
        raw = facts.get("certificate_expires")
        if isinstance(raw, str):
            try:
                expires = datetime.fromisoformat(raw)
            except ValueError:
                expires = None
            if expires is not None and expires.tzinfo is None:
                expires = expires.replace(tzinfo=UTC)
        fingerprint = facts.get("certificate_fingerprint")
        return cls(expires, fingerprint if isinstance(fingerprint, str) else None)

    def days_left(self, now: datetime | None = None) -> float | None:
        if self.expires is None:
            return None
        return (self.expires - (now or datetime.now(UTC))).total_seconds() / 86400


@dataclass(frozen=True)
class M2MVerifyResult:
    """Outcome of token request + bearer SuiteQL; ``ok`` only when both answered 200.

    Same ``ok``/``status``/``error_code``/``detail`` surface as ``rest.VerifyResult``; ``step``
    says which call refused (``token`` or ``suiteql``).
    """

    ok: bool
    status: int
    error_code: str | None
    detail: str
    step: str = "suiteql"
    notes: tuple[str, ...] = field(default=())


def _fmt_skew(seconds: float) -> str:
    ahead = "ahead of" if seconds > 0 else "behind"
    minutes = abs(seconds) / 60
    amount = f"{minutes / 60:.1f} h" if minutes >= 90 else f"{minutes:.0f} min"
    return f"NetSuite's clock is {amount} {ahead} this machine's"


def diagnose(answer: TokenAnswer, creds: M2MCredentials, facts: CertificateFacts) -> str:
    """One sentence on why the token endpoint refused, from what this machine can check."""
    code = answer.error or "refused"
    if code == "invalid_client":
        return (
            "invalid_client: NetSuite does not accept the client ID as the issuer (iss) of this certificate's "
            "mapping; the keyring's client_id belongs to another integration record, or its credentials were reset"
        )
    if code == "invalid_scope":
        return "invalid_scope: the scope asked for is not ticked on the integration record (Authentication subtab)"
    if code == "unauthorized_client":
        return (
            "unauthorized_client: the integration record does not allow the Client Credentials (Machine to "
            "Machine) Grant, is blocked, or the OAuth 2.0 feature is off"
        )
    if code == "access_denied":
        return (
            "access_denied: the mapped entity or role is inactive, or the role lacks "
            "'Log in using OAuth 2.0 Access Tokens'"
        )
    if code != "invalid_grant":
        return f"{code}: NetSuite refused the token request (see the Login Audit Trail for the reason)"
    try:
        key_matches = facts.fingerprint is None or public_fingerprint(creds.private_key_pem) == facts.fingerprint
    except (ValueError, TypeError):
        return "invalid_grant: the private key in the keyring cannot be read (not a PEM private key)"
    if not key_matches:
        return (
            "invalid_grant: the private key in the keyring is not the key of the certificate nsauto uploaded "
            "(public key fingerprints differ), so NetSuite cannot verify the assertion's signature"
        )
    days = facts.days_left()
    if days is not None and days <= 0:
        return f"invalid_grant: the certificate expired on {facts.expires:%Y-%m-%d}"  # type: ignore[union-attr]
    if answer.skew_s is not None and abs(answer.skew_s) > CLOCK_SKEW_WARN_S:
        return (
            f"invalid_grant: the assertion looked expired or not yet valid to NetSuite: {_fmt_skew(answer.skew_s)}"
            " (the assertion is valid for 30 minutes from this machine's time)"
        )
    return (
        "invalid_grant: the key matches its certificate and the clocks agree, so the certificate ID in the "
        "keyring is unknown to NetSuite or its certificate was revoked (OAuth 2.0 Client Credentials (M2M) Setup)"
    )


def verify_m2m(
    rest_url: str,
    creds: M2MCredentials,
    scopes: list[str] | tuple[str, ...],
    facts: CertificateFacts | None = None,
    timeout: float = 30,
) -> M2MVerifyResult:
    """Token request with a fresh assertion, then SuiteQL with the bearer token.

    Raises ``EnvironmentNotReady`` only when there is no HTTP answer at all.
    """
    facts = facts or CertificateFacts()
    token_url = token_url_for(rest_url)
    try:
        assertion = client_assertion(creds.private_key_pem, creds.certificate_id, creds.client_id, token_url, scopes)
    except (ValueError, TypeError, KeyError):
        unreadable = "the private key in the keyring cannot be read (not an EC or RSA PEM key)"
        return M2MVerifyResult(False, 0, "unreadable_key", unreadable, "token")
    answer = request_token(token_url, assertion, timeout)
    if not answer.ok or not answer.access_token:
        detail = redactor.redact(f"HTTP {answer.status} {diagnose(answer, creds, facts)}")
        return M2MVerifyResult(False, answer.status, answer.error, detail, "token")
    status, code, detail = suiteql_with_bearer(rest_url, answer.access_token, timeout)
    if status != 200:
        return M2MVerifyResult(
            False,
            status,
            code,
            f"NetSuite issued a token but refused the SuiteQL call with it: {detail} (the role needs REST Web "
            "Services, the integration the rest_webservices scope)",
            "suiteql",
        )
    return M2MVerifyResult(True, 200, None, "HTTP 200: a token was issued and the SuiteQL call with it passed")
