"""The whole TBA setup through the pages, then the captured secrets against SuiteTalk REST."""

from __future__ import annotations

import contextlib

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from automation.simulator.server import SimulatorHandle

from .conftest import add_permission, choose, choose_field, field, set_checkbox
from .test_rest import Creds, signed_request


def _enable_with_tos(page: Page, label: str) -> None:
    box = field(page, label).locator("input[type=checkbox]")
    with page.expect_popup() as info:
        box.click()
    popup = info.value
    with popup.expect_event("close"), contextlib.suppress(PlaywrightError):
        popup.click("input[value='I Agree']")  # the window closes itself: the click may not see its end
    expect(box).to_be_checked()


def _read(page: Page, label: str) -> str:
    return field(page, label).locator("span.uir-field").inner_text().strip()


def test_full_tba_setup_then_rest(admin_page: Page, sim: SimulatorHandle) -> None:
    page = admin_page
    # 1. Features.
    page.goto(sim.url + "/app/setup/features.nl?whence=")
    page.click("#customtxt")
    _enable_with_tos(page, "Token-Based Authentication")
    _enable_with_tos(page, "REST Web Services")
    page.click("#submitter")
    expect(page.locator("div.session_confirmation_alert")).to_be_visible()
    # 2. Integration role.
    page.goto(sim.url + "/app/setup/role.nl")
    field(page, "Name").locator("input").fill("nsauto Integration")
    page.click("#permissionstxt")
    add_permission(page, "setupmach", "Log in using Access Tokens", "Full")
    add_permission(page, "setupmach", "REST Web Services", "Full")
    add_permission(page, "repmach", "SuiteAnalytics Workbook", "Full")
    page.click("#authenticationtxt")
    set_checkbox(page, "Web Services Only Role", True)
    page.click("#submitter")
    expect(page.locator("div.session_confirmation_alert")).to_be_visible()
    # 3. Give the role to the admin.
    page.goto(sim.url + "/app/common/entity/employee.nl?id=1&e=T")
    page.click("#accesstxt")
    choose(page, page.locator("#roles_splits tr.uir-machine-row-focused > td").first, "nsauto Integration")
    page.click("#roles_addedit")
    page.click("#submitter")
    expect(page.locator("div.session_confirmation_alert")).to_be_visible()
    # 4. Integration record.
    page.goto(sim.url + "/app/common/integration/integrapp.nl")
    field(page, "Name").locator("input").fill("nsauto")
    set_checkbox(page, "Token-based Authentication", True)
    set_checkbox(page, "TBA: Authorization Flow", False)
    # OAuth 2.0 is off: with feature_gated=hidden (the default) its grant boxes are not on the page.
    expect(field(page, "Authorization Code Grant")).to_have_count(0)
    page.click("#submitter")
    consumer_key = _read(page, "CONSUMER KEY / CLIENT ID")
    consumer_secret = _read(page, "CONSUMER SECRET / CLIENT SECRET")
    # 5. Access token.
    page.goto(sim.url + "/app/setup/accesstoken.nl")
    choose_field(page, "Application Name", "nsauto")
    choose_field(page, "User", "Admin User")
    choose_field(page, "Role", "nsauto Integration")
    page.click("#submitter")
    token_id, token_secret = _read(page, "TOKEN ID"), _read(page, "TOKEN SECRET")
    # 6. The secrets work, and only with the right realm.
    creds = Creds(sim.account_id, consumer_key, consumer_secret, token_id, token_secret)
    status, body = signed_request("POST", sim.rest_url + "/query/v1/suiteql", creds, {"q": "SELECT 1 FROM DUAL"})
    assert (status, body["items"][0]["expr1"]) == (200, "1")
    lower = Creds(sim.account_id.lower(), consumer_key, consumer_secret, token_id, token_secret)
    assert signed_request("POST", sim.rest_url + "/query/v1/suiteql", lower, {"q": "SELECT 1 FROM DUAL"})[0] == 401
    state = sim.state()
    assert state["roles"][-1]["permissions"] == {
        "Log in using Access Tokens": "Full",
        "REST Web Services": "Full",
        "SuiteAnalytics Workbook": "Full",
    }
    assert "nsauto Integration" in next(e for e in state["employees"] if e["id"] == 1)["roles"]
