"""OAuth 2.0 client credentials (M2M) on the simulator: certificate checks, token endpoint, bearer tokens.

H (Oracle help, shared/reference/netsuite-oauth2-m2m.md): the form parameters of
`POST /services/rest/auth/oauth2/v1/token`, the JWT header (typ JWT, alg PS256..ES512, kid =
Certificate ID) and payload (iss = client ID, comma-separated scope, aud = the token endpoint,
exp less than 60 minutes after iat), the answer `{"access_token", "expires_in", "token_type"}`,
certificates valid at most two years, at most five active certificates per integration record.
G: the exact error codes. Like INVALID_LOGIN for TBA, a refusal tells the caller only an OAuth
error code (`{"error": "invalid_grant"}`); the reason goes to `rest_calls[].detail`, named as
NetSuite's Login Audit Trail names its OAuth 2.0 errors (InvalidSignature, InvalidScope, ...).

Signatures are checked with `cryptography` against the uploaded certificate; the simulator stays
free of any import from the tool. Issued access tokens are kept only as SHA-256 hashes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from automation.simulator.catalog import PERMISSION_BY_NAME
from automation.simulator.models import BearerToken, Employee, Integration, M2MMapping, Role
from automation.simulator.state import ADMIN_ROLE_ID
from automation.simulator.web import Ctx, Response, json_response

if TYPE_CHECKING:
    from automation.simulator.app import App
    from automation.simulator.state import Store

TOKEN_PATH = "/services/rest/auth/oauth2/v1/token"
GRANT_TYPE = "client_credentials"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TOKEN_LIFETIME_S = 3600
MAX_ASSERTION_LIFETIME_S = 3600
FUTURE_IAT_TOLERANCE_S = 300
MAX_VALIDITY = timedelta(days=731)  # "two years", a leap day included
MAX_ACTIVE_PER_INTEGRATION = 5
LOGIN_PERMISSION = "Log in using OAuth 2.0 Access Tokens"
REST_PERMISSION = "REST Web Services"

# Scope claim -> the Integration field that allows it.
SCOPES: dict[str, str] = {
    "restlets": "scope_restlets",
    "rest_webservices": "scope_rest_web_services",
    "suite_analytics": "scope_suiteanalytics_connect",
}
# JWT alg -> (key family, hash name, EC curve or None); RFC 7518 ties each ES alg to one curve.
ALGS: dict[str, tuple[str, str, str | None]] = {
    "ES256": ("ec", "SHA256", "secp256r1"),
    "ES384": ("ec", "SHA384", "secp384r1"),
    "ES512": ("ec", "SHA512", "secp521r1"),
    "PS256": ("rsa", "SHA256", None),
    "PS384": ("rsa", "SHA384", None),
    "PS512": ("rsa", "SHA512", None),
}
EC_CURVES = {"secp256r1": "EC P-256", "secp384r1": "EC P-384", "secp521r1": "EC P-521"}
MIN_RSA_BITS = 3072

BAD_FILE = "The file is not a valid certificate. Upload the public part of the certificate in PEM format."
BAD_KEY = (
    "The certificate uses an unsupported key. Use an RSA key of at least 3072 bits or an EC key on the "
    "P-256, P-384 or P-521 curve."
)
TOO_LONG = "The certificate validity period cannot exceed two years."
EXPIRED = "The certificate has expired."
NOT_YET_VALID = "The certificate is not valid yet."
LIMIT_REACHED = (
    "You cannot add more than five active certificates for one integration record. Revoke a certificate "
    "that is no longer used, then upload the new one."
)
DUPLICATE = "This certificate is already mapped to this application."


def now(app: App) -> float:
    """The simulated NetSuite clock (ahead of this machine by settings.clock_ahead_s)."""
    return time.time() + app.settings.get().clock_ahead_s


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


# --------------------------------------------------------------------------- certificates


@dataclass(frozen=True)
class CertInfo:
    """What the M2M Setup list shows of an uploaded certificate."""

    pem: str
    subject: str
    key_type: str
    valid_from: datetime
    valid_until: datetime


def inspect_certificate(data: bytes, at: float) -> CertInfo | str:
    """The certificate's facts, or the error message the upload popup shows."""
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    try:
        cert = x509.load_pem_x509_certificate(data.strip() + b"\n")
    except ValueError:
        return BAD_FILE
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey) and key.key_size >= MIN_RSA_BITS:
        key_type = f"RSA {key.key_size}"
    elif isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name in EC_CURVES:
        key_type = EC_CURVES[key.curve.name]
    else:
        return BAD_KEY
    start, end = cert.not_valid_before_utc, cert.not_valid_after_utc
    if end - start > MAX_VALIDITY:
        return TOO_LONG
    moment = datetime.fromtimestamp(at, UTC)
    if end <= moment:
        return EXPIRED
    if start > moment + timedelta(minutes=10):
        return NOT_YET_VALID
    from cryptography.hazmat.primitives import serialization

    pem = cert.public_bytes(serialization.Encoding.PEM).decode("ascii")
    return CertInfo(pem, cert.subject.rfc4514_string(), key_type, start, end)


