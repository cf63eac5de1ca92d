"""Pages the faults show: login interstitials (security question, role choice, Login Notification),
NetSuite's unexpected-error and no-privileges pages, and the /__sim/faults counters.

Kept apart from `faults.py` (which decides *when*) so each module stays small; this one decides
*what the page looks like*. Markup follows the H facts where there are some (security question:
question in `td.smalltextnolink`, `input[name=answer][type=password]`,
`input[name=submitter][type=submit]`; role switch `changerole.nl?id=<ACCT>~<user>~<role>~N`);
the rest is G and documented in docs/faults.md.
"""

from __future__ import annotations

import hmac
import random
from typing import TYPE_CHECKING

from automation.simulator import demo, totp
from automation.simulator.app import Route
from automation.simulator.dials import dial
from automation.simulator.faults import (
    CHANGE_ROLE_PATH,
    LOGIN_PAGES,
    NO_PRIVILEGES,
    NOTIFICATION_PATH,
    QUESTION_PATH,
    ROLE_LIST_PATH,
    UNEXPECTED_ERROR,
    Injector,
    Pending,
    asks_question,
    injector_for,
    notifies,
)
from automation.simulator.layout import LOGOUT_URL, bare_document
from automation.simulator.markup import error_box, page_title, tag, void
from automation.simulator.models import Employee, Role
from automation.simulator.sessions import COOKIE_NAME
from automation.simulator.web import Ctx, Response, html, json_response, redirect

if TYPE_CHECKING:
    from automation.simulator.sessions import Session

STEP_URLS = {
    "question": f"{QUESTION_PATH}?src_dc=sim&whence=",
    "role": f"{ROLE_LIST_PATH}?whence=",
    "notification": f"{NOTIFICATION_PATH}?whence=",
}
STEP_PATHS = {
    "question": (QUESTION_PATH,),
    "role": (ROLE_LIST_PATH, CHANGE_ROLE_PATH),
    "notification": (NOTIFICATION_PATH,),
}
ALWAYS_OPEN = (*LOGIN_PAGES, LOGOUT_URL, "/")
WRONG_ANSWER = "The answer you entered is not correct. Please try again."
CHALLENGE_URL = "/app/login/secure/loginchallenge/entry.nl?src_dc=001&whence="
AUTHENTICATE_ROLE_URL = "/app/login/secure/authenticaterole.nl"


# ---- pages that replace a page ---------------------------------------------------------------


def unexpected_error(ctx: Ctx, status: int, error_id: int) -> Response:
    """NetSuite's error page: heading and text as the reference describes, with an error id."""
    text = (
        "Please try again. If the problem persists, contact NetSuite Customer Support "
        f"and give them this Error ID: {error_id:010x}"
    )
    body = tag("div", page_title(UNEXPECTED_ERROR), error_box(text, title=UNEXPECTED_ERROR), id="div__error")
    return html(bare_document("Error - NetSuite", body), status)


SESSION_ENDED = (
    "Your session has expired. Please log in again.",
    "Your session has timed out. Please log in again to continue.",
)


def session_ended(ctx: Ctx) -> Response:
    """Dial `session_end=error_page`: HTTP 200 at the form's own URL, NetSuite's error box (G)."""
    from automation.simulator.pages.common import error_page

    wording = random.Random(f"{ctx.settings.dials_seed}:session_end").choice(SESSION_ENDED)
    return error_page(ctx, 200, wording)


def no_privileges(ctx: Ctx) -> Response:
    from automation.simulator.pages.common import error_page

    return error_page(ctx, 200, NO_PRIVILEGES)


def login_form(ctx: Ctx, message: str) -> Response:
    """The login form again with NetSuite's message (as after a bad password)."""
    from automation.simulator.pages.login import _login_form  # the one renderer of that form

    return _login_form(ctx, message, ctx.form.get("email", ""))


def preempt_role(ctx: Ctx) -> bool:
    """Insert a bare role with the posted name, as if an earlier lost request had created it."""
    from automation.simulator.pages.roles import _auto_scriptid
    from automation.simulator.state import DuplicateError

    name = ctx.form.get("name", "").strip()
    if not name:
        return False
    try:
        ctx.app.store.insert(Role(0, name, ""), unique=("name",), on_id=_auto_scriptid)
    except DuplicateError:
        return False
    return True


