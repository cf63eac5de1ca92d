"""The loop that runs a flow's stages against one account, reporting as it goes.

`run`, `plan` and the tests plug different reporters into the same loop. A stage whose
``skip_if: verified`` holds is reported ok without opening a page. A failure stops the run,
leaves a masked screenshot, and the journal says which stage to resume from.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, Page
from playwright.sync_api import Error as PlaywrightError

from automation.engine import check, recovery, session_cache
from automation.engine import model as m
from automation.engine.events import Reporter, RunResult, StageResult, Status, StepResult
from automation.engine.journal import Journal
from automation.engine.loader import Flow
from automation.engine.session import RecordState, Session, Target
from automation.engine.steps import STEPS, arguments
from automation.engine.variables import resolve
from automation.errors import NsautoError, StepFailed
from automation.netsuite import ui
from automation.netsuite.login import Credentials, log_in
from automation.secrets.manifest import Manifest
from automation.secrets.redact import redactor
from automation.secrets.store import SecretStore

log = logging.getLogger("nsauto.run")


@dataclass
class RunOptions:
    plan: bool = False
    check: bool = False  # `nsauto check`: resolve every locator read-only (engine/check.py)
    only: list[str] = field(default_factory=list)
    from_stage: str | None = None
    resume: bool = False
    rotate: bool = False
    timeout_s: float = 60.0
    retries: int = 12  # transient failures survived per account run, all stages (the login too) together
    relogins: int = 2  # lost sessions survived per run (log in again, the stage starts over)
    fresh_login: bool = False  # ignore a kept session (engine/session_cache.py)
    artifacts: Path = Path("runs")

    @property
    def read_only(self) -> bool:
        """plan and check change nothing, so they leave the resume journal alone."""
        return self.plan or self.check


class Runner:
    def __init__(
        self,
        flow: Flow,
        target: Target,
        variables: dict[str, Any],
        credentials: Callable[[], Credentials],
        store: SecretStore,
        reporter: Reporter,
        options: RunOptions,
        run_dir: Path,
        run_id: str,
        before_action: Callable[[Any, str], None] | None = None,
    ) -> None:
        self.before_action = before_action
        self.flow = flow
        self.target = target
        self.variables = variables
        self.credentials = credentials
        self.store = store
        self.reporter = reporter
        self.options = options
        self.run_dir = run_dir
        self.run_id = run_id
        self.journal = Journal.for_account(options.artifacts, target.name)
        self._timeout_cap_s: float | None = None
        self.rows_read: dict[tuple[str, str], dict] = {}  # every page of this account's run reads and adds to it
        self.read_ahead: dict[tuple[str, str], dict | None] = {}  # and these (engine/readahead.py)
        self.read_ahead_taken: set[tuple[str, str]] = set()

    def run(self, context: BrowserContext) -> RunResult:
        mode = "check" if self.options.check else "plan" if self.options.plan else "run"
        result = RunResult(
            account=self.target.name,
            account_id=self.target.account_id,
            mode=mode,
            service=self.store.service,
            artifacts=str(self.run_dir),
        )
        started = time.monotonic()
        self.reporter.run_started(self.target.name, self.target.account_id, mode, self.target.ui_url)
        page = context.new_page()
        page.set_default_timeout(self.options.timeout_s * 1000)
        session = self._session(page)
        page.on("dialog", lambda dialog: on_dialog(dialog, session))
        self.recovery = recovery.Recovery(
            recovery.Policy(retries=self.options.retries, relogins=self.options.relogins),
            on_new_page=lambda new: new.on("dialog", lambda dialog: on_dialog(dialog, session)),
        )
        stages = self._selected_stages()
        if not self.options.read_only:
            self.journal.begin(self.run_id, resume=self.options.resume)
        try:
            self._run_stages(stages, session, result)
        finally:
            result.seconds = time.monotonic() - started
            result.stored_secrets = list(session.stored)
            self.reporter.run_finished(result)
        return result

    def _run_stages(self, stages: list[str], session: Session, result: RunResult) -> None:
        """The selected stages one after another (engine.graph.GraphRunner runs independent ones at once)."""
        logged_in = False
        for stage in self.flow.stages:
            if stage.stage not in stages:
                continue
            if stage.stage != "login" and not logged_in and "login" not in stages:
                self.recovery.call(lambda: session.log_in(session.page), session, stage.stage)  # needs a session
                logged_in = True  # once: a second login would spend another 2FA code
            stage_result = self.run_stage(stage, session, result)
            if stage.stage == "login":
                logged_in = True
            if self._stops_run(stage.stage, stage_result.status):
                break

    def _stops_run(self, stage: str, status: Status) -> bool:
        """A failed stage ends the run; a check goes on (the next stage's pages can still be read)."""
        return status == "failed" and not (self.options.check and stage != "login")

    def _session(self, page: Page) -> Session:
        def do_log_in(p: Page) -> str:
            creds = self.credentials()
            return log_in(
                p,
                self.target.ui_url,
                self.target.account_id,
                creds,
                self.options.timeout_s * 1000,
                redactor.add,
            )

        manifest = Manifest.load()
        manifest.names[self.target.account_id] = self.target.name  # `secrets export --account NAME` without a config
        return Session(
            page=page,
            target=self.target,
            variables=dict(self.variables),
            store=self.store,
            manifest=manifest,
            run_id=self.run_id,
            plan=self.options.plan,
            check=self.options.check,
            timeout_ms=self.options.timeout_s * 1000,
            log_in=session_cache.cached_login(
                do_log_in, self.target.account_id, self.target.ui_url, self.options.fresh_login
            ),
            before_action=self.before_action or (lambda locator, what: None),
            rows_read=self.rows_read,
            read_ahead=self.read_ahead,
            read_ahead_taken=self.read_ahead_taken,
        )

    def _selected_stages(self) -> list[str]:
        names = [stage.stage for stage in self.flow.stages]
        if self.options.only:
            return [n for n in names if n in self.options.only]
        start = self.options.from_stage
        if self.options.resume and not self.options.plan:
            start = self.journal.resume_point(names)
            if start is None:
                return []  # the last run finished every stage: nothing to resume
        if start:
            return names[names.index(start) :]
        return names

    def run_stage(self, stage: m.Stage, session: Session, result: RunResult) -> StageResult:
        title = stage.title or stage.stage
        stage_result = StageResult(stage.stage, title)
        result.stages.append(stage_result)
        self.reporter.stage_started(stage.stage, title)
        started = time.monotonic()
        session.record = RecordState()

        def emit(item: str, status: Status, detail: str = "", facts: dict[str, Any] | None = None) -> None:
            if session.drift:  # found by a fallback locator: say so, the first one has drifted
                detail, session.drift = f"{detail}; {session.drift}" if detail else session.drift, ""
            step = StepResult(stage.stage, redactor.redact(item), status, redactor.redact(detail), current["where"])
            step.facts = {k: redactor.redact(v) if isinstance(v, str) else v for k, v in (facts or {}).items()}
            step.seconds = time.monotonic() - current["started"]
            stage_result.steps.append(step)
            self.reporter.step_finished(step)
            log.info("%s | %s | %s | %s", stage.stage, status, step.item, step.detail)

        current: dict[str, Any] = {"where": "", "started": started, "stage": stage.stage, "index": 0}
        session.emit = emit
        # In a plan, a stage whose prerequisites would change reads a page that may not be set up yet
        # (no TBA feature, no role): what it cannot read is reported as changing after them.
        pending = self._pending_prerequisites(stage, result) if self.options.plan else []
        if self.options.check:  # what the stages it needs would still change (check.appears_later)
            session.check_context = check.stage_context(self.flow, stage, result)
        self._timeout_cap_s = 5.0 if pending else None
        try:
            if stage.skip_if and not self.options.rotate and not self.options.check:
                verified = session.stage_verified(stage.skip_if)
                if verified is not None and verified.ok:
                    current["where"] = str(stage.where or "")
                    emit("stored credentials pass a signed REST call", "ok", "stage skipped")
                    return self._finish_stage(stage_result, started, "ok")
            self.recovery.run_stage(stage, session, current, self._run_step, emit)
        except Exception as exc:
            if not pending:
                return self._stage_failed(stage_result, session, exc, current, result, started)
            for step in stage.steps[current["index"] :]:
                current["where"] = str(step.where or "")
                try:
                    args = resolve(arguments(step), session.variables)
                except NsautoError:  # ${item} and lookups exist only while running
                    args = arguments(step)
                emit(_describe(step, args), "would-change", f"after {', '.join(pending)}")
        finally:
            self._timeout_cap_s = None
        statuses = {step.status for step in stage_result.steps}
        status: Status = "would-change" if "would-change" in statuses else "changed" if "changed" in statuses else "ok"
        if not self.options.read_only:
            self.journal.stage_done(stage.stage)
        return self._finish_stage(stage_result, started, status)

    def _pending_prerequisites(self, stage: m.Stage, result: RunResult) -> list[str]:
        """Stages this one needs (directly or not) that the plan found changes in."""
        changing = {s.name for s in result.stages if s.status == "would-change"}
        needs, seen = list(stage.needs), set()
        while needs:
            name = needs.pop()
            if name in seen:
                continue
            seen.add(name)
            with contextlib.suppress(KeyError):
                needs.extend(self.flow.stage(name).needs)
        return sorted(seen & changing)

    def _stage_failed(
        self,
        stage_result: StageResult,
        session: Session,
        exc: Exception,
        current: dict[str, Any],
        result: RunResult,
        started: float,
    ) -> StageResult:
        if isinstance(exc, NsautoError):
            self._fail(stage_result, session, exc, current["where"], result)
            return self._finish_stage(stage_result, started, "failed")
        # A bug or a Playwright error: still a clean stop with a screenshot.
        log.debug("stage %s raised", stage_result.name, exc_info=exc)
        text = _first_line(str(exc)) if isinstance(exc, PlaywrightError) else f"{type(exc).__name__}: {exc}"
        error = StepFailed(f"{_first_line(text)} on {session.page.url}", "run with --headed or --debug to see more")
        self._fail(stage_result, session, error, current["where"], result)
        return self._finish_stage(stage_result, started, "failed")

    def _run_step(self, step: m.StepBase, session: Session, current: dict[str, Any]) -> None:
        fn = STEPS[m.action_of(step)]
        if session.record.skip_rest:  # find_record skip_if_absent: no record, nothing to take down
            return
        raw = arguments(step)
        items = [None]
        if step.for_each:
            listed = resolve(step.for_each, session.variables)
            items = listed if isinstance(listed, list) else [listed]
        for item in items:
            variables = {**session.variables, "item": item} if step.for_each else session.variables
            args = resolve(raw, variables)
            current["started"] = time.monotonic()
            seconds = step.timeout or self.options.timeout_s
            session.timeout_ms = min(seconds, self._timeout_cap_s or seconds) * 1000
            self.reporter.step_started(current["stage"], _describe(step, args))
            try:
                fn(session, args)
            except StepFailed as exc:
                if not self.options.check:
                    raise
                check.problem(session, _describe(step, args), m.action_of(step), raw, exc)  # and go on
        session.timeout_ms = self.options.timeout_s * 1000

    def _fail(
        self, stage_result: StageResult, session: Session, exc: NsautoError, where: str, result: RunResult
    ) -> None:
        message = redactor.redact(exc.message)
        step = StepResult(stage_result.name, "failed", "failed", message, where)
        stage_result.steps.append(step)
        self.reporter.step_finished(step)
        stage_result.screenshot = self._screenshot(session, stage_result.name)
        result.error = f"{where}: {message}" if where else message
        result.hint = redactor.redact(exc.hint) if exc.hint else None
        result.resume_from = stage_result.name
        result.exit_code = int(exc.exit_code)
        log.error("stage %s failed at %s: %s", stage_result.name, where, message)
        if not self.options.read_only:
            self.journal.stage_failed(stage_result.name, where)

    def _screenshot(self, session: Session, stage: str) -> str | None:
        """A failure screenshot with password inputs and captured-secret fields masked."""
        path = self.run_dir / f"failure-{stage}.png"
        try:
            mask = [session.page.locator("input[type=password]")]
            for label in _secret_labels(self.flow):
                mask.append(session.page.locator(f'div.uir-field-wrapper[data-nsps-label="{label}"]'))
            session.page.screenshot(path=str(path), mask=mask, full_page=True, timeout=10_000)
            return str(path)
        except PlaywrightError:
            return None

    def _finish_stage(self, stage_result: StageResult, started: float, status: Status) -> StageResult:
        stage_result.status = status
        stage_result.seconds = time.monotonic() - started
        self.reporter.stage_finished(stage_result)
        return stage_result


def _secret_labels(flow: Flow) -> list[str]:
    labels: list[str] = []
    for stage in flow.stages:
        for step in stage.steps:
            if isinstance(step, m.Capture):
                labels.extend(step.capture.secrets.values())
    return labels


def _describe(step: m.StepBase, args: Any) -> str:
    if step.name:
        return step.name
    action = m.action_of(step)
    if isinstance(args, dict):
        field = args.get("field")  # a label, or a list of labels tried in order
        label = (ui.field_name(field) if field else "") or args.get("name") or args.get("button") or ""
        return redactor.redact(f"{action} {label}".strip())
    return redactor.redact(f"{action} {args}")


def on_dialog(dialog: Any, session: Session) -> None:
    """NetSuite uses native alert() for refusals and confirm() before destructive buttons."""
    if dialog.type == "alert":  # a confirm() is a question the flow answers yes to, not a refusal
        session.alerts.append(redactor.redact(dialog.message))
    log.info("dialog %s: %s", dialog.type, redactor.redact(dialog.message))
    try:
        dialog.accept()
    except PlaywrightError as exc:
        # Its page went away meanwhile (a terms window that closed itself): nothing is left to answer,
        # and an error raised in this handler would stop Playwright's loop and hang the run.
        log.info("dialog %s not answered: %s", dialog.type, _first_line(str(exc)))


def _first_line(text: str) -> str:
    return redactor.redact(text.strip().splitlines()[0] if text.strip() else text)
