"""engine/recovery.py without a browser: diagnosis, messages, and the retry/relogin loop.

(The secrets recovery file has its own tests in test_recovery.py.)
"""

from __future__ import annotations

import inspect
import random
from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from automation.engine import model as m
from automation.engine.recovery import (
    Diagnosis,
    PageRefused,
    Policy,
    Recovery,
    SessionLost,
    diagnose,
    explain,
)
from automation.engine.session import RecordState
from automation.errors import NsautoError, StepFailed, VerificationFailed

APP = "https://1234567-sb1.app.netsuite.com"


class FakePage:
    """Just what recovery reads: url, is_closed, one evaluate that describes the page."""

    def __init__(self, url: str = APP + "/app/setup/role.nl", title: str = "Role", heading: str = "", alert: str = ""):
        self.url, self.closed = url, False
        self.view = {"title": title, "heading": heading, "alert": alert}
        self.context = self
        self.pages: list[FakePage] = [self]  # the context's pages (context is self)
        self.opened_by: FakePage | None = None
        self.name = ""  # window.name

    def opener(self) -> FakePage | None:
        return self.opened_by

    def close(self) -> None:
        self.closed = True

    def is_closed(self) -> bool:
        return self.closed

    def evaluate(self, script: str) -> Any:
        return self.name if "window.name" in script else self.view

    def new_page(self) -> FakePage:
        return FakePage()

    def set_default_timeout(self, ms: float) -> None:
        pass


ERROR_PAGE = {"title": "Error - NetSuite", "heading": "An Unexpected Error Has Occurred", "alert": "Error ID: 12"}


def test_error_page_is_transient_whatever_the_step_said() -> None:
    page = FakePage(**ERROR_PAGE)
    got = diagnose(StepFailed("no field labelled 'Name' on ..."), page, "role")
    assert got is not None and got.kind == "transient" and got.said == "Error ID: 12"


def test_login_url_is_a_lost_session_except_in_the_login_stage() -> None:
    page = FakePage(APP + "/app/login/secure/enterpriselogin.nl?c=1&redirect=x")
    assert diagnose(None, page, "role") == Diagnosis("session", "the NetSuite session ended")
    assert diagnose(None, page, "login") is None
    assert diagnose(SessionLost("popup"), FakePage(), "features").kind == "session"


def test_no_privileges_is_permanent_and_explained_with_stage_page_and_words() -> None:
    page = FakePage(title="Error", heading="Error", alert="You do not have privileges to view this page.")
    got = diagnose(None, page, "role")
    assert got is not None and got.kind == "permanent" and got.refusal == "privileges"
    error = explain(None, got, "role", page)
    assert (
        error.message
        == "stage 'role': NetSuite refused /app/setup/role.nl: \"You do not have privileges to view this page.\""
    )
    assert "permission" in (error.hint or "")


def test_already_exists_while_creating_is_a_conflict_not_otherwise() -> None:
    exc = StepFailed("NetSuite refused the save: A role with that name already exists.")
    assert diagnose(exc, FakePage(), "role", creating=True).kind == "conflict"
    assert diagnose(exc, FakePage(), "role", creating=False).kind == "permanent"


@pytest.mark.parametrize(
    "exc",
    [
        PlaywrightTimeout('Timeout 60000ms exceeded.\nnavigating to "https://x", waiting until "domcontentloaded"'),
        PlaywrightError("net::ERR_CONNECTION_RESET at https://x"),
        PlaywrightError("Target page, context or browser has been closed"),
        StepFailed("NetSuite did not answer within 60 s on https://x"),
        StepFailed("NetSuite answered its login page with HTTP 503"),
        PageRefused("NetSuite answered /app/x with HTTP 500: an error page"),
    ],
)
def test_transient_errors(exc: Exception) -> None:
    assert diagnose(exc, FakePage(), "role").kind == "transient"


@pytest.mark.parametrize(
    "exc",
    [
        PlaywrightTimeout("Timeout 5000ms exceeded. waiting for locator('#x')"),  # an element, not a navigation
        StepFailed("the dropdown 'Role' has no option 'Admin'"),
    ],
)
def test_permanent_errors(exc: Exception) -> None:
    assert diagnose(exc, FakePage(), "role").kind == "permanent"


