"""Login, 2FA challenge, role authentication and logout.

Password page: H ids (`form[name=login]`, `#email`, `#password`, `#login-submit`). 2FA page: a
"uif"-style app with a generated input id, a tel input and a div button, as the reference says.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlencode

from automation.simulator import totp
from automation.simulator.app import Route
from automation.simulator.dials import dial
from automation.simulator.layout import HOME_URL, bare_document
from automation.simulator.markup import tag, void
from automation.simulator.models import Employee
from automation.simulator.passwords import check_password
from automation.simulator.sessions import Session, session_cookie
from automation.simulator.web import Ctx, Response, html, redirect, safe_local_path

CHALLENGE_URL = "/app/login/secure/loginchallenge/entry.nl?src_dc=001&whence="
AUTHENTICATE_ROLE_URL = "/app/login/secure/authenticaterole.nl"
LOGIN_URL = "/pages/customerlogin.jsp"
TRUST_COOKIE = "NS_TRUSTED_DEVICE"
TRUST_SECONDS = 30 * 24 * 3600
BAD_LOGIN = "You have entered an invalid email address or password. Please try again."
BAD_CODE = "The verification code you entered is not valid. Please try again."


def _login_form(ctx: Ctx, error: str = "", email: str = "") -> Response:
    q = ctx.query
    redirect_to = ctx.form.get("redirect") or q.get("redirect", "")
    account = ctx.form.get("c") or q.get("c", "")
    kept = urlencode({k: v for k, v in q.items() if k in ("c", "redirect", "whence")})
    action = ctx.req.path + (f"?{kept}" if kept else "")
    fields = [
        void("input", type="hidden", name="redirect", value=redirect_to),
        void("input", type="hidden", name="c", value=account),
        tag("label", "Email Address", for_="email"),
        void("input", type="email", id="email", name="email", value=email, autocomplete="username"),
        tag("label", "Password", for_="password"),
        void("input", type="password", id="password", name="password", autocomplete="current-password"),
        void("input", type="submit", id="login-submit", value="Log In"),
    ]
    err = tag("div", error, class_="login-error", id="login-error", role="alert") if error else ""
    form = tag("form", *fields, name="login", id="login-form", method="POST", action=action)
    body = tag("div", tag("h1", "NetSuite", class_="login-title"), tag("h2", "Log In"), err, form, class_="login-box")
    return html(bare_document("NetSuite - Login", body))


def login_page(ctx: Ctx) -> Response:
    if ctx.req.method == "GET":
        return _login_form(ctx)
    email = ctx.form.get("email", "").strip()
    password = ctx.form.get("password", "")
    users = [e for e in ctx.app.store.find(Employee, email=email) if e.give_access and e.password_hash and e.roles]
    user = next((u for u in users if check_password(password, u.password_hash)), None)
    if user is None:
        return _login_form(ctx, BAD_LOGIN, email)
    if ctx.session:
        ctx.app.sessions.drop(ctx.session.sid)
    session = ctx.app.sessions.new()
    session.user_id, session.role_id = user.id, user.roles[0]
    session.redirect_after_login = safe_local_path(ctx.form.get("redirect"), HOME_URL)
    if user.totp_seed and not _trusted(ctx, user):
        target = CHALLENGE_URL
    else:
        session.stage, target = "active", AUTHENTICATE_ROLE_URL
    response = redirect(target)
    response.headers.append(("Set-Cookie", session_cookie(session)))
    return response


def _trust_value(ctx: Ctx, user: Employee) -> str:
    return f"{user.id}.{ctx.app.sign(f'trusted-device:{user.id}')}"


def _trusted(ctx: Ctx, user: Employee) -> bool:
    return hmac.compare_digest(ctx.req.cookies.get(TRUST_COOKIE, ""), _trust_value(ctx, user))


def _offers_trust(ctx: Ctx) -> bool:
    """Dial `trust_device`: some accounts' 2FA page has no "Trust this device for 30 days" box."""
    return dial(ctx, "trust_device") == "shown"


