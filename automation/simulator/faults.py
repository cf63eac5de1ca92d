"""Fault injection: the messy parts of a real NetSuite, switched on per run.

Why: the tool has to survive slow pages, 500s, sessions that end mid-run, late forms, login
variants (security question, role choice, login notification, trusted device, TOTP reuse) and
fail clearly on what cannot be survived (missing permission, locked account, missing feature),
and none of that can be provoked on a live account at will.

Switched on through `Settings.faults` (``{"name": {option: value}}``; ``true`` takes the
defaults) and `Settings.fault_seed`; see `CATALOG` for names and options. Deterministic: every
random choice comes from a per-fault `random.Random(f"{seed}:{name}")`, so the same seed and
the same request sequence give the same faults, and adding one fault does not shift another.
The app calls `before_page` (may replace the page) and `after_page` (may rewrite it) for every
HTML page; the interstitial login pages live in `fault_pages.py`.
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
import weakref
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from automation.simulator.dials import dial
from automation.simulator.sessions import COOKIE_NAME
from automation.simulator.web import Response

if TYPE_CHECKING:
    from automation.simulator.app import App
    from automation.simulator.web import Ctx

LOGIN_PAGES = ("/pages/customerlogin.jsp", "/app/login/secure/enterpriselogin.nl")
CHALLENGE_PATH = "/app/login/secure/loginchallenge/entry.nl"
AUTHENTICATE_ROLE_PATH = "/app/login/secure/authenticaterole.nl"
QUESTION_PATH = "/app/login/secure/securityquestions.nl"
ROLE_LIST_PATH = "/app/login/secure/rolelist.nl"  # G: NetSuite's role-choice page for several roles
CHANGE_ROLE_PATH = "/app/login/secure/changerole.nl"  # H: changerole.nl?id=<ACCT>~<user>~<role>~N
NOTIFICATION_PATH = "/app/login/secure/loginnotification.nl"  # G: the 2026.1 Login Notification
TOS_PATH = "/app/setup/suitecloudterms.nl"
ROLE_FORM_PATH = "/app/setup/role.nl"

UNEXPECTED_ERROR = "An Unexpected Error Has Occurred"
NO_PRIVILEGES = "You do not have privileges to view this page."
LOCKED = (
    "Your account has been locked because of too many failed login attempts. "
    "Contact your account administrator, or wait 30 minutes and try again."
)
CODE_REUSED = "This verification code has already been used. Wait for a new code and try again."
NOTIFICATION_TEXT = (
    "This system is for authorized use only. Activity is monitored and recorded. "
    "By continuing you acknowledge the company's acceptable use policy."
)


@dataclass(frozen=True)
class FaultSpec:
    """One fault: what it imitates and its options with their defaults (the default fixes the type)."""

    summary: str
    options: dict[str, Any] = field(default_factory=dict)


CATALOG: dict[str, FaultSpec] = {
    "slow_pages": FaultSpec("a share of pages answers late", {"seconds": 0.5, "rate": 0.3}),
    "error_500": FaultSpec(
        "an occasional HTTP 500/503 'An Unexpected Error Has Occurred' page instead of the page",
        {"rate": 0.15, "statuses": [500, 503], "max_in_row": 2},
    ),
    "session_expiry": FaultSpec(
        "the session ends after N logged-in pages (0: a seeded N in 6..16); the next page goes to login. "
        "on_post: a path; the session ends instead at the first Save (POST) to it after those N pages",
        {"after": 0, "times": 1, "on_post": ""},
    ),
    "late_form": FaultSpec("the page body is injected by JS after a delay", {"delay_ms": 800, "rate": 1.0}),
    "tos_slow": FaultSpec("the SuiteCloud Terms of Service popup opens slowly", {"seconds": 1.5}),
    "duplicate_role": FaultSpec(
        "a role of the same name appears just before the first role create: 'A role with that name already exists.'",
        {"times": 1},
    ),
    "no_permission": FaultSpec(
        "'You do not have privileges to view this page.' on these paths", {"paths": [ROLE_FORM_PATH]}
    ),
    "security_question": FaultSpec(
        "a security question after the password",
        {"question": "What was the name of your first pet?", "answer": "Whiskers-2026"},
    ),
    "choose_role": FaultSpec(
        "a 'choose role' page after login: the user also holds these roles", {"extra_roles": ["Employee Center"]}
    ),
    "trust_device": FaultSpec("the 2FA page's 'Trust this device' box comes ticked", {"checked": True}),
    "totp_reuse": FaultSpec(
        "2FA rejects a code whose 30 s step was used already; the first valid code counts as used",
        {"prime": True},
    ),
    "locked_account": FaultSpec("the login is refused: the account is locked", {"message": LOCKED}),
    "login_notification": FaultSpec("the 2026.1 Login Notification must be acknowledged", {"text": NOTIFICATION_TEXT}),
    "feature_unavailable": FaultSpec(
        "Enable Features does not offer these features", {"features": ["Token-Based Authentication"]}
    ),
}


# ---- configuration ---------------------------------------------------------------------------


def normalize(value: Any) -> dict[str, dict[str, Any]]:
    """Validate a `faults` setting into ``{name: {option: value}}``; ValueError names what is wrong.

    Accepts a mapping (``true`` = defaults, ``false``/``null`` = off, a number = the rate of a
    fault that has one, a mapping = options), a list of names, or a comma-separated string.
    """
    if isinstance(value, str):
        return parse_cli(value)
    if isinstance(value, list):
        value = {name: True for name in value}
    if not isinstance(value, dict):
        raise ValueError('setting \'faults\' must be an object such as {"error_500": {"rate": 0.2}}')
    out: dict[str, dict[str, Any]] = {}
    for name, options in value.items():
        spec = CATALOG.get(name)
        if spec is None:
            raise ValueError(f"unknown fault {name!r}; known: {', '.join(CATALOG)}")
        if options is False or options is None:
            continue
        if options is True:
            options = {}
        elif isinstance(options, (int, float)) and not isinstance(options, bool):
            if "rate" not in spec.options:
                raise ValueError(f"fault {name!r} takes no rate; give an object of options")
            options = {"rate": options}
        if not isinstance(options, dict):
            raise ValueError(f"fault {name!r} must be true, a rate or an object of options")
        out[name] = {key: _option(name, spec, key, val) for key, val in options.items()}
    return out


def _option(name: str, spec: FaultSpec, key: str, value: Any) -> Any:
    if key not in spec.options:
        raise ValueError(f"fault {name!r} has no option {key!r}; options: {', '.join(spec.options) or 'none'}")
    default = spec.options[key]
    problem = f"option {key!r} of fault {name!r} must be like {json.dumps(default)}"
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ValueError(problem)
    elif isinstance(default, (int, float)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ValueError(problem)
        if key == "rate" and value > 1:
            raise ValueError(f"option 'rate' of fault {name!r} must be between 0 and 1")
        value = float(value) if isinstance(default, float) else int(value)
    elif isinstance(default, list):
        if not isinstance(value, list) or not all(isinstance(v, type(default[0])) for v in value):
            raise ValueError(problem)
    elif not isinstance(value, str):
        raise ValueError(problem)
    return value


def parse_cli(text: str, rate: float | None = None) -> dict[str, dict[str, Any]]:
    """``slow_pages,error_500:rate=0.3,no_permission:paths=/a|/b`` -> a normalized `faults` value.

    ``rate`` (``--fault-rate``) is the rate of every listed fault that has one and names none.
    """
    faults: dict[str, Any] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, *pairs = item.split(":")
        options: dict[str, Any] = {}
        for pair in pairs:
            key, sep, raw = pair.partition("=")
            if not sep:
                raise ValueError(f"fault option {pair!r} must be key=value")
            default = CATALOG[name].options.get(key) if name in CATALOG else None
            options[key] = _parse_value(raw, default)
        if rate is not None and name in CATALOG and "rate" in CATALOG[name].options:
            options.setdefault("rate", rate)
        faults[name] = options
    return normalize(faults)


def _parse_value(raw: str, default: Any) -> Any:
    if isinstance(default, list):
        return [_parse_value(part, default[0]) for part in raw.split("|") if part]
    if isinstance(default, bool):
        return raw.lower() in ("1", "true", "yes", "on")
    if isinstance(default, (int, float)):
        try:
            return float(raw) if isinstance(default, float) or "." in raw else int(raw)
        except ValueError:
            raise ValueError(f"fault option value {raw!r} must be a number") from None
    return raw


# ---- per-app state ---------------------------------------------------------------------------


@dataclass
class Pending:
    """Interstitial login pages a session must pass before it is let in."""

    steps: list[str]  # "question", "role", "notification"
    final: str  # where the login was going
    stage_after: str  # the session stage once every step is done ("challenge" or "active")
    choices: list[int] = field(default_factory=list)  # role ids offered on the role list


class Injector:
    """What the faults remember between requests: RNGs, counters, pending interstitials, events."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._key: str | None = None
        self.faults: dict[str, dict[str, Any]] = {}
        self.seed = 0
        self.events: Counter[str] = Counter()
        self.pending: dict[str, Pending] = {}
        self._reset()

    def _reset(self) -> None:
        self._rngs: dict[str, random.Random] = {}
        self.counts: Counter[str] = Counter()
        self.last_step: dict[int, int] = {}
        self.primed: set[int] = set()
        self._expire_after: int | None = None

    def sync(self, faults: dict[str, dict[str, Any]], seed: int, generation: int = 0) -> None:
        """Start the sequences over whenever the faults or the seed change, or are posted again."""
        key = json.dumps([faults, seed, generation], sort_keys=True)
        if key != self._key:
            self._key, self.faults, self.seed = key, faults, seed
            self._reset()

    def on(self, name: str) -> bool:
        return name in self.faults

    def opt(self, name: str, key: str) -> Any:
        return self.faults.get(name, {}).get(key, CATALOG[name].options[key])

    def rng(self, name: str) -> random.Random:
        if name not in self._rngs:
            self._rngs[name] = random.Random(f"{self.seed}:{name}")
        return self._rngs[name]

    def roll(self, name: str) -> bool:
        return self.rng(name).random() < float(self.opt(name, "rate"))

    def count(self, what: str) -> int:
        self.counts[what] += 1
        return self.counts[what]

    def event(self, name: str) -> None:
        self.events[name] += 1

    def expire_after(self) -> int:
        if self._expire_after is None:
            after = int(self.opt("session_expiry", "after"))
            self._expire_after = after or self.rng("session_expiry").randint(6, 16)
        return self._expire_after

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {"faults": self.faults, "fault_seed": self.seed, "events": dict(self.events)}