def test_missing_feature_box_is_explained_as_not_available() -> None:
    page = FakePage(APP + "/app/setup/features.nl?whence=", title="Enable Features")
    exc = StepFailed(f"no field labelled 'Token-Based Authentication' on {page.url}")
    got = diagnose(exc, page, "features")
    error = explain(exc, got, "features", page)
    assert "stage 'features'" in error.message and "not available on this account" in error.message
    assert "/app/setup/features.nl" in error.message


def test_explain_keeps_keyring_and_verification_errors_as_they_are() -> None:
    exc = VerificationFailed("NetSuite refused a signed REST call", "check the role")
    assert explain(exc, Diagnosis("permanent", ""), "token", FakePage()) is exc


def test_backoff_doubles_and_is_capped() -> None:
    assert [Policy().ceiling(n) for n in range(6)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    assert [Policy(jitter=False).pause(n) for n in range(6)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]


def test_backoff_has_full_jitter_under_the_ceiling() -> None:
    rng = random.Random(7)
    for attempt in range(6):
        pauses = [Policy().pause(attempt, rng) for _ in range(200)]
        ceiling = Policy().ceiling(attempt)
        assert all(0.0 <= p <= ceiling for p in pauses)
        assert min(pauses) < ceiling / 4 and max(pauses) > ceiling * 3 / 4  # spread over the range


# ---- the loop --------------------------------------------------------------------------------


class FakeSession:
    def __init__(self, page: FakePage) -> None:
        self.page = page
        self.record = RecordState()
        self.timeout_ms = 1000.0
        self.logins = 0

    def log_in(self, page: Any) -> str:
        self.logins += 1
        self.page.url = APP + "/app/center/card.nl"
        self.page.view = {"title": "Home", "heading": "", "alert": ""}
        return self.page.url


def _stage(*steps: m.StepBase) -> m.Stage:
    return m.Stage(stage="role", steps=list(steps))


def _run(stage: m.Stage, session: FakeSession, behaviour: dict[int, list[Any]], policy: Policy | None = None):
    """Run with step i doing behaviour[i].pop(0) each time (an exception to raise, or a page change)."""
    calls: list[int] = []
    sleeps: list[float] = []
    emitted: list[str] = []

    def run_step(step: m.StepBase, s: Any, current: dict[str, Any]) -> None:
        index = current["index"]
        calls.append(index)
        todo = behaviour.get(index, [])
        action = todo.pop(0) if todo else None
        if isinstance(action, BaseException):
            raise action
        if callable(action):
            action(s)

    recovery = Recovery(policy or Policy(jitter=False), on_new_page=lambda page: None, sleep=sleeps.append)
    recovery.run_stage(stage, session, {"where": ""}, run_step, lambda item, status, detail="": emitted.append(item))
    return calls, sleeps, emitted


def test_a_navigating_step_is_repeated_after_a_transient_failure() -> None:
    session = FakeSession(FakePage())
    stage = _stage(m.Open(open="/a"), m.Save())
    calls, sleeps, emitted = _run(stage, session, {0: [PlaywrightError("net::ERR_EMPTY_RESPONSE")]})
    assert calls == [0, 0, 1] and sleeps == [0.5] and emitted == ["retry: net::ERR_EMPTY_RESPONSE"]


def test_a_page_step_failing_transiently_starts_the_stage_over() -> None:
    session = FakeSession(FakePage())
    error_page = lambda s: s.page.view.update(ERROR_PAGE)  # noqa: E731 - the save 'succeeded' onto an error page
    back = lambda s: s.page.view.update(title="Role", heading="", alert="")  # noqa: E731
    calls, sleeps, _ = _run(_stage(m.Open(open="/a"), m.Save()), session, {0: [None, back], 1: [error_page]})
    assert calls == [0, 1, 0, 1] and sleeps == [0.5]


def test_retries_are_capped_by_the_step_then_the_failure_is_explained() -> None:
    session = FakeSession(FakePage())
    stage = _stage(m.Open(open="/a", retries=1))
    with pytest.raises(StepFailed, match=r"stage 'role': .*still after 1 retries"):
        _run(stage, session, {0: [PlaywrightError("net::ERR_CONNECTION_RESET")] * 3})


def test_a_lost_session_logs_in_again_and_restarts_the_stage_within_the_cap() -> None:
    session = FakeSession(FakePage())
    to_login = lambda s: setattr(s.page, "url", APP + "/app/login/secure/enterpriselogin.nl")  # noqa: E731
    calls, _, emitted = _run(_stage(m.Open(open="/a"), m.Save()), session, {1: [to_login]})
    assert calls == [0, 1, 0, 1] and session.logins == 1 and emitted == ["session ended: logged in again"]
    with pytest.raises(StepFailed, match="session kept ending"):
        _run(_stage(m.Open(open="/a")), FakeSession(FakePage()), {0: [to_login] * 5}, Policy(relogins=2))


def test_a_permanent_failure_is_not_retried() -> None:
    session = FakeSession(FakePage())
    with pytest.raises(StepFailed, match="stage 'role': the dropdown"):
        _run(_stage(m.Open(open="/a")), session, {0: [StepFailed("the dropdown 'X' has no option 'Y'")]})


def test_a_closed_page_is_replaced() -> None:
    session = FakeSession(FakePage())
    first = session.page
    calls, _, _ = _run(_stage(m.Open(open="/a")), session, {0: [lambda s: setattr(s.page, "closed", True)]})
    assert calls == [0, 0] and session.page is not first


def test_retries_are_a_budget_per_run_not_per_step() -> None:
    """Errors spread over many steps survive (old: 2 per step); the run's budget still ends it."""
    reset = PlaywrightError("net::ERR_CONNECTION_RESET")
    stage = _stage(*(m.Open(open=f"/{i}") for i in range(6)))
    behaviour = {i: [reset, reset, reset] for i in range(4)}  # 3 in a row at 4 steps: 12 in all
    calls, sleeps, _ = _run(stage, FakeSession(FakePage()), behaviour)
    assert len(sleeps) == 12 and calls[-2:] == [4, 5]
    assert sleeps[:3] == [0.5, 1.0, 2.0]  # the exponent is this step's failures in a row
    behaviour = {i: [reset, reset, reset] for i in range(5)}  # one more than the budget
    with pytest.raises(StepFailed, match=r"stage 'role': .*still after 12 retries"):
        _run(stage, FakeSession(FakePage()), behaviour)


def test_the_budget_is_shared_with_a_copy_of_the_recovery_and_the_login() -> None:
    """engine/graph.py runs branches on copy.copy(recovery): they draw on one budget."""
    import copy

    recovery = Recovery(Policy(retries=3, jitter=False), on_new_page=lambda page: None, sleep=lambda s: None)
    branch = copy.copy(recovery)
    session = FakeSession(FakePage())
    failures = iter([PlaywrightError("net::ERR_CONNECTION_RESET")] * 2)

    def flaky_login() -> str:
        exc = next(failures, None)
        if exc:
            raise exc
        return "ok"

    assert branch.call(flaky_login, session, "features") == "ok"
    assert recovery.budget.retries == 2
    with pytest.raises(StepFailed, match="still after 3 retries"):
        recovery.call(lambda: (_ for _ in ()).throw(PlaywrightError("net::ERR_CONNECTION_RESET")), session, "role")


def test_a_session_expired_box_at_the_forms_own_url_is_a_lost_session() -> None:
    """Dial session_end=error_page: the Save answers at role.nl with an error box, not the login."""
    for said in (
        "Your session has expired. Please log in again.",
        "Your session has timed out. Please log in again to continue.",
    ):
        page = FakePage(title="Error - NetSuite", heading="Error", alert=said)
        got = diagnose(StepFailed(f"NetSuite refused the save: {said}"), page, "role")
        assert got is not None and got.kind == "session", said
    other = FakePage(title="Role", alert="A role with that name already exists.")
    assert diagnose(StepFailed("NetSuite refused the save: x"), other, "role").kind == "permanent"


def test_a_form_refused_as_expired_is_transient_the_stage_starts_over() -> None:
    """A branch's re-login replaced the session: another branch's open form is refused on Save."""
    said = "Your form submission has expired. Reload the page and try again."
    page = FakePage(title="Error - NetSuite", heading="Error", alert=said)
    got = diagnose(StepFailed(f"NetSuite refused the save: {said}"), page, "role")
    assert got is not None and got.kind == "transient" and got.said == said


def _all_subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_all_subclasses(sub)]
    return found


