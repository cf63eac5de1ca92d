"""OAuth 1.0a request signing as NetSuite TBA uses it (HMAC-SHA256, RFC 5849 base string).

Pure functions so they can be checked in isolation; the policy (realm, tokens, permissions) is in
`rest.py`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote, unquote


def enc(value: str) -> str:
    """RFC 3986 percent-encoding (only unreserved characters stay)."""
    return quote(value, safe="~-._")


def parse_authorization(header: str) -> dict[str, str] | None:
    """`OAuth realm="X",oauth_consumer_key="..."` -> dict; None if it is not an OAuth header."""
    if header[:6].lower() != "oauth ":
        return None
    params: dict[str, str] = {}
    for part in header[6:].split(","):
        part = part.strip()
        if not part:
            continue
        if "=" not in part:
            return None
        key, value = part.split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        params[unquote(key.strip())] = unquote(value)
    return params


def base_url(scheme: str, host: str, path: str) -> str:
    """Scheme and host lower-case, default port dropped, no query (RFC 5849 3.4.1.2)."""
    scheme, host = scheme.lower(), host.lower()
    if (scheme, host.rsplit(":", 1)[-1]) in (("http", "80"), ("https", "443")) and ":" in host:
        host = host.rsplit(":", 1)[0]
    return f"{scheme}://{host}{path}"


def base_string(method: str, url: str, params: list[tuple[str, str]]) -> str:
    pairs = sorted((enc(k), enc(v)) for k, v in params)
    normalized = "&".join(f"{k}={v}" for k, v in pairs)
    return "&".join([method.upper(), enc(url), enc(normalized)])


def signature(base: str, consumer_secret: str, token_secret: str) -> str:
    key = f"{enc(consumer_secret)}&{enc(token_secret)}".encode()
    return base64.b64encode(hmac.new(key, base.encode(), hashlib.sha256).digest()).decode()


def signature_matches(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.encode())
