"""Which failures deserve another try, and how a stage survives them.

A real NetSuite is slow, now and then answers with its "An Unexpected Error Has Occurred" page,
and ends sessions in the middle of a run. Retrying everything would hide real problems (and a
retried Save could create a record twice); retrying nothing makes every run a coin toss. So a
failure is diagnosed first, from the exception *and* the page the browser is on:

* transient: an HTTP 5xx / unexpected-error page, a navigation timeout, a closed page, a reset
  connection. Retried after an exponential backoff with full jitter, from a budget per account
  run (``--retries``; a step's ``retries:`` caps that step too). A step that navigates by
  itself (login, open, find_record, lookup, revoke_others) is repeated; any other step works
  on the page it found, so its stage starts over. That is safe
  because stages are idempotent: every step reads the page first and changes only what differs.
* session: the page is a login URL, or NetSuite's error box says the session expired / timed
  out / to log in again (a Save answered at the form's own URL). Log in again and start the
  stage over; capped per run.
* conflict: "already exists" while creating a record: it appeared between our read and our
  save (another admin, or an earlier request whose answer was lost). The stage starts over and
  finds the record this time.
* permanent: anything else. One message names the stage, the page, what NetSuite said and what
  to do; the runner adds the masked screenshot and the journal's resume point.

The only pause is the backoff between attempts: NetSuite's error page gives no event to wait
for, so time is what a retry needs. Everything else waits on Playwright conditions.
"""

from __future__ import annotations

import logging
import random
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar
from urllib.parse import urlsplit

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from automation import blocking
from automation.engine import model as m
from automation.engine.session import RecordState, Session
from automation.errors import NsautoError, StepFailed
from automation.netsuite.login import is_logged_in_url
from automation.secrets.redact import redactor

if TYPE_CHECKING:
    from playwright.sync_api import Response

    from automation.engine.events import Status

log = logging.getLogger("nsauto.recovery")

Kind = Literal["transient", "session", "conflict", "permanent"]
T = TypeVar("T")

# Steps that find their own page: repeating just them is a full retry.
REENTRANT = frozenset({"login", "open", "find_record", "lookup", "revoke_others"})

_UNEXPECTED = re.compile(r"unexpected error|service (temporarily )?unavailable", re.I)
_NO_PRIVILEGES = re.compile(
    r"do not have (the )?(privileges|permission)|insufficient[ _]permission|permission violation", re.I
)
_TRANSIENT_TEXT = re.compile(
    r"net::ERR_(CONNECTION_(RESET|REFUSED|CLOSED|ABORTED)|EMPTY_RESPONSE|NETWORK_CHANGED|TIMED_OUT)"
    r"|Target (page, context or browser has been )?closed|Page crashed|page has been closed"
    r"|HTTP 5\d\d|did not answer within|did not finish loading"
)
_NAVIGATION = re.compile(
    r"navigating to|waiting for navigation|expect_navigation|wait_for_load_state"
    r"|waiting for event \"(load|domcontentloaded)\"",
    re.I,
)
_NO_FIELD = re.compile(r"^no field labelled '(?P<label>[^']+)'")
# A session that ends while a form is open may answer the Save at the form's own URL with an error
# box instead of the login redirect (dial `session_end`): the page's words, never an exception's.
_SESSION_ENDED = re.compile(
    r"session\b.{0,40}\b(has |was )?(expired|timed out|ended|is no longer valid)"
    r"|\b(log|sign) ?(in|on) again\b|\bplease re-?(log ?in|authenticate)\b",
    re.I,
)


class SessionLost(StepFailed):
    """NetSuite showed its login page in the middle of a stage: the session ended."""


class PageRefused(StepFailed):
    """NetSuite answered a page with a refusal (no privileges) or with its error page (HTTP 5xx)."""


@dataclass(frozen=True)
class Diagnosis:
    kind: Kind
    reason: str  # short, for progress lines: "NetSuite's error page (HTTP 503)", "a navigation timed out"
    said: str | None = None  # NetSuite's own words on the page, if any
    refusal: Literal["privileges", "feature", ""] = ""


@dataclass(frozen=True)
class PageView:
    """What the page says about itself: title, heading and the text of an error box."""

    title: str = ""
    heading: str = ""
    alert: str = ""

    @property
    def said(self) -> str | None:
        return self.alert or (self.heading if self.title.lower().startswith("error") else "") or None

    @property
    def unexpected(self) -> bool:
        return bool(_UNEXPECTED.search(f"{self.heading} {self.alert}"))

    @property
    def no_privileges(self) -> bool:
        return bool(_NO_PRIVILEGES.search(f"{self.heading} {self.alert}"))

    @property
    def session_ended(self) -> bool:
        return bool(_SESSION_ENDED.search(f"{self.heading} {self.alert}"))


