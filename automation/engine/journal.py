"""A per-account record of finished stages, so `run --resume` continues where a run stopped.

It holds stage names, flow positions and run ids only; never a value from a page. Stages are
idempotent anyway, so resuming at a stage boundary repeats no change: it only saves page loads.
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

    def stage_done(self, stage: str, run_id: str) -> None:
        self.data["stages"][stage] = {"status": "done", "run_id": run_id, "at": time.time()}
        self.data.pop("failed", None)

    def stage_failed(self, stage: str, where: str, run_id: str) -> None:
        self.data["stages"][stage] = {"status": "failed", "run_id": run_id, "at": time.time()}
        self.data["failed"] = {"stage": stage, "where": where, "run_id": run_id}

    def resume_point(self, stage_names: list[str]) -> str | None:
        """The first stage (in flow order) not finished by the last run, or None if all were."""
        failed = self.data.get("failed")
        if not failed:
            return None
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
