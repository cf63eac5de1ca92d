"""OAuth 2.0 client credentials (M2M): the Setup list and popup, the token endpoint, bearer tokens on REST.

The JWT signer and the certificates here are written with `cryptography` directly, independent of
the tool's `automation.netsuite.oauth2` (tests/unit/test_oauth2.py checks that one against the
simulator's verifier).
"""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID
from playwright.sync_api import Page, expect

from automation.simulator import demo
from automation.simulator import oauth2 as sim_oauth2
from automation.simulator.models import Employee, Integration, M2MMapping, Role
from automation.simulator.server import SimulatorHandle
from automation.simulator.state import now_iso

from .conftest import choose_field, field

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
LIST = "/app/oauth2/clientcredentials/setup.nl"


# --------------------------------------------------------------------------- independent helpers


def make_certificate(key: Any, days: int = 365, cn: str = "test client", start: datetime | None = None) -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    begin = start or datetime.now(UTC) - timedelta(minutes=1)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(begin)
        .not_valid_after(begin + timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt(key: Any, header: dict[str, Any], payload: dict[str, Any]) -> str:
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}".encode()
    alg = header["alg"]
    digest = {"256": hashes.SHA256(), "384": hashes.SHA384(), "512": hashes.SHA512()}[alg[2:]]
    if alg.startswith("ES"):
        r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(digest)))
        size = (key.curve.key_size + 7) // 8
        signature = r.to_bytes(size, "big") + s.to_bytes(size, "big")
    else:
        signature = key.sign(signing_input, padding.PSS(padding.MGF1(digest), digest.digest_size), digest)
    return f"{signing_input.decode()}.{_b64(signature)}"


def post_form(url: str, fields: dict[str, str]) -> tuple[int, dict[str, Any], str | None]:
    request = urllib.request.Request(url, data=urllib.parse.urlencode(fields).encode(), method="POST")
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read()), response.headers.get("Date")
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read() or b"{}"), exc.headers.get("Date")


def bearer(method: str, url: str, token: str, body: Any = None) -> int:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Authorization", f"Bearer {token}")
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        exc.close()
        return exc.code