_VIEW_JS = """() => {
  const text = (el) => (el ? el.textContent.replace(/\\s+/g, " ").trim() : "");
  let alert = "";
  for (const el of document.querySelectorAll(
      ".uir-alert-box.error, .uir-message-error, #_err_alert, [role=alert], .login-error")) {
    if (!el.getClientRects().length) continue;
    alert = text(el.querySelector(".descr") || el);
    if (alert) break;
  }
  return {title: document.title, heading: text(document.querySelector("h1")), alert};
}"""


# A form whose session was replaced (another page of this run logged in again) is refused on Save:
# the record was not saved, and the form read afresh will be accepted.
_STALE_FORM = re.compile(r"form submission has expired|reload the page and try again", re.I)


def read_page(page: Page) -> PageView:
    """One evaluate; a page in the middle of navigating reads as empty rather than failing."""
    try:
        data: dict[str, str] = page.evaluate(_VIEW_JS)
    except PlaywrightError:
        return PageView()
    return PageView(
        redactor.redact(data.get("title", ""))[:200],
        redactor.redact(data.get("heading", ""))[:200],
        redactor.redact(data.get("alert", ""))[:300],
    )


def check_landing(page: Page, response: Response | None, path: str) -> None:
    """After a navigation: raise SessionLost (login page), PageRefused (5xx, 404 or no privileges)."""
    if not is_logged_in_url(page.url):
        raise SessionLost(f"NetSuite answered {path} with its login page: the session ended")
    if response is not None and response.status >= 500:
        view = read_page(page)
        raise PageRefused(f"NetSuite answered {path} with HTTP {response.status}: {view.said or 'an error page'}")
    if response is not None and response.status in (404, 410):  # never read as an empty list or a new form
        view = read_page(page)
        raise PageRefused(f"NetSuite answered {path} with HTTP {response.status}: {view.said or 'page not found'}")


def check_content(page: Page, path: str) -> None:
    """After the page is ready: its content may still be NetSuite's error or refusal page."""
    view = read_page(page)
    if view.session_ended:
        raise SessionLost(f'NetSuite answered {path} with "{view.said}": the session ended')
    if view.unexpected or view.no_privileges:
        raise PageRefused(f"NetSuite answered {path}: {view.said}")


def diagnose(exc: BaseException | None, page: Page, stage: str, creating: bool = False) -> Diagnosis | None:
    """Classify a failure (``exc``), or a step that 'succeeded' on the wrong page (``exc`` None)."""
    if page.is_closed():
        return Diagnosis("transient", "the browser page closed")
    if isinstance(exc, SessionLost) or (stage != "login" and not is_logged_in_url(page.url)):
        return Diagnosis("session", "the NetSuite session ended")
    view = read_page(page)
    if view.session_ended and stage != "login":
        return Diagnosis("session", "the NetSuite session ended", view.said)
    if view.unexpected:
        return Diagnosis("transient", "NetSuite's error page", view.said)
    if _STALE_FORM.search(f"{view.heading} {view.alert}"):
        return Diagnosis("transient", "the form expired (its session was replaced)", view.said)
    if view.no_privileges:
        return Diagnosis("permanent", "no privileges", view.said, "privileges")
    if exc is None:
        return None
    text = str(exc)
    if creating and re.search(r"already exists", text, re.I):
        return Diagnosis("conflict", "the record appeared between reading and saving", view.said)
    if isinstance(exc, PlaywrightTimeout) and _NAVIGATION.search(text):
        return Diagnosis("transient", "a navigation timed out")
    found = _TRANSIENT_TEXT.search(text)
    if found:
        return Diagnosis("transient", _first_line(found.group(0)))
    if _NO_FIELD.match(text) and "/app/setup/features.nl" in page.url:
        return Diagnosis("permanent", "feature missing", view.said, "feature")
    return Diagnosis("permanent", "", view.said)


