"""``timeline.json``: when each stage, step and card appeared, in seconds from the video's start.

It lets a viewer (or a test) jump to a moment of the video, and it keeps the on-screen boxes of
the masked secret fields at the time they were shown, so the masked pixels can be checked in
the video itself. It holds names, step descriptions and boxes: never a value (every text passes
the redactor).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from automation.secrets.redact import redactor


class Timeline:
    def __init__(self) -> None:
        self.started: float | None = None  # time.monotonic() when the main page (and its video) began
        self.started_at = ""  # the same moment, local wall-clock time, for people
        self.steps: list[dict[str, Any]] = []
        self.cards: list[dict[str, Any]] = []
        self.secret_views: list[dict[str, Any]] = []
        self.ended: float | None = None

    def start(self) -> None:
        if self.started is None:
            self.started = time.monotonic()
            self.started_at = time.strftime("%Y-%m-%dT%H:%M:%S%z")

    def stop(self) -> None:
        """The video ends when the context closes: call right before that."""
        self.ended = self.now()

    def now(self) -> float:
        return round(time.monotonic() - self.started, 3) if self.started is not None else 0.0

    def step(self, stage: str, item: str) -> None:
        self.steps.append({"t": self.now(), "stage": stage, "item": redactor.redact(item)})

    def card(self, kind: str, hold_ms: int) -> None:
        self.cards.append({"t": self.now(), "kind": kind, "hold_ms": hold_ms})

    def secret_view(self, stage: str, boxes: list[dict[str, Any]], hold_ms: int) -> None:
        self.secret_views.append(
            {
                "t": self.now(),
                "stage": stage,
                "hold_ms": hold_ms,
                "fields": [{**b, "label": redactor.redact(b.get("label") or "")} for b in boxes],
            }
        )

    def to_dict(self, video: str | None, size: dict[str, int] | None) -> dict[str, Any]:
        return {
            "video": video,
            "video_size": size,
            "started_at": self.started_at,
            "ended": self.ended if self.ended is not None else self.now(),
            "cards": self.cards,
            "steps": self.steps,
            "secret_views": self.secret_views,
        }

    def write(self, path: Path, video: str | None, size: dict[str, int] | None) -> None:
        text = json.dumps(self.to_dict(video, size), indent=2)
        path.write_text(redactor.redact(text) + "\n", encoding="utf-8")
