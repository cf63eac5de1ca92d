"""Fault injection in the simulator: configuration, determinism, and each fault's page, over HTTP.

Most tests speak HTTP through urllib with a cookie jar (fast, no browser); the late form needs a
browser because it is JavaScript.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page

from automation.simulator import demo, faults, totp
from automation.simulator.server import SimulatorHandle, main, start_in_thread

from .conftest import login

HOME = "/app/center/card.nl?sc=-29&whence="


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


@dataclass
class Reply:
    status: int
    url: str
    body: str
    location: str = ""


class Client:
    """A cookie-keeping HTTP client that can follow redirects or stop at them."""

    def __init__(self, sim: SimulatorHandle) -> None:
        self.sim = sim
        self.jar = http.cookiejar.CookieJar()
        cookies = urllib.request.HTTPCookieProcessor(self.jar)
        self.follow = urllib.request.build_opener(cookies)
        self.stop = urllib.request.build_opener(cookies, _NoRedirect())

    def get(self, path: str, follow: bool = True) -> Reply:
        return self._open(path, None, follow)

    def post(self, path: str, fields: dict[str, str], follow: bool = True) -> Reply:
        return self._open(path, urllib.parse.urlencode(fields).encode(), follow)

    def _open(self, path: str, data: bytes | None, follow: bool) -> Reply:
        url = path if path.startswith("http") else self.sim.url + path
        try:
            with (self.follow if follow else self.stop).open(url, data) as response:
                return Reply(response.status, response.url, response.read().decode())
        except urllib.error.HTTPError as exc:
            return Reply(exc.code, url, exc.read().decode(), exc.headers.get("Location", ""))

    def password(self) -> Reply:
        return self.post("/pages/customerlogin.jsp", {"email": demo.ADMIN_EMAIL, "password": demo.ADMIN_PASSWORD})

    def code(self, reply: Reply, at: float | None = None) -> Reply:
        return self.post(reply.url, {"code": totp.totp(demo.ADMIN_TOTP_SEED, at), "_csrf": csrf(reply.body)})

    def log_in(self) -> Reply:
        return self.code(self.password())


def csrf(body: str) -> str:
    found = re.search(r'name="_csrf" value="([^"]+)"', body)
    assert found, body[:500]
    return found.group(1)


def events(sim: SimulatorHandle) -> dict[str, int]:
    with urllib.request.urlopen(sim.url + "/__sim/faults") as response:
        return json.loads(response.read())["events"]


# ---- configuration ---------------------------------------------------------------------------


def test_normalize_accepts_true_rates_lists_and_options() -> None:
    assert faults.normalize({"slow_pages": True, "error_500": 0.3, "late_form": False}) == {
        "slow_pages": {},
        "error_500": {"rate": 0.3},
    }
    assert faults.normalize(["tos_slow"]) == {"tos_slow": {}}
    assert faults.normalize({"no_permission": {"paths": ["/app/setup/role.nl"]}})["no_permission"]["paths"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"bogus": True}, "unknown fault 'bogus'"),
        ({"error_500": {"speed": 1}}, "has no option 'speed'"),
        ({"error_500": {"rate": 2}}, "between 0 and 1"),
        ({"slow_pages": {"seconds": "slow"}}, "must be like"),
        ({"session_expiry": 0.5}, "takes no rate"),
        (42, "must be an object"),
    ],
)
def test_normalize_names_what_is_wrong(value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        faults.normalize(value)


def test_cli_syntax_and_fault_rate() -> None:
    parsed = faults.parse_cli("slow_pages:seconds=0.2,error_500,no_permission:paths=/a|/b,tos_slow", rate=0.4)
    assert parsed == {
        "slow_pages": {"seconds": 0.2, "rate": 0.4},
        "error_500": {"rate": 0.4},
        "no_permission": {"paths": ["/a", "/b"]},
        "tos_slow": {},
    }


def test_cli_refuses_unknown_faults_with_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--port", "0", "--db", ":memory:", "--faults", "bogus"]) == 2
    assert "unknown fault 'bogus'" in capsys.readouterr().err


def test_settings_endpoint_takes_faults_and_seed(sim: SimulatorHandle) -> None:
    request = urllib.request.Request(
        sim.url + "/__sim/settings",
        json.dumps({"faults": {"error_500": {"rate": 0.5}}, "fault_seed": 9}).encode(),
        {"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        settings = json.loads(response.read())
    assert settings["faults"] == {"error_500": {"rate": 0.5}} and settings["fault_seed"] == 9
    bad = urllib.request.Request(sim.url + "/__sim/settings", json.dumps({"faults": {"nope": 1}}).encode())
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(bad)
    assert refused.value.code == 400


# ---- page faults -----------------------------------------------------------------------------


def _statuses(seed: int) -> list[int]:
    with start_in_thread() as sim:
        client = Client(sim)
        assert client.log_in().url.endswith(HOME)
        sim.settings(faults={"error_500": {"rate": 0.5}}, fault_seed=seed)
        return [client.get("/app/setup/rolelist.nl").status for _ in range(30)]


def test_error_500_is_deterministic_per_seed_and_never_more_than_max_in_row() -> None:
    first, again, other = _statuses(7), _statuses(7), _statuses(8)
    assert first == again
    assert first != other
    assert set(first) == {200, 500, 503}
    runs = re.findall(r"5+", "".join("5" if s >= 500 else "." for s in first))
    assert max(len(r) for r in runs) <= 2


def test_error_page_reads_like_netsuite(sim: SimulatorHandle) -> None:
    client = Client(sim)
    client.log_in()
    sim.settings(faults={"error_500": {"rate": 1.0, "statuses": [503]}})
    reply = client.get("/app/setup/rolelist.nl")
    assert reply.status == 503
    assert faults.UNEXPECTED_ERROR in reply.body and "Error ID:" in reply.body


def test_slow_pages_delay_html_pages(sim: SimulatorHandle) -> None:
    client = Client(sim)
    sim.settings(faults={"slow_pages": {"seconds": 0.3, "rate": 1.0}})
    started = time.monotonic()
    client.get("/pages/customerlogin.jsp")
    assert time.monotonic() - started >= 0.3


def test_session_expiry_sends_the_next_page_to_login_once(sim: SimulatorHandle) -> None:
    client = Client(sim)
    client.log_in()
    sim.settings(faults={"session_expiry": {"after": 3}})
    assert client.get("/app/setup/rolelist.nl").url.endswith("rolelist.nl")
    assert client.get("/app/setup/rolelist.nl").url.endswith("rolelist.nl")
    assert "enterpriselogin.nl" in client.get("/app/setup/rolelist.nl").url
    client.log_in()
    for _ in range(5):  # times=1: the new session lives on
        assert client.get("/app/setup/rolelist.nl").url.endswith("rolelist.nl")


def test_no_permission_on_the_named_path_only(sim: SimulatorHandle) -> None:
    client = Client(sim)
    client.log_in()
    sim.settings(faults={"no_permission": {"paths": ["/app/setup/role.nl"]}})
    assert faults.NO_PRIVILEGES in client.get("/app/setup/role.nl").body
    assert faults.NO_PRIVILEGES not in client.get("/app/setup/rolelist.nl").body


def test_duplicate_role_appears_before_the_first_create(sim: SimulatorHandle) -> None:
    client = Client(sim)
    client.log_in()
    sim.settings(faults={"duplicate_role": True})
    form = client.get("/app/setup/role.nl")
    fields = {"_csrf": csrf(form.body), "name": "Dup Role", "centertype": "BASIC"}
    assert "A role with that name already exists." in client.post("/app/setup/role.nl", fields).body
    assert [r["name"] for r in sim.state()["roles"]].count("Dup Role") == 1


def test_feature_unavailable_drops_the_box(sim: SimulatorHandle) -> None:
    client = Client(sim)
    client.log_in()
    sim.settings(faults={"feature_unavailable": True})
    body = client.get("/app/setup/features.nl?whence=").body
    assert 'data-nsps-label="Token-Based Authentication"' not in body
    assert 'data-nsps-label="REST Web Services"' in body


def test_tos_popup_opens_slowly(sim: SimulatorHandle) -> None:
    client = Client(sim)
    client.log_in()
    sim.settings(faults={"tos_slow": {"seconds": 0.4}})
    started = time.monotonic()
    assert "I Agree" in client.get("/app/setup/suitecloudterms.nl?feature=tba").body
    assert time.monotonic() - started >= 0.4


# ---- login variants --------------------------------------------------------------------------


def test_locked_account_refuses_the_right_password(sim: SimulatorHandle) -> None:
    sim.settings(faults={"locked_account": True})
    reply = Client(sim).password()
    assert "locked" in reply.body and 'id="password"' in reply.body


def test_security_question_comes_before_2fa_and_checks_the_answer(sim: SimulatorHandle) -> None:
    sim.settings(faults={"security_question": {"answer": "Rex-1234"}})
    client = Client(sim)
    question = client.password()
    assert "/app/login/secure/securityquestions.nl" in question.url
    cells = re.findall(r'<td class="smalltextnolink[^"]*">([^<]*)</td>', question.body)
    assert cells[2] == "What was the name of your first pet?"
    assert 'type="password" name="answer"' in question.body and 'name="submitter"' in question.body
    assert "securityquestions.nl" in client.get(HOME).url  # nothing else until it is answered
    wrong = client.post(question.url, {"answer": "Fido", "_csrf": csrf(question.body)})
    assert "not correct" in wrong.body
    challenge = client.post(question.url, {"answer": "Rex-1234", "_csrf": csrf(question.body)})
    assert "loginchallenge" in challenge.url
    assert client.code(challenge).url.endswith(HOME)
    assert events(sim)["question_answered"] == 1 and events(sim)["question_wrong"] == 1


def test_role_choice_and_login_notification_after_2fa(sim: SimulatorHandle) -> None:
    sim.settings(faults={"choose_role": True, "login_notification": True})
    client = Client(sim)
    roles = client.log_in()
    assert "/app/login/secure/rolelist.nl" in roles.url
    found = re.findall(r'<a href="([^"]*changerole[^"]*)">([^<]*)</a>', roles.body)
    links = {name: href for href, name in found}
    assert set(links) == {"Administrator", "Employee Center"}
    assert links["Administrator"].endswith(f"id={sim.account_id}~1~3~N")
    notice = client.get(links["Administrator"].replace("&amp;", "&"))
    assert "Login Notification" in notice.body and 'value="Acknowledge"' in notice.body
    assert "loginnotification" in client.get("/app/setup/rolelist.nl").url  # nothing else until acknowledged
    home = client.post(notice.url, {"_csrf": csrf(notice.body)})
    assert home.url.endswith(HOME) and "— Administrator<" in home.body
    assert events(sim)["role_chosen:Administrator"] == 1 and events(sim)["notification_acknowledged"] == 1


def test_trust_device_box_comes_ticked_and_issuing_is_counted(sim: SimulatorHandle) -> None:
    sim.settings(faults={"trust_device": True})
    client = Client(sim)
    challenge = client.password()
    assert re.search(r'id="uif-trust"><input type="checkbox" checked', challenge.body)
    fields = {"code": totp.totp(demo.ADMIN_TOTP_SEED), "_csrf": csrf(challenge.body), "trust": "T"}
    client.post(challenge.url, fields)
    assert events(sim)["trusted_device_issued"] == 1


def test_totp_reuse_refuses_a_used_window_and_takes_the_next(sim: SimulatorHandle) -> None:
    sim.settings(faults={"totp_reuse": True})
    client = Client(sim)
    challenge = client.password()
    first = client.code(challenge)
    assert "already been used" in first.body and "loginchallenge" in first.url
    again = client.code(first)  # the same window again: still refused
    assert "already been used" in again.body
    # The next 30 s window (the simulator accepts one step of drift) is a fresh code.
    assert client.code(again, at=time.time() + totp.STEP_SECONDS).url.endswith(HOME)
    assert events(sim)["totp_reuse"] == 2


# ---- the late form needs a browser -----------------------------------------------------------


def test_late_form_is_injected_after_the_delay(page: Page, sim: SimulatorHandle) -> None:
    login(page, sim)
    sim.settings(faults={"late_form": {"delay_ms": 700}})
    page.goto(sim.url + "/app/setup/features.nl?whence=", wait_until="domcontentloaded")
    assert page.evaluate("() => NS.form.isInited()") is False
    assert page.locator("#main_form").count() == 0
    page.wait_for_function("() => NS.form.isInited()", timeout=5000)
    assert page.locator("#main_form").count() == 1
    page.locator("#customtxt").click()  # ns.js is initialized on the injected content: subtabs work
    assert page.locator("#custom_div").is_visible()


# ---- dials that show a fault's page as a standing property of the account ------------------


@pytest.mark.parametrize(
    ("wording", "button", "buttons"),
    [
        ("acknowledge", "Acknowledge", 2),
        ("i_acknowledge", "I Acknowledge", 2),
        ("continue", "Continue", 2),
        ("single_button", "Proceed to NetSuite", 1),
    ],
)
def test_login_notification_dial_words_its_button(
    sim: SimulatorHandle, wording: str, button: str, buttons: int
) -> None:
    sim.settings(dials={"login_notification": wording})  # no fault: the account simply has one
    client = Client(sim)
    notice = client.log_in()
    assert "/app/login/secure/loginnotification.nl" in notice.url
    assert f'value="{button}"' in notice.body
    assert len(re.findall(r'type="submit"', notice.body)) == buttons
    home = client.post(notice.url, {"_csrf": csrf(notice.body), "acknowledge": button})
    assert home.url.endswith(HOME)
    assert events(sim)["notification_acknowledged"] == 1


def test_login_notification_log_out_button_ends_the_login(sim: SimulatorHandle) -> None:
    sim.settings(dials={"login_notification": "i_acknowledge"})
    client = Client(sim)
    notice = client.log_in()
    out = client.post(notice.url, {"_csrf": csrf(notice.body), "decline": "Log Out"})
    assert "customerlogin.jsp" in out.url
    assert "customerlogin.jsp" in client.get(HOME).url or "enterpriselogin.nl" in client.get(HOME).url


def test_login_notification_dial_off_shows_none(sim: SimulatorHandle) -> None:
    sim.settings(dials={"login_notification": "off"})
    assert Client(sim).log_in().url.endswith(HOME)


def test_security_question_dial_asks_without_the_fault(sim: SimulatorHandle) -> None:
    sim.settings(dials={"security_question": "on"})
    client = Client(sim)
    question = client.password()
    assert "/app/login/secure/securityquestions.nl" in question.url
    challenge = client.post(question.url, {"answer": "Whiskers-2026", "_csrf": csrf(question.body)})
    assert client.code(challenge).url.endswith(HOME)
    sim.settings(dials={"security_question": "off"})
    assert "loginchallenge" in Client(sim).password().url


@pytest.mark.parametrize(("value", "shown"), [("shown", True), ("hidden", False)])
def test_trust_device_dial_shows_or_hides_the_box(sim: SimulatorHandle, value: str, shown: bool) -> None:
    sim.settings(dials={"trust_device": value})
    client = Client(sim)
    challenge = client.password()
    assert ("Trust this device for 30 days" in challenge.body) is shown
    fields = {"code": totp.totp(demo.ADMIN_TOTP_SEED), "_csrf": csrf(challenge.body), "trust": "T"}
    client.post(challenge.url, fields)
    assert bool(events(sim).get("trusted_device_issued")) is shown  # a hidden box issues nothing


def test_session_end_error_page_answers_a_save_at_the_forms_own_url(sim: SimulatorHandle) -> None:
    sim.settings(dials={"session_end": "error_page"})
    client = Client(sim)
    client.log_in()
    form = client.get("/app/setup/role.nl")
    sim.settings(faults={"session_expiry": {"after": 1}})  # the Save is the page that finds it ended
    reply = client.post("/app/setup/role.nl", {"name": "Lost Role", "_csrf": csrf(form.body)}, follow=False)
    assert reply.status == 200 and reply.url.endswith("/app/setup/role.nl")
    assert re.search(r"session has (expired|timed out)\. Please log in again", reply.body)
    assert 'class="uir-alert-box error"' in reply.body or "uir-alert-box" in reply.body
    assert not [r for r in sim.state()["roles"] if r["name"] == "Lost Role"]  # the Save was not processed
    again = client.post("/app/setup/role.nl", {"name": "Lost Role", "_csrf": csrf(form.body)}, follow=False)
    assert again.status == 200 and "log in again" in again.body  # still ended: same answer
    assert "enterpriselogin.nl" in client.get("/app/setup/role.nl").url  # a GET goes to the login as before
    assert events(sim)["session_end_page"] == 2


def test_session_end_login_redirect_sends_the_save_to_the_login(sim: SimulatorHandle) -> None:
    client = Client(sim)
    client.log_in()
    form = client.get("/app/setup/role.nl")
    sim.settings(faults={"session_expiry": {"after": 1}})
    reply = client.post("/app/setup/role.nl", {"name": "Lost Role", "_csrf": csrf(form.body)}, follow=False)
    assert reply.status == 302 and "enterpriselogin.nl" in reply.location