def explain(exc: BaseException | None, diagnosis: Diagnosis, stage: str, page: Page, attempts: int = 0) -> NsautoError:
    """The one message a user gets: stage, page, what NetSuite said, what to do."""
    where = "" if page.is_closed() else urlsplit(page.url).path
    said = diagnosis.said
    if diagnosis.refusal == "privileges":
        return StepFailed(
            f"stage '{stage}': NetSuite refused {where}: \"{said}\"",
            "the login's role lacks a permission this page needs: grant it (or set login.role to a role "
            "that has it), then resume",
        )
    if diagnosis.refusal == "feature":
        match = _NO_FIELD.match(str(exc))
        label = match.group("label") if match else "the feature"
        return StepFailed(
            f"stage '{stage}': {where} offers no '{label}': the feature is not available on this account",
            "NetSuite provisions some features per edition or license: ask the account's NetSuite "
            "administrator to make it available (or drop it from setup.features), then resume",
        )
    if diagnosis.kind == "session":
        return StepFailed(
            f"stage '{stage}': the NetSuite session kept ending (logged in again {attempts} times)",
            "NetSuite ends a session when the same user logs in elsewhere: keep this login for nsauto "
            "during the run, then resume",
        )
    if diagnosis.kind in ("transient", "conflict"):
        tail = f': "{said}"' if said else ""
        return StepFailed(
            f"stage '{stage}': {diagnosis.reason} on {where}, still after {attempts} retries{tail}",
            "NetSuite is having trouble right now; resume later (`--retries N` allows more per run)",
        )
    if isinstance(exc, NsautoError) and not isinstance(exc, StepFailed):
        return exc  # keyring, verification and input errors carry their own precise message
    message = str(exc.message) if isinstance(exc, NsautoError) else _first_line(str(exc))
    hint = exc.hint if isinstance(exc, NsautoError) else "run with --headed or --debug to see more"
    if not message.startswith("stage '"):
        message = f"stage '{stage}': {message}"
    if where and where not in message:
        message += f" (on {where})"
    if said and said not in message:
        message += f'; NetSuite says: "{said}"'
    return exc.with_message(message, hint) if isinstance(exc, StepFailed) else StepFailed(message, hint)


@dataclass
class Policy:
    """How hard to try, per account run.

    ``retries`` is a budget for the whole run (every stage, the login included), not a count per
    step: a flaky NetSuite spreads its errors over many steps, and two per step ended a run on
    the third error in a row at one step while the rest of the run went fine; a budget spends the
    tries where the trouble is. A step's own ``retries:`` in a flow caps that step as well.
    Lost sessions have their own small budget (``relogins``): each costs a 2FA code.
    """

    retries: int = 12
    relogins: int = 2
    backoff_s: float = 0.5
    backoff_max_s: float = 8.0
    jitter: bool = True

    def ceiling(self, attempt: int) -> float:
        """Exponential (0.5, 1, 2, ... s), capped: a struggling server gets more room each time."""
        return min(self.backoff_max_s, self.backoff_s * 2**attempt)

    def pause(self, attempt: int, rng: random.Random | None = None) -> float:
        """Full jitter: anywhere in [0, ceiling], so parallel accounts do not come back in step."""
        ceiling = self.ceiling(attempt)
        return (rng or random).uniform(0.0, ceiling) if self.jitter else ceiling


@dataclass
class Budget:
    """The transient retries a run has spent. One object shared by the run's stage branches
    (engine/graph.py copies the Recovery, not this), so parallel stages draw on the same budget.
    Re-logins are counted per branch (``Recovery.relogins``): one ended session is seen by every
    branch's page, and each must log in again."""

    retries: int = 0


Emit = Callable[[str, "Status", str], None]


def _never_retry() -> tuple[type[BaseException], ...]:
    from automation.errors import EnvironmentNotReady, InputError, SecretAtRisk, VerificationFailed
    from automation.secrets.store import SecretStoreError

    return (SecretStoreError, SecretAtRisk, VerificationFailed, InputError, EnvironmentNotReady, KeyboardInterrupt)


