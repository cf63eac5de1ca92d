"""SuiteTalk REST with OAuth 1.0a (HMAC-SHA256): the check that stored TBA credentials work.

Standard library only (urllib), so verification adds no dependency and behaves the same against
NetSuite and the simulator. NetSuite answers every kind of bad credential with the same 401
INVALID_LOGIN, so the result carries NetSuite's error code and detail for the user to act on,
and never anything secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import secrets as _random
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlsplit

from automation import blocking
from automation.errors import EnvironmentNotReady
from automation.secrets.redact import redactor

SIGNATURE_METHOD = "HMAC-SHA256"
VERIFY_QUERY = "SELECT 1 FROM DUAL"
USER_AGENT = "nsauto/0.1 (+SuiteTalk REST verify)"


@dataclass(frozen=True, repr=False)
class TbaCredentials:
    """The four TBA values plus the account they belong to; ``repr`` hides the four."""

    account_id: str
    consumer_key: str
    consumer_secret: str
    token_id: str
    token_secret: str

    def __post_init__(self) -> None:
        # Whoever builds credentials has the secrets in hand: make sure no output can show them.
        for name in ("consumer_key", "consumer_secret", "token_id", "token_secret"):
            redactor.add(getattr(self, name), name)

    def __repr__(self) -> str:
        return (
            f"TbaCredentials(account_id={self.account_id!r}, consumer_key=<hidden>, "
            "consumer_secret=<hidden>, token_id=<hidden>, token_secret=<hidden>)"
        )

    __str__ = __repr__


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of one signed SuiteQL call; ``ok`` only on HTTP 200."""

    ok: bool
    status: int
    error_code: str | None
    detail: str


def realm_for(account_id: str) -> str:
    """OAuth realm: upper case with underscores (``1234567-sb1`` -> ``1234567_SB1``).

    NetSuite rejects a lower-case ``sb`` realm with the same INVALID_LOGIN as a bad signature.
    """
    return account_id.strip().upper().replace("-", "_")


def host_id_for(account_id: str) -> str:
    """Account id as it appears in host names: lower case with dashes (``1234567-sb1``)."""
    return account_id.strip().lower().replace("_", "-")


def rest_url_for(account_id: str) -> str:
    """NetSuite's SuiteTalk REST base URL for an account."""
    return f"https://{host_id_for(account_id)}.suitetalk.api.netsuite.com/services/rest"


def _enc(value: str) -> str:
    """RFC 5849 §3.6 percent-encoding: everything but ALPHA / DIGIT / - . _ ~."""
    return quote(value, safe="")


def _base_uri(url: str) -> str:
    """RFC 5849 §3.4.1.2: scheme and host lower case, default port dropped, no query."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    if port is not None and (scheme, port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{port}"
    return f"{scheme}://{host}{parts.path or '/'}"


def signature_base_string(method: str, url: str, oauth_params: dict[str, str]) -> str:
    """``METHOD&enc(base uri)&enc(sorted, encoded params)``; query params are part of it."""
    params = [*oauth_params.items(), *parse_qsl(urlsplit(url).query, keep_blank_values=True)]
    encoded = sorted((_enc(key), _enc(value)) for key, value in params)
    normalized = "&".join(f"{key}={value}" for key, value in encoded)
    return "&".join((method.upper(), _enc(_base_uri(url)), _enc(normalized)))


def oauth1_header(
    method: str,
    url: str,
    creds: TbaCredentials,
    realm: str | None = None,
    nonce: str | None = None,
    timestamp: int | str | None = None,
) -> str:
    """The ``Authorization`` header value for one request (nonce/timestamp fixed only in tests)."""
    oauth = {
        "oauth_consumer_key": creds.consumer_key,
        "oauth_token": creds.token_id,
        "oauth_signature_method": SIGNATURE_METHOD,
        "oauth_timestamp": str(int(time.time()) if timestamp is None else timestamp),
        "oauth_nonce": nonce or _random.token_hex(16),
        "oauth_version": "1.0",
    }
    key = f"{_enc(creds.consumer_secret)}&{_enc(creds.token_secret)}"
    base = signature_base_string(method, url, oauth)
    digest = hmac.new(key.encode(), base.encode(), hashlib.sha256).digest()
    oauth["oauth_signature"] = base64.b64encode(digest).decode("ascii")
    fields = [f'realm="{_enc(realm or realm_for(creds.account_id))}"']
    fields += [f'{name}="{_enc(value)}"' for name, value in oauth.items()]
    return "OAuth " + ",".join(fields)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect means a wrong URL; following it would resend the signed header elsewhere."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _error_fields(status: int, body: bytes) -> tuple[str | None, str]:
    """NetSuite's ``o:errorDetails[0]`` (code, detail), else the title or start of the body."""
    text = body.decode("utf-8", errors="replace")
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        details = data.get("o:errorDetails")
        if isinstance(details, list) and details and isinstance(details[0], dict):
            first = details[0]
            code = first.get("o:errorCode")
            return (str(code) if code else None), str(first.get("detail") or data.get("title") or "")
        if data.get("title"):
            return None, str(data["title"])
    snippet = " ".join(text.split())[:200]
    return None, snippet or f"HTTP {status} with an empty body"


def _post(request: urllib.request.Request, timeout: float) -> tuple[int, bytes]:
    """The HTTP status and body of any answer (an HTTP error status is an answer too)."""
    try:
        with _opener.open(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        answer = exc.code, exc.read()
        exc.close()
        return answer


def verify_tba(rest_url: str, creds: TbaCredentials, timeout: float = 30, realm: str | None = None) -> VerifyResult:
    """POST ``SELECT 1 FROM DUAL`` to ``<rest_url>/query/v1/suiteql``, signed with ``creds``.

    Returns a ``VerifyResult`` for any HTTP answer; raises ``EnvironmentNotReady`` when there
    is no HTTP answer at all (DNS, refused connection, TLS, timeout).
    """
    url = rest_url.rstrip("/") + "/query/v1/suiteql"
    hint = (
        "check the REST URL (account id), the network and any HTTPS_PROXY setting; "
        "for the simulator, check that it is running"
    )
    try:
        request = urllib.request.Request(
            url,
            data=json.dumps({"q": VERIFY_QUERY}).encode(),
            method="POST",
            headers={
                "Authorization": oauth1_header("POST", url, creds, realm=realm),
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Prefer": "transient",
                "User-Agent": USER_AGENT,
            },
        )
    except ValueError as exc:  # "unknown url type": no scheme or host
        raise EnvironmentNotReady(redactor.redact(f"{url!r} is not a usable REST URL ({exc})"), hint) from None
    try:
        status, body = blocking.call(_post, request, timeout)
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise EnvironmentNotReady(redactor.redact(f"cannot reach SuiteTalk REST at {url}: {reason}"), hint) from None
    if status == 200:
        return VerifyResult(True, status, None, "HTTP 200: the credentials were accepted")
    code, detail = _error_fields(status, body)
    return VerifyResult(False, status, code, redactor.redact(f"HTTP {status}: {detail}"))
