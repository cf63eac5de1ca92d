"""OAuth 2.0 client credentials (M2M) end to end: real CLI, real Chromium, real keyring, simulator over HTTP."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import keyring
import keyring.errors
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from automation.secrets.leakscan import scan
from automation.simulator import demo
from automation.simulator import oauth2 as sim_oauth2
from automation.simulator.models import Employee, Integration, M2MMapping, Role
from automation.simulator.state import ADMIN_ROLE_ID, now_iso

pytestmark = pytest.mark.e2e

RUN = ("--config", "config.yaml", "--account", "sandbox")
SERVICE = f"netsuite:{demo.ACCOUNT_ID}"
M2M_NAMES = ("client_id", "client_secret", "certificate_id", "private_key")
TBA_NAMES = ("consumer_key", "consumer_secret", "token_id", "token_secret")
PENDING = "m2m_private_key_pending"
ROLE = "M2M Role for Acme"
APP = "M2M Integration for Acme"

CONFIG = """\
accounts:
  sandbox:
    account_id: {account_id}
    ui_url: {url}
    rest_url: {url}/services/rest
    login:
      email: admin@example.com
      password: env:NS_PASSWORD
      totp_secret: env:NS_TOTP_SECRET
setup:
  auth: {auth}
  features: [{features}]
  role:
    name: {role}
    center_type: Accounting Center
    web_services_only: true
    permissions:
{permissions}
  employee: admin@example.com
  integration:
    name: {app}
    description: Machine-to-machine sync
  oauth2:
    scopes: [rest_webservices]
    key_type: {key_type}
"""


def write_config(workspace, url: str, auth: str = "oauth2_m2m", key_type: str = "ec-p256") -> None:
    features = ["REST Web Services", "OAuth 2.0"]
    permissions = ["Log in using OAuth 2.0 Access Tokens", "REST Web Services"]
    if auth == "both":
        features.append("Token-Based Authentication")
        permissions += ["Log in using Access Tokens", "User Access Tokens"]
    text = CONFIG.format(
        account_id=demo.ACCOUNT_ID,
        url=url,
        auth=auth,
        features=", ".join(features),
        role=ROLE,
        permissions="\n".join(f"      - [{p}, Full]" for p in permissions),
        app=APP,
        key_type=key_type,
    )
    workspace.write_config(url, text=text)


@pytest.fixture
def m2m_keyring():
    """The simulator account's TBA and M2M items removed before and after a test."""
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        pytest.skip("needs a Secret Service keyring: run the suite with `make test`")

    def wipe() -> None:
        for name in (*TBA_NAMES, *M2M_NAMES, PENDING):
            with contextlib.suppress(keyring.errors.PasswordDeleteError):
                keyring.delete_password(SERVICE, name)

    wipe()
    yield SERVICE
    wipe()


def stored(names=M2M_NAMES) -> dict[str, str | None]:
    return {name: keyring.get_password(SERVICE, name) for name in names}


def active(sim) -> list[dict]:
    return [m for m in sim.state()["m2m_mappings"] if not m["revoked"]]


def leaks(workspace, *results, extra: dict[str, str] | None = None) -> list:
    """Every place the private key, client secret (or any other stored value) shows up."""
    secrets = {name: value for name, value in stored((*M2M_NAMES, *TBA_NAMES)).items() if value}
    for name, value in (extra or {}).items():
        secrets[name] = value
    key = secrets.get("private_key")
    if key:  # a PEM also leaks line by line
        body = [line for line in key.splitlines() if line and not line.startswith("-----")]
        secrets.update({f"private_key line {i}": line for i, line in enumerate(body) if len(line) >= 16})
    texts = {f"output {i}": r.output for i, r in enumerate(results)}
    return scan([workspace.path], secrets, texts)


def seed_mapping(sim, entity_id: int, role_id: int, cn: str) -> str:
    """A mapping made straight in the simulator's store (someone else's, or an old one of ours)."""
    store = sim.app.store
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    start = datetime.now(UTC) - timedelta(minutes=1)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    info = sim_oauth2.inspect_certificate(cert.public_bytes(serialization.Encoding.PEM), start.timestamp() + 60)
    assert not isinstance(info, str)
    app = next(i for i in store.all(Integration) if i.name == APP)
    added = sim_oauth2.add_mapping(store, info, app.id, entity_id, role_id, now_iso())
    assert not isinstance(added, str), added
    return added.certificate_id