def new_certificate_id() -> str:
    """G: NetSuite's Certificate IDs are long opaque strings."""
    return secrets.token_urlsafe(32)


def active_count(store: Store, integration_id: int) -> int:
    return sum(1 for m in store.all(M2MMapping) if m.integration_id == integration_id and not m.revoked)


def add_mapping(
    store: Store, info: CertInfo, integration_id: int, employee_id: int, role_id: int, created: str
) -> M2MMapping | str:
    """Insert a mapping, or the NetSuite-style refusal (five active per integration, duplicate)."""
    if active_count(store, integration_id) >= MAX_ACTIVE_PER_INTEGRATION:
        return LIMIT_REACHED
    for other in store.all(M2MMapping):
        if other.integration_id == integration_id and not other.revoked and other.certificate_pem == info.pem:
            return DUPLICATE
    mapping = M2MMapping(
        0,
        new_certificate_id(),
        integration_id,
        employee_id,
        role_id,
        info.pem,
        subject=info.subject,
        key_type=info.key_type,
        valid_from=_iso(info.valid_from),
        valid_until=_iso(info.valid_until),
        created=created,
    )
    store.insert(mapping)
    return mapping


# --------------------------------------------------------------------------- JWT


class Refusal(Exception):
    """A refused token request: HTTP status, OAuth error code, Login-Audit-Trail-style detail."""

    def __init__(self, status: int, error: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.error, self.detail = status, error, detail


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _parse_jwt(token: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    parts = token.split(".")
    if len(parts) != 3:
        raise Refusal(400, "invalid_request", "MalformedAssertion")
    try:
        header = json.loads(_b64url_decode(parts[0]))
        payload = json.loads(_b64url_decode(parts[1]))
        signature = _b64url_decode(parts[2])
    except (ValueError, UnicodeDecodeError):
        raise Refusal(400, "invalid_request", "MalformedAssertion") from None
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise Refusal(400, "invalid_request", "MalformedAssertion")
    return header, payload, signature, f"{parts[0]}.{parts[1]}".encode("ascii")


def signature_valid(certificate_pem: str, alg: str, signing_input: bytes, signature: bytes) -> bool:
    """Check a JWS signature (raw r||s for ES*, RSASSA-PSS for PS*) with the certificate's public key."""
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    family, hash_name, curve = ALGS[alg]
    digest = getattr(hashes, hash_name)()
    key = x509.load_pem_x509_certificate(certificate_pem.encode()).public_key()
    try:
        if family == "ec":
            if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != curve:
                return False
            size = (key.curve.key_size + 7) // 8
            if len(signature) != 2 * size:
                return False
            r, s = int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big")
            key.verify(encode_dss_signature(r, s), signing_input, ec.ECDSA(digest))
        else:
            if not isinstance(key, rsa.RSAPublicKey):
                return False
            pss = padding.PSS(mgf=padding.MGF1(digest), salt_length=digest.digest_size)
            key.verify(signature, signing_input, pss, digest)
    except (InvalidSignature, ValueError):
        return False
    return True


def _scopes(claim: Any) -> list[str]:
    if not isinstance(claim, str):
        raise Refusal(400, "invalid_scope", "InvalidScope")
    scopes = [s.strip() for s in claim.replace(" ", ",").split(",") if s.strip()]
    if not scopes or any(s not in SCOPES for s in scopes):
        raise Refusal(400, "invalid_scope", "InvalidScope")
    return scopes


def _entity_problem(store: Store, mapping: M2MMapping, *permissions: str) -> str:
    """'' when the mapped entity and role may log in with these permissions, else the audit detail."""
    user, role = store.get(Employee, mapping.employee_id), store.get(Role, mapping.role_id)
    if user is None or not user.give_access or role is None or role.inactive or role.id not in user.roles:
        return "EntityOrRoleDisabled"
    lacking = any(PERMISSION_BY_NAME[p].key not in role.permissions for p in permissions)
    if lacking and role.id != ADMIN_ROLE_ID:  # Administrator holds every permission
        return "InsufficientPermission"
    return ""


def _grant(ctx: Ctx) -> tuple[M2MMapping, list[str]]:
    """Every check of a client_credentials token request; raises Refusal."""
    form, store, clock = ctx.form, ctx.app.store, now(ctx.app)
    if form.get("grant_type") != GRANT_TYPE:
        raise Refusal(400, "unsupported_grant_type", "UnsupportedGrantType")
    if form.get("client_assertion_type") != ASSERTION_TYPE:
        raise Refusal(400, "invalid_request", "InvalidAssertionType")
    if not form.get("client_assertion"):
        raise Refusal(400, "invalid_request", "MissingAssertion")
    header, payload, signature, signing_input = _parse_jwt(form["client_assertion"])
    if str(header.get("typ", "")).upper() != "JWT":
        raise Refusal(400, "invalid_request", "InvalidTokenType")
    if header.get("alg") not in ALGS:
        raise Refusal(400, "invalid_request", "UnsupportedAlgorithm")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise Refusal(400, "invalid_request", "MissingCertificateId")
    if not store.features().get("oauth2"):
        raise Refusal(400, "unauthorized_client", "FeatureDisabled")
    mapping = next((m for m in store.all(M2MMapping) if m.certificate_id == kid), None)
    if mapping is None:
        raise Refusal(400, "invalid_grant", "InvalidCertificateId")
    if mapping.revoked:
        raise Refusal(400, "invalid_grant", "CertificateRevoked")
    if datetime.fromisoformat(mapping.valid_until).timestamp() <= clock:
        raise Refusal(400, "invalid_grant", "CertificateExpired")
    if not signature_valid(mapping.certificate_pem, header["alg"], signing_input, signature):
        raise Refusal(400, "invalid_grant", "InvalidSignature")
    integ = store.get(Integration, mapping.integration_id)
    if integ is None or payload.get("iss") != integ.consumer_key:
        raise Refusal(401, "invalid_client", "ClientAuthenticationFailed")
    audience = f"http://{ctx.req.headers.get('host', '')}{TOKEN_PATH}"
    aud = payload.get("aud")
    if not (aud == audience or (isinstance(aud, list) and audience in aud)):
        raise Refusal(400, "invalid_grant", "InvalidAudience")
    iat, exp = payload.get("iat"), payload.get("exp")
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (iat, exp)):
        raise Refusal(400, "invalid_request", "MissingClaim")
    if exp - iat > MAX_ASSERTION_LIFETIME_S or exp <= iat:  # type: ignore[operator]
        raise Refusal(400, "invalid_grant", "InvalidTokenLifetime")
    if exp <= clock:  # type: ignore[operator]
        raise Refusal(400, "invalid_grant", "TokenExpired")
    if iat > clock + FUTURE_IAT_TOLERANCE_S:  # type: ignore[operator]
        raise Refusal(400, "invalid_grant", "TokenNotYetValid")
    scopes = _scopes(payload.get("scope"))
    if any(not getattr(integ, SCOPES[s]) for s in scopes):
        raise Refusal(400, "invalid_scope", "InvalidScope")
    if integ.state != "ENABLED":
        raise Refusal(400, "unauthorized_client", "IntegrationBlocked")
    if not integ.client_credentials:
        raise Refusal(400, "unauthorized_client", "ClientCredentialsGrantRequired")
    problem = _entity_problem(store, mapping, LOGIN_PERMISSION)
    if problem:
        raise Refusal(400, "access_denied", problem)
    return mapping, scopes


def token_endpoint(ctx: Ctx) -> Response:
    """`POST /services/rest/auth/oauth2/v1/token`: a bearer token for a valid client assertion."""
    store = ctx.app.store
    try:
        mapping, scopes = _grant(ctx)
    except Refusal as refusal:
        store.add_rest_call("POST", TOKEN_PATH, refusal.status, refusal.detail)
        return json_response({"error": refusal.error}, refusal.status)
    token = secrets.token_urlsafe(48)
    expires = int(now(ctx.app)) + TOKEN_LIFETIME_S
    store.insert(BearerToken(0, _hash(token), mapping.id, scopes, expires))
    store.add_rest_call("POST", TOKEN_PATH, 200, "")
    return json_response({"access_token": token, "expires_in": TOKEN_LIFETIME_S, "token_type": "Bearer"})


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --------------------------------------------------------------------------- bearer tokens on REST


def is_bearer(ctx: Ctx) -> bool:
    return ctx.req.headers.get("authorization", "")[:7].lower() == "bearer "


def bearer_problem(ctx: Ctx) -> str:
    """'' when `Authorization: Bearer <token>` may call SuiteTalk REST, else the audit detail."""
    store = ctx.app.store
    presented = ctx.req.headers.get("authorization", "")[7:].strip()
    digest = _hash(presented)
    token = next((t for t in store.all(BearerToken) if secrets.compare_digest(t.token_hash, digest)), None)
    if token is None:
        return "InvalidToken"
    if token.expires <= now(ctx.app):
        return "TokenExpired"
    mapping = store.get(M2MMapping, token.mapping_id)
    if mapping is None or mapping.revoked:
        return "CertificateRevoked"
    if "rest_webservices" not in token.scopes:
        return "InvalidScope"
    features = store.features()
    if not (features.get("oauth2") and features.get("restwebservices")):
        return "FeatureDisabled"
    integ = store.get(Integration, mapping.integration_id)
    if integ is None or integ.state != "ENABLED" or not integ.client_credentials:
        return "IntegrationBlocked"
    return _entity_problem(store, mapping, LOGIN_PERMISSION, REST_PERMISSION)


# --------------------------------------------------------------------------- state for tests


def mappings_snapshot(store: Store) -> list[dict[str, Any]]:
    """`/__sim/state` `m2m_mappings`: names resolved, the certificate id included (it is not secret)."""
    integrations = {i.id: i.name for i in store.all(Integration)}
    employees = {e.id: e.name for e in store.all(Employee)}
    roles = {r.id: r.name for r in store.all(Role)}
    return [
        {
            "id": m.id,
            "certificate_id": m.certificate_id,
            "integration": integrations.get(m.integration_id, ""),
            "entity": employees.get(m.employee_id, ""),
            "role": roles.get(m.role_id, ""),
            "subject": m.subject,
            "key_type": m.key_type,
            "valid_until": m.valid_until,
            "revoked": m.revoked,
        }
        for m in store.all(M2MMapping)
    ]


def routes() -> list:
    from automation.simulator.app import Route

    return [Route(TOKEN_PATH, token_endpoint, ("POST",), auth=False, page=False)]
