"""NetSuite's login: email and password, two-factor code, security question, role choice.

The login pages are among the few places where NetSuite's ids are known (``#email``,
``#password``, ``#login-submit``, ``securityquestions.nl``'s ``answer``/``submitter``); the 2FA
page is a newer single-page app whose ids are generated, so its code input is found by shape.
Login is a small state machine driven by the URL NetSuite lands on after each submit.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from automation import blocking
from automation.errors import StepFailed
from automation.netsuite import totp

EMAIL = "#email, #userName, input[name=email]"
PASSWORD = "#password, input[name=password]"
SUBMIT = "#login-submit, #submitButton"
CODE_INPUT = (
    "input[name='verification_code'], input[name='otp'], #verification-code, "
    "input[type='tel'][maxlength='6'], input[autocomplete='one-time-code']"
)
CODE_SUBMIT = "div[data-type='primary'][role='button'], button[type=submit], input[type=submit]"
LOGIN_PATHS = ("customerlogin.jsp", "enterpriselogin.nl", "/app/login/nllogin", "login.nl")
ROLE_PAGES = ("rolelist", "chooserole", "authenticaterole")  # under /app/login/ only: not Manage Roles
# per account, user and seed (hashed): the last 30 s TOTP step this process submitted there
_LAST_STEP: dict[str, int] = {}


@dataclass
class Credentials:
    """Resolved login values; the secrets are registered with the redactor by whoever resolved them."""

    email: str
    password: str
    totp_seed: str | None = None
    role: str | None = None
    security_answers: dict[str, str] = field(default_factory=dict)


def login_url(ui_url: str, account_id: str) -> str:
    return f"{ui_url.rstrip('/')}/pages/customerlogin.jsp?c={account_id}&whence="


def is_logged_in_url(url: str) -> bool:
    """NetSuite's own test: a URL under /app/login/ (or the login pages) means no session."""
    return not any(part in url for part in ("/app/login/", "customerlogin.jsp", "login.nl"))


def log_in(
    page: Page,
    ui_url: str,
    account_id: str,
    creds: Credentials,
    timeout_ms: float,
    register_secret: Callable[[str, str], None],
) -> str:
    """Log in and return the landing URL; raises StepFailed with what NetSuite said."""
    response = page.goto(login_url(ui_url, account_id), wait_until="domcontentloaded", timeout=timeout_ms)
    if response is not None and response.status >= 500:  # the runner retries this (engine/recovery.py)
        raise StepFailed(f"NetSuite answered its login page with HTTP {response.status}", "try again in a minute")
    page.locator(EMAIL).first.fill(creds.email, timeout=timeout_ms)
    page.locator(PASSWORD).first.fill(creds.password, timeout=timeout_ms)
    with page.expect_navigation(wait_until="domcontentloaded", timeout=timeout_ms):
        page.locator(SUBMIT).first.click(timeout=timeout_ms)
    for _ in range(8):  # each pass handles one interstitial page
        url = page.url
        if "loginchallenge" in url:
            _two_factor(page, account_id, creds, timeout_ms, register_secret)
        elif "securityquestions.nl" in url:
            _security_question(page, creds, timeout_ms, register_secret)
        elif "/app/login/" in url and any(p in url for p in ROLE_PAGES) and _role_choice(page):
            _choose_role(page, creds, timeout_ms)
        elif "/app/login/" in url and _is_notification(page):
            acknowledge(page, timeout_ms)
        elif any(p in url for p in LOGIN_PATHS):
            said = _page_error_text(page)
            locked = bool(said and re.search(r"\blocked\b|disabled", said, re.I))
            raise StepFailed(
                f"NetSuite refused the login for {creds.email}: {said or 'the login form came back'}",
                "the user is locked out: wait until NetSuite lifts the lockout or ask an administrator to unlock "
                "the user, then resume"
                if locked
                else "check the email and the password the config refers to (nsauto login set)",
            )
        elif is_logged_in_url(url):
            return url
        else:
            page.wait_for_load_state("domcontentloaded", timeout=timeout_ms)
            if page.url == url:
                raise StepFailed(f"login stopped at an unexpected page: {url}", "open it in a browser to see why")
    raise StepFailed("login did not finish after 8 pages", "run with --headed to watch it")