def test_m2m_setup_from_an_empty_account_stores_four_values_verifies_and_reruns_clean(sim, workspace, m2m_keyring):
    write_config(workspace, sim.url)
    first = workspace.nsauto("run", *RUN)
    assert first.returncode == 0, first.output

    state = sim.state()
    assert state["features"]["OAuth 2.0"] is True and state["features"]["REST Web Services"] is True
    role = next(r for r in state["roles"] if r["name"] == ROLE)
    assert role["permissions"]["Log in using OAuth 2.0 Access Tokens"] == "Full"
    integration = next(i for i in state["integrations"] if i["name"] == APP)
    assert integration["client_credentials"] is True and integration["scopes"] == ["REST Web Services"]
    assert integration["authorization_code_grant"] is False
    mappings = active(sim)
    assert len(mappings) == 1
    assert (mappings[0]["entity"], mappings[0]["role"], mappings[0]["integration"]) == (demo.ADMIN_NAME, ROLE, APP)

    values = stored()
    assert values["client_id"] == integration["client_id"]
    assert values["client_secret"] == integration["client_secret"]
    assert values["certificate_id"] == mappings[0]["certificate_id"]
    assert values["private_key"] and values["private_key"].startswith("-----BEGIN PRIVATE KEY-----")
    assert stored(TBA_NAMES) == dict.fromkeys(TBA_NAMES)  # auth: oauth2_m2m stores no TBA names

    manifest = json.loads((workspace.path / "nsauto-home" / "manifest.json").read_text())
    facts = manifest["accounts"][demo.ACCOUNT_ID]["facts"]
    expires = datetime.fromisoformat(facts["certificate_expires"])
    assert timedelta(days=729) < expires - datetime.now(UTC) <= timedelta(days=730)
    assert not list(workspace.path.rglob("*.pem")) and not list(workspace.path.rglob("*.key"))

    verify = workspace.nsauto("verify", *RUN)
    assert verify.returncode == 0, verify.output
    assert "OAuth 2.0 M2M token and SuiteQL call" in verify.stderr

    second = workspace.nsauto("run", *RUN, "--json")
    assert second.returncode == 0, second.output
    assert json.loads(second.stdout)["counts"].get("changed", 0) == 0
    assert [m["certificate_id"] for m in active(sim)] == [values["certificate_id"]]

    # `check` opens the Create New popup and finds every field, but saves nothing.
    checked = workspace.nsauto("check", *RUN)
    assert checked.returncode == 0, checked.output
    assert "upload Certificate" in checked.output
    assert len(sim.state()["m2m_mappings"]) == 1

    assert leaks(workspace, first, verify, second, checked) == []


def test_verify_reports_a_wrong_key_an_expired_assertion_a_wrong_kid_and_a_revoked_certificate(
    sim, workspace, m2m_keyring
):
    write_config(workspace, sim.url)
    assert workspace.nsauto("run", *RUN).returncode == 0
    good = stored()
    calls = lambda: sim.state()["rest_calls"]  # noqa: E731

    def refused(expected_detail: str, *phrases: str) -> str:
        before = len(calls())
        result = workspace.nsauto("verify", *RUN)
        assert result.returncode == 1, result.output
        token_calls = [c for c in calls()[before:] if c["path"].endswith("/auth/oauth2/v1/token")]
        assert [c["detail"] for c in token_calls] == [expected_detail]
        for phrase in phrases:
            assert phrase in result.stderr, result.stderr
        return result.output

    outputs = []
    keyring.set_password(SERVICE, "private_key", _other_key_pem())
    outputs.append(refused("InvalidSignature", "not the key of the certificate nsauto uploaded"))
    keyring.set_password(SERVICE, "private_key", good["private_key"])

    sim.settings(clock_ahead_s=7200)
    try:
        outputs.append(refused("TokenExpired", "looked expired", "2.0 h ahead"))
    finally:
        sim.settings(clock_ahead_s=0)

    keyring.set_password(SERVICE, "certificate_id", "no-such-certificate-id-0123456789")
    outputs.append(refused("InvalidCertificateId", "unknown to NetSuite or its certificate was revoked"))
    keyring.set_password(SERVICE, "certificate_id", good["certificate_id"])

    store = sim.app.store
    mapping = next(m for m in store.all(M2MMapping) if m.certificate_id == good["certificate_id"])
    mapping.revoked = True
    store.update(mapping)
    outputs.append(refused("CertificateRevoked", "unknown to NetSuite or its certificate was revoked"))
    for output in outputs:
        assert good["private_key"].splitlines()[1] not in output

    # Desired state: the next run sees the keyring's key get no token and maps a new certificate.
    repair = workspace.nsauto("run", *RUN)
    assert repair.returncode == 0, repair.output
    assert len(active(sim)) == 1 and stored()["certificate_id"] != good["certificate_id"]
    assert workspace.nsauto("verify", *RUN).returncode == 0