def _instance(cls: type[NsautoError]) -> NsautoError:
    """One of each, with whatever keyword-only arguments its constructor insists on."""
    extra = {
        name: "x"
        for name, param in inspect.signature(cls.__init__).parameters.items()
        if param.kind is inspect.Parameter.KEYWORD_ONLY and param.default is inspect.Parameter.empty
    }
    return cls("the original message", "the original hint", **extra)


def test_every_error_class_survives_the_explain_rebuild() -> None:
    """Item 8: explain() rebuilt errors with type(exc)(message, hint): FieldNotFound(problem=) crashed."""
    import automation.engine.check  # NotCheckable
    import automation.netsuite.totp  # InvalidTotpSeed
    import automation.netsuite.ui  # FieldNotFound
    import automation.secrets.store  # noqa: F401 - SecretStoreError

    classes = [NsautoError, *_all_subclasses(NsautoError)]
    assert {"FieldNotFound", "SecretStoreError", "SessionLost", "InvalidTotpSeed"} <= {c.__name__ for c in classes}
    for cls in classes:
        exc = _instance(cls)
        got = explain(exc, Diagnosis("permanent", "", "NetSuite said no"), "role", FakePage())
        assert isinstance(got, NsautoError), cls
        if isinstance(exc, StepFailed):
            assert type(got) is cls, cls
            assert got.message.startswith("stage 'role': the original message"), (cls, got.message)
            assert 'NetSuite says: "NetSuite said no"' in got.message and got.hint == "the original hint"
            assert str(got) == got.message and got.args == (got.message,)
            assert {k: v for k, v in vars(got).items() if k not in ("message", "hint")} == {
                k: v for k, v in vars(exc).items() if k not in ("message", "hint")
            }, cls
        else:
            assert got is exc, cls  # keyring, input and verification errors keep their own message
        clone = exc.with_message("new", "newer")
        assert type(clone) is cls and clone.message == "new" and clone.hint == "newer" and exc.message != "new"