def _two_factor(
    page: Page,
    account_id: str,
    creds: Credentials,
    timeout_ms: float,
    register_secret: Callable[[str, str], None],
) -> None:
    if not creds.totp_seed:
        raise StepFailed(
            "NetSuite asks for a two-factor code and the account has no totp_secret",
            "add login.totp_secret (env: or keyring:) with the authenticator's base32 seed",
        )
    code_input = page.locator(CODE_INPUT).or_(page.get_by_label(re.compile("code", re.I))).first
    code_input.wait_for(state="visible", timeout=timeout_ms)
    code = _fresh_code(creds.totp_seed, f"{account_id.upper()}/{creds.email.lower()}")
    register_secret(code, "totp_code")
    code_input.fill(code, timeout=timeout_ms)
    trust = page.get_by_role("checkbox", name=re.compile(r"trust|remember", re.I))
    if trust.count() and trust.first.is_checked():
        # A 30-day 2FA bypass left in a browser profile is not ours to create; the kept session
        # (engine/session_cache.py) is the bounded, encrypted alternative.
        trust.first.uncheck(timeout=timeout_ms)
    before = page.url
    submit = page.locator(CODE_SUBMIT).filter(visible=True).first
    with page.expect_navigation(wait_until="domcontentloaded", timeout=timeout_ms):
        submit.click(timeout=timeout_ms)
    if "loginchallenge" in page.url and page.url.split("?")[0] == before.split("?")[0]:
        said = _page_error_text(page)
        if said and re.search(r"already|used", said, re.I):
            return  # the loop comes back here and waits for a fresh code
        raise StepFailed(
            f"NetSuite refused the two-factor code: {said or 'the code page came back'}",
            "check login.totp_secret is the seed of this user's authenticator and the clock is right",
        )


