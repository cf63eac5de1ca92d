"""Many accounts at once: one Chromium, one isolated context per account, N accounts at a time.

How: one thread, one Playwright, one browser. Each running account is a greenlet on Playwright's
event loop (engine/cooperative.py), in its own browser context (cookies, storage and cache never
cross accounts): while one account waits for NetSuite, the others' Playwright calls go on. Not a
thread per account: Playwright's sync API gives each thread its own Node driver (~75 MiB each,
half of what an account cost) and the threads then need a browser server between them; and the
Python work of all accounts shares one interpreter lock either way. What waits without a
Playwright call (a keyring call over D-Bus, the signed REST check, a 2FA code's wait, a retry's
backoff) goes through ``automation.blocking``, installed here: it runs on a worker thread, or on
the loop's timer, and holds only its own account.

What the accounts share is made safe here or at its source:
* the keyring: a backend (Secret Service over D-Bus, keyrings.alt files) is not documented as
  thread-safe, and its calls now run on worker threads: for the run it is wrapped in one lock.
* the manifest merges each save into the file's latest content under its own lock
  (secrets/manifest.py); the redactor is locked (secrets/redact.py).
* the console: each account's lines carry its name and are written whole (``AccountStream``);
  each account's log file takes its own greenlet's records (orchestrate.attach_log_file).
One account's failure (even a bug) becomes its failed result; the others go on.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable, Sequence
from contextlib import contextmanager, nullcontext
from typing import IO, TYPE_CHECKING, Any

from jaraco.classes.properties import classproperty
from keyring.backend import KeyringBackend

from automation import blocking
from automation.engine.events import RunResult
from automation.errors import NsautoError
from automation.secrets.redact import redactor

if TYPE_CHECKING:
    from collections.abc import Iterator

    from playwright.sync_api import Browser, Playwright

    from automation.browser import BrowserOptions
    from automation.config import Account, Config
    from automation.engine.cooperative import Cooperative
    from automation.engine.loader import Flow
    from automation.engine.orchestrate import Recorder
    from automation.engine.runner import RunOptions

log = logging.getLogger("nsauto.fleet")


class SerialisedKeyring(KeyringBackend):
    """Another backend, one call at a time on a worker thread (installed for a parallel run only)."""

    def __init__(self, inner: KeyringBackend) -> None:
        super().__init__()
        self.inner = inner
        self._lock = threading.RLock()

    @classproperty
    def priority(cls) -> float:
        raise RuntimeError("installed explicitly for a parallel run")

    def _one_at_a_time(self, fn: Callable[..., Any], *args: Any) -> Any:
        with self._lock:
            return fn(*args)

    def get_password(self, service: str, username: str) -> str | None:
        return blocking.call(self._one_at_a_time, self.inner.get_password, service, username)

    def set_password(self, service: str, username: str, password: str) -> None:
        blocking.call(self._one_at_a_time, self.inner.set_password, service, username, password)

    def delete_password(self, service: str, username: str) -> None:
        blocking.call(self._one_at_a_time, self.inner.delete_password, service, username)

    def get_credential(self, service: str, username: str | None) -> Any:
        return blocking.call(self._one_at_a_time, self.inner.get_credential, service, username)


@contextmanager
def serialised_keyring() -> Iterator[None]:
    """The process's keyring, one call at a time, for the duration of the block."""
    import keyring

    current = keyring.get_keyring()
    if isinstance(current, SerialisedKeyring):
        yield
        return
    keyring.set_keyring(SerialisedKeyring(current))
    try:
        yield
    finally:
        keyring.set_keyring(current)


class AccountStream:
    """A text stream that writes whole lines, each prefixed with the account, under one shared lock."""

    def __init__(self, prefix: str, out: IO[str], lock: threading.Lock) -> None:
        self.prefix = prefix
        self.out = out
        self.lock = lock
        self._partial = ""

    def write(self, text: str) -> int:
        self._partial += text
        *lines, self._partial = self._partial.split("\n")
        if lines:
            with self.lock:
                for line in lines:
                    self.out.write(f"{self.prefix}{line}\n" if line else "\n")
                self.out.flush()
        return len(text)

    def flush(self) -> None:
        if self._partial:
            self.write("\n")

    def isatty(self) -> bool:
        return False  # plain lines: a spinner per account would fight over the one terminal line


def failed_result(account: Account, exc: BaseException, plan: bool) -> RunResult:
    """An account that failed before or outside its stages (bad credentials reference, a bug)."""
    if isinstance(exc, NsautoError):
        message, hint, code = exc.message, exc.hint, int(exc.exit_code)
    else:
        message, hint, code = f"internal error: {type(exc).__name__}: {exc}", "run with --debug and report it", 1
    return RunResult(
        account=account.name,
        account_id=account.account_id,
        mode="plan" if plan else "run",
        error=redactor.redact(message),
        hint=redactor.redact(hint) if hint else None,
        exit_code=code,
    )


