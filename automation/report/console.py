"""Live progress on the terminal: stage, step, ok/changed; a summary at the end.

On a TTY it uses rich (colour, a spinner for the step in progress); otherwise plain lines that
read well in CI logs. rich honours NO_COLOR. Everything shown has passed the redactor already,
and is passed once more here because the console is the one place a slip would be seen.
"""

from __future__ import annotations

import sys
from typing import IO

from automation.engine.events import RunResult, StageResult, StepResult
from automation.secrets.redact import redactor

MARKS = {
    "ok": "ok",
    "changed": "changed",
    "would-change": "would change",
    "skipped": "skipped",
    "failed": "FAILED",
}
PLAN_MARKS = {"ok": "=", "changed": "~", "would-change": "~", "failed": "!", "skipped": "-"}
STYLES = {"ok": "green", "changed": "yellow", "would-change": "cyan", "skipped": "dim", "failed": "bold red"}


class ConsoleReporter:
    def __init__(self, stream: IO[str] | None = None, verbose: bool = False) -> None:
        self.stream = stream or sys.stderr
        self.verbose = verbose
        self.mode = "run"
        self._rich = None
        self._status = None
        if self.stream.isatty():
            from rich.console import Console

            self._rich = Console(file=self.stream, highlight=False)

    def _print(self, text: str, style: str | None = None) -> None:
        text = redactor.redact(text)
        if self._rich is not None:
            self._rich.print(text, style=style, markup=False)
        else:
            print(text, file=self.stream, flush=True)

    def run_started(self, account: str, account_id: str, mode: str, target: str) -> None:
        self.mode = mode
        verb = "plan for" if mode == "plan" else "setting up"
        self._print(f"nsauto {mode}: {verb} account {account} ({account_id}) at {target}", "bold")

    def stage_started(self, name: str, title: str) -> None:
        self._print(f"▶ {name}: {title}", "bold blue")

    def step_started(self, stage: str, item: str) -> None:
        if self._rich is not None:
            self._stop_status()
            self._status = self._rich.status(redactor.redact(f"{stage}: {item}"))
            self._status.start()

    def step_finished(self, result: StepResult) -> None:
        self._stop_status()
        if result.status == "ok" and not self.verbose and self.mode == "plan" and result.item.startswith("open"):
            return
        if self.mode == "plan":
            creates = result.detail in ("add row", "new record") or result.item.startswith("create ")
            mark = ("+" if creates else "~") if result.status == "would-change" else PLAN_MARKS.get(result.status, "?")
            line = f"  {mark} {result.item}"
        else:
            line = f"  {MARKS[result.status]:<8} {result.item}"
        if result.detail:
            line += f"  ({result.detail})"
        self._print(line, STYLES.get(result.status))

    def stage_finished(self, result: StageResult) -> None:
        self._stop_status()

    def run_finished(self, result: RunResult) -> None:
        self._stop_status()
        counts = result.counts()
        parts = [f"{counts[k]} {MARKS[k]}" for k in ("ok", "changed", "would-change", "failed") if counts.get(k)]
        done = ", ".join(parts) or "nothing to do"
        summary = f"{result.account}: {len(result.stages)} stages, {done} in {result.seconds:.1f} s"
        if result.error:
            self._print(f"✗ {summary}", "bold red")
            self._print(f"error: {result.error}", "red")
            if result.hint:
                self._print(f"hint: {result.hint}")
            if result.resume_from and result.mode == "run":
                self._print(f"resume with: nsauto run --resume ... (continues at stage '{result.resume_from}')")
        elif result.mode == "plan":
            pending = counts.get("would-change", 0)
            self._print(
                f"Plan: {pending} change(s) pending" if pending else "Plan: nothing to change, the account is set up",
                "bold",
            )
        else:
            self._print(f"✓ {summary}", "bold green")
        if result.stored_secrets:
            self._print(f"secrets stored in keyring service {result.service}: {', '.join(result.stored_secrets)}")
        if result.artifacts:
            self._print(f"log and artifacts: {result.artifacts}", "dim")

    def _stop_status(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None

    def fleet_summary(self, results: list[RunResult]) -> None:
        """One line per account after a `--all` run."""
        self._print("")
        self._print(f"{'account':<16} {'id':<14} {'result':<8} {'changed':>7} {'seconds':>8}  error", "bold")
        for r in results:
            counts = r.counts()
            outcome = "FAILED" if not r.ok else ("pending" if r.changes_pending else "ok")
            changed = counts.get("changed", 0) + counts.get("would-change", 0)
            style = "red" if not r.ok else None
            self._print(
                f"{r.account:<16} {r.account_id:<14} {outcome:<8} {changed:>7} {r.seconds:>8.1f}  {r.error or ''}",
                style,
            )
        failed = sum(1 for r in results if not r.ok)
        self._print(
            f"{len(results) - failed} of {len(results)} accounts succeeded", "bold red" if failed else "bold green"
        )
