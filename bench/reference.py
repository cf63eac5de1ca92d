"""The reference: the TBA setup as a plain sequential Playwright script, what a person writes in an afternoon.

The benchmark runs it beside nsauto against the same simulator (default dials, fresh account) to say
what nsauto's branches, memory of lists and round-trip savings buy. It makes the same page visits and
fills the same fields as nsauto's flows, one stage after another, with the simulator's ids (which the
flows never name): no reading before writing, no checks, no retries, no keyring. It prints one JSON
line: seconds from start to the end of each stage.

    python -m bench.reference URL ACCOUNT_ID
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import struct
import sys
import time

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, sync_playwright

from automation.browser import BrowserOptions, launch  # this machine's Chromium, as nsauto and bench/floor.py

EMAIL, PASSWORD, SEED = "admin@example.com", "Simulator-Passw0rd!", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
ROLE, APP = "Integration Role for Acme", "Integration for Acme"
PERMISSIONS = [  # (subtab machine, permission, level): the demo setup's rows
    ("setupmach", "Log in using Access Tokens", "Full"),
    ("setupmach", "REST Web Services", "Full"),
    ("setupmach", "User Access Tokens", "Full"),
    ("repmach", "SuiteAnalytics Workbook", "Edit"),
]


def totp(seed: str) -> str:
    key = base64.b32decode(seed)
    digest = hmac.new(key, struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest()
    offset = digest[-1] & 15
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def choose(page: Page, field: str, option: str) -> None:
    """A NetSuite dropdown: open it, click the option."""
    page.click(f"input[name=inpt_{field}]")
    page.click(f"#dropdownDiv div >> text='{option}'")


def save(page: Page) -> None:
    with page.expect_navigation():
        page.click("#submitter")


def tick_with_terms(page: Page, box: str) -> None:
    with page.expect_popup() as terms:
        page.click(box)
    with terms.value.expect_event("close"), contextlib.suppress(PlaywrightError):
        terms.value.click("#agree", no_wait_after=True)  # the window may close before the click returns


def main() -> None:
    url, account = sys.argv[1].rstrip("/"), sys.argv[2]
    started = time.monotonic()
    marks: dict[str, float] = {}
    with sync_playwright() as pw:
        page = launch(pw, BrowserOptions()).new_context().new_page()
        page.set_default_timeout(15_000)

        page.goto(f"{url}/pages/customerlogin.jsp?c={account}&whence=")
        page.fill("#email", EMAIL)
        page.fill("#password", PASSWORD)
        with page.expect_navigation():
            page.click("#login-submit")
        page.fill("input[type=tel]", totp(SEED))
        with page.expect_navigation(url="**/app/center/card.nl**"):
            page.click("div.uif-button")
        marks["login"] = time.monotonic() - started

        page.goto(f"{url}/app/setup/features.nl?whence=")
        page.click("#customtxt")
        tick_with_terms(page, "#restwebservices_fs_inp")
        page.click("#webservicesexternal_fs_inp")
        tick_with_terms(page, "#tba_fs_inp")
        save(page)
        marks["features"] = time.monotonic() - started

        page.goto(f"{url}/app/setup/rolelist.nl")
        page.goto(f"{url}/app/setup/role.nl")
        page.fill("#name", ROLE)
        choose(page, "centertype", "Accounting Center")
        page.click("#authenticationtxt")
        page.click("#iswebserviceonlyrole_fs_inp")
        page.click("#permissionstxt")
        for machine, permission, level in PERMISSIONS:
            page.click(f"#{machine}txt")
            choose(page, "permkey" + machine_column(page, machine, "permkey"), permission)
            choose(page, "permlevel" + machine_column(page, machine, "permlevel"), level)
            page.click(f"#{machine}_addedit")
        save(page)
        marks["role"] = time.monotonic() - started

        page.goto(f"{url}/app/common/entity/employeelist.nl")
        edit = page.locator("tr", has_text=EMAIL).locator("a", has_text="Edit").get_attribute("href")
        page.goto(f"{url}{edit}")
        page.click("#accesstxt")
        choose(page, "selectedrole", ROLE)
        page.click("#roles_addedit")
        save(page)
        marks["employee-role"] = time.monotonic() - started

        page.goto(f"{url}/app/common/integration/integrapplist.nl?showall=T")
        page.goto(f"{url}/app/common/integration/integrapp.nl")
        page.fill("#name", APP)
        page.fill("#description", "Integration that does Acme sync")
        page.click("#authenticationtxt")
        page.click("#tokenbasedauth_fs_inp")
        for box in ("#tbaauthflow_fs_inp", "#authcodegrant_fs_inp"):
            if page.locator(box).count() and page.is_checked(box):  # shown only with OAuth 2.0 on
                page.click(box)
        save(page)
        page.locator("#credentials").inner_text()  # the consumer key and secret, shown once
        marks["integration"] = time.monotonic() - started

        page.goto(f"{url}/app/common/entity/employeelist.nl")
        user = page.locator("tr", has_text=EMAIL).locator("td").nth(1).inner_text()
        page.goto(f"{url}/app/setup/accesstoken.nl?whence=")
        choose(page, "application", APP)
        choose(page, "entity", user)
        choose(page, "role", ROLE)
        save(page)
        page.locator("#tokencredentials").inner_text()  # the token id and secret, shown once
        page.goto(f"{url}/app/setup/accesstokens.nl")
        marks["token"] = time.monotonic() - started
    print(json.dumps({"seconds": time.monotonic() - started, "stages": marks}), flush=True)


def machine_column(page: Page, machine: str, column: str) -> str:
    """Which of the machine's numbered fields (permkey1..5) this subtab's row uses."""
    name = page.locator(f"#{machine}_div input[name^=inpt_{column}]").first.get_attribute("name") or ""
    return name.removeprefix(f"inpt_{column}")


if __name__ == "__main__":
    main()
