"""Login, 2FA and the session gate, through real Chromium."""

from __future__ import annotations

import re
import urllib.parse

import pytest
from playwright.sync_api import Page, expect

from automation.errors import StepFailed
from automation.netsuite.login import acknowledge
from automation.simulator import demo, totp
from automation.simulator.server import SimulatorHandle

from .conftest import login


def test_totp_matches_rfc6238_vector() -> None:
    # RFC 6238 appendix B, SHA1, T=59: 94287082 (8 digits) -> last 6 digits.
    seed = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # base32 of "12345678901234567890"
    assert totp.totp(seed, at=59) == "287082"
    assert totp.verify(seed, "287082", at=59 + 30)  # one step of drift is accepted
    assert not totp.verify(seed, "287082", at=59 + 90)


def test_unauthenticated_page_redirects_to_enterpriselogin(page: Page, sim: SimulatorHandle) -> None:
    page.goto(sim.url + "/app/setup/features.nl?whence=")
    parsed = urllib.parse.urlsplit(page.url)
    assert parsed.path == "/app/login/secure/enterpriselogin.nl"
    q = urllib.parse.parse_qs(parsed.query, keep_blank_values=True)
    assert q == {"c": ["1234567_SB1"], "redirect": ["/app/setup/features.nl?whence="], "whence": [""]}
    expect(page.locator("form[name=login] #email")).to_be_visible()


def test_wrong_password_shows_form_again(page: Page, sim: SimulatorHandle) -> None:
    page.goto(sim.url + "/pages/customerlogin.jsp")
    page.fill("#email", demo.ADMIN_EMAIL)
    page.fill("#password", "not-the-password")
    page.click("#login-submit")
    expect(page.locator("#login-error")).to_contain_text("invalid email address or password")
    expect(page.locator("#password")).to_be_visible()


def test_login_with_2fa_lands_on_requested_page(page: Page, sim: SimulatorHandle) -> None:
    page.goto(sim.url + "/app/center/card.nl?sc=-29&whence=")
    page.fill("#email", demo.ADMIN_EMAIL)
    page.fill("#password", demo.ADMIN_PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(re.compile(r"/app/login/secure/loginchallenge/entry\.nl\?src_dc=001&whence="))
    code = page.locator("input[type=tel][maxlength='6']")
    assert re.fullmatch(r"uif\d+_input", code.get_attribute("id") or "")
    expect(page.get_by_text("Verification Code", exact=True)).to_be_visible()
    trust = page.get_by_label("Trust this device for 30 days")
    expect(trust).not_to_be_checked()
    # A wrong code keeps us on the challenge page with an error.
    wrong = f"{(int(totp.totp(demo.ADMIN_TOTP_SEED)) + 500_000) % 1_000_000:06d}"
    code.fill(wrong)
    page.click("div[data-type='primary'][role='button']")
    expect(page.locator("#uif-error")).to_be_visible()
    assert "loginchallenge/entry.nl" in page.url
    page.fill("input[type=tel][maxlength='6']", totp.totp(demo.ADMIN_TOTP_SEED))
    page.click("div[data-type='primary'][role='button']")
    page.wait_for_url("**/app/center/card.nl?sc=-29&whence=")
    expect(page.locator(".uir-page-title")).to_have_text("Home")
    expect(page.locator("#ns-header")).to_be_visible()
    expect(page.locator("#ns-navigation-container")).to_contain_text("Setup")


def test_original_page_after_login_and_logout(page: Page, sim: SimulatorHandle) -> None:
    login(page, sim, "/app/common/entity/employeelist.nl")
    assert urllib.parse.urlsplit(page.url).path == "/app/common/entity/employeelist.nl"
    page.click("#ns-logout")
    page.wait_for_url("**/pages/customerlogin.jsp")
    page.goto(sim.url + "/app/center/card.nl?sc=-29&whence=")
    assert "/app/login/secure/enterpriselogin.nl" in page.url


def test_trusted_device_skips_2fa_next_time(page: Page, sim: SimulatorHandle) -> None:
    page.goto(sim.url + "/pages/customerlogin.jsp")
    page.fill("#email", demo.ADMIN_EMAIL)
    page.fill("#password", demo.ADMIN_PASSWORD)
    page.click("#login-submit")
    page.fill("input[type=tel][maxlength='6']", totp.totp(demo.ADMIN_TOTP_SEED))
    page.get_by_label("Trust this device for 30 days").check()
    page.click("div[data-type='primary'][role='button']")
    page.wait_for_url("**/app/center/card.nl**")
    page.click("#ns-logout")
    page.fill("#email", demo.ADMIN_EMAIL)
    page.fill("#password", demo.ADMIN_PASSWORD)
    page.click("#login-submit")
    page.wait_for_url("**/app/center/card.nl**")


# ---- the Login Notification's button, whatever its wording (automation/netsuite/login.py) ----

NOTICE_URL = "http://notice.test/app/login/secure/loginnotification.nl"


def _notice(page: Page, *buttons: str) -> None:
    """A notification page with these submit buttons; any of them posts to /done."""
    inputs = "".join(f'<input type="submit" name="b{i}" value="{text}">' for i, text in enumerate(buttons))
    body = f'<h1>Login Notification</h1><p>Authorized use only.</p><form method="POST" action="/done">{inputs}</form>'

    def serve(route) -> None:  # type: ignore[no-untyped-def]
        if route.request.url.endswith("/done"):
            route.fulfill(body=f"<h1>Home</h1><p>{route.request.post_data}</p>", content_type="text/html")
        else:
            route.fulfill(body=body, content_type="text/html")

    page.route("http://notice.test/**", serve)
    page.goto(NOTICE_URL)


@pytest.mark.parametrize(
    ("buttons", "pressed"),
    [
        (("Log Out", "I Acknowledge"), "I Acknowledge"),
        (("Log Out", "Acknowledge"), "Acknowledge"),
        (("Log Out", "Continue"), "Continue"),
        (("Decline", "I Agree"), "I Agree"),
        (("Enter NetSuite",), "Enter NetSuite"),  # unknown wording, but the form's only submit
    ],
)
def test_acknowledge_presses_the_go_on_button(page: Page, buttons: tuple[str, ...], pressed: str) -> None:
    _notice(page, *buttons)
    acknowledge(page, 5000)
    assert page.url.endswith("/done")
    index = buttons.index(pressed)
    assert urllib.parse.quote_plus(pressed) in page.locator("p").inner_text() and f"b{index}=" in page.content()


@pytest.mark.parametrize("buttons", [("Log Out", "Enter NetSuite"), ("Log Out",)])
def test_acknowledge_refuses_to_guess_and_names_the_buttons(page: Page, buttons: tuple[str, ...]) -> None:
    _notice(page, *buttons)
    with pytest.raises(StepFailed, match="cannot tell which button") as failed:
        acknowledge(page, 5000)
    assert all(f"'{text}'" in failed.value.message for text in buttons)
    assert page.url == NOTICE_URL  # nothing pressed
