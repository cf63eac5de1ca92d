"""OAuth 1.0a signing checked against hand-derived vectors, and verify_tba over real HTTP."""

from __future__ import annotations

import base64
import hashlib
import hmac
import importlib.util
import json
import re
import secrets
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import pytest

from automation.errors import EnvironmentNotReady
from automation.netsuite.rest import (
    TbaCredentials,
    host_id_for,
    oauth1_header,
    realm_for,
    rest_url_for,
    signature_base_string,
    verify_tba,
)

CREDS = TbaCredentials(
    account_id="1234567_SB1",
    consumer_key="ck-0123456789abcdef",
    consumer_secret="cs&secret/1",
    token_id="tk-0123456789abcdef",
    token_secret="ts secret+2",
)
FOUR = ("ck-0123456789abcdef", "cs&secret/1", "tk-0123456789abcdef", "ts secret+2")


def _header_fields(header: str) -> dict[str, str]:
    assert header.startswith("OAuth ")
    return {k: unquote(v) for k, v in re.findall(r'(\w+)="([^"]*)"', header)}


def test_realm_and_host_forms() -> None:
    assert realm_for("1234567-sb1") == "1234567_SB1"
    assert realm_for("tstdrv123456") == "TSTDRV123456"
    assert host_id_for("1234567_SB1") == "1234567-sb1"
    assert rest_url_for("1234567_SB1") == "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest"


def test_rfc5849_example_base_string() -> None:
    """RFC 5849 §3.4.1.1's example (its body parameters moved into the query)."""
    url = "http://EXAMPLE.COM:80/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b&c2=&a3=2+q"
    oauth = {
        "oauth_consumer_key": "9djdj82h48djs9d2",
        "oauth_token": "kkk9d7dh3k39sjv7",
        "oauth_signature_method": "HMAC-SHA1",
        "oauth_timestamp": "137131201",
        "oauth_nonce": "7d8f3e4a",
    }
    expected = (
        "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D"
        "%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D"
        "7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token"
        "%3Dkkk9d7dh3k39sjv7"
    )
    assert signature_base_string("post", url, oauth) == expected


def test_header_matches_hand_computed_signature() -> None:
    url = "HTTPS://1234567-SB1.SuiteTalk.api.netsuite.com:443/services/rest/query/v1/suiteql?limit=10&offset=0&b=x%20y"
    header = oauth1_header("post", url, CREDS, nonce="abc123", timestamp=1700000000)
    # Written out by hand from RFC 5849 §3.4.1: sorted, encoded params incl. the query's.
    base = (
        "POST&https%3A%2F%2F1234567-sb1.suitetalk.api.netsuite.com%2Fservices%2Frest%2Fquery%2Fv1"
        "%2Fsuiteql&b%3Dx%2520y%26limit%3D10%26oauth_consumer_key%3Dck-0123456789abcdef"
        "%26oauth_nonce%3Dabc123%26oauth_signature_method%3DHMAC-SHA256%26oauth_timestamp"
        "%3D1700000000%26oauth_token%3Dtk-0123456789abcdef%26oauth_version%3D1.0%26offset%3D0"
    )
    key = b"cs%26secret%2F1&ts%20secret%2B2"
    signature = base64.b64encode(hmac.new(key, base.encode(), hashlib.sha256).digest()).decode()
    expected = (
        'OAuth realm="1234567_SB1",oauth_consumer_key="ck-0123456789abcdef",'
        'oauth_token="tk-0123456789abcdef",oauth_signature_method="HMAC-SHA256",'
        'oauth_timestamp="1700000000",oauth_nonce="abc123",oauth_version="1.0",'
        f'oauth_signature="{quote(signature, safe="")}"'
    )
    assert header == expected


def test_header_defaults_are_fresh_and_secret_free() -> None:
    a = _header_fields(oauth1_header("GET", "https://x.example/p", CREDS))
    b = _header_fields(oauth1_header("GET", "https://x.example/p", CREDS))
    assert a["oauth_nonce"] != b["oauth_nonce"]
    assert a["realm"] == "1234567_SB1"
    assert abs(int(a["oauth_timestamp"]) - int(b["oauth_timestamp"])) <= 1
    header = oauth1_header("GET", "https://x.example/p", CREDS, realm="OTHER_REALM")
    assert 'realm="OTHER_REALM"' in header
    assert "cs&secret" not in header and "ts secret" not in header


def test_credentials_repr_hides_the_four_values() -> None:
    for text in (repr(CREDS), str(CREDS), f"{CREDS}", repr([CREDS])):
        assert "1234567_SB1" in text
        for value in FOUR:
            assert value not in text