def run_fleet(
    config: Config,
    accounts: Sequence[Account],
    flow: Flow,
    options: RunOptions,
    browser: BrowserOptions,
    parallel: int,
    *,
    verbose: bool = False,
    branches: bool = True,
    recorder_for: Callable[[], Recorder | None] | None = None,
    stream: IO[str] | None = None,
    playwright: Playwright | None = None,
) -> list[RunResult]:
    """Run every account, ``parallel`` at a time; results in the accounts' order, failures included
    (on ``playwright``'s driver when given, else on one it starts)."""
    from playwright.sync_api import sync_playwright

    from automation.browser import launch
    from automation.engine.cooperative import Cooperative
    from automation.engine.graph import MAX_LANES
    from automation.secrets.store import require_writable_keyring

    out = stream or sys.stderr
    require_writable_keyring()  # once, before any browser: no account starts without a place for its secrets
    workers = max(1, min(parallel, len(accounts)))  # the cli runs --parallel 1 in turn, without this
    lock = threading.Lock()
    width = max((len(a.name) for a in accounts), default=0)
    results: list[RunResult | None] = [None] * len(accounts)
    with serialised_keyring(), nullcontext(playwright) if playwright else sync_playwright() as pw:
        shared = launch(pw, browser)

        def one(index: int) -> None:
            account = accounts[index]
            console = AccountStream(f"[{account.name:<{width}}] ", out, lock)
            results[index] = _run_one(
                config, account, flow, options, pw, shared, browser, verbose, branches, recorder_for, console
            )

        try:
            if not Cooperative.available(pw):  # Playwright's greenlet plumbing moved: correct, in turn
                log.warning("Playwright offers no greenlet plumbing: the accounts run one after another")
                for index in range(len(accounts)):
                    one(index)
            else:
                # Each account may wait on one call per stage branch at once (graph.MAX_LANES).
                coop = Cooperative(pw, workers=workers * MAX_LANES)
                try:
                    with blocking.waiting_with(coop):
                        _schedule(coop, [a.name for a in accounts], one, workers)
                finally:
                    coop.close()
        finally:
            shared.close()
    return [result for result in results if result is not None]


def _schedule(coop: Cooperative, names: Sequence[str], body: Callable[[int], None], workers: int) -> None:
    """``body(i)`` for every index, at most ``workers`` at a time, each in a greenlet of its own."""
    pending = list(range(len(names)))
    running: set[int] = set()
    finished: list[tuple[int, BaseException | None]] = []
    wake = [coop.future()]

    def start(index: int) -> None:
        def run() -> None:
            error: BaseException | None = None
            try:
                body(index)
            except BaseException as exc:  # handed to the scheduler, which raises it (KeyboardInterrupt)
                error = exc
            finished.append((index, error))
            if not wake[0].done():
                wake[0].set_result(None)

        running.add(index)
        coop.spawn(run, worker=f"account:{names[index]}")

    while pending or running:
        while pending and len(running) < workers:
            start(pending.pop(0))
        coop.wait(wake[0])
        wake[0] = coop.future()
        while finished:
            index, error = finished.pop()
            running.discard(index)
            if error is not None:
                raise error


def _run_one(
    config: Config,
    account: Account,
    flow: Flow,
    options: RunOptions,
    pw: Playwright,
    shared: Browser,
    own: BrowserOptions,
    verbose: bool,
    branches: bool,
    recorder_for: Callable[[], Recorder | None] | None,
    console: AccountStream,
) -> RunResult:
    from automation.engine.orchestrate import run_account
    from automation.report.console import ConsoleReporter

    recorder = recorder_for() if recorder_for else None
    reporter = ConsoleReporter(stream=console, verbose=verbose)  # type: ignore[arg-type]
    # A recording's video and trace are files of the browser's machine: that account launches its own.
    browser = None if recorder is not None else shared
    try:
        result = run_account(
            config, account, flow, options, own, reporter, recorder, branches, playwright=pw, browser=browser
        )
    except Exception as exc:  # one account's failure, even a bug, leaves the others running
        log.debug("account %s failed", account.name, exc_info=True)
        result = failed_result(account, exc, options.plan)
        reporter.run_finished(result)
    for line in recorder.summary_lines() if recorder is not None and hasattr(recorder, "summary_lines") else []:
        console.write(line + "\n")
    console.flush()
    return result
