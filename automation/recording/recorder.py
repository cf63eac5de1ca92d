"""A recorded run: video, scrubbed trace, HTML report and timeline in the run folder.

``RunRecorder`` implements the engine's ``Recorder`` protocol (see ``engine/orchestrate.py``)
and hears every Reporter event. Its job is to make the run watchable and safe to share:

* secrets are hidden in the page before they are painted (``masking``), so the video, the
  trace's screencast and the report's screenshots never contain them;
* a caption names the stage and step, the next target flashes (``overlay``), title and summary
  cards frame the video (``cards``), and the one-time secret pages are held on screen briefly;
* the trace is rewritten through the redactor once it is stopped (``trace_scrub``).

Nothing here may fail a run: page errors during recording are logged and skipped.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from playwright.sync_api import Error as PlaywrightError

from automation.engine.events import RunResult, StageResult, StepResult
from automation.engine.loader import Flow
from automation.recording import cards
from automation.recording.masking import mask_script, secret_field_selectors, secret_labels
from automation.recording.overlay import Caption
from automation.recording.timeline import Timeline
from automation.recording.trace_scrub import scrub_trace
from automation.report.html import HtmlReport
from automation.secrets.redact import redactor

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Locator, Page

log = logging.getLogger("nsauto.recording")

VIDEO_SIZE = {"width": 1280, "height": 900}  # the run's viewport (orchestrate.run_account), 1:1


class RunRecorder:
    """Records one account's run into its run folder (``runs/<timestamp>-<account>/``)."""

    def __init__(
        self,
        flow: Flow,
        *,
        video: bool = True,
        title_hold_ms: int = 2000,
        summary_hold_ms: int = 2500,
        secret_hold_ms: int = 1000,
    ) -> None:
        self.flow = flow
        self.labels = secret_labels(flow)
        self.video_wanted = video
        self.title_hold_ms = title_hold_ms
        self.summary_hold_ms = summary_hold_ms
        self.secret_hold_ms = secret_hold_ms
        self.report = HtmlReport(self.labels)
        self.caption = Caption()
        self.timeline = Timeline()
        self.run_dir: Path | None = None
        self.page: Page | None = None
        self.popups: list[Page] = []
        self.artifacts: dict[str, Path] = {}
        self.problems: list[str] = []
        self._video_dir: Path | None = None
        self._trace_dir: Path | None = None
        self._tracing = False
        self._group_open = False
        self._titles = {stage.stage: stage.title or stage.stage for stage in flow.stages}
        self._stage = ""
        self._run: dict[str, str] = {}
        self._title_shown = False

    # --- Recorder protocol ---------------------------------------------------------------------

    def context_options(self, run_dir: Path) -> dict[str, Any]:
        self.run_dir = run_dir
        self.report.context_options(run_dir)
        if not self.video_wanted:
            return {}
        from automation.doctor import ffmpeg_for_video

        available, detail = ffmpeg_for_video()
        if not available:
            self.problems.append(f"video not recorded: {detail}")
            return {}
        self._video_dir = Path(tempfile.mkdtemp(prefix="nsauto-video-"))
        return {"record_video_dir": str(self._video_dir), "record_video_size": dict(VIDEO_SIZE)}

    def attach(self, context: BrowserContext) -> None:
        context.on("page", self._on_page)
        self.report.attach(context)
        context.add_init_script(mask_script(self.labels))
        self.caption.install(context)
        try:
            context.tracing.start(screenshots=True, snapshots=True, sources=False, title=f"nsauto {self.flow.name}")
            self._tracing = True
        except PlaywrightError as exc:
            self.problems.append(f"trace not recorded: {_first_line(exc)}")

    def _on_page(self, page: Page) -> None:
        if self.page is None:
            self.page = page
            self.timeline.start()  # the video of this page starts now
        else:
            self.popups.append(page)

    def before_action(self, locator: Locator, what: str) -> None:
        self.caption.highlight(locator, self._stage_caption(), redactor.redact(what))

    def finish(self, context: BrowserContext, result: RunResult) -> None:
        self._end_group(context)
        self._show_card("summary", cards.summary_card(result, time.strftime("%Y-%m-%d %H:%M")), self.summary_hold_ms)
        if self._tracing:
            self._trace_dir = Path(tempfile.mkdtemp(prefix="nsauto-trace-"))
            try:
                context.tracing.stop(path=str(self._trace_dir / "raw.zip"))
            except PlaywrightError as exc:
                self.problems.append(f"trace not saved: {_first_line(exc)}")
            self._tracing = False
        self.timeline.stop()

    def closed(self, result: RunResult) -> None:
        assert self.run_dir is not None
        try:
            self._save_video()
            self._save_trace()
            self.timeline.write(
                self.run_dir / "timeline.json",
                "video.webm" if "video" in self.artifacts else None,
                VIDEO_SIZE if "video" in self.artifacts else None,
            )
            self.artifacts["timeline"] = self.run_dir / "timeline.json"
        finally:
            for folder in (self._video_dir, self._trace_dir):
                if folder is not None:
                    shutil.rmtree(folder, ignore_errors=True)
        self.report.links = {
            title: self.artifacts[key].name
            for key, title in (("video", "video (webm)"), ("trace", "trace (playwright show-trace)"))
            if key in self.artifacts
        }
        report = self.report.write(result)
        if report is not None:
            self.artifacts["report"] = report

    def summary_lines(self) -> list[str]:
        """What to tell the user after the run: where each file is, and what could not be made."""
        lines = []
        for key, title in (
            ("video", "video"),
            ("trace", "trace (open: playwright show-trace)"),
            ("report", "report"),
        ):
            if key in self.artifacts:
                lines.append(f"recording: {title}: {self.artifacts[key]}")
        lines += [f"recording: {problem}" for problem in self.problems]
        return lines

    # --- Reporter events -----------------------------------------------------------------------

    def run_started(self, account: str, account_id: str, mode: str, target: str) -> None:
        self._run = {"account": account, "account_id": account_id, "mode": mode, "target": target}
        self.report.run_started(account, account_id, mode, target)

    def stage_started(self, name: str, title: str) -> None:
        if not self._title_shown:
            self._title_shown = True
            self._show_title()
        context = self.page.context if self.page is not None else None
        self._end_group(context)
        self._stage = name
        if context is not None and self._tracing:
            try:
                context.tracing.group(f"stage {name}: {title}")
                self._group_open = True
            except PlaywrightError as exc:
                log.debug("no trace group: %s", _first_line(exc))
        self.caption.show(self.page, self._stage_caption(), "")

    def step_started(self, stage: str, item: str) -> None:
        self.timeline.step(stage, item)
        fields = secret_field_selectors(self.labels) if self.labels else []
        boxes = self.caption.show(self.page, self._stage_caption(), redactor.redact(item), fields)
        if boxes:
            shown = ", ".join(dict.fromkeys(b["label"] for b in boxes if b.get("label"))) or "one-time secrets"
            note = f"{redactor.redact(item)}: {shown} → OS keyring (masked on screen)"
            self.caption.show(self.page, self._stage_caption(), redactor.redact(note))
            self._hold_secret_page(stage, boxes)

    def step_finished(self, result: StepResult) -> None:
        self.report.step_finished(result)

    def stage_finished(self, result: StageResult) -> None:
        self.report.stage_finished(result)

    def run_finished(self, result: RunResult) -> None:
        self.report.run_finished(result)

    # --- helpers -------------------------------------------------------------------------------

    def _stage_caption(self) -> str:
        names = list(self._titles)
        if self._stage not in self._titles:
            return ""
        return f"{names.index(self._stage) + 1}/{len(names)} {self._titles[self._stage]}"

    def _show_title(self) -> None:
        stages = [(s.stage, s.title or s.stage) for s in self.flow.stages]
        html = cards.title_card(
            self.flow.name,
            self._run.get("account", ""),
            self._run.get("account_id", ""),
            self._run.get("target", ""),
            self._run.get("mode", "run"),
            time.strftime("%Y-%m-%d %H:%M"),
            stages,
        )
        self._show_card("title", html, self.title_hold_ms)

    def _show_card(self, kind: str, html: str, hold_ms: int) -> None:
        page = self.page
        if page is None or page.is_closed():
            return
        self.caption.show(page, "", "")
        try:
            page.set_content(html, wait_until="load")
            self.timeline.card(kind, hold_ms)
            # A deliberate hold so the card can be read in the video; nothing is awaited here.
            page.wait_for_timeout(hold_ms)
        except PlaywrightError as exc:
            log.debug("no %s card: %s", kind, _first_line(exc))

    def _hold_secret_page(self, stage: str, boxes: list[dict[str, Any]]) -> None:
        """Keep a page that shows one-time secrets (masked) on screen long enough to be seen."""
        page = self.page
        if page is None or page.is_closed():
            return
        try:
            page.evaluate("() => { window.__nsautoHeld = true; }")
            self.timeline.secret_view(stage, boxes, self.secret_hold_ms)
            # A deliberate hold for the viewer: the masked secrets are what this stage is about.
            page.wait_for_timeout(self.secret_hold_ms)
        except PlaywrightError as exc:
            log.debug("no secret-page hold: %s", _first_line(exc))

    def _end_group(self, context: BrowserContext | None) -> None:
        if self._group_open and context is not None:
            try:
                context.tracing.group_end()
            except PlaywrightError as exc:
                log.debug("trace group not closed: %s", _first_line(exc))
        self._group_open = False

    def _save_video(self) -> None:
        assert self.run_dir is not None
        if self._video_dir is None:
            return
        targets = [(self.page, "video.webm")]
        targets += [(p, f"popup-{i}.webm") for i, p in enumerate(self.popups, 1)]
        for page, name in targets:
            if page is None or page.video is None:
                continue
            try:
                page.video.save_as(self.run_dir / name)
                page.video.delete()
            except PlaywrightError as exc:
                self.problems.append(f"{name} not saved: {_first_line(exc)}")
                continue
            self.artifacts["video" if name == "video.webm" else name] = self.run_dir / name

    def _save_trace(self) -> None:
        assert self.run_dir is not None
        raw = self._trace_dir / "raw.zip" if self._trace_dir else None
        if raw is None or not raw.exists():
            return
        scrub_trace(raw, self.run_dir / "trace.zip")
        raw.unlink()
        self.artifacts["trace"] = self.run_dir / "trace.zip"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return redactor.redact(text.splitlines()[0] if text else type(exc).__name__)
