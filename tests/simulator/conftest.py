"""Fixtures for the simulator tests: nsauto's choice of Chromium via pytest-playwright, a fresh simulator per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Locator, Page, expect

from automation.browser import chromium_args, system_chromium
from automation.browserhost import own_chromium_installed
from automation.simulator import demo, totp
from automation.simulator.server import SimulatorHandle, start_in_thread


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict, pytestconfig: pytest.Config) -> dict:
    """The Chromium nsauto would pick: Playwright's own when downloaded, else the system's."""
    headless = not pytestconfig.getoption("--headed")
    args = {**browser_type_launch_args, "args": chromium_args()}
    if not own_chromium_installed(headless) and (system := system_chromium(headless)):
        args["executable_path"] = system
    return args


@pytest.fixture
def sim() -> Iterator[SimulatorHandle]:
    handle = start_in_thread()
    try:
        yield handle
    finally:
        handle.stop()


def login(page: Page, sim: SimulatorHandle, path: str = "/app/center/card.nl?sc=-29&whence=") -> None:
    """Log in as the demo admin through the real login and 2FA pages, landing on `path`."""
    page.goto(sim.url + path)
    page.fill("#email", demo.ADMIN_EMAIL)
    page.fill("#password", demo.ADMIN_PASSWORD)
    page.click("#login-submit")
    page.wait_for_url("**/loginchallenge/entry.nl**")
    page.fill("input[type=tel][maxlength='6']", totp.totp(demo.ADMIN_TOTP_SEED))
    page.click("div[data-type='primary'][role='button']")
    page.wait_for_function("() => window.NS && NS.form.isInited() && !location.pathname.includes('/login/')")


@pytest.fixture
def admin_page(page: Page, sim: SimulatorHandle) -> Page:
    """A page already logged in as the demo admin (on the dashboard)."""
    page.set_default_timeout(10_000)
    expect.set_options(timeout=10_000)
    login(page, sim)
    return page


def field(page: Page, label: str) -> Locator:
    """Find a body field's wrapper by its visible label, as the tool does."""
    return page.locator(f'.uir-field-wrapper[data-nsps-label="{label}"]')


def open_list(page: Page) -> Locator:
    """The open option list in the shared `div.dropdownDiv` (the H XPath)."""
    return page.locator("xpath=//div[contains(@class,'dropdownDiv')]/div[@style='display: block;']")


def choose(page: Page, widget: Locator, option: str) -> None:
    """Pick a dropdown option: click the widget's input, then the option with exactly that text."""
    widget.locator("input.dropdownInput").click()
    open_list(page).get_by_text(option, exact=True).click()
    expect(open_list(page)).to_have_count(0)


def choose_field(page: Page, label: str, option: str) -> None:
    choose(page, field(page, label), option)


def set_checkbox(page: Page, label: str, checked: bool) -> None:
    box = field(page, label).locator("input[type=checkbox]")
    if box.is_checked() != checked:
        box.click()
    expect(box).to_be_checked(checked=checked)


def add_permission(page: Page, machine: str, permission: str, level: str) -> None:
    """Add one line to a role's permission machine, finding the cells by their column header."""
    page.click(f"#{machine}txt")
    splits = page.locator(f"#{machine}_splits")
    headers = splits.locator(f"#{machine}_headerrow > td").all_inner_texts()
    cells = splits.locator("tr.uir-machine-row-focused > td")
    choose(page, cells.nth(headers.index("Permission")), permission)
    level_cell = cells.nth(headers.index("Level"))
    if level_cell.locator("input.dropdownInput").input_value() != level:
        choose(page, level_cell, level)
    page.click(f"#{machine}_addedit")


def seed_tba_setup(sim: SimulatorHandle) -> dict[str, int]:
    """Features, a TBA role, Jane with access and that role, and a TBA integration, straight in the store.

    For tests about later steps (tokens, REST); the pages for these steps have their own tests.
    """
    from automation.simulator.models import Employee, Integration, Role

    store = sim.app.store
    store.set_features({"tba": True, "restwebservices": True})
    role = Role(0, "TBA Role", "customrole_tba", permissions={"ADMI_LOGIN_OAUTH": "4", "ADMI_RESTWEBSERVICES": "4"})
    role_id = store.insert(role)
    bare_id = store.insert(Role(0, "No Web Services", "customrole_bare", permissions={"ADMI_LOGIN_OAUTH": "4"}))
    jane = next(e for e in store.all(Employee) if e.email == demo.JANE_EMAIL)
    jane.give_access, jane.roles = True, [role_id, bare_id]
    store.update(jane)
    integ = Integration(
        0,
        "nsauto",
        "0A1B2C3D-0000-4000-8000-000000000001",
        tba=True,
        tba_authorization_flow=False,
        authorization_code_grant=False,
        consumer_key="c" * 64,
        consumer_secret="s" * 64,
        created="2026-11-28T10:00:00+00:00",
    )
    return {"role": role_id, "bare_role": bare_id, "jane": jane.id, "integration": store.insert(integ)}
