"""A per-account record of finished stages, so `run --resume` continues where a run stopped.

It holds stage names, flow positions and run ids only; never a value from a page. It is
written after every stage, so a killed process (or a crashed browser) leaves an accurate
record. Stages are idempotent anyway: resuming at a stage boundary repeats no change, it only
saves page loads.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any


class Journal:
    def __init__(self, path: Path, data: dict[str, Any]) -> None:
        self.path = path
        self.data = data

    @classmethod
    def for_account(cls, artifacts: Path, account: str) -> Journal:
        path = artifacts / "journal" / f"{account}.json"
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            data = {}
        data.setdefault("stages", {})
        return cls(path, data)

    def begin(self, run_id: str, resume: bool) -> None:
        """A fresh run forgets the last one; a resumed run keeps what it finished."""
        if not resume:
            self.data = {"stages": {}}
        self.data["run_id"] = run_id
        self.save()

    def stage_done(self, stage: str) -> None:
        self.data["stages"][stage] = {"status": "done", "at": time.time()}
        if self.data.get("failed", {}).get("stage") == stage:  # another branch's failure still stands
            self.data.pop("failed", None)
        self.save()

    def stage_failed(self, stage: str, where: str) -> None:
        self.data["stages"][stage] = {"status": "failed", "at": time.time()}
        self.data["failed"] = {"stage": stage, "where": where}
        self.save()

    def resume_point(self, stage_names: list[str]) -> str | None:
        """The first stage (in flow order) the last run did not finish; None if it finished all."""
        for name in stage_names:
            if self.data["stages"].get(name, {}).get("status") != "done":
                return name
        return None

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".journal-")
        with os.fdopen(fd, "w") as handle:
            json.dump(self.data, handle, indent=2)
        os.replace(tmp, self.path)