def _other_key_pem() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def test_rotate_and_an_expiring_certificate_leave_exactly_one_active_mapping_that_works(sim, workspace, m2m_keyring):
    write_config(workspace, sim.url, key_type="rsa-3072")
    assert workspace.nsauto("run", *RUN).returncode == 0
    first = stored()

    rotated = workspace.nsauto("run", *RUN, "--rotate")
    assert rotated.returncode == 0, rotated.output
    second = stored()
    assert second["certificate_id"] != first["certificate_id"] and second["private_key"] != first["private_key"]
    assert second["client_id"] == first["client_id"]  # the integration record is untouched
    assert [m["certificate_id"] for m in active(sim)] == [second["certificate_id"]]
    assert active(sim)[0]["key_type"] == "RSA 3072"
    assert workspace.nsauto("verify", *RUN).returncode == 0

    # A certificate within 60 days of its end: plan shows the replacement, run makes it.
    manifest_path = workspace.path / "nsauto-home" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    soon = datetime.now(UTC) + timedelta(days=20)
    manifest["accounts"][demo.ACCOUNT_ID]["facts"]["certificate_expires"] = soon.isoformat()
    manifest_path.write_text(json.dumps(manifest))
    verify = workspace.nsauto("verify", *RUN)
    assert verify.returncode == 0 and "expires on" in verify.stderr, verify.output
    plan = workspace.nsauto("plan", *RUN)
    assert plan.returncode == 2, plan.output
    assert [m["certificate_id"] for m in active(sim)] == [second["certificate_id"]]  # plan changed nothing
    renewed = workspace.nsauto("run", *RUN)
    assert renewed.returncode == 0, renewed.output
    third = stored()
    assert third["certificate_id"] not in (first["certificate_id"], second["certificate_id"])
    assert [m["certificate_id"] for m in active(sim)] == [third["certificate_id"]]
    assert workspace.nsauto("verify", *RUN).returncode == 0
    assert leaks(workspace, rotated, verify, plan, renewed) == []


def test_at_five_active_certificates_rotation_frees_an_unused_one_of_ours_but_never_the_working_one(
    sim, workspace, m2m_keyring
):
    write_config(workspace, sim.url)
    assert workspace.nsauto("run", *RUN).returncode == 0
    working = stored()["certificate_id"]
    store = sim.app.store
    admin = next(e for e in store.all(Employee) if e.email == demo.ADMIN_EMAIL)
    ours = next(r for r in store.all(Role) if r.name == ROLE)
    foreign = [seed_mapping(sim, admin.id, ADMIN_ROLE_ID, f"someone else {i}") for i in range(4)]
    assert len(active(sim)) == 5

    refused = workspace.nsauto("run", *RUN, "--rotate")
    assert refused.returncode == 1, refused.output
    assert "NetSuite's limit" in refused.stderr and "revoke a certificate nobody uses" in refused.stderr
    assert {m["certificate_id"] for m in active(sim)} == {working, *foreign}  # nothing revoked
    assert stored()["certificate_id"] == working

    # Swap one foreign certificate for an old unused one of ours: that one makes room.
    foreign_row = next(m for m in store.all(M2MMapping) if m.certificate_id == foreign[0])
    foreign_row.revoked = True
    store.update(foreign_row)
    unused = seed_mapping(sim, admin.id, ours.id, "an old one of ours")
    rotated = workspace.nsauto("run", *RUN, "--rotate")
    assert rotated.returncode == 0, rotated.output
    new = stored()["certificate_id"]
    assert {m["certificate_id"] for m in active(sim)} == {new, *foreign[1:]}
    revoked = {m["certificate_id"] for m in sim.state()["m2m_mappings"] if m["revoked"]}
    assert {unused, working} <= revoked
    assert workspace.nsauto("verify", *RUN).returncode == 0