# --- a tiny SuiteTalk stand-in over real HTTP, with its own signature check ---------------------


@dataclass
class _Fake:
    """What the fake server should answer, and what it saw."""

    mode: str = "verify"  # verify | html500 | redirect
    seen: list[dict[str, str]] = field(default_factory=list)


def _independent_signature(method: str, url: str, fields: dict[str, str], secrets: tuple[str, str]) -> str:
    params = {k: v for k, v in fields.items() if k not in ("realm", "oauth_signature")}
    pairs = sorted(
        (quote(k, safe=""), quote(v, safe=""))
        for k, v in [*params.items(), *parse_qsl(urlsplit(url).query, keep_blank_values=True)]
    )
    base_url = url.split("?", 1)[0]
    base = "&".join([method, quote(base_url, safe=""), quote("&".join(f"{k}={v}" for k, v in pairs), safe="")])
    key = "&".join(quote(s, safe="") for s in secrets)
    return base64.b64encode(hmac.new(key.encode(), base.encode(), hashlib.sha256).digest()).decode()


INVALID_LOGIN = {
    "type": "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.2",
    "title": "Unauthorized",
    "status": 401,
    "o:errorDetails": [
        {
            "detail": "Invalid login attempt. For more details, see the Login Audit Trail in the "
            "NetSuite UI at Setup > Users/Roles > User Management > View Login Audit Trail.",
            "o:errorCode": "INVALID_LOGIN",
        }
    ],
}


