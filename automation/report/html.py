"""``report.html``: one self-contained file per run with stages, steps, timings and screenshots.

A console log scrolls away and a trace needs a tool to open; this page opens in any browser and
can be attached to a ticket. It is a Reporter (it hears the run's events) and also a Recorder
(``run_account(..., recorder=HtmlReport(...))``), because a screenshot per stage needs the page.
Screenshots are taken with Playwright's ``mask`` over password inputs, 2FA code inputs and the
capture steps' secret fields, and every text is passed through the redactor before it is
written. CSS is inline and images are base64, so nothing is fetched when it is opened.
"""

from __future__ import annotations

import base64
import html
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from automation.engine.events import RunResult, StageResult, StepResult
from automation.secrets.redact import redactor

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Locator, Page

log = logging.getLogger("nsauto.report")

REPORT_NAME = "report.html"


@dataclass
class Shot:
    stage: str
    jpeg: bytes


class HtmlReport:
    """Collects a run's events and stage screenshots; writes ``report.html`` into the run folder."""

    def __init__(self, secret_labels: list[str], screenshots: bool = True) -> None:
        self.secret_labels = secret_labels
        self.screenshots = screenshots
        self.page: Page | None = None
        self.run_dir: Path | None = None
        self.shots: dict[str, Shot] = {}
        self.target = ""
        self.started_at = time.strftime("%Y-%m-%d %H:%M:%S")
        self.links: dict[str, str] = {}  # artifact title -> file name next to the report
        self.path: Path | None = None

    # --- Recorder ------------------------------------------------------------------------------

    def context_options(self, run_dir: Path) -> dict[str, Any]:
        self.run_dir = run_dir
        return {}

    def attach(self, context: BrowserContext) -> None:
        context.on("page", self._on_page)

    def _on_page(self, page: Page) -> None:
        if self.page is None:
            self.page = page  # the run's page; popups come later

    def before_action(self, locator: Locator, what: str) -> None:
        pass

    def finish(self, context: BrowserContext, result: RunResult) -> None:
        pass

    def closed(self, result: RunResult) -> None:
        self.write(result)

    # --- Reporter ------------------------------------------------------------------------------

    def run_started(self, account: str, account_id: str, mode: str, target: str) -> None:
        self.target = target
        self.started_at = time.strftime("%Y-%m-%d %H:%M:%S")

    def stage_started(self, name: str, title: str) -> None:
        pass

    def step_started(self, stage: str, item: str) -> None:
        pass

    def step_finished(self, result: StepResult) -> None:
        pass

    def stage_finished(self, result: StageResult) -> None:
        if self.screenshots:
            self.capture(result.name)

    def run_finished(self, result: RunResult) -> None:
        self.write(result)  # again in closed(), with the recording's files linked

    def summary_lines(self) -> list[str]:
        """What to tell the user after the run (same shape as RunRecorder's)."""
        return [f"report: {self.path}"] if self.path is not None else []

    # --- work ----------------------------------------------------------------------------------

    def capture(self, stage: str) -> None:
        """A masked screenshot of the page as the stage left it (the viewport, as JPEG)."""
        page = self.page
        if page is None or page.is_closed():
            return
        from playwright.sync_api import Error as PlaywrightError

        from automation.recording.masking import mask_locators

        try:
            data = page.screenshot(
                type="jpeg",
                quality=70,
                mask=mask_locators(page, self.secret_labels),
                mask_color="#2f3640",
                timeout=10_000,
            )
        except PlaywrightError as exc:
            log.debug("no screenshot for stage %s: %s", stage, redactor.redact(str(exc).splitlines()[0]))
            return
        self.shots[stage] = Shot(stage, data)

    def write(self, result: RunResult) -> Path | None:
        run_dir = self.run_dir or (Path(result.artifacts) if result.artifacts else None)
        if run_dir is None:
            return None
        self.path = run_dir / REPORT_NAME
        text = render(result, self.shots, target=self.target, when=self.started_at, links=self.links)
        self.path.write_text(text, encoding="utf-8")
        return self.path


# --- rendering ---------------------------------------------------------------------------------