_INJECTORS: weakref.WeakKeyDictionary[App, Injector] = weakref.WeakKeyDictionary()
_INJECTORS_LOCK = threading.Lock()


def injector_for(app: App) -> Injector:
    with _INJECTORS_LOCK:
        injector = _INJECTORS.get(app)
        if injector is None:
            injector = _INJECTORS[app] = Injector()
        return injector


# ---- hooks -----------------------------------------------------------------------------------


# ---- dials that share a fault's page ----------------------------------------------------------
# A dial is a standing property of the account (dials.py), a fault an event; where both imitate
# the same NetSuite page, either one shows it, through the same page code (fault_pages.py).


def asks_question(ctx: Ctx, inj: Injector) -> bool:
    """The login asks a security question: fault `security_question` or dial `security_question=on`."""
    return inj.on("security_question") or dial(ctx, "security_question") == "on"


def notifies(ctx: Ctx, inj: Injector) -> bool:
    """The login shows the Login Notification: fault `login_notification` or the dial not `off`."""
    return inj.on("login_notification") or dial(ctx, "login_notification") != "off"


def ended_page(ctx: Ctx) -> bool:
    """Dial `session_end=error_page`: a POST whose session ended gets an error page, not the login."""
    return dial(ctx, "session_end") == "error_page"


