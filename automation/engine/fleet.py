"""Many accounts at once: one Chromium, one isolated context per account, N accounts at a time.

Why threads: Playwright's sync API belongs to the thread that started it, and a flow blocks in
plain calls too (the keyring over D-Bus, the signed REST check, a 2FA code's wait), so each
account runs ``orchestrate.run_account`` in a worker thread with its own Playwright. All of them
connect to one Chromium behind ``LocalBrowserServer`` (or to the remote server of
``browser.connect``), each in its own context: cookies, storage and cache never cross accounts.

What the threads share is made safe here or at its source:
* the keyring: a backend (Secret Service over D-Bus, keyrings.alt files) is not documented as
  thread-safe, so for the run it is wrapped in one lock. Keyring calls take milliseconds; the
  browser work never waits for the lock.
* the manifest merges each save into the file's latest content under its own lock
  (secrets/manifest.py); the redactor is locked (secrets/redact.py).
* the console: each account's lines carry its name and are written whole (``AccountStream``);
  each account's log file takes its own thread's records (orchestrate.attach_log_file).
One account's failure (even a bug) becomes its failed result; the others go on.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, Any

from jaraco.classes.properties import classproperty
from keyring.backend import KeyringBackend

from automation.engine.events import RunResult
from automation.errors import NsautoError
from automation.secrets.redact import redactor

if TYPE_CHECKING:
    from collections.abc import Iterator

    from automation.browser import BrowserOptions
    from automation.config import Account, Config
    from automation.engine.loader import Flow
    from automation.engine.orchestrate import Recorder
    from automation.engine.runner import RunOptions

log = logging.getLogger("nsauto.fleet")


class SerialisedKeyring(KeyringBackend):
    """Another backend, one call at a time (installed for a parallel run, never chosen by detection)."""

    def __init__(self, inner: KeyringBackend) -> None:
        super().__init__()
        self.inner = inner
        self._lock = threading.RLock()

    @classproperty
    def priority(cls) -> float:
        raise RuntimeError("installed explicitly for a parallel run")

    def get_password(self, service: str, username: str) -> str | None:
        with self._lock:
            return self.inner.get_password(service, username)

    def set_password(self, service: str, username: str, password: str) -> None:
        with self._lock:
            self.inner.set_password(service, username, password)

    def delete_password(self, service: str, username: str) -> None:
        with self._lock:
            self.inner.delete_password(service, username)

    def get_credential(self, service: str, username: str | None) -> Any:
        with self._lock:
            return self.inner.get_credential(service, username)


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
) -> list[RunResult]:
    """Run every account, ``parallel`` at a time; results in the accounts' order, failures included."""
    from automation.secrets.store import require_writable_keyring

    out = stream or sys.stderr
    require_writable_keyring()  # once, before any browser: no account starts without a place for its secrets
    workers = max(1, min(parallel, len(accounts)))  # the cli runs --parallel 1 in turn, without this
    lock = threading.Lock()
    width = max((len(a.name) for a in accounts), default=0)
    with serialised_keyring(), _shared_browser(browser, workers) as (shared, stop_browser):

        def one(account: Account) -> RunResult:
            threading.current_thread().name = f"account:{account.name}"  # the run log keeps this thread's lines
            console = AccountStream(f"[{account.name:<{width}}] ", out, lock)
            return _run_one(config, account, flow, options, shared, browser, verbose, branches, recorder_for, console)

        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="account") as pool:
            futures = [pool.submit(one, account) for account in accounts]
            try:
                return [future.result() for future in futures]
            except KeyboardInterrupt:
                for future in futures:
                    future.cancel()  # accounts not started yet never start
                stop_browser()  # running accounts fail fast instead of finishing their flows
                raise


def _run_one(
    config: Config,
    account: Account,
    flow: Flow,
    options: RunOptions,
    shared: BrowserOptions,
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
    browser = own if recorder is not None else shared
    try:
        result = run_account(config, account, flow, options, browser, reporter, recorder=recorder, branches=branches)
    except Exception as exc:  # one account's failure, even a bug, leaves the others running
        log.debug("account %s failed", account.name, exc_info=True)
        result = failed_result(account, exc, options.plan)
        reporter.run_finished(result)
    for line in recorder.summary_lines() if recorder is not None and hasattr(recorder, "summary_lines") else []:
        console.write(line + "\n")
    console.flush()
    return result


@contextmanager
def _shared_browser(browser: BrowserOptions, workers: int) -> Iterator[tuple[BrowserOptions, Callable[[], None]]]:
    """Browser options that reach one Chromium for all workers, and how to stop it early."""
    if workers < 2 or browser.connect:  # one worker needs no sharing; a remote server is shared already
        yield browser, lambda: None
        return
    from automation.browserhost import LocalBrowserServer

    with LocalBrowserServer.start(browser) as server:
        yield server.options_for(browser), server.stop
