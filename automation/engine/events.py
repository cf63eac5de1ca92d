"""What a run reports while it works, and the interface every reporter implements.

The runner only emits events; the console, the log file, the JSON summary and (later) the
HTML report each listen. Every text in an event has already passed through the redactor.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Protocol

# found / missing / ambiguous / unchecked: outcomes of `nsauto check` (locators only, read-only).
Status = Literal["ok", "changed", "would-change", "skipped", "failed", "found", "missing", "ambiguous", "unchecked"]


@dataclass
class StepResult:
    stage: str
    item: str  # what the step looked at, e.g. "check Token-Based Authentication"
    status: Status
    detail: str = ""
    where: str = ""  # flow file:line:col
    seconds: float = 0.0
    facts: dict[str, Any] = field(default_factory=dict)  # check: how a locator matched, closest labels, fix


@dataclass
class StageResult:
    name: str
    title: str
    status: Status = "ok"
    seconds: float = 0.0
    steps: list[StepResult] = field(default_factory=list)
    screenshot: str | None = None


@dataclass
class RunResult:
    account: str
    account_id: str
    mode: Literal["run", "plan", "check"]
    stages: list[StageResult] = field(default_factory=list)
    error: str | None = None
    hint: str | None = None
    seconds: float = 0.0
    stored_secrets: list[str] = field(default_factory=list)
    service: str = ""
    artifacts: str = ""
    resume_from: str | None = None
    exit_code: int = 0  # the failing error's code (4: a secret is in the recovery file)

    @property
    def ok(self) -> bool:
        return self.error is None

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for stage in self.stages:
            for step in stage.steps:
                counts[step.status] = counts.get(step.status, 0) + 1
        return counts

    @property
    def changes_pending(self) -> bool:
        return any(step.status == "would-change" for stage in self.stages for step in stage.steps)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["ok"] = self.ok
        data["counts"] = self.counts()
        return data


class Reporter(Protocol):
    def run_started(self, account: str, account_id: str, mode: str, target: str) -> None: ...
    def stage_started(self, name: str, title: str) -> None: ...
    def step_started(self, stage: str, item: str) -> None: ...
    def step_finished(self, result: StepResult) -> None: ...
    def stage_finished(self, result: StageResult) -> None: ...
    def run_finished(self, result: RunResult) -> None: ...


class Fanout:
    """Sends every event to several reporters."""

    def __init__(self, *reporters: Reporter) -> None:
        self.reporters = list(reporters)

    def __getattr__(self, name: str):
        def call(*args, **kwargs) -> None:
            for reporter in self.reporters:
                getattr(reporter, name)(*args, **kwargs)

        return call