def _login_dials(ctx: Ctx) -> bool:
    return dial(ctx, "security_question") == "on" or dial(ctx, "login_notification") != "off"


def before_page(app: App, ctx: Ctx) -> Response | None:
    """Effects that replace or delay the page; None lets the page handler run."""
    settings = ctx.settings
    inj = injector_for(app)
    with inj.lock:
        inj.sync(settings.faults, settings.fault_seed, app.settings.faults_generation)
        if not inj.faults and not inj.pending and not ended_page(ctx):
            return None
        delay, early = _decide(app, ctx, inj)
    if delay:
        time.sleep(delay)  # the imitation of a slow server: the request itself takes longer
    return early


def _decide(app: App, ctx: Ctx, inj: Injector) -> tuple[float, Response | None]:
    from automation.simulator import fault_pages as pages

    req, path = ctx.req, ctx.req.path
    delay = 0.0
    if inj.on("slow_pages") and inj.roll("slow_pages"):
        inj.event("slow_pages")
        delay += float(inj.opt("slow_pages", "seconds"))
    if inj.on("tos_slow") and path == TOS_PATH:
        inj.event("tos_slow")
        delay += float(inj.opt("tos_slow", "seconds"))
    gate = pages.gate(ctx, inj)
    if gate is not None:
        return delay, gate
    if inj.on("locked_account") and req.method == "POST" and path in LOGIN_PAGES:
        inj.event("locked_account")
        return delay, pages.login_form(ctx, str(inj.opt("locked_account", "message")))
    if inj.on("error_500") and _error_eligible(path):
        in_row = inj.counts["error_500_in_row"]
        if in_row < int(inj.opt("error_500", "max_in_row")) and inj.roll("error_500"):
            inj.counts["error_500_in_row"] = in_row + 1
            inj.event("error_500")
            status = inj.rng("error_500").choice(list(inj.opt("error_500", "statuses")) or [500])
            return delay, pages.unexpected_error(ctx, status, inj.rng("error_500").getrandbits(40))
        inj.counts["error_500_in_row"] = 0
    logged_in = ctx.session is not None and ctx.session.active
    app_page = path.startswith("/app/") and not path.startswith("/app/login/")
    if inj.on("session_expiry") and logged_in and app_page:
        expired = inj.counts["expired"] >= int(inj.opt("session_expiry", "times"))
        on_post = str(inj.opt("session_expiry", "on_post"))
        due = not expired and inj.count("session_pages") >= inj.expire_after()
        if due and (not on_post or (req.method == "POST" and path == on_post)):
            inj.count("expired")
            inj.event("session_expiry")
            inj.counts["session_pages"] = 0
            assert ctx.session is not None
            app.sessions.drop(ctx.session.sid)
            ctx.session = None  # the login gate that follows sends this request to the login page
            logged_in = False
            if req.method != "POST" or not ended_page(ctx):
                return delay, None
    if req.method == "POST" and app_page and not logged_in and req.cookies.get(COOKIE_NAME) and ended_page(ctx):
        # The session ended while the form was open: the Save answers at the form's own URL.
        inj.event("session_end_page")
        return delay, pages.session_ended(ctx)
    if inj.on("no_permission") and logged_in and any(path.startswith(p) for p in inj.opt("no_permission", "paths")):
        inj.event("no_permission")
        return delay, pages.no_privileges(ctx)
    creating_role = req.method == "POST" and path == ROLE_FORM_PATH and logged_in and "id" not in req.query
    times = int(inj.opt("duplicate_role", "times")) if inj.on("duplicate_role") else 0
    if creating_role and inj.counts["duplicate_role"] < times and pages.preempt_role(ctx):
        inj.count("duplicate_role")
        inj.event("duplicate_role")
    if inj.on("totp_reuse") and req.method == "POST" and path == CHALLENGE_PATH:
        return delay, pages.reject_reused_code(ctx, inj)
    return delay, None