class Seeded:
    """An account with OAuth 2.0 on, an M2M role for the admin, an M2M integration and one mapping."""

    def __init__(self, sim: SimulatorHandle, key: Any | None = None) -> None:
        store = sim.app.store
        self.sim = sim
        store.set_features({"oauth2": True, "restwebservices": True})
        perms = {"ADMI_LOGIN_OAUTH2": "4", "ADMI_RESTWEBSERVICES": "4"}
        self.role_id = store.insert(Role(0, "M2M Role", "customrole_m2m", permissions=perms))
        admin = next(e for e in store.all(Employee) if e.email == demo.ADMIN_EMAIL)
        admin.roles = [*admin.roles, self.role_id]
        store.update(admin)
        self.admin_id = admin.id
        integ = Integration(
            0,
            "nsauto m2m",
            "0A1B2C3D-0000-4000-8000-000000000002",
            authorization_code_grant=False,
            client_credentials=True,
            scope_rest_web_services=True,
            consumer_key="k" * 64,
            consumer_secret="s" * 64,
            created=now_iso(),
        )
        self.integration_id = store.insert(integ)
        self.client_id = integ.consumer_key
        self.key = key or ec.generate_private_key(ec.SECP256R1())
        self.mapping = self.map(self.key)

    def map(self, key: Any, days: int = 365) -> M2MMapping:
        info = sim_oauth2.inspect_certificate(make_certificate(key, days), time.time())
        assert not isinstance(info, str), info
        added = sim_oauth2.add_mapping(
            self.sim.app.store, info, self.integration_id, self.admin_id, self.role_id, now_iso()
        )
        assert not isinstance(added, str), added
        return added

    @property
    def token_url(self) -> str:
        return self.sim.rest_url + "/auth/oauth2/v1/token"

    def assertion(self, key: Any = None, header: dict | None = None, **claims: Any) -> str:
        now = int(time.time())
        head = {"typ": "JWT", "alg": "ES256", "kid": self.mapping.certificate_id, **(header or {})}
        payload = {
            "iss": self.client_id,
            "scope": "rest_webservices",
            "aud": self.token_url,
            "iat": now,
            "exp": now + 1800,
            **claims,
        }
        return jwt(key or self.key, head, payload)

    def token_request(self, assertion: str, **form: str) -> tuple[int, dict[str, Any], str | None]:
        fields = {"grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE}
        fields.update(client_assertion=assertion, **form)
        return post_form(self.token_url, fields)

    def last_detail(self) -> str:
        return self.sim.state()["rest_calls"][-1]["detail"]


# --------------------------------------------------------------------------- token endpoint


def test_valid_assertion_gets_a_bearer_token_that_works_on_rest(sim: SimulatorHandle) -> None:
    seeded = Seeded(sim)
    status, body, _ = seeded.token_request(seeded.assertion())
    assert status == 200, body
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600 and body["access_token"]
    token = body["access_token"]
    assert bearer("POST", sim.rest_url + "/query/v1/suiteql", token, {"q": "SELECT 1 FROM DUAL"}) == 200
    assert bearer("GET", sim.rest_url + "/record/v1/metadata-catalog", token) == 200
    assert bearer("POST", sim.rest_url + "/query/v1/suiteql", "not-a-token", {"q": "SELECT 1 FROM DUAL"}) == 401
    assert seeded.last_detail() == "InvalidToken"
    assert token not in json.dumps(sim.state())  # only a hash is kept


def test_rsa_pss_assertion_is_accepted(sim: SimulatorHandle) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    seeded = Seeded(sim, key)
    status, body, _ = seeded.token_request(seeded.assertion(header={"alg": "PS256"}))
    assert status == 200, body


@pytest.mark.parametrize(
    ("case", "status", "error", "detail"),
    [
        ("wrong key", 400, "invalid_grant", "InvalidSignature"),
        ("expired", 400, "invalid_grant", "TokenExpired"),
        ("wrong kid", 400, "invalid_grant", "InvalidCertificateId"),
        ("revoked", 400, "invalid_grant", "CertificateRevoked"),
        ("wrong aud", 400, "invalid_grant", "InvalidAudience"),
        ("lifetime over an hour", 400, "invalid_grant", "InvalidTokenLifetime"),
        ("wrong iss", 401, "invalid_client", "ClientAuthenticationFailed"),
        ("scope not on the integration", 400, "invalid_scope", "InvalidScope"),
        ("alg of another curve", 400, "invalid_grant", "InvalidSignature"),
        ("role without the permission", 400, "access_denied", "InsufficientPermission"),
        ("grant off on the integration", 400, "unauthorized_client", "ClientCredentialsGrantRequired"),
        ("wrong grant type", 400, "unsupported_grant_type", "UnsupportedGrantType"),
        ("not a jwt", 400, "invalid_request", "MalformedAssertion"),
    ],
)
def test_refusals_name_only_the_oauth_error_and_audit_the_reason(
    sim: SimulatorHandle, case: str, status: int, error: str, detail: str
) -> None:
    seeded = Seeded(sim)
    store = sim.app.store
    now = int(time.time())
    form: dict[str, str] = {}
    assertion = {
        "wrong key": lambda: seeded.assertion(key=ec.generate_private_key(ec.SECP256R1())),
        "expired": lambda: seeded.assertion(iat=now - 7200, exp=now - 3600),
        "wrong kid": lambda: seeded.assertion(header={"kid": "no-such-certificate"}),
        "revoked": seeded.assertion,
        "wrong aud": lambda: seeded.assertion(aud="https://1234567-sb1.suitetalk.api.netsuite.com/token"),
        "lifetime over an hour": lambda: seeded.assertion(exp=now + 3601),
        "wrong iss": lambda: seeded.assertion(iss="c" * 64),
        "scope not on the integration": lambda: seeded.assertion(scope="rest_webservices,restlets"),
        "alg of another curve": lambda: seeded.assertion(header={"alg": "ES384"}),
        "role without the permission": seeded.assertion,
        "grant off on the integration": seeded.assertion,
        "wrong grant type": seeded.assertion,
        "not a jwt": lambda: "abc.def",
    }[case]()
    if case == "revoked":
        seeded.mapping.revoked = True
        store.update(seeded.mapping)
    if case == "role without the permission":
        role = store.get(Role, seeded.role_id)
        assert role is not None
        del role.permissions["ADMI_LOGIN_OAUTH2"]
        store.update(role)
    if case == "grant off on the integration":
        integ = store.get(Integration, seeded.integration_id)
        assert integ is not None
        integ.client_credentials = False
        store.update(integ)
    if case == "wrong grant type":
        form["grant_type"] = "authorization_code"
    got_status, body, _ = seeded.token_request(assertion, **form)
    assert (got_status, body) == (status, {"error": error})
    assert seeded.last_detail() == detail


def test_a_server_clock_ahead_makes_a_fresh_assertion_expired_and_shows_in_the_date_header(
    sim: SimulatorHandle,
) -> None:
    seeded = Seeded(sim)
    sim.settings(clock_ahead_s=7200)
    try:
        status, body, date = seeded.token_request(seeded.assertion())
    finally:
        sim.settings(clock_ahead_s=0)
    assert (status, body) == (400, {"error": "invalid_grant"})
    assert seeded.last_detail() == "TokenExpired"
    assert date is not None
    assert parsedate_to_datetime(date).timestamp() - time.time() > 7000


def test_bearer_token_stops_working_when_its_certificate_is_revoked_or_the_scope_is_missing(
    sim: SimulatorHandle,
) -> None:
    seeded = Seeded(sim)
    store = sim.app.store
    integ = store.get(Integration, seeded.integration_id)
    assert integ is not None
    integ.scope_restlets = True
    store.update(integ)
    url = sim.rest_url + "/query/v1/suiteql"
    _, restlets_only, _ = seeded.token_request(seeded.assertion(scope="restlets"))
    assert bearer("POST", url, restlets_only["access_token"], {"q": "SELECT 1 FROM DUAL"}) == 401
    assert seeded.last_detail() == "InvalidScope"
    _, body, _ = seeded.token_request(seeded.assertion())
    assert bearer("POST", url, body["access_token"], {"q": "SELECT 1 FROM DUAL"}) == 200
    seeded.mapping.revoked = True
    store.update(seeded.mapping)
    assert bearer("POST", url, body["access_token"], {"q": "SELECT 1 FROM DUAL"}) == 401
    assert seeded.last_detail() == "CertificateRevoked"


# --------------------------------------------------------------------------- certificates and limits


@pytest.mark.parametrize(
    ("key", "days", "message"),
    [
        (lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048), 365, sim_oauth2.BAD_KEY),
        (lambda: ec.generate_private_key(ec.SECP256K1()), 365, sim_oauth2.BAD_KEY),
        (lambda: ec.generate_private_key(ec.SECP384R1()), 800, sim_oauth2.TOO_LONG),
    ],
)
def test_certificate_rules(key, days: int, message: str) -> None:
    assert sim_oauth2.inspect_certificate(make_certificate(key(), days), time.time()) == message


