"""Collect the pages of a read-only run, sanitize them, prove no secret survived, write the directory.

A :class:`Capturer` plugs into `check` as a recorder (it hears every step and holds the browser
context, so it sees popups too) and into `inspect` through :func:`offer`. After each step it takes
the rendered DOM of every open page (``page.content()``: subtabs and dropdown lists the probes
opened are in it), in memory only. :meth:`Capturer.write` then sanitizes every page with one
placeholder table (automation/capture/sanitize.py), searches everything it is about to write for
the run's own secrets in every encoding the leak scanner knows, and only then writes: into a
temporary sibling directory renamed into place, so an aborted capture leaves nothing behind.

Layout: ``DIR/capture.json`` (index: URL, title, frames, the steps that looked at each page, what
was replaced) and ``DIR/pages/NN-<name>.html``.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from automation.capture.sanitize import Report, Sanitizer
from automation.errors import ExitCode, NsautoError
from automation.secrets.leakscan import Scanner

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

    from automation.engine.events import RunResult, StageResult, StepResult

FORMAT = 1
INDEX = "capture.json"


class CaptureError(NsautoError):
    """The capture could not be made or was aborted; nothing was written."""

    exit_code = ExitCode.FAILED


@dataclass
class Visit:
    """One page as the run last saw it (raw, in memory only until sanitized)."""

    url: str
    title: str
    html: str
    frames: list[dict[str, str]]
    popup: bool
    steps: list[str] = field(default_factory=list)


@dataclass
class Written:
    directory: Path
    pages: int
    bytes: int
    report: Report


class Capturer:
    """Pages of one account's read-only run; a recorder for `check` (engine/orchestrate.Recorder)."""

    def __init__(
        self,
        directory: Path,
        account_id: str,
        secrets: dict[str, str],
        command: str,
        variables: dict[str, Any] | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.account_id = account_id
        self.secrets = {name: value for name, value in secrets.items() if value}
        self.command = command
        self.variables = variables or {}
        self.visits: dict[str, Visit] = {}
        self.context: BrowserContext | None = None
        self.stage = ""
        if self.directory.exists() and (not self.directory.is_dir() or any(self.directory.iterdir())):
            raise CaptureError(f"{self.directory} exists and is not empty", "give --capture a new directory")

    # -- recorder / reporter ---------------------------------------------------------------
    def context_options(self, run_dir: Path) -> dict[str, Any]:
        return {}

    def attach(self, context: BrowserContext) -> None:
        self.context = context
        for page in context.pages:
            self._watch(page)
        context.on("page", self._watch)

    def _watch(self, page: Page) -> None:
        """Every document as loaded too: a step may pass through a page (find_record's list) and leave it."""

        def loaded(loaded_page: Page) -> None:
            if self.stage and self.stage != "login":
                self.offer(loaded_page, f"{self.stage}: loaded")

        page.on("load", loaded)

    def before_action(self, locator: Any, what: str) -> None:
        pass

    def finish(self, context: BrowserContext, result: RunResult) -> None:
        pass

    def closed(self, result: RunResult) -> None:
        pass

    def run_started(self, account: str, account_id: str, mode: str, target: str) -> None:
        pass

    def stage_started(self, name: str, title: str) -> None:
        self.stage = name

    def step_started(self, stage: str, item: str) -> None:
        pass

    def step_finished(self, result: StepResult) -> None:
        """After a step's read-only probes: the DOM of every open page (popups too)."""
        if self.context is None or result.stage == "login":
            return
        for page in list(self.context.pages):
            self.offer(page, f"{result.stage}: {result.item}")

    def stage_finished(self, result: StageResult) -> None:
        pass

    def run_finished(self, result: RunResult) -> None:
        pass

    # -- pages -----------------------------------------------------------------------------
    def offer(self, page: Page, step: str) -> None:
        """Keep the page as it is now (the last look at a URL wins; every step that looked is listed)."""
        from playwright.sync_api import Error as PlaywrightError

        from automation.netsuite.login import is_logged_in_url

        url = page.url
        if page.is_closed() or not url.startswith("http") or not is_logged_in_url(url):
            return
        try:
            html = page.content()
            title = page.title()
            frames = [{"name": f.name, "url": f.url} for f in page.frames[1:]]
        except PlaywrightError:  # navigating or closing right now: the next step's look will do
            return
        key = _path_of(url)
        visit = self.visits.get(key)
        steps = visit.steps if visit else []
        if step not in steps:
            steps.append(step)
        popup = bool(visit and visit.popup)
        with contextlib.suppress(PlaywrightError):
            popup = popup or page.opener() is not None
        self.visits.pop(key, None)
        self.visits[key] = Visit(url, title, html, frames, popup, steps)

    # -- writing ---------------------------------------------------------------------------
    def build(self) -> tuple[dict[str, Any], dict[str, str], Report]:
        """The index and the files (name → sanitized text), not yet written."""
        sanitizer = Sanitizer(self.account_id)
        visits = list(self.visits.values())
        for visit in visits:
            sanitizer.collect(visit.html, visit.url)
        files: dict[str, str] = {}
        pages = []
        for n, visit in enumerate(visits, 1):
            path = sanitizer.url(_path_of(visit.url))
            name = f"pages/{n:02d}-{_slug(path)}.html"
            files[name] = sanitizer.render(visit.html, visit.url)
            pages.append(
                {
                    "file": name,
                    "url": path,
                    "title": sanitizer.text(visit.title),
                    "popup": visit.popup,
                    "frames": [
                        {"name": sanitizer.text(f["name"]), "url": sanitizer.url(f["url"])} for f in visit.frames
                    ],
                    "steps": [sanitizer.text(step) for step in visit.steps],
                }
            )
        mapped = sanitizer.placeholders.map
        config = {
            name: mapped.get(value.strip(), "") for name, value in _leaves(self.variables.get("setup", {}), "setup")
        }
        index = {
            "format": FORMAT,
            "command": self.command,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "account_id": sanitizer.placeholders.account_placeholder,
            "config": {k: v for k, v in config.items() if v},
            "pages": pages,
            "replaced": sanitizer.report.to_dict(),
        }
        files[INDEX] = json.dumps(index, indent=2) + "\n"
        return index, files, sanitizer.report

    def write(self) -> Written:
        """Sanitize, search for the run's secrets, then write; a hit writes nothing and raises."""
        if not self.visits:
            raise CaptureError("the run opened no page to capture", "check that the login works (nsauto check)")
        _, files, report = self.build()
        leaks = canary(files, self.secrets)
        if leaks:
            raise CaptureError(
                f"capture aborted, nothing written: {leaks[0]} survived sanitizing",
                "report this as a bug of the sanitizer (without the page); the check's report above stands",
            )
        parent = self.directory.parent
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{self.directory.name}.", dir=parent))
        try:
            for name, text in files.items():
                target = staging / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
            if self.directory.exists():
                self.directory.rmdir()  # empty (checked at start)
            staging.rename(self.directory)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        size = sum(len(text.encode()) for text in files.values())
        return Written(self.directory, len(files) - 1, size, report)


def canary(files: dict[str, str], secrets: dict[str, str]) -> list[str]:
    """Where one of the run's secrets shows in what would be written: 'the password (base64) in FILE'."""
    if not secrets:
        return []
    scanner = Scanner(secrets)
    for name, text in files.items():
        scanner.scan_text(name, text)
    return [f"the {hit.secret_name.replace('_', ' ')} ({hit.encoding}) in {hit.file}" for hit in scanner.hits]


def run_secrets(account: Any) -> dict[str, str]:
    """The secrets a capture must never hold: login password, TOTP seed, security answers, keyring items."""
    from automation.engine.orchestrate import AUTH_KEYRING_NAMES, credentials_for
    from automation.secrets.store import SecretStore, service_for

    creds = credentials_for(account)
    found = {"password": creds.password, "TOTP seed": creds.totp_seed or ""}
    for n, answer in enumerate(creds.security_answers.values(), 1):
        found[f"security answer {n}"] = answer
    store = SecretStore(service_for(account.account_id))
    for name in AUTH_KEYRING_NAMES["both"]:
        with contextlib.suppress(Exception):  # no keyring on this machine: nothing stored to leak
            value = store.get(name)
            if value:
                found[f"keyring {name}"] = value
    return {k: v for k, v in found.items() if v}


ACTIVE: Capturer | None = None
"""The capturer of an `inspect` run (inspect.describe offers each page it read)."""


def offer(page: Page, step: str) -> None:
    if ACTIVE is not None:
        ACTIVE.offer(page, step)


def summary(written: Written, show_report: bool) -> list[str]:
    kb = written.bytes / 1024
    lines = [
        f"capture: {written.pages} page(s), {kb:.0f} KB in {written.directory} (sanitized; read it before sharing)"
    ]
    if show_report:
        lines.append("capture report: what the sanitizer replaced or dropped, by kind")
        lines.extend("  " + line for line in written.report.lines())
    return lines


def _path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _slug(path: str) -> str:
    base = path.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1] or "index"
    return re.sub(r"[^A-Za-z0-9]+", "-", base.removesuffix(".nl")).strip("-")[:40] or "page"


def _leaves(value: Any, prefix: str):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _leaves(inner, f"{prefix}.{key}")
    elif isinstance(value, str):
        yield prefix, value