# `setup.auth: both` (TBA and M2M in one run) runs on every dial draw: tests/e2e/test_dials.py.


def test_flows_compose_per_auth() -> None:
    from automation.engine.loader import flow_for_auth, load_flow

    assert [s.stage for s in load_flow(flow_for_auth("oauth2_m2m")).stages] == [
        "login",
        "features",
        "role",
        "employee-role",
        "integration",
        "m2m-mapping",
    ]
    assert Path(flow_for_auth("tba")).name == "setup.yaml"


@pytest.mark.parametrize("m2m_popup", ["with_click", "late"])
@pytest.mark.parametrize("m2m_list", ["common_name", "no_subject"])
def test_run_and_rotate_find_the_new_mapping_by_its_certificate_id_on_every_list_and_popup(
    sim, workspace, m2m_keyring, m2m_list, m2m_popup
):
    """The new mapping is the Certificate ID that was not in the list before the upload, whether or
    not the list shows the certificate's subject; a late popup window is waited for, not assumed."""
    sim.settings(dials={"m2m_list": m2m_list, "m2m_popup": m2m_popup})
    write_config(workspace, sim.url)
    first = workspace.nsauto("run", *RUN)
    assert first.returncode == 0, first.output
    made = stored()
    assert [m["certificate_id"] for m in active(sim)] == [made["certificate_id"]]
    assert made["private_key"] and keyring.get_password(SERVICE, PENDING) is None

    rotated = workspace.nsauto("run", *RUN, "--rotate")
    assert rotated.returncode == 0, rotated.output
    now = stored()
    assert now["certificate_id"] != made["certificate_id"]
    assert [m["certificate_id"] for m in active(sim)] == [now["certificate_id"]]  # never a second active one
    assert keyring.get_password(SERVICE, PENDING) is None
    assert leaks(workspace, first, rotated) == []


def test_a_run_killed_after_the_upload_is_finished_by_the_next_run_without_a_second_mapping(
    sim, workspace, m2m_keyring
):
    """The key is in the keyring (pending) before the upload, so the mapping a killed run made is
    finished by the next run: one active mapping, the key stored, nothing uploaded twice."""
    sim.settings(dials={"m2m_list": "no_subject"})
    write_config(workspace, sim.url)
    proc = subprocess.Popen(
        [sys.executable, "-m", "automation", "run", *RUN],
        cwd=workspace.path,
        env=workspace.env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stderr is not None
    seen: list[str] = []
    reader = threading.Thread(target=lambda: seen.extend(proc.stderr or []), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 240
        slowed = False
        while time.monotonic() < deadline and proc.poll() is None:
            if not slowed and any("m2m-mapping" in line for line in seen):
                sim.settings(latency_ms=600)  # pages after the upload come slowly: time to kill in between
                slowed = True
            if slowed and active(sim):
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.02)  # polling the simulator's state: the test is the outside observer here
        proc.wait(timeout=30)
    finally:
        sim.settings(latency_ms=0)
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL, "".join(seen)
    orphan = active(sim)
    assert len(orphan) == 1
    assert keyring.get_password(SERVICE, PENDING) and not stored()["private_key"], "".join(seen)

    again = workspace.nsauto("run", *RUN)
    assert again.returncode == 0, again.output
    assert "finish the mapping of an interrupted run" in again.output
    assert [m["certificate_id"] for m in active(sim)] == [orphan[0]["certificate_id"]]
    assert len(sim.state()["m2m_mappings"]) == 1  # nothing uploaded twice
    assert stored()["certificate_id"] == orphan[0]["certificate_id"]
    assert keyring.get_password(SERVICE, PENDING) is None
    assert workspace.nsauto("verify", *RUN).returncode == 0
    assert leaks(workspace, again) == []
