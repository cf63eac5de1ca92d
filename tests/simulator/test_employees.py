"""Employees: giving access and a role through the Access subtab."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from automation.simulator.models import Role
from automation.simulator.server import SimulatorHandle

from .conftest import choose, field, set_checkbox


def test_give_jane_access_and_a_role(admin_page: Page, sim: SimulatorHandle) -> None:
    sim.app.store.insert(Role(0, "TBA Integration Role", "customrole_tba"))
    page = admin_page
    page.goto(sim.url + "/app/common/entity/employeelist.nl")
    row = page.locator("tr[id^=row]", has_text="jane@example.com")
    row.locator("a.dottedlink.viewitem", has_text="Edit").click()
    page.wait_for_url("**/employee.nl?id=*&e=T")
    expect(page.locator(".uir-record-name")).to_have_text("Jane Doe")
    page.click("#accesstxt")
    set_checkbox(page, "Give Access", True)
    set_checkbox(page, "Send Notification Email", False)
    page.fill("#password", "Jane-Passw0rd-123")
    page.fill("#password2", "Jane-Passw0rd-123")
    headers = page.locator("#roles_headerrow > td").all_inner_texts()
    cell = page.locator("#roles_splits tr.uir-machine-row-focused > td").nth(headers.index("Role"))
    choose(page, cell, "TBA Integration Role")
    page.click("#roles_addedit")
    expect(page.locator("#roles_row_1")).to_have_text("TBA Integration Role")
    page.click("#submitter")
    page.wait_for_url("**/employee.nl?id=2")
    expect(page.locator("div.session_confirmation_alert")).to_be_visible()
    jane = next(e for e in sim.state()["employees"] if e["email"] == "jane@example.com")
    assert jane["give_access"] is True
    assert jane["roles"] == ["TBA Integration Role"]
    # View mode shows the sublist as plain text and no password fields.
    page.click("#accesstxt")
    expect(page.locator("#roles_splits")).to_contain_text("TBA Integration Role")
    expect(page.locator("#password")).to_have_count(0)


def test_mismatched_passwords_are_refused(admin_page: Page, sim: SimulatorHandle) -> None:
    page = admin_page
    page.goto(sim.url + "/app/common/entity/employee.nl?id=1&e=T")
    page.click("#accesstxt")
    page.fill("#password", "Another-Passw0rd-1")
    page.fill("#password2", "Different-Passw0rd-2")
    page.click("#submitter")
    expect(page.locator("div.uir-alert-box.error")).to_contain_text("Passwords do not match.")
    expect(field(page, "Password").locator("input")).to_have_value("")
