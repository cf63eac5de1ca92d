"""SuiteTalk REST under /services/rest: SuiteQL and the metadata catalog behind NetSuite's TBA check.

Every failure answers 401 with exactly NetSuite's INVALID_LOGIN body (H): the caller learns
nothing, and the reason goes only to `rest_calls[].detail`, as NetSuite's Login Audit Trail would
show it. Secrets never enter that record.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from automation.simulator import oauth1, suiteql
from automation.simulator import oauth2 as sim_oauth2
from automation.simulator.catalog import PERMISSION_BY_NAME, REST_REQUIRED_PERMISSIONS
from automation.simulator.models import Employee, Integration, Role, Token
from automation.simulator.state import ADMIN_ROLE_ID
from automation.simulator.web import Ctx, Response, json_response

PREFIX = "/services/rest/"
SUITEQL_PATH = "/services/rest/query/v1/suiteql"
CATALOG_PATH = "/services/rest/record/v1/metadata-catalog"
TIMESTAMP_WINDOW_SECONDS = 300
ERROR_TYPE = "application/vnd.oracle.resource+json; type=error; charset=UTF-8"
COLLECTION_TYPE = "application/vnd.oracle.resource+json; type=collection; charset=UTF-8"
MAX_LIMIT = 1000

INVALID_LOGIN: dict[str, Any] = {
    "type": "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.2",
    "title": "Unauthorized",
    "status": 401,
    "o:errorDetails": [
        {
            "detail": (
                "Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite UI "
                "at Setup > Users/Roles > User Management > View Login Audit Trail."
            ),
            "o:errorCode": "INVALID_LOGIN",
        }
    ],
}
CATALOG_RECORDS = ("account", "customer", "employee", "role", "salesorder", "invoice")


@dataclass
class AuthResult:
    token: Token | None
    detail: str  # Login Audit Trail style reason; "" when accepted


def _error(status: int, title: str, detail: str, code: str) -> Response:
    section = {400: "15.5.1", 404: "15.5.5", 405: "15.5.6"}.get(status, "15.5.1")
    body = {
        "type": f"https://www.rfc-editor.org/rfc/rfc9110.html#section-{section}",
        "title": title,
        "status": status,
        "o:errorDetails": [{"detail": detail, "o:errorCode": code}],
    }
    return json_response(body, status, ERROR_TYPE)


def authenticate(ctx: Ctx) -> AuthResult:
    """Check the OAuth 1.0a header and everything NetSuite demands behind it."""
    app, store, req = ctx.app, ctx.app.store, ctx.req
    params = oauth1.parse_authorization(req.headers.get("authorization", ""))
    if params is None:
        return AuthResult(None, "MissingOAuthHeader")
    if params.get("realm") != app.account_id:
        return AuthResult(None, "InvalidRealm")
    if params.get("oauth_signature_method") != "HMAC-SHA256":
        return AuthResult(None, "UnsupportedSignatureMethod")
    if params.get("oauth_version", "1.0") != "1.0":
        return AuthResult(None, "UnsupportedVersion")
    needed = ("oauth_consumer_key", "oauth_token", "oauth_timestamp", "oauth_nonce", "oauth_signature")
    if any(not params.get(k) for k in needed):
        return AuthResult(None, "MissingParameter")
    try:
        stamp = int(params["oauth_timestamp"])
    except ValueError:
        return AuthResult(None, "InvalidTimestamp")
    if abs(time.time() - stamp) > TIMESTAMP_WINDOW_SECONDS:
        return AuthResult(None, "InvalidTimestamp")
    integ = next((i for i in store.all(Integration) if i.consumer_key == params["oauth_consumer_key"]), None)
    if integ is None:
        return AuthResult(None, "InvalidConsumerKey")
    token = next((t for t in store.all(Token) if t.token_id == params["oauth_token"]), None)
    if token is None or token.integration_id != integ.id:
        return AuthResult(None, "InvalidToken")
    signed = [(k, v) for k, v in params.items() if k.startswith("oauth_") and k != "oauth_signature"]
    signed += parse_qsl(req.raw_query, keep_blank_values=True)
    if "application/x-www-form-urlencoded" in req.headers.get("content-type", ""):
        signed += parse_qsl(req.body.decode("utf-8", "replace"), keep_blank_values=True)
    url = oauth1.base_url("http", req.headers.get("host", ""), req.path)
    expected = oauth1.signature(oauth1.base_string(req.method, url, signed), integ.consumer_secret, token.token_secret)
    if not oauth1.signature_matches(expected, params["oauth_signature"]):
        return AuthResult(None, "InvalidSignature")
    if not store.use_nonce(integ.consumer_key, params["oauth_nonce"]):
        return AuthResult(None, "InvalidNonce")
    return AuthResult(token, _policy(ctx, integ, token))


def _policy(ctx: Ctx, integ: Integration, token: Token) -> str:
    """What must hold beyond a valid signature; '' when the token may be used."""
    store = ctx.app.store
    features = store.features()
    if not (features.get("tba") and features.get("restwebservices")):
        return "FeatureDisabled"
    if integ.state != "ENABLED" or not integ.tba:
        return "IntegrationBlocked" if integ.state != "ENABLED" else "TokenBasedAuthenticationNotEnabled"
    if token.revoked:
        return "TokenRevoked"
    user, role = store.get(Employee, token.employee_id), store.get(Role, token.role_id)
    if user is None or not user.give_access or role is None or role.id not in user.roles or role.inactive:
        return "UserOrRoleInactive"
    if role.id != ADMIN_ROLE_ID:  # Administrator holds every permission
        missing = [p for p in REST_REQUIRED_PERMISSIONS if PERMISSION_BY_NAME[p].key not in role.permissions]
        if missing:
            return "InsufficientPermission"
    return ""


def _suiteql(ctx: Ctx) -> Response:
    try:
        body = ctx.req.json()
    except ValueError:
        return _error(400, "Bad Request", "The request body is not valid JSON.", "INVALID_CONTENT")
    query = body.get("q") if isinstance(body, dict) else None
    if not isinstance(query, str):
        return _error(400, "Bad Request", 'The request body must be {"q": "<SuiteQL>"}.', "INVALID_CONTENT")
    q = ctx.query
    try:
        limit = min(int(q.get("limit", MAX_LIMIT)), MAX_LIMIT)
        offset = int(q.get("offset", 0))
        rows = suiteql.run(ctx.app.store, query)
    except suiteql.QueryError as exc:
        return _error(400, "Bad Request", str(exc), "INVALID_PARAMETER")
    except ValueError:
        return _error(400, "Bad Request", "limit and offset must be integers.", "INVALID_PARAMETER")
    page = rows[offset : offset + limit]
    base = f"http://{ctx.req.headers.get('host', '')}{ctx.req.target}"
    return json_response(
        {
            "links": [{"rel": "self", "href": base}],
            "count": len(page),
            "hasMore": offset + len(page) < len(rows),
            "items": [{"links": [], **row} for row in page],
            "offset": offset,
            "totalResults": len(rows),
        },
        200,
        COLLECTION_TYPE,
    )


def _catalog(ctx: Ctx) -> Response:
    base = f"http://{ctx.req.headers.get('host', '')}{CATALOG_PATH}"
    items = [
        {
            "name": name,
            "links": [
                {"rel": "canonical", "href": f"{base}/{name}", "mediaType": "application/json"},
                {"rel": "alternate", "href": f"{base}/{name}", "mediaType": "application/swagger+json"},
                {"rel": "describes", "href": f"{base[: -len('/metadata-catalog')]}/{name}"},
            ],
        }
        for name in CATALOG_RECORDS
    ]
    return json_response({"items": items}, 200, "application/json")


def handle(ctx: Ctx) -> Response:
    """Every request under /services/rest/: authenticate, record the call, then answer."""
    req = ctx.req
    if sim_oauth2.is_bearer(ctx):  # OAuth 2.0: a token from the client credentials endpoint
        result = AuthResult(None, sim_oauth2.bearer_problem(ctx))
        accepted = not result.detail
    else:
        result = authenticate(ctx)
        accepted = result.token is not None and not result.detail
    if not accepted:
        ctx.app.store.add_rest_call(req.method, req.path, 401, result.detail)
        return json_response(INVALID_LOGIN, 401, ERROR_TYPE)
    if req.path == SUITEQL_PATH and req.method == "POST":
        response = _suiteql(ctx)
    elif req.path == CATALOG_PATH and req.method == "GET":
        response = _catalog(ctx)
    elif req.path in (SUITEQL_PATH, CATALOG_PATH):
        response = _error(405, "Method Not Allowed", f"{req.method} is not supported here.", "INVALID_METHOD")
    else:
        response = _error(404, "Not Found", f"The resource {req.path} was not found.", "NONEXISTENT_ID")
    ctx.app.store.add_rest_call(req.method, req.path, response.status, "")
    return response


def routes() -> list:
    from automation.simulator.app import Route

    methods = ("GET", "POST", "PUT", "PATCH", "DELETE")
    return [Route(PREFIX, handle, methods, auth=False, page=False, prefix=True)]