_CSS = """
body { font: 14px/1.45 system-ui, "DejaVu Sans", sans-serif; margin: 24px auto; max-width: 1100px;
  color: #1d2733; padding: 0 16px; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 0; }
.meta { color: #5b6b7e; } .box { padding: 10px 14px; border-left: 4px solid #5b6b7e;
  background: #f3f5f8; margin: 12px 0; }
.box.failed { border-color: #c0392b; background: #fdecea; }
section { border: 1px solid #d5dbe3; border-radius: 6px; margin: 16px 0; padding: 12px 16px; }
table { border-collapse: collapse; width: 100%; margin-top: 8px; }
td, th { text-align: left; padding: 3px 8px; border-bottom: 1px solid #eef1f5; vertical-align: top; }
th { font-weight: 600; color: #5b6b7e; } td.num { text-align: right; white-space: nowrap; }
.st { font-weight: 700; white-space: nowrap; } .ok { color: #2e7d32; } .changed { color: #b26a00; }
.would-change { color: #00838f; } .skipped { color: #777; } .failed { color: #c0392b; }
.where { color: #8795a7; font-size: 12px; } code { font-family: "DejaVu Sans Mono", monospace; }
details { margin-top: 8px; } img { max-width: 100%; border: 1px solid #d5dbe3; }
"""


def _t(value: object) -> str:
    return html.escape(redactor.redact("" if value is None else str(value)))


def render(
    result: RunResult,
    shots: dict[str, Shot],
    *,
    target: str = "",
    when: str = "",
    links: dict[str, str] | None = None,
) -> str:
    """The report as one HTML string; all text redacted and escaped."""
    counts = ", ".join(f"{n} {status}" for status, n in sorted(result.counts().items()))
    state = "finished" if result.ok else "FAILED"
    head = (
        f"<h1>nsauto {_t(result.mode)}: {_t(result.account)} ({_t(result.account_id)}) {state}</h1>"
        f"<div class='meta'>{_t(when)} · {_t(target)} · {result.seconds:.1f} s · {_t(counts)}</div>"
    )
    boxes = []
    if not result.ok:
        hint = f"<br>hint: {_t(result.hint)}" if result.hint else ""
        resume = f"<br>resume from stage {_t(result.resume_from)}" if result.resume_from else ""
        boxes.append(f"<div class='box failed'>{_t(result.error)}{hint}{resume}</div>")
    if result.stored_secrets:
        names = ", ".join(f"<code>{_t(n)}</code>" for n in result.stored_secrets)
        boxes.append(
            f"<div class='box'>Secrets stored in the OS keyring, service <code>{_t(result.service)}</code>: "
            f"{names}. Values are not in this report.</div>"
        )
    if links:
        items = " · ".join(f"<a href='{_t(href)}'>{_t(title)}</a>" for title, href in links.items())
        boxes.append(f"<div class='box'>Recording: {items}</div>")
    sections = [_stage(stage, shots.get(stage.name)) for stage in result.stages]
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>nsauto {_t(result.mode)} {_t(result.account)}</title><style>{_CSS}</style></head><body>"
        f"{head}{''.join(boxes)}{''.join(sections)}</body></html>\n"
    )


def _stage(stage: StageResult, shot: Shot | None) -> str:
    rows = "".join(
        f"<tr><td class='st {_t(step.status)}'>{_t(step.status)}</td><td>{_t(step.item)}"
        f"{'<br><span class=meta>' + _t(step.detail) + '</span>' if step.detail else ''}</td>"
        f"<td class='where'>{_t(step.where)}</td><td class='num'>{step.seconds:.2f} s</td></tr>"
        for step in stage.steps
    )
    image = ""
    if shot is not None:
        data = base64.b64encode(shot.jpeg).decode("ascii")
        image = (
            "<details><summary>screenshot at the end of the stage (secrets masked)</summary>"
            f"<img alt='{_t(stage.name)}' src='data:image/jpeg;base64,{data}'></details>"
        )
    return (
        f"<section id='stage-{_t(stage.name)}'><h2><span class='{_t(stage.status)}'>{_t(stage.status)}</span>"
        f" {_t(stage.title)} <span class='meta'>({_t(stage.name)}, {stage.seconds:.1f} s)</span></h2>"
        "<table><tr><th>status</th><th>step</th><th>where</th><th class='num'>time</th></tr>"
        f"{rows}</table>{image}</section>"
    )