def test_certificate_accepted_shapes() -> None:
    big_rsa = rsa.generate_private_key(public_exponent=65537, key_size=4096)
    for key in (ec.generate_private_key(ec.SECP521R1()), big_rsa):
        info = sim_oauth2.inspect_certificate(make_certificate(key, 730, cn="ok"), time.time())
        assert not isinstance(info, str), info
        assert info.subject == "CN=ok"
    assert sim_oauth2.inspect_certificate(b"not a certificate", time.time()) == sim_oauth2.BAD_FILE
    expired = make_certificate(ec.generate_private_key(ec.SECP256R1()), 10, start=datetime.now(UTC) - timedelta(30))
    assert sim_oauth2.inspect_certificate(expired, time.time()) == sim_oauth2.EXPIRED


def test_at_most_five_active_certificates_per_integration(sim: SimulatorHandle) -> None:
    seeded = Seeded(sim)
    for _ in range(4):
        seeded.map(ec.generate_private_key(ec.SECP256R1()))
    info = sim_oauth2.inspect_certificate(make_certificate(ec.generate_private_key(ec.SECP256R1())), time.time())
    assert not isinstance(info, str)
    store = sim.app.store
    args = (seeded.integration_id, seeded.admin_id, seeded.role_id, now_iso())
    assert sim_oauth2.add_mapping(store, info, *args) == sim_oauth2.LIMIT_REACHED
    seeded.mapping.revoked = True
    store.update(seeded.mapping)
    assert not isinstance(sim_oauth2.add_mapping(store, info, *args), str)
    assert sim_oauth2.add_mapping(store, info, *args) in (sim_oauth2.LIMIT_REACHED, sim_oauth2.DUPLICATE)


# --------------------------------------------------------------------------- the pages


def _upload(popup: Page, pem: bytes) -> None:
    box = field(popup, "Certificate").locator("input[type=file]")
    box.set_input_files(files=[{"name": "client.pem", "mimeType": "application/x-pem-file", "buffer": pem}])


