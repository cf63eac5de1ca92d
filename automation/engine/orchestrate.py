"""From a validated config to a finished run: preflight, browser, runner, verification.

The CLI calls these; tests call them too. The order matters for the secrets: the keyring is
proved writable before any browser starts, because a one-time secret must never be generated
with nowhere to put it.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from automation.browser import BrowserOptions, launch
from automation.config import Account, Config
from automation.engine.cooperative import worker_name
from automation.engine.events import Fanout, Reporter, RunResult
from automation.engine.loader import Flow, check_references
from automation.engine.runner import Runner, RunOptions
from automation.engine.session import Target
from automation.engine.variables import features_to_turn_off, variables_for
from automation.errors import VerificationFailed
from automation.netsuite.login import Credentials
from automation.netsuite.rest import VerifyResult, verify_tba
from automation.secrets.recovery import arm as arm_recovery
from automation.secrets.redact import RedactingFilter
from automation.secrets.store import TBA_NAMES, SecretStore, require_writable_keyring, service_for

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Locator, Playwright

log = logging.getLogger("nsauto")


def credentials_for(account: Account) -> Credentials:
    """Resolve the login secrets now (each registers itself with the redactor)."""
    login = account.login
    return Credentials(
        email=login.email,
        password=login.password.resolve(),
        totp_seed=login.totp_secret.resolve() if login.totp_secret else None,
        role=login.role,
        security_answers={q: ref.resolve() for q, ref in login.security_answers.items()},
    )


def target_for(account: Account) -> Target:
    return Target(account.name, account.account_id, account.ui_url, account.rest_url)


@dataclass
class Prepared:
    target: Target
    variables: dict[str, Any]
    store: SecretStore
    run_dir: Path
    run_id: str
    keyring_probe: Future[None] | None = None  # prepare(..., keyring_meanwhile=True): the probe, still running

    def keyring_ready(self) -> None:
        """Wait for the keyring probe started by ``prepare``, raising its error (before any secret exists)."""
        if self.keyring_probe is not None:
            self.keyring_probe.result()


def _keyring_probe(account_id: str) -> None:
    require_writable_keyring()
    arm_recovery(account_id)  # the key is in memory before any one-time secret exists


def prepare(
    config: Config, account: Account, flow: Flow, artifacts: Path, secrets: bool = True, keyring_meanwhile: bool = False
) -> Prepared:
    """Everything that can fail before a browser starts: references, env, keyring, run folder.

    ``secrets=False`` (check, inspect: read-only, no secret is ever shown) skips the keyring.
    ``keyring_meanwhile``: the keyring probe (~0.3 s of D-Bus round trips) runs on a thread while the
    caller launches the browser; the caller calls ``keyring_ready()`` before the first stage. Bad input
    (config, flow, references, env) still fails here, before any browser starts.
    """
    variables = variables_for(config, account)
    check_references(flow, variables)
    credentials_for(account)  # env: and keyring: references resolve now, or fail with their line
    probe: Future[None] | None = None
    if secrets and keyring_meanwhile:
        probe = Future()
        threading.Thread(target=_settle, args=(probe, _keyring_probe, account.account_id), daemon=True).start()
    elif secrets:
        _keyring_probe(account.account_id)
    run_id = time.strftime("%Y%m%d-%H%M%S") + f"-{account.name}"
    run_dir = artifacts / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    store = SecretStore(service_for(account.account_id))
    return Prepared(target_for(account), variables, store, run_dir, run_id, probe)


def _settle(future: Future[None], work: Callable[[str], None], arg: str) -> None:
    try:
        work(arg)
        future.set_result(None)
    except BaseException as exc:  # handed to keyring_ready() on the run's own thread
        future.set_exception(exc)


def attach_log_file(run_dir: Path) -> logging.Handler:
    handler = logging.FileHandler(run_dir / "nsauto.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger("nsauto")
    root.setLevel(logging.DEBUG)
    # On the handler, not the logger: records from child loggers skip the parent's filters.
    handler.addFilter(RedactingFilter())
    # Parallel accounts (engine/fleet.py) log from their own greenlets: each log gets its account's lines only.
    worker = worker_name()
    handler.addFilter(lambda record: worker_name() == worker)
    root.addHandler(handler)
    return handler


class Recorder(Protocol):
    """What a recording plugs into a run (see automation.recording): it also hears every event."""

    def context_options(self, run_dir: Path) -> dict[str, Any]: ...
    def attach(self, context: BrowserContext) -> None: ...
    def before_action(self, locator: Locator, what: str) -> None: ...
    def finish(self, context: BrowserContext, result: RunResult) -> None: ...
    def closed(self, result: RunResult) -> None: ...


def run_account(
    config: Config,
    account: Account,
    flow: Flow,
    options: RunOptions,
    browser_options: BrowserOptions,
    reporter: Reporter,
    recorder: Recorder | None = None,
    branches: bool = True,
    *,
    playwright: Playwright | None = None,
    browser: Browser | None = None,
) -> RunResult:
    """One account's run; ``branches``: independent stages at once in a second page (engine/graph.py).

    It runs in its own context of ``browser`` when given (a parallel run's shared one, left open),
    else in a browser it launches, with ``playwright`` when given (a parallel run's) or its own.
    """
    meanwhile = browser is None  # the keyring probe overlaps this run's own browser launch
    prepared = prepare(config, account, flow, options.artifacts, secrets=not options.check, keyring_meanwhile=meanwhile)
    handler = attach_log_file(prepared.run_dir)
    if recorder is not None:
        reporter = Fanout(reporter, recorder)
    try:
        with contextlib.ExitStack() as owned:  # what this run starts, it stops (browser, then Playwright)
            if browser is None:
                if playwright is None:
                    from playwright.sync_api import sync_playwright

                    playwright = owned.enter_context(sync_playwright())
                browser = launch(playwright, browser_options)
                owned.callback(browser.close)
            prepared.keyring_ready()
            return _run_in(browser, flow, account, prepared, options, reporter, recorder, branches)
    finally:
        logging.getLogger("nsauto").removeHandler(handler)
        handler.close()


def _run_in(
    browser: Browser,
    flow: Flow,
    account: Account,
    prepared: Prepared,
    options: RunOptions,
    reporter: Reporter,
    recorder: Recorder | None,
    branches: bool,
) -> RunResult:
    """The run in a new context of ``browser`` (the account's cookies and storage, no one else's)."""
    extra = recorder.context_options(prepared.run_dir) if recorder else {}
    context = browser.new_context(viewport={"width": 1280, "height": 900}, **extra)
    if recorder is not None:
        recorder.attach(context)
    runner = Runner(
        flow,
        prepared.target,
        prepared.variables,
        lambda: credentials_for(account),
        prepared.store,
        reporter,
        options,
        prepared.run_dir,
        prepared.run_id,
        before_action=recorder.before_action if recorder else None,
    )
    if branches and recorder is None:  # a recording films one page
        from automation.engine.graph import with_branches

        runner = with_branches(runner)
    try:
        result = runner.run(context)
        if recorder is not None:
            recorder.finish(context, result)
    finally:
        context.close()
    if recorder is not None:
        recorder.closed(result)
    return result


def verify_account(account: Account) -> VerifyResult:
    """A signed SuiteQL call with the keyring's four TBA values; raises when some are missing."""
    store = SecretStore(service_for(account.account_id))
    missing = [name for name in TBA_NAMES if not store.get(name)]
    if missing:
        raise VerificationFailed(
            f"keyring service {store.service} has no {', '.join(missing)}",
            f"run `nsauto run --account {account.name}` first",
        )
    from automation.netsuite.rest import TbaCredentials

    values = [store.get(name) for name in TBA_NAMES]
    return verify_tba(account.rest_url, TbaCredentials(account.account_id, *values))  # type: ignore[arg-type]


# --------------------------------------------------------------------------- nsauto destroy

FEATURES_OFF_STAGE = "features-off"  # flows/destroy-features.yaml (`destroy --features`)

AUTH_KEYRING_NAMES: dict[str, tuple[str, ...]] = {
    "tba": TBA_NAMES,
    "oauth2_m2m": ("client_id", "client_secret", "certificate_id", "private_key", "m2m_private_key_pending"),
}
AUTH_KEYRING_NAMES["both"] = (*AUTH_KEYRING_NAMES["tba"], *AUTH_KEYRING_NAMES["oauth2_m2m"])
"""The keyring items of each auth mode: what `destroy` may delete (never another mode's)."""


@dataclass
class Teardown:
    """What `destroy` did to the keyring after NetSuite: deleted, and kept with the stage that failed."""

    service: str
    deleted: list[str]
    kept: dict[str, str]  # name → the stage whose revocation NetSuite did not show
    features_off: list[str] = field(default_factory=list)  # `--features`: unticked and no longer recorded

    def lines(self) -> list[str]:
        out = []
        if self.features_off:
            out.append(f"features: off and no longer recorded as nsauto's: {', '.join(self.features_off)}")
        if self.deleted:
            out.append(f"keyring: deleted {', '.join(self.deleted)} from {self.service}")
        for stage in sorted(set(self.kept.values())):
            names = ", ".join(n for n, s in self.kept.items() if s == stage)
            out.append(
                f"keyring: kept {names} in {self.service}: stage '{stage}' did not finish, so NetSuite has not "
                "shown the revocation; run `nsauto destroy` again"
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"service": self.service, "deleted": self.deleted, "kept": self.kept, "features_off": self.features_off}


def finish_teardown(
    account: Account, flow: Flow, result: RunResult, auth: str, setup_features: list[str] | None = None
) -> Teardown:
    """After a destroy run: delete the keyring items of each stage that finished (its ``retires:``,
    only this auth mode's), keep those of a stage that failed or never ran, record it in the manifest.
    ``--features`` (stage FEATURES_OFF_STAGE finished): its features leave the manifest's record.

    A stage finishes only once NetSuite showed its change (``revoke`` reads the list again and
    requires the rows revoked), so a secret is never deleted while it may still log in.
    """
    from automation.secrets.manifest import Manifest

    store = SecretStore(service_for(account.account_id))
    finished = {stage.name for stage in result.stages if stage.status != "failed"}
    mine = set(AUTH_KEYRING_NAMES[auth])
    deleted: list[str] = []
    kept: dict[str, str] = {}
    for stage in flow.stages:
        for name in (n for n in stage.retires if n in mine):
            if stage.stage in finished:
                if store.delete(name):
                    deleted.append(name)
            elif store.get(name) is not None:
                kept[name] = stage.stage
    features_off: list[str] = []
    if FEATURES_OFF_STAGE in finished and setup_features:  # every box of it read unticked, and saved
        features_off = features_to_turn_off(account.account_id, setup_features)
    manifest = Manifest.load()
    manifest.names[account.account_id] = account.name
    manifest.record_teardown(account.account_id, deleted, Path(result.artifacts).name, auth, not kept)
    if features_off:
        manifest.forget_features(account.account_id, features_off)
    manifest.save()
    return Teardown(store.service, deleted, kept, features_off)