def _handler(fake: _Fake) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # keep test output clean
            pass

        def _send(self, status: int, body: bytes, ctype: str = "application/json", **headers: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            fields = _header_fields(self.headers.get("Authorization", "OAuth "))
            fake.seen.append({"path": self.path, "prefer": self.headers.get("Prefer", ""), **fields})
            if fake.mode == "html500":
                self._send(500, b"<html><body>Internal   error\n page</body></html>", "text/html")
                return
            if fake.mode == "redirect":
                self._send(302, b"", Location="/elsewhere")
                return
            url = f"http://{self.headers['Host']}{self.path}"
            good = (
                fields.get("realm") == "1234567_SB1"
                and fields.get("oauth_consumer_key") == CREDS.consumer_key
                and fields.get("oauth_token") == CREDS.token_id
                and fields.get("oauth_signature")
                == _independent_signature("POST", url, fields, (CREDS.consumer_secret, CREDS.token_secret))
                and body == {"q": "SELECT 1 FROM DUAL"}
                and self.headers.get("Prefer") == "transient"
            )
            if good:
                self._send(200, json.dumps({"count": 1, "items": [{"expr1": 1}]}).encode())
            else:
                self._send(401, json.dumps(INVALID_LOGIN).encode())

    return Handler


@pytest.fixture
def fake_rest() -> Iterator[tuple[str, _Fake]]:
    fake = _Fake()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/services/rest/", fake
    finally:
        server.shutdown()
        server.server_close()


def test_verify_accepts_good_credentials(fake_rest: tuple[str, _Fake]) -> None:
    url, fake = fake_rest
    result = verify_tba(url, CREDS, timeout=5)
    assert result.ok and result.status == 200 and result.error_code is None
    assert fake.seen[0]["path"] == "/services/rest/query/v1/suiteql"
    assert fake.seen[0]["prefer"] == "transient"


def test_verify_reports_invalid_login(fake_rest: tuple[str, _Fake]) -> None:
    url, _ = fake_rest
    wrong = TbaCredentials(CREDS.account_id, CREDS.consumer_key, CREDS.consumer_secret, CREDS.token_id, "nope-1234")
    result = verify_tba(url, wrong, timeout=5)
    assert not result.ok and result.status == 401
    assert result.error_code == "INVALID_LOGIN"
    assert result.detail.startswith("HTTP 401: Invalid login attempt.")
    assert all(value not in repr(result) for value in (*FOUR, "nope-1234"))


def test_verify_with_lower_case_realm_is_refused(fake_rest: tuple[str, _Fake]) -> None:
    url, _ = fake_rest
    result = verify_tba(url, CREDS, timeout=5, realm="1234567_sb1")
    assert result.error_code == "INVALID_LOGIN"


def test_verify_non_json_error_body(fake_rest: tuple[str, _Fake]) -> None:
    url, fake = fake_rest
    fake.mode = "html500"
    result = verify_tba(url, CREDS, timeout=5)
    assert (result.ok, result.status, result.error_code) == (False, 500, None)
    assert result.detail == "HTTP 500: <html><body>Internal error page</body></html>"


def test_verify_does_not_follow_redirects(fake_rest: tuple[str, _Fake]) -> None:
    url, fake = fake_rest
    fake.mode = "redirect"
    result = verify_tba(url, CREDS, timeout=5)
    assert (result.ok, result.status) == (False, 302)
    assert len(fake.seen) == 1


def test_unreachable_host_is_environment_not_ready() -> None:
    with socket.socket() as sock:  # a port that was just free: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/services/rest"
    with pytest.raises(EnvironmentNotReady) as info:
        verify_tba(url, CREDS, timeout=5)
    assert f"127.0.0.1:{port}/services/rest/query/v1/suiteql" in info.value.message
    assert info.value.hint
    assert all(value not in str(info.value) + (info.value.hint or "") for value in FOUR)


# --- against the project's simulator, when it is there ------------------------------------------

HAS_SIMULATOR = importlib.util.find_spec("automation.simulator.server") is not None


def _stop(handle: object) -> None:
    for name in ("stop", "close", "shutdown"):
        method = getattr(handle, name, None)
        if callable(method):
            method()
            return


@pytest.fixture
def simulator() -> Iterator[Any]:
    if not HAS_SIMULATOR:
        pytest.skip("automation.simulator.server is not importable yet")
    from automation.simulator.server import start_in_thread

    handle = start_in_thread()
    try:
        yield handle
    finally:
        _stop(handle)


def _seed_token(handle: Any) -> TbaCredentials:
    """A working TBA setup put straight into the simulator's store (the pages have their own tests).

    The simulator verifies signatures with its own OAuth code, so this checks ours against a
    second, independently written implementation.
    """
    from automation.simulator.models import Employee, Integration, Role, Token

    store = handle.app.store
    store.set_features({"tba": True, "restwebservices": True})
    perms = {"ADMI_LOGIN_OAUTH": "4", "ADMI_RESTWEBSERVICES": "4", "REPO_ANALYTICS": "4"}
    role_id = store.insert(Role(0, "nsauto Integration", "customrole_nsauto_test", permissions=perms))
    user = next(e for e in store.all(Employee) if e.email == "jane@example.com")
    user.give_access, user.roles = True, [*user.roles, role_id]
    store.update(user)
    keys = [secrets.token_hex(32) for _ in range(4)]
    integ_id = store.insert(
        Integration(
            0, "nsauto", "0A1B2C3D-0000-4000-8000-00000000abcd", tba=True, consumer_key=keys[0], consumer_secret=keys[1]
        )
    )
    store.insert(Token(0, "nsauto - Jane - role", integ_id, user.id, role_id, keys[2], keys[3]))
    return TbaCredentials(handle.account_id, *keys)


def _last_rest_detail(handle: Any) -> str:
    return handle.state()["rest_calls"][-1]["detail"]


def test_simulator_refuses_unknown_token(simulator: Any) -> None:
    result = verify_tba(simulator.rest_url, CREDS, timeout=10)
    if result.status == 404:
        pytest.skip("the simulator does not serve SuiteTalk REST (query/v1/suiteql) yet")
    assert not result.ok and result.status == 401
    assert result.error_code == "INVALID_LOGIN"


def test_simulator_accepts_our_signature(simulator: Any) -> None:
    creds = _seed_token(simulator)
    result = verify_tba(simulator.rest_url, creds, timeout=10)
    assert (result.ok, result.status, result.error_code) == (True, 200, None), _last_rest_detail(simulator)


def test_simulator_refuses_wrong_secret_and_realm(simulator: Any) -> None:
    creds = _seed_token(simulator)
    wrong = TbaCredentials(creds.account_id, creds.consumer_key, creds.consumer_secret, creds.token_id, "x" * 64)
    result = verify_tba(simulator.rest_url, wrong, timeout=10)
    assert (result.status, result.error_code) == (401, "INVALID_LOGIN")
    assert _last_rest_detail(simulator) == "InvalidSignature"
    result = verify_tba(simulator.rest_url, creds, timeout=10, realm=creds.account_id.lower())
    assert (result.status, result.error_code) == (401, "INVALID_LOGIN")
    assert _last_rest_detail(simulator) == "InvalidRealm"


def test_url_without_scheme_is_environment_not_ready() -> None:
    with pytest.raises(EnvironmentNotReady, match="not a usable REST URL"):
        verify_tba("1234567-sb1.suitetalk.api.netsuite.com/services/rest", CREDS, timeout=5)