def test_create_new_popup_maps_an_uploaded_certificate_and_revoke_works(admin_page: Page, sim: SimulatorHandle) -> None:
    seeded = Seeded(sim)
    store = sim.app.store
    other = Integration(0, "no grant", "0A1B2C3D-0000-4000-8000-000000000003", authorization_code_grant=False)
    other.consumer_key, other.consumer_secret = "a" * 64, "b" * 64
    store.insert(other)
    page = admin_page
    page.goto(sim.url + LIST)
    expect(page.locator("h1.uir-record-type")).to_have_text("OAuth 2.0 Client Credentials Setup")
    with page.expect_popup() as info:
        page.get_by_role("button", name="Create New").click()
    popup = info.value
    popup.wait_for_load_state()
    # Application offers only integrations with the M2M grant; Role follows the Entity.
    popup.locator('[data-nsps-label="Application"] input.dropdownInput').click()
    options = popup.locator("div.dropdownDiv div[data-value]")
    expect(options).to_have_text(["nsauto m2m"])
    popup.keyboard.press("Escape")
    choose_field(popup, "Entity", demo.ADMIN_NAME)
    choose_field(popup, "Role", "M2M Role")
    choose_field(popup, "Application", "nsauto m2m")
    key = ec.generate_private_key(ec.SECP384R1())
    _upload(popup, make_certificate(key, 700, cn="uploaded by test"))
    with popup.expect_event("close"):
        popup.click("#submitter")
    expect(page.locator("div.session_confirmation_alert")).to_be_visible()
    row = page.locator("tr", has_text="uploaded by test")
    expect(row).to_have_count(1)
    mapping = next(m for m in sim.state()["m2m_mappings"] if m["subject"] == "CN=uploaded by test")
    expect(row).to_contain_text(mapping["certificate_id"])
    expect(row).to_contain_text("EC P-384")
    assert mapping["entity"] == demo.ADMIN_NAME and mapping["role"] == "M2M Role" and not mapping["revoked"]
    # Revoke (a confirm() first).
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Revoke").click()
    expect(page.locator("div.session_confirmation_alert")).to_contain_text("revoked")
    assert next(m for m in sim.state()["m2m_mappings"] if m["id"] == mapping["id"])["revoked"] is True
    assert seeded.mapping.certificate_id in page.content()


def test_popup_refuses_a_sixth_certificate_and_a_weak_key_with_a_netsuite_style_error(
    admin_page: Page, sim: SimulatorHandle
) -> None:
    seeded = Seeded(sim)
    page = admin_page
    page.goto(sim.url + LIST)
    with page.expect_popup() as info:
        page.get_by_role("button", name="Create New").click()
    popup = info.value
    choose_field(popup, "Entity", demo.ADMIN_NAME)
    choose_field(popup, "Role", "M2M Role")
    choose_field(popup, "Application", "nsauto m2m")
    _upload(popup, make_certificate(rsa.generate_private_key(public_exponent=65537, key_size=2048)))
    popup.click("#submitter")
    expect(popup.locator(".uir-alert-box.error")).to_contain_text("unsupported key")
    for _ in range(4):
        seeded.map(ec.generate_private_key(ec.SECP256R1()))
    choose_field(popup, "Entity", demo.ADMIN_NAME)
    choose_field(popup, "Role", "M2M Role")
    choose_field(popup, "Application", "nsauto m2m")
    _upload(popup, make_certificate(ec.generate_private_key(ec.SECP256R1())))
    popup.click("#submitter")
    expect(popup.locator(".uir-alert-box.error")).to_contain_text("more than five active certificates")
    assert len([m for m in sim.state()["m2m_mappings"] if not m["revoked"]]) == 5


def test_setup_page_needs_the_oauth2_feature(admin_page: Page, sim: SimulatorHandle) -> None:
    admin_page.goto(sim.url + LIST)
    expect(admin_page.locator(".uir-alert-box.error")).to_contain_text("enable the OAuth 2.0 feature")


@pytest.mark.parametrize(
    ("m2m_list", "subject_shown"), [("common_name", True), ("no_subject", False)], ids=["common_name", "no_subject"]
)
def test_the_list_shows_the_subject_only_on_the_common_name_layout(
    admin_page: Page, sim: SimulatorHandle, m2m_list: str, subject_shown: bool
) -> None:
    seeded = Seeded(sim)
    sim.settings(dials={"m2m_list": m2m_list})
    admin_page.goto(sim.url + LIST)
    header = [h.strip() for h in admin_page.locator("tr.uir-list-headerrow td").all_inner_texts()]
    assert {"Application", "Entity", "Role", "Certificate ID", "Valid Until", "Revoked"} <= set(header)
    assert ("Subject" in header) is subject_shown
    row = admin_page.locator("tr[id^=row]", has_text=seeded.mapping.certificate_id)
    assert (seeded.mapping.subject in row.inner_text()) is subject_shown


def test_a_late_create_new_window_opens_after_the_click(admin_page: Page, sim: SimulatorHandle) -> None:
    """`m2m_popup=late`: no window right after the click; the popup event comes 0.3-1.5 s later."""
    Seeded(sim)
    sim.settings(dials={"m2m_popup": "late"})
    admin_page.goto(sim.url + LIST)
    opened: list[Page] = []
    admin_page.on("popup", lambda popup: opened.append(popup))
    started = time.monotonic()
    with admin_page.expect_popup(timeout=5000) as info:
        admin_page.click("#createnew")
        assert opened == []  # the click returned and no window yet
    waited = time.monotonic() - started
    info.value.wait_for_load_state("domcontentloaded")
    assert "mapping.nl" in info.value.url and waited >= 0.25, waited