def _error_eligible(path: str) -> bool:
    """Logged-in pages and the login page; not the interstitials, 2FA and popups (see docs/faults.md)."""
    if path == TOS_PATH or path.startswith("/app/login/"):
        return False
    return path.startswith("/app/") or path == LOGIN_PAGES[0]


def after_page(app: App, ctx: Ctx, response: Response) -> Response:
    """Effects that follow the page handler: interstitials after login, late forms, ticked boxes."""
    inj = injector_for(app)
    with inj.lock:
        _observe(ctx, inj, response)
        if not inj.faults and not _login_dials(ctx):
            return response
        from automation.simulator import fault_pages as pages

        response = pages.interpose(ctx, inj, response)
        if response.status == 200 and response.content_type.startswith("text/html"):
            if inj.on("late_form") and b'id="div__body"' in response.body and inj.roll("late_form"):
                inj.event("late_form")
                response.body = late_body(response.body.decode("utf-8"), int(inj.opt("late_form", "delay_ms"))).encode()
            if inj.on("trust_device") and ctx.req.path == CHALLENGE_PATH and inj.opt("trust_device", "checked"):
                body = response.body.decode("utf-8")
                ticked = re.sub(r'(id="uif-trust"><input type="checkbox")', r"\1 checked", body, count=1)
                if ticked != body:
                    inj.event("trust_device")
                    response.body = ticked.encode()
            if inj.on("feature_unavailable") and ctx.req.path == "/app/setup/features.nl":
                response.body = _drop_features(response.body.decode("utf-8"), inj).encode()
    return response


