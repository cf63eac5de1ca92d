"""Manage Roles through the real pages: body fields, permission machines, duplicate names, view mode."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from automation.simulator.server import SimulatorHandle

from .conftest import add_permission, choose, choose_field, field, open_list, set_checkbox


def _enable(sim: SimulatorHandle, *fids: str) -> None:
    # Shortcut for tests that are not about Enable Features (that page has its own tests).
    sim.app.store.set_features(dict.fromkeys(fids, True))


def test_create_role_with_permissions(admin_page: Page, sim: SimulatorHandle) -> None:
    _enable(sim, "tba", "restwebservices")
    page = admin_page
    page.goto(sim.url + "/app/setup/role.nl")
    expect(page.locator("h1.uir-record-type")).to_have_text("Role")
    field(page, "Name").locator("input").fill("TBA Integration Role")
    field(page, "ID").locator("input").fill("_tba_integration")
    expect(field(page, "Center Type").locator("input.dropdownInput")).to_have_value("Classic Center")
    page.click("#permissionstxt")
    # Setup permissions offer only Full; the TBA ones appear because the feature is on.
    add_permission(page, "setupmach", "Log in using Access Tokens", "Full")
    add_permission(page, "setupmach", "REST Web Services", "Full")
    add_permission(page, "repmach", "SuiteAnalytics Workbook", "View")
    expect(page.locator("#setupmach_row_1")).to_contain_text("Log in using Access Tokens")
    expect(page.locator("#setupmach_row_2")).to_contain_text("REST Web Services")
    page.click("#authenticationtxt")
    set_checkbox(page, "Web Services Only Role", True)
    page.click("#submitter")
    page.wait_for_url("**/app/setup/role.nl?id=*")
    expect(page.locator("div.session_confirmation_alert")).to_be_visible()
    expect(field(page, "Name").locator("span.uir-field")).to_have_text("TBA Integration Role")
    expect(page.locator("#edit")).to_be_visible()
    role = next(r for r in sim.state()["roles"] if r["name"] == "TBA Integration Role")
    assert role["scriptid"] == "customrole_tba_integration"
    assert role["center_type"] == "Classic Center"
    assert role["web_services_only"] is True
    assert role["permissions"] == {
        "Log in using Access Tokens": "Full",
        "REST Web Services": "Full",
        "SuiteAnalytics Workbook": "View",
    }
    # It is listed, with View/Edit links.
    page.goto(sim.url + "/app/setup/rolelist.nl")
    row = page.locator("tr[id^=row]", has_text="TBA Integration Role")
    expect(row.locator("td.listtextctr.uir-list-row-cell a.dottedlink.viewitem", has_text="Edit")).to_have_attribute(
        "href", f"/app/setup/role.nl?id={role['id']}&e=T"
    )


def test_permission_options_follow_features(admin_page: Page, sim: SimulatorHandle) -> None:
    page = admin_page
    page.goto(sim.url + "/app/setup/role.nl")
    page.click("#permissionstxt")
    page.click("#setupmachtxt")
    page.locator("#setupmach_splits tr.uir-machine-row-focused input.dropdownInput").first.click()
    options = open_list(page).locator("div").all_inner_texts()
    assert "Log in using Access Tokens" not in options
    assert "Integration Application" in options
    page.keyboard.press("Escape")


def test_edit_row_then_duplicate_name(admin_page: Page, sim: SimulatorHandle) -> None:
    _enable(sim, "tba")
    page = admin_page
    page.goto(sim.url + "/app/setup/role.nl")
    field(page, "Name").locator("input").fill("Administrator")
    choose_field(page, "Center Type", "Employee Center")
    page.click("#permissionstxt")
    add_permission(page, "listsmach", "Perform Search", "View")
    # Clicking a committed row makes it the editing row; Add becomes OK.
    page.locator("#listsmach_row_1 td").first.click()
    expect(page.locator("#listsmach_addedit")).to_have_value("OK")
    choose(page, page.locator("#listsmach_row_1 td").nth(1), "Edit")
    page.click("#listsmach_addedit")
    expect(page.locator("#listsmach_row_1")).to_contain_text("Edit")
    expect(page.locator("#listsmach_addedit")).to_have_value("Add")
    page.click("#submitter")
    expect(page.locator("div.uir-alert-box.error")).to_contain_text("A role with that name already exists.")
    # The form comes back with what was typed.
    expect(field(page, "Name").locator("input")).to_have_value("Administrator")
    assert [r["name"] for r in sim.state()["roles"]].count("Administrator") == 1


def test_missing_name_is_a_native_alert(admin_page: Page, sim: SimulatorHandle) -> None:
    page = admin_page
    page.goto(sim.url + "/app/setup/role.nl")
    page.once("dialog", lambda d: d.accept())
    with page.expect_event("dialog") as info:
        page.click("#submitter")
    assert info.value.message == "Please enter value(s) for: Name"
    expect(page.locator("h1.uir-record-type")).to_have_text("Role")
    assert page.url.endswith("/app/setup/role.nl")


def test_dropdown_typing_filters_and_enter_selects(admin_page: Page, sim: SimulatorHandle) -> None:
    _enable(sim, "restwebservices", "tba")
    page = admin_page
    page.goto(sim.url + "/app/setup/role.nl")
    assert page.evaluate("nlapiGetFieldValue('centertype')") == "BASIC"
    page.click("#permissionstxt")
    page.click("#setupmachtxt")
    perm = page.locator("#setupmach_splits tr.uir-machine-row-focused input.dropdownInput").first
    perm.click()
    perm.press_sequentially("rest")
    expect(open_list(page).locator("div")).to_have_text(["REST Web Services"])
    perm.press("Enter")
    expect(open_list(page)).to_have_count(0)
    expect(perm).to_have_value("REST Web Services")
    # Choosing a Setup permission sets its only level, Full.
    level = page.locator("#setupmach_splits tr.uir-machine-row-focused input.dropdownInput").nth(1)
    expect(level).to_have_value("Full")
    # Text that matches no option reverts on blur.
    field(page, "Center Type").locator("input.dropdownInput").fill("Nonsense Center")
    field(page, "Name").locator("input").click()
    expect(field(page, "Center Type").locator("input.dropdownInput")).to_have_value("Classic Center")
