"""SuiteTalk REST: OAuth 1.0a (HMAC-SHA256) acceptance and the INVALID_LOGIN refusals.

The signer below is written here on purpose, independent of the simulator's own code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

import pytest

from automation.simulator.models import Role, Token
from automation.simulator.server import SimulatorHandle

from .conftest import seed_tba_setup

INVALID_LOGIN = {
    "type": "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.2",
    "title": "Unauthorized",
    "status": 401,
    "o:errorDetails": [
        {
            "detail": "Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite UI at "
            "Setup > Users/Roles > User Management > View Login Audit Trail.",
            "o:errorCode": "INVALID_LOGIN",
        }
    ],
}


def _q(s: str) -> str:
    return urllib.parse.quote(s, safe="~-._")


@dataclass
class Creds:
    realm: str
    consumer_key: str
    consumer_secret: str
    token_id: str
    token_secret: str


def signed_request(method: str, url: str, creds: Creds, body: Any = None, nonce: str | None = None) -> tuple[int, Any]:
    parts = urllib.parse.urlsplit(url)
    oauth = {
        "oauth_consumer_key": creds.consumer_key,
        "oauth_token": creds.token_id,
        "oauth_signature_method": "HMAC-SHA256",
        "oauth_timestamp": str(int(time.time())),
        "oauth_nonce": nonce or secrets.token_hex(8),
        "oauth_version": "1.0",
    }
    params = list(oauth.items()) + urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    norm = "&".join(f"{k}={v}" for k, v in sorted((_q(k), _q(v)) for k, v in params))
    base_url = f"{parts.scheme}://{parts.netloc}{parts.path}"
    base = "&".join([method, _q(base_url), _q(norm)])
    key = f"{_q(creds.consumer_secret)}&{_q(creds.token_secret)}".encode()
    oauth["oauth_signature"] = base64.b64encode(hmac.new(key, base.encode(), hashlib.sha256).digest()).decode()
    header = f'OAuth realm="{creds.realm}",' + ",".join(f'{k}="{_q(v)}"' for k, v in oauth.items())
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Authorization", header)
    req.add_header("Content-Type", "application/json")
    req.add_header("Prefer", "transient")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


@pytest.fixture
def creds(sim: SimulatorHandle) -> Creds:
    ids = seed_tba_setup(sim)
    token = Token(0, "t", ids["integration"], ids["jane"], ids["role"], "a" * 64, "b" * 64)
    sim.app.store.insert(token)
    return Creds(sim.account_id, "c" * 64, "s" * 64, "a" * 64, "b" * 64)


def _suiteql(sim: SimulatorHandle, creds: Creds, q: str = "SELECT 1 FROM DUAL", **kw: Any) -> tuple[int, Any]:
    return signed_request("POST", sim.rest_url + "/query/v1/suiteql", creds, {"q": q}, **kw)


def test_correct_signature_is_accepted(sim: SimulatorHandle, creds: Creds) -> None:
    status, body = _suiteql(sim, creds)
    assert status == 200
    assert body["count"] == 1 and body["hasMore"] is False
    assert body["items"][0]["expr1"] == "1"
    status, body = signed_request(
        "POST", sim.rest_url + "/query/v1/suiteql?limit=1", creds, {"q": "SELECT id, email FROM employee"}
    )
    assert status == 200 and body["count"] == 1 and body["hasMore"] is True
    assert body["items"][0]["email"] == "admin@example.com"
    status, body = signed_request("GET", sim.rest_url + "/record/v1/metadata-catalog?select=employee", creds)
    assert status == 200 and any(i["name"] == "employee" for i in body["items"])
    calls = sim.state()["rest_calls"]
    assert [(c["path"], c["status"]) for c in calls] == [
        ("/services/rest/query/v1/suiteql", 200),
        ("/services/rest/query/v1/suiteql", 200),
        ("/services/rest/record/v1/metadata-catalog", 200),
    ]
    assert "s" * 64 not in json.dumps(calls) and "b" * 64 not in json.dumps(calls)


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        ({"consumer_secret": "0" * 64}, "InvalidSignature"),
        ({"token_secret": "0" * 64}, "InvalidSignature"),
        ({"realm": "1234567_sb1"}, "InvalidRealm"),
        ({"realm": "1234567-SB1"}, "InvalidRealm"),
        ({"token_id": "f" * 64}, "InvalidToken"),
    ],
)
def test_wrong_credentials_are_refused(sim: SimulatorHandle, creds: Creds, change: dict, detail: str) -> None:
    bad = Creds(**{**creds.__dict__, **change})
    assert _suiteql(sim, bad) == (401, INVALID_LOGIN)
    assert sim.state()["rest_calls"][-1]["detail"] == detail


def test_revoked_token_is_refused(sim: SimulatorHandle, creds: Creds) -> None:
    assert _suiteql(sim, creds)[0] == 200
    token = sim.app.store.all(Token)[0]
    token.revoked = True
    sim.app.store.update(token)
    assert _suiteql(sim, creds) == (401, INVALID_LOGIN)
    assert sim.state()["rest_calls"][-1]["detail"] == "TokenRevoked"


def test_role_without_rest_permission_is_refused(sim: SimulatorHandle, creds: Creds) -> None:
    store = sim.app.store
    token = store.all(Token)[0]
    token.role_id = store.find(Role, name="No Web Services")[0].id
    store.update(token)
    assert _suiteql(sim, creds) == (401, INVALID_LOGIN)
    assert sim.state()["rest_calls"][-1]["detail"] == "InsufficientPermission"


def test_reused_nonce_is_refused(sim: SimulatorHandle, creds: Creds) -> None:
    assert _suiteql(sim, creds, nonce="fixed-nonce-1")[0] == 200
    assert _suiteql(sim, creds, nonce="fixed-nonce-1") == (401, INVALID_LOGIN)


def test_missing_header_and_unknown_path(sim: SimulatorHandle, creds: Creds) -> None:
    req = urllib.request.Request(sim.rest_url + "/query/v1/suiteql", data=b'{"q":"SELECT 1 FROM DUAL"}', method="POST")
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=10)
    assert err.value.code == 401 and json.loads(err.value.read()) == INVALID_LOGIN
    status, body = signed_request("GET", sim.rest_url + "/record/v1/nosuchthing", creds)
    assert status == 404 and body["status"] == 404