def _observe(ctx: Ctx, inj: Injector, response: Response) -> None:
    """Counts the tests assert on (logins, 2FA passes, trusted devices), faults on or off."""
    path, method = ctx.req.path, ctx.req.method
    location = dict(response.headers).get("Location", "")
    if method == "POST" and path in LOGIN_PAGES:
        inj.event("password_accepted" if response.status == 302 else "password_rejected")
    if method == "POST" and path == CHALLENGE_PATH:
        inj.event("2fa_accepted" if response.status == 302 and "loginchallenge" not in location else "2fa_rejected")
        if any(k == "Set-Cookie" and v.startswith("NS_TRUSTED_DEVICE=") for k, v in response.headers):
            inj.event("trusted_device_issued")


def _drop_features(body: str, inj: Injector) -> str:
    for label in inj.opt("feature_unavailable", "features"):
        pattern = re.compile(
            r'<div class="uir-field-wrapper" data-nsps-label="' + re.escape(label) + r'"[^>]*>.*?</div>',
            re.IGNORECASE | re.DOTALL,
        )
        body, n = pattern.subn("", body, count=1)
        if n:
            inj.event("feature_unavailable")
    return body


_LATE_SCRIPT = """<script>(function () {
  /* fault late_form: hold DOMContentLoaded listeners (ns.js init) until the body is injected */
  var held = [], add = document.addEventListener.bind(document);
  document.addEventListener = function (type, fn, opts) {
    if (type === "DOMContentLoaded") { held.push(fn); return; }
    return add(type, fn, opts);
  };
  add("DOMContentLoaded", function () {
    setTimeout(function () {
      var body = document.getElementById("div__body"), tpl = document.getElementById("ns-late-body");
      if (body && tpl) body.replaceChildren(tpl.content);
      document.addEventListener = add;
      held.forEach(function (fn) { fn(); });
    }, %d);
  });
})();</script>"""


def late_body(document: str, delay_ms: int) -> str:
    """Move `div#div__body`'s content into a template that a script injects after `delay_ms`."""
    start = re.search(r'<div id="div__body"[^>]*>', document)
    if start is None:
        return document
    end = _matching_close(document, start.end())
    if end is None:
        return document
    inner = document[start.end() : end]
    placeholder = '<div class="uir-loading">Loading…</div><template id="ns-late-body">' + inner + "</template>"
    document = document[: start.end()] + placeholder + document[end:]
    return document.replace('<script src="/ui/ns.js">', (_LATE_SCRIPT % delay_ms) + '<script src="/ui/ns.js">', 1)


def _matching_close(document: str, pos: int) -> int | None:
    depth = 1
    for match in re.finditer(r"<div\b|</div>", document[pos:]):
        depth += 1 if match.group(0) == "<div" else -1
        if depth == 0:
            return pos + match.start()
    return None