def _fresh_code(seed: str, login: str) -> str:
    """A code from a 30 s window this process has not submitted for this login yet.

    NetSuite refuses a code whose window was used already (RFC 6238 5.2), and every refused
    attempt counts towards the lockout; so a second login to the same account within the window
    (after a lost session) waits for the next one. This is a wait on the clock, not on the page:
    no page event announces a new code. Other accounts do not wait: the check is per account and
    user, and should another account refuse a reused code all the same, the login loop waits for
    the next window then (see ``_two_factor``).
    """
    key = hashlib.sha256(f"{login}\0{seed}".encode()).hexdigest()
    if _LAST_STEP.get(key, -1) >= int(time.time() // totp.STEP_SECONDS):
        blocking.sleep(max(0.0, totp.next_step_start() - time.time()) + 0.2)
    now = time.time()
    _LAST_STEP[key] = int(now // totp.STEP_SECONDS)
    return totp.totp_now(seed, at=now)


def _security_question(
    page: Page, creds: Credentials, timeout_ms: float, register_secret: Callable[[str, str], None]
) -> None:
    cells = page.locator("td.smalltextnolink")  # H: the question is the 3rd such cell
    texts = cells.all_inner_texts() if cells.count() else [page.locator("body").inner_text()]
    question = " ".join(" ".join(texts).split())
    for asked, answer in creds.security_answers.items():
        if asked.lower() in question.lower():
            register_secret(answer, "security_answer")
            page.locator("input[name='answer']").first.fill(answer, timeout=timeout_ms)
            with page.expect_navigation(wait_until="domcontentloaded", timeout=timeout_ms):
                page.locator("input[name='submitter']").first.click(timeout=timeout_ms)
            if "securityquestions.nl" in page.url:
                raise StepFailed(
                    f"NetSuite did not accept the answer to '{asked}': {_page_error_text(page) or 'it asked again'}",
                    "check that answer under login.security_answers (another wrong answer may lock the user)",
                )
            return
    raise StepFailed(
        "NetSuite asks a security question that login.security_answers does not answer",
        "add the question text (or a distinctive part of it) under login.security_answers",
    )


def _role_choice(page: Page) -> bool:
    try:
        page.wait_for_load_state("domcontentloaded")
    except PlaywrightTimeout:
        return False
    return page.get_by_role("link").count() > 0


def _choose_role(page: Page, creds: Credentials, timeout_ms: float) -> None:
    wanted = creds.role or "Administrator"
    link = page.get_by_role("link", name=wanted, exact=True).first
    if link.count() == 0:
        link = page.get_by_role("link", name=re.compile(re.escape(wanted), re.I)).first
    if link.count() == 0:
        raise StepFailed(f"NetSuite offers no role '{wanted}' for {creds.email}", "set login.role in config.yaml")
    with page.expect_navigation(wait_until="domcontentloaded", timeout=timeout_ms):
        link.click(timeout=timeout_ms)


def _is_notification(page: Page) -> bool:
    """2026.1 Login Notification: a compliance message every user acknowledges while logging in (G)."""
    if "notification" in page.url.lower():
        return True
    return page.get_by_role("heading", name=re.compile(r"login notification", re.I)).count() > 0


# The Login Notification's button wording is not documented (G): these read as "go on", those as "leave".
ACKNOWLEDGE_WORDS = re.compile(
    r"^\s*(i\s+)?(acknowledge|accept|agree|understand|consent)\b|^\s*(continue|proceed|ok|okay|submit|yes|next)\b",
    re.I,
)
DECLINE_WORDS = re.compile(r"log\s*out|sign\s*out|decline|cancel|reject|do not|don't|\bno\b", re.I)
_BUTTONS_JS = """() => Array.from(document.querySelectorAll(
    "button, input[type=submit], input[type=button], input[type=image], [role=button]"))
  .filter((el) => el.getClientRects().length)
  .map((el) => ({
    text: (el.value || el.getAttribute("aria-label") || el.textContent || el.alt || "").replace(/\\s+/g, " ").trim(),
    submit: !!el.form && (el.type === "submit" || el.type === "image"),
  }))"""


def acknowledge(page: Page, timeout_ms: float) -> None:
    """Press the notification's "go on" button, whatever its wording.

    A button whose text reads as acknowledging wins; else, when the page's form has exactly one
    submit control, that one (it can only mean "go on"); else stop and name what was there,
    rather than guess between buttons one of which may log out.
    """
    buttons: list[dict[str, object]] = page.evaluate(_BUTTONS_JS)
    texts = [str(b["text"]) for b in buttons]
    chosen = next((t for t in texts if ACKNOWLEDGE_WORDS.search(t) and not DECLINE_WORDS.search(t)), None)
    submits = [str(b["text"]) for b in buttons if b["submit"]]
    if chosen is None and len(submits) == 1 and not DECLINE_WORDS.search(submits[0]):
        chosen = submits[0]
    if chosen is None:
        seen = ", ".join(f"'{t}'" for t in texts if t) or "none"
        raise StepFailed(
            f"NetSuite shows a Login Notification and nsauto cannot tell which button acknowledges it "
            f"(buttons: {seen})",
            "acknowledge it once in a browser to see which button goes on, and report the wording",
        )
    button = page.get_by_role("button", name=chosen, exact=True)
    with page.expect_navigation(wait_until="domcontentloaded", timeout=timeout_ms):
        button.first.click(timeout=timeout_ms)


def _page_error_text(page: Page) -> str | None:
    for selector in (".uir-alert-box.error", "[role=alert]", ".error", "#errmsg", ".login-error"):
        box = page.locator(selector).filter(visible=True)
        if box.count():
            text = " ".join(box.first.inner_text().split())
            if text:
                return text[:200]
    return None