def reject_reused_code(ctx: Ctx, inj: Injector) -> Response | None:
    """Reuse detection (RFC 6238 5.2): a valid code of an already used 30 s step is refused."""
    session = ctx.session
    if session is None or session.user_id is None or not hmac.compare_digest(ctx.form.get("_csrf", ""), session.csrf):
        return None
    user = ctx.app.store.get(Employee, session.user_id)
    step = _matching_step(user.totp_seed if user else "", ctx.form.get("code", "").strip())
    if user is None or step is None:
        return None  # an invalid code: the page handler refuses it as usual
    last = inj.last_step.get(user.id)
    reused = last is not None and step <= last
    if not reused and inj.opt("totp_reuse", "prime") and user.id not in inj.primed:
        inj.primed.add(user.id)  # as if the previous run had used this code a moment ago
        reused = True
    inj.last_step[user.id] = max(step, last if last is not None else step)
    if not reused:
        return None
    inj.event("totp_reuse")
    from automation.simulator.faults import CODE_REUSED
    from automation.simulator.pages.login import _challenge_page  # the one renderer of the 2FA page

    return _challenge_page(ctx, session, CODE_REUSED)


def _matching_step(seed: str, code: str) -> int | None:
    if not seed or len(code) != totp.DIGITS or not code.isdigit():
        return None
    import time

    now = int(time.time() // totp.STEP_SECONDS)
    key = totp._key(seed)
    return next((s for s in (now - 1, now, now + 1) if hmac.compare_digest(totp.hotp(key, s), code)), None)


# ---- interstitials ---------------------------------------------------------------------------


def gate(ctx: Ctx, inj: Injector) -> Response | None:
    """A session with interstitials pending sees only the current one (and the login pages)."""
    session = ctx.session
    pending = inj.pending.get(session.sid) if session else None
    if pending is None or ctx.req.path in ALWAYS_OPEN or ctx.req.path in STEP_PATHS[pending.steps[0]]:
        return None
    return redirect(STEP_URLS[pending.steps[0]])


def interpose(ctx: Ctx, inj: Injector, response: Response) -> Response:
    """After the password or after authenticaterole, send the session through the interstitials."""
    location = dict(response.headers).get("Location", "")
    if response.status != 302:
        return response
    path = ctx.req.path
    if ctx.req.method == "POST" and path in LOGIN_PAGES and asks_question(ctx, inj):
        session = _new_session(ctx, response)
        if session is not None and location in (CHALLENGE_URL, AUTHENTICATE_ROLE_URL):
            return _start(inj, session, response, Pending(["question"], location, session.stage))
    if path == AUTHENTICATE_ROLE_URL and ctx.session is not None and ctx.session.active:
        steps, choices = [], _role_choices(ctx, inj)
        if len(choices) > 1:
            steps.append("role")
        if notifies(ctx, inj):
            steps.append("notification")
        if steps:
            return _start(inj, ctx.session, response, Pending(steps, location, "active", choices))
    return response


def _new_session(ctx: Ctx, response: Response) -> Session | None:
    for key, value in response.headers:
        if key == "Set-Cookie" and value.startswith(f"{COOKIE_NAME}="):
            return ctx.app.sessions.get(value.split("=", 1)[1].split(";", 1)[0])
    return None


def _start(inj: Injector, session: Session, response: Response, pending: Pending) -> Response:
    inj.pending[session.sid] = pending
    session.stage = "pending"  # neither 2FA nor the app until the interstitials are passed
    response.headers = [(k, v) for k, v in response.headers if k != "Location"]
    response.headers.append(("Location", STEP_URLS[pending.steps[0]]))
    return response


def _role_choices(ctx: Ctx, inj: Injector) -> list[int]:
    assert ctx.session is not None
    user = ctx.app.store.get(Employee, ctx.session.user_id or 0)
    ids = list(user.roles) if user else []
    if inj.on("choose_role"):
        for name in inj.opt("choose_role", "extra_roles"):
            ids += [r.id for r in ctx.app.store.find(Role, name=name) if r.id not in ids]
    return ids


def _current(ctx: Ctx, step: str) -> tuple[Injector, Pending] | None:
    inj = injector_for(ctx.app)
    pending = inj.pending.get(ctx.session.sid) if ctx.session else None
    if pending is None or pending.steps[0] != step:
        return None
    return inj, pending


def _advance(ctx: Ctx, inj: Injector, pending: Pending) -> Response:
    assert ctx.session is not None
    pending.steps.pop(0)
    if pending.steps:
        return redirect(STEP_URLS[pending.steps[0]])
    ctx.session.stage = pending.stage_after
    del inj.pending[ctx.session.sid]
    return redirect(pending.final)


def _card(title: str, *parts: object) -> str:
    return bare_document(f"NetSuite - {title}", tag("div", tag("h1", title), *parts, class_="login-box"))


def question_page(ctx: Ctx) -> Response:
    found = _current(ctx, "question")
    if found is None:
        return redirect(LOGIN_PAGES[0])
    inj, pending = found
    assert ctx.session is not None
    error = ""
    if ctx.req.method == "POST":
        given = ctx.form.get("answer", "")
        csrf_ok = hmac.compare_digest(ctx.form.get("_csrf", ""), ctx.session.csrf)
        if csrf_ok and hmac.compare_digest(given.encode(), str(inj.opt("security_question", "answer")).encode()):
            inj.event("question_answered")
            return _advance(ctx, inj, pending)
        inj.event("question_wrong")
        error = WRONG_ANSWER
    rows = [
        tag("tr", tag("td", "Additional Authentication Required", class_="smalltextnolink")),
        tag("tr", tag("td", "Answer your security question to continue.", class_="smalltextnolink text-opensans")),
        tag("tr", tag("td", inj.opt("security_question", "question"), class_="smalltextnolink text-opensans")),
        tag("tr", tag("td", void("input", type="password", name="answer", autocomplete="off"))),
        tag("tr", tag("td", void("input", type="submit", name="submitter", value="Submit"))),
    ]
    form = tag(
        "form",
        void("input", type="hidden", name="_csrf", value=ctx.session.csrf),
        tag("table", *rows),
        method="POST",
        action=STEP_URLS["question"],
    )
    err = tag("div", error, class_="login-error", role="alert") if error else ""
    return html(_card("Security Question", err, form))


def role_list_page(ctx: Ctx) -> Response:
    found = _current(ctx, "role")
    if found is None:
        return redirect(LOGIN_PAGES[0])
    _, pending = found
    assert ctx.session is not None
    rows = [tag("tr", tag("th", "Company"), tag("th", "Role"))]
    for role_id in pending.choices:
        role = ctx.app.store.get(Role, role_id)
        if role is None:
            continue
        href = f"{CHANGE_ROLE_PATH}?id={ctx.app.account_id}~{ctx.session.user_id}~{role.id}~N"
        rows.append(tag("tr", tag("td", demo.COMPANY_NAME), tag("td", tag("a", role.name, href=href))))
    return html(_card("Choose Role", tag("p", "Choose a role to log in with."), tag("table", *rows, id="rolelist")))


def change_role(ctx: Ctx) -> Response:
    found = _current(ctx, "role")
    if found is None:
        return redirect(LOGIN_PAGES[0])
    inj, pending = found
    assert ctx.session is not None
    parts = ctx.query.get("id", "").split("~")
    ok = len(parts) == 4 and parts[0] == ctx.app.account_id and parts[1] == str(ctx.session.user_id)
    role_id = int(parts[2]) if ok and parts[2].isdigit() else -1
    if role_id not in pending.choices:
        return redirect(STEP_URLS["role"])
    role = ctx.app.store.get(Role, role_id)
    ctx.session.role_id = role_id
    inj.event(f"role_chosen:{role.name if role else role_id}")
    return _advance(ctx, inj, pending)


# Dial `login_notification`: the acknowledge button's wording (G). The fault alone shows "Acknowledge".
NOTIFICATION_BUTTONS = {
    "off": "Acknowledge",
    "acknowledge": "Acknowledge",
    "i_acknowledge": "I Acknowledge",
    "continue": "Continue",
    "single_button": "Proceed to NetSuite",
}


def notification_page(ctx: Ctx) -> Response:
    found = _current(ctx, "notification")
    if found is None:
        return redirect(LOGIN_PAGES[0])
    inj, pending = found
    assert ctx.session is not None
    if ctx.req.method == "POST" and hmac.compare_digest(ctx.form.get("_csrf", ""), ctx.session.csrf):
        if "decline" in ctx.form:  # the user would rather not: logged out, as NetSuite's Log Out link does
            inj.event("notification_declined")
            del inj.pending[ctx.session.sid]
            return redirect(LOGOUT_URL)
        inj.event("notification_acknowledged")
        return _advance(ctx, inj, pending)
    wording = dial(ctx, "login_notification")
    # Two submit buttons except on `single_button`, so a tool that just presses "the" button fails there.
    decline = (
        void("input", type="submit", name="decline", id="decline", value="Log Out")
        if wording != "single_button"
        else ""
    )
    form = tag(
        "form",
        void("input", type="hidden", name="_csrf", value=ctx.session.csrf),
        decline,
        " ",
        void("input", type="submit", name="acknowledge", id="acknowledge", value=NOTIFICATION_BUTTONS[wording]),
        method="POST",
        action=STEP_URLS["notification"],
    )
    text = tag("p", inj.opt("login_notification", "text"), class_="login-notification-text")
    return html(_card("Login Notification", text, form))


def faults_state(ctx: Ctx) -> Response:
    """GET /__sim/faults: which faults are on and how often each one (and each login step) happened."""
    return json_response(injector_for(ctx.app).snapshot())


ROUTES = [
    Route(QUESTION_PATH, question_page, ("GET", "POST"), auth=False),
    Route(ROLE_LIST_PATH, role_list_page, auth=False),
    Route(CHANGE_ROLE_PATH, change_role, auth=False),
    Route(NOTIFICATION_PATH, notification_page, ("GET", "POST"), auth=False),
    Route("/__sim/faults", faults_state, auth=False, page=False),
]
