"""Access Tokens: dependent Role dropdown, auto-filled name, one-time TOKEN ID/SECRET, revoke."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from automation.simulator.server import SimulatorHandle

from .conftest import choose_field, field, open_list, seed_tba_setup

HEX64 = re.compile(r"^[0-9a-f]{64}$")


def _value(page: Page, label: str) -> str:
    return field(page, label).locator("span.uir-field").inner_text().strip()


def test_create_token_for_jane(admin_page: Page, sim: SimulatorHandle) -> None:
    seed_tba_setup(sim)
    page = admin_page
    page.goto(sim.url + "/app/setup/accesstokens.nl")
    page.click("#new")
    page.wait_for_url("**/app/setup/accesstoken.nl")
    # Only the integration with TBA is offered, not the built-in SDF one.
    field(page, "Application Name").locator("input.dropdownInput").click()
    assert open_list(page).locator("div").all_inner_texts() == ["nsauto"]
    page.keyboard.press("Escape")
    choose_field(page, "Application Name", "nsauto")
    choose_field(page, "User", "Admin User")
    choose_field(page, "Role", "Administrator")
    expect(field(page, "Token Name").locator("input")).to_have_value("nsauto - Admin User - Administrator")
    # Changing the user repopulates Role with that user's roles.
    choose_field(page, "User", "Jane Doe")
    expect(field(page, "Role").locator("input.dropdownInput")).to_have_value("")
    field(page, "Role").locator("input.dropdownInput").click()
    assert open_list(page).locator("div").all_inner_texts() == ["TBA Role", "No Web Services"]
    open_list(page).get_by_text("TBA Role", exact=True).click()
    expect(field(page, "Token Name").locator("input")).to_have_value("nsauto - Jane Doe - TBA Role")
    page.click("#submitter")
    page.wait_for_url(re.compile(r"/app/setup/accesstoken\.nl\?id=\d+$"))
    expect(page.locator("div.session_confirmation_alert")).to_be_visible()
    token_id, token_secret = _value(page, "TOKEN ID"), _value(page, "TOKEN SECRET")
    assert HEX64.match(token_id) and HEX64.match(token_secret)
    [token] = sim.state()["tokens"]
    assert token == {
        "id": token["id"],
        "name": "nsauto - Jane Doe - TBA Role",
        "application": "nsauto",
        "user": "Jane Doe",
        "role": "TBA Role",
        "token_id": token_id,
        "token_secret": token_secret,
        "revoked": False,
    }
    page.reload()
    expect(field(page, "Token Name")).to_be_visible()
    expect(field(page, "TOKEN ID")).to_have_count(0)
    # Revoke from the list, after a confirm().
    page.goto(sim.url + "/app/setup/accesstokens.nl")
    row = page.locator("tr[id^=row]", has_text="nsauto - Jane Doe - TBA Role")
    expect(row).to_contain_text("Active")
    page.once("dialog", lambda d: d.accept())
    row.get_by_text("Revoke", exact=True).click()
    expect(page.locator("div.session_confirmation_alert")).to_contain_text("revoked")
    expect(page.locator("tr[id^=row]", has_text="nsauto - Jane Doe - TBA Role")).to_contain_text("Revoked")
    assert sim.state()["tokens"][0]["revoked"] is True


def test_admin_cannot_create_token_for_another_administrator(admin_page: Page, sim: SimulatorHandle) -> None:
    ids = seed_tba_setup(sim)
    store = sim.app.store
    from automation.simulator.models import Employee

    jane = store.get(Employee, ids["jane"])
    assert jane is not None
    jane.roles = [*jane.roles, 3]
    store.update(jane)
    page = admin_page
    page.goto(sim.url + "/app/setup/accesstoken.nl")
    choose_field(page, "Application Name", "nsauto")
    choose_field(page, "User", "Jane Doe")
    choose_field(page, "Role", "Administrator")
    page.click("#submitter")
    expect(page.locator("div.uir-alert-box.error")).to_contain_text("Administrator")
    assert sim.state()["tokens"] == []


def test_record_revoke_layout_lists_suitetools_columns_and_revokes_only_on_the_record(
    admin_page: Page, sim: SimulatorHandle
) -> None:
    """`token_list=record_revoke`: the row order SuiteTools reads; no Revoke in the list; the record's
    view mode has Edit, its Edit mode has Revoke behind a confirm(); the list then reads Revoked Yes."""
    seed_tba_setup(sim)
    sim.settings(dials={"token_list": "record_revoke"})
    page = admin_page
    page.goto(sim.url + "/app/setup/accesstoken.nl")
    choose_field(page, "Application Name", "nsauto")
    choose_field(page, "User", "Admin User")
    choose_field(page, "Role", "Administrator")
    page.click("#submitter")
    page.wait_for_url(re.compile(r"/app/setup/accesstoken\.nl\?id=\d+$"))
    [token] = sim.state()["tokens"]
    expect(page.locator("#revoke")).to_have_count(0)  # view mode: Edit only
    page.goto(sim.url + "/app/setup/accesstokens.nl")
    header = page.locator("tr.uir-list-headerrow td").all_inner_texts()
    assert [h.strip() for h in header] == [
        "Edit",
        "Internal ID",
        "Token Name",
        "User",
        "Role",
        "Application",
        "Revoked",
        "Date Created",
        "Created By",
    ]
    row = page.locator("tr[id^=row]", has_text=token["name"])
    cells = [c.strip() for c in row.locator("td").all_inner_texts()]
    assert cells[:7] == ["Edit", str(token["id"]), token["name"], "Admin User", "Administrator", "nsauto", "No"]
    expect(row.get_by_text("Revoke", exact=True)).to_have_count(0)
    row.get_by_text("Edit", exact=True).click()
    page.wait_for_url(re.compile(r"accesstoken\.nl\?id=\d+&e=T$"))
    page.once("dialog", lambda d: d.accept())
    page.click("#revoke")
    page.wait_for_url(re.compile(r"/app/setup/accesstokens\.nl$"))
    row = page.locator("tr[id^=row]", has_text=token["name"])
    assert [c.strip() for c in row.locator("td").all_inner_texts()][6] == "Yes"
    assert sim.state()["tokens"][0]["revoked"] is True
