"""Manage Integrations: required-field alert, one-time consumer key/secret, Reset Credentials."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Dialog, Page, expect

from automation.simulator.server import SimulatorHandle

from .conftest import field, set_checkbox

HEX64 = re.compile(r"^[0-9a-f]{64}$")
UUID = re.compile(r"^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$")


@pytest.fixture(autouse=True)
def _auth_features_on(sim: SimulatorHandle) -> None:
    """The authentication boxes show only once their features are on (feature_gated=hidden)."""
    sim.app.store.set_features({**sim.app.store.features(), "tba": True, "oauth2": True})


def _value(page: Page, label: str) -> str:
    return field(page, label).locator("span.uir-field").inner_text().strip()


def _create(page: Page, sim: SimulatorHandle, name: str) -> int:
    page.goto(sim.url + "/app/common/integration/integrapp.nl")
    expect(page.locator("h1.uir-record-type")).to_have_text("Integration")
    field(page, "Name").locator("input").fill(name)
    expect(field(page, "State").locator("input.dropdownInput")).to_have_value("Enabled")
    set_checkbox(page, "Token-based Authentication", True)
    # Defaults on a new record: TBA: Authorization Flow and Authorization Code Grant are checked,
    # so Save first complains natively about their required fields.
    expect(field(page, "TBA: Authorization Flow").locator("input")).to_be_checked()
    expect(field(page, "Authorization Code Grant").locator("input")).to_be_checked()
    dialogs: list[str] = []

    def on_dialog(d: Dialog) -> None:
        dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", on_dialog)
    with page.expect_event("dialog"):
        page.click("#submitter")
    page.remove_listener("dialog", on_dialog)
    assert dialogs == ["Please enter value(s) for: Callback URL, Redirect URI"]
    assert page.url.endswith("/integrapp.nl")
    set_checkbox(page, "TBA: Authorization Flow", False)
    set_checkbox(page, "Authorization Code Grant", False)
    expect(field(page, "Callback URL")).to_be_hidden()
    page.click("#submitter")
    page.wait_for_url(re.compile(r"/integrapp\.nl\?id=\d+$"))
    return int(page.url.rsplit("=", 1)[1])


def test_create_integration_shows_secrets_once(admin_page: Page, sim: SimulatorHandle) -> None:
    page = admin_page
    record_id = _create(page, sim, "nsauto test")
    expect(page.locator("div.session_confirmation_alert")).to_be_visible()
    key, secret = _value(page, "CONSUMER KEY / CLIENT ID"), _value(page, "CONSUMER SECRET / CLIENT SECRET")
    assert HEX64.match(key) and HEX64.match(secret) and key != secret
    expect(page.get_by_text("this is the only time that the Consumer Key and Consumer Secret")).to_be_visible()
    app_id = _value(page, "Application ID")
    assert UUID.match(app_id)
    integ = next(i for i in sim.state()["integrations"] if i["id"] == record_id)
    assert (integ["consumer_key"], integ["consumer_secret"], integ["application_id"]) == (key, secret, app_id)
    assert integ["tba"] is True and integ["tba_authorization_flow"] is False
    assert integ["authorization_code_grant"] is False and integ["state"] == "Enabled"
    page.reload()
    expect(field(page, "Application ID")).to_be_visible()
    expect(field(page, "CONSUMER KEY / CLIENT ID")).to_have_count(0)
    assert key not in page.content()
    # The list has the built-in row and ours.
    page.goto(sim.url + "/app/common/integration/integrapplist.nl?showall=T")
    expect(page.locator("tr[id^=row]", has_text="SuiteCloud IDE & CLI")).to_have_count(1)
    row = page.locator("tr[id^=row]", has_text="nsauto test")
    expect(row.locator("a", has_text="nsauto test")).to_have_attribute(
        "href", f"/app/common/integration/integrapp.nl?id={record_id}"
    )
    expect(row).to_contain_text(app_id)


def test_reset_credentials(admin_page: Page, sim: SimulatorHandle) -> None:
    page = admin_page
    record_id = _create(page, sim, "reset me")
    old_key = _value(page, "CONSUMER KEY / CLIENT ID")
    page.click("#edit")
    page.wait_for_url("**&e=T")
    page.once("dialog", lambda d: d.accept())
    page.click("#resetcredentials")
    page.wait_for_url(re.compile(rf"/integrapp\.nl\?id={record_id}$"))
    new_key = _value(page, "CONSUMER KEY / CLIENT ID")
    assert HEX64.match(new_key) and new_key != old_key
    integ = next(i for i in sim.state()["integrations"] if i["id"] == record_id)
    assert integ["consumer_key"] == new_key
    assert integ["consumer_secret"] == _value(page, "CONSUMER SECRET / CLIENT SECRET")


def test_reset_credentials_dismissed_changes_nothing(admin_page: Page, sim: SimulatorHandle) -> None:
    page = admin_page
    record_id = _create(page, sim, "keep me")
    before = next(i for i in sim.state()["integrations"] if i["id"] == record_id)["consumer_key"]
    page.goto(sim.url + f"/app/common/integration/integrapp.nl?id={record_id}&e=T")
    with page.expect_event("dialog") as info:
        page.once("dialog", lambda d: d.dismiss())
        page.click("#resetcredentials")
    assert "reset the credentials" in info.value.message
    expect(page.locator("#resetcredentials")).to_be_visible()
    assert next(i for i in sim.state()["integrations"] if i["id"] == record_id)["consumer_key"] == before


TBA_SECTION = ("Token-based Authentication", "TBA: Authorization Flow", "TBA: issuetoken Endpoint")
OAUTH2_SECTION = ("Authorization Code Grant", "Client Credentials (Machine to Machine) Grant", "RESTlets")


@pytest.mark.parametrize("gated", ["hidden", "shown"])
def test_feature_gated_boxes(admin_page: Page, sim: SimulatorHandle, gated: str) -> None:
    """feature_gated=hidden: a section shows only once its feature is on, and a save keeps what it hides."""
    page = admin_page
    sim.settings(dials={"feature_gated": gated})
    sim.app.store.set_features({**sim.app.store.features(), "tba": True, "oauth2": False})
    page.goto(sim.url + "/app/common/integration/integrapp.nl")
    for label in TBA_SECTION:
        expect(field(page, label)).to_have_count(1)
    for label in OAUTH2_SECTION:
        expect(field(page, label)).to_have_count(1 if gated == "shown" else 0)
    field(page, "Name").locator("input").fill("gated")
    set_checkbox(page, "Token-based Authentication", True)
    set_checkbox(page, "TBA: Authorization Flow", False)
    if gated == "shown":
        set_checkbox(page, "Authorization Code Grant", False)
    page.click("#submitter")
    page.wait_for_url(re.compile(r"/integrapp\.nl\?id=\d+$"))
    integ = next(i for i in sim.state()["integrations"] if i["name"] == "gated")
    assert integ["tba"] is True and integ["authorization_code_grant"] is False
    sim.app.store.set_features({**sim.app.store.features(), "tba": False})
    page.goto(sim.url + f"/app/common/integration/integrapp.nl?id={integ['id']}&e=T")
    expect(field(page, "Token-based Authentication")).to_have_count(1 if gated == "shown" else 0)
    if gated == "hidden":
        page.click("#submitter")
        page.wait_for_url(re.compile(r"/integrapp\.nl\?id=\d+$"))
        assert next(i for i in sim.state()["integrations"] if i["name"] == "gated")["tba"] is True  # kept


@pytest.mark.parametrize("defaults", ["auth_flows_on", "all_off"])
def test_integration_defaults(admin_page: Page, sim: SimulatorHandle, defaults: str) -> None:
    page = admin_page
    sim.settings(dials={"integration_defaults": defaults})
    page.goto(sim.url + "/app/common/integration/integrapp.nl")
    on = defaults == "auth_flows_on"
    expect(field(page, "TBA: Authorization Flow").locator("input")).to_be_checked(checked=on)
    expect(field(page, "Authorization Code Grant").locator("input")).to_be_checked(checked=on)
    expect(field(page, "Token-based Authentication").locator("input")).not_to_be_checked()
    expect(field(page, "Client Credentials (Machine to Machine) Grant").locator("input")).not_to_be_checked()