def test_a_missing_field_keeps_its_structure_through_explain() -> None:
    from automation.netsuite.ui import FieldNotFound

    exc = FieldNotFound("no field labelled 'Name' on x", "did you mean 'Nome'?", problem="missing", closest=["Nome"])
    got = explain(exc, Diagnosis("permanent", ""), "role", FakePage())
    assert isinstance(got, FieldNotFound) and got.problem == "missing" and got.closest == ["Nome"]
    assert got.message == "stage 'role': no field labelled 'Name' on x (on /app/setup/role.nl)"


def test_a_stage_that_starts_over_closes_the_windows_its_page_opened() -> None:
    """A terms window left on the login page keeps its name: NetSuite's next window.open reuses it."""
    session = FakeSession(FakePage())
    popup, branch, stranger = FakePage(APP + "/app/login/secure/enterpriselogin.nl"), FakePage(), FakePage()
    popup.opened_by = branch.opened_by = session.page
    popup.name = "suitecloudterms_tba_1"  # a stage branch's window (engine/graph.py) has no name
    session.page.pages += [popup, branch, stranger]
    to_login = lambda s: setattr(s.page, "url", APP + "/app/login/secure/enterpriselogin.nl")  # noqa: E731
    _run(_stage(m.Open(open="/a"), m.Save()), session, {1: [to_login]})
    assert popup.closed and not branch.closed and not stranger.closed and not session.page.closed