def _challenge_page(ctx: Ctx, session: Session, error: str = "") -> Response:
    n = 10 + secrets.randbelow(80)  # generated ids, like the real uif app: never rely on them
    code_id, trust_id = f"uif{n}_input", f"uif{n + 2}_input"
    parts: list[object] = [
        tag("h1", "Two-Factor Authentication"),
        tag("p", "Enter the 6-digit verification code from your authenticator app."),
    ]
    if error:
        parts.append(tag("div", error, class_="uif-error", role="alert", id="uif-error"))
    parts.append(
        tag(
            "div",
            tag("label", "Verification Code", for_=code_id, id=f"uif{n - 1}_label"),
            void(
                "input",
                type="tel",
                id=code_id,
                maxlength="6",
                inputmode="numeric",
                autocomplete="one-time-code",
            ),
            class_="uif-field",
        )
    )
    if _offers_trust(ctx):
        parts.append(
            tag(
                "div",
                void("input", type="checkbox", id=trust_id),
                tag("label", "Trust this device for 30 days", for_=trust_id),
                class_="uif-field uif-checkbox",
                id="uif-trust",
            )
        )
    parts.append(tag("div", "Submit", class_="uif-button", data_type="primary", role="button", tabindex="0"))
    parts.append(
        tag(
            "form",
            void("input", type="hidden", name="code"),
            void("input", type="hidden", name="trust"),
            void("input", type="hidden", name="_csrf", value=session.csrf),
            id="loginchallenge_form",
            method="POST",
            action=CHALLENGE_URL,
        )
    )
    body = tag("div", tag("div", *parts, class_="uif-card"), id="uif-root", class_="uif-page")
    return html(bare_document("NetSuite - Two-Factor Authentication", body, {"page": "loginchallenge"}))


def challenge_page(ctx: Ctx) -> Response:
    session = ctx.session
    if session is None or session.user_id is None:
        return redirect(LOGIN_URL)
    if session.active:
        return redirect(AUTHENTICATE_ROLE_URL)
    if ctx.req.method == "GET":
        return _challenge_page(ctx, session)
    if not hmac.compare_digest(ctx.form.get("_csrf", ""), session.csrf):
        return redirect(LOGIN_URL)
    user = ctx.app.store.get(Employee, session.user_id)
    if user is None or not totp.verify(user.totp_seed, ctx.form.get("code", "")):
        return _challenge_page(ctx, session, BAD_CODE)
    session.stage = "active"
    response = redirect(AUTHENTICATE_ROLE_URL)
    if ctx.form.get("trust") == "T" and _offers_trust(ctx):
        value = _trust_value(ctx, user)
        cookie = f"{TRUST_COOKIE}={value}; Path=/; Max-Age={TRUST_SECONDS}; HttpOnly; SameSite=Lax"
        response.headers.append(("Set-Cookie", cookie))
    return response


def authenticate_role(ctx: Ctx) -> Response:
    if ctx.session and ctx.session.active:
        return redirect(ctx.session.redirect_after_login or HOME_URL)
    return redirect(LOGIN_URL)


def logout(ctx: Ctx) -> Response:
    if ctx.session:
        ctx.app.sessions.drop(ctx.session.sid)
    response = redirect(LOGIN_URL)
    response.headers.append(("Set-Cookie", session_cookie(None)))
    return response


def root(ctx: Ctx) -> Response:
    return redirect(HOME_URL if ctx.session and ctx.session.active else LOGIN_URL)


ROUTES = [
    Route(LOGIN_URL, login_page, ("GET", "POST"), auth=False),
    Route("/app/login/secure/enterpriselogin.nl", login_page, ("GET", "POST"), auth=False),
    Route("/app/login/secure/loginchallenge/entry.nl", challenge_page, ("GET", "POST"), auth=False),
    Route(AUTHENTICATE_ROLE_URL, authenticate_role, auth=False),
    Route("/pages/nllogoutnoback.jsp", logout, auth=False),
    Route("/", root, auth=False),
]