class Recovery:
    """Runs a stage's steps and survives what can be survived; one per run (the relogin cap is per run)."""

    def __init__(
        self, policy: Policy, on_new_page: Callable[[Page], None], sleep: Callable[[float], None] = blocking.sleep
    ) -> None:
        self.policy = policy
        self.on_new_page = on_new_page
        self.sleep = sleep
        self.budget = Budget()
        self.relogins = 0
        self.rng = random.Random()

    def run_stage(
        self,
        stage: m.Stage,
        session: Session,
        current: dict[str, Any],
        run_step: Callable[[m.StepBase, Session, dict[str, Any]], None],
        emit: Emit,
    ) -> None:
        steps, index, failures = stage.steps, 0, Counter[int]()
        never = _never_retry()
        while index < len(steps):
            step = steps[index]
            current["where"], current["index"] = str(step.where or ""), index
            error: BaseException | None = None
            try:
                run_step(step, session, current)
                diagnosis = None if step.in_page else diagnose(None, session.page, stage.stage)
            except never:
                raise
            except Exception as exc:
                log.debug("stage %s step %d raised", stage.stage, index, exc_info=True)
                error = exc
                diagnosis = diagnose(exc, session.page, stage.stage, creating=session.record.existed is False)
            if diagnosis is None:
                index += 1
                continue
            index = self._next(diagnosis, error, step, index, failures, stage.stage, session, emit)

    def _next(
        self,
        diagnosis: Diagnosis,
        error: BaseException | None,
        step: m.StepBase,
        index: int,
        failures: Counter[int],
        stage: str,
        session: Session,
        emit: Emit,
    ) -> int:
        """The index to continue at (0: the stage starts over), or raise the explained failure."""
        budget = self.budget
        if diagnosis.kind == "session" and stage != "login":
            if self.relogins >= self.policy.relogins:
                raise explain(error, diagnosis, stage, session.page, self.relogins)
            self.relogins += 1
            log.warning("stage %s: %s; logging in again", stage, diagnosis.reason)
            emit(
                "session ended: logged in again",
                "ok",
                f"the stage starts over ({self.relogins} of {self.policy.relogins})",
            )
            self.ensure_page(session)
            close_popups(session.page)
            self.call(lambda: session.log_in(session.page), session, stage)
            session.record = RecordState()
            return 0
        used = failures[index]  # this step's failures in a row: the backoff's exponent
        if diagnosis.kind not in ("transient", "conflict"):
            raise explain(error, diagnosis, stage, session.page, used)
        if step.retries is not None and used >= step.retries:
            raise explain(error, diagnosis, stage, session.page, used)
        if budget.retries >= self.policy.retries:
            raise explain(error, diagnosis, stage, session.page, budget.retries)
        failures[index] += 1
        budget.retries += 1
        pause = self.policy.pause(used, self.rng)
        restart = diagnosis.kind == "conflict" or m.action_of(step) not in REENTRANT
        what = "the stage starts over" if restart else "the step runs again"
        log.warning("stage %s: %s; %s after %.1f s", stage, diagnosis.reason, what, pause)
        emit(
            f"retry: {diagnosis.reason}",
            "ok",
            f"{what} after {pause:.1f} s (retry {budget.retries} of {self.policy.retries} this run)",
        )
        self.sleep(pause)  # backoff between attempts (see the module docstring)
        self.ensure_page(session)
        if restart:
            close_popups(session.page)
            session.record = RecordState()
            return 0
        return index

    def call(self, fn: Callable[[], T], session: Session, stage: str) -> T:
        """Run a whole action (a login) with the transient-failure policy of a re-entrant step."""
        never = _never_retry()
        attempt = 0
        while True:
            try:
                return fn()
            except never:
                raise
            except Exception as exc:
                diagnosis = diagnose(exc, session.page, "login") or Diagnosis("permanent", "")
                if diagnosis.kind != "transient" or self.budget.retries >= self.policy.retries:
                    raise explain(exc, diagnosis, stage, session.page, self.budget.retries) from None
                self.budget.retries += 1
                log.warning("stage %s: %s; trying again", stage, diagnosis.reason)
                self.sleep(self.policy.pause(attempt, self.rng))  # backoff between attempts
                self.ensure_page(session)
                attempt += 1

    def ensure_page(self, session: Session) -> None:
        """A closed page (renderer crash) is replaced by a new one in the same context (same cookies)."""
        if not session.page.is_closed():
            return
        page = session.page.context.new_page()
        page.set_default_timeout(session.timeout_ms)
        self.on_new_page(page)
        session.page = page


def close_popups(page: Page) -> None:
    """Close the named windows this page opened, before its stage starts over.

    A window left behind (a terms window that showed the login page when the session ended) keeps
    its name, and NetSuite's next ``window.open`` with that name reuses it instead of opening one:
    no popup event, and the stage waits for a window that never comes. Only named windows: a
    stage branch's window (engine/graph.py) is an unnamed popup of the same page and stays.
    """
    if page.is_closed():
        return
    for other in list(page.context.pages):
        try:
            if other is page or other.is_closed() or other.opener() != page:
                continue
            if other.evaluate("() => window.name"):
                other.close()
        except PlaywrightError:
            continue  # it closed or navigated meanwhile


def _first_line(text: str) -> str:
    text = text.strip()
    return redactor.redact(text.splitlines()[0] if text else text)
