"""Run-time knobs of the simulator, changed through POST /__sim/settings.

One dataclass so that later fault injection (slow forms, 500 pages, session expiry) and UI variants
become new fields here plus one check where the page is served, not edits all over the pages.
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass
from typing import Any


@dataclass
class Settings:
    """Current knobs. Field types are enforced by `update` because they come in as JSON."""

    latency_ms: int = 0
    # UI variant: "" (classic) or "redwood": other field/sublist/subtab ids and some labels (variant.py).
    variant: str = ""
    # Seconds the simulated NetSuite clock runs ahead of this machine (Date header, JWT exp/iat checks):
    # a skewed server makes a fresh OAuth 2.0 client assertion look expired.
    clock_ahead_s: int = 0
    # Fault injection (faults.py): {"error_500": {"rate": 0.2}, "slow_pages": true, ...}; seeded, so repeatable.
    faults: dict[str, Any] = dataclasses.field(default_factory=dict)
    fault_seed: int = 0
    # Dials (dials.py): which answer the simulator gives to each open question about NetSuite.
    dials: dict[str, str] = dataclasses.field(default_factory=dict)
    dials_seed: int = 0  # spreads the delays of "late" dial values repeatably

    def __post_init__(self) -> None:
        from automation.simulator.variant import check_name

        check_name(self.variant)  # a ValueError here makes POST /__sim/settings answer 400

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class SettingsStore:
    """Thread-safe holder: request threads read while the control endpoint writes."""

    def __init__(self, initial: Settings | None = None) -> None:
        self._lock = threading.Lock()
        self._settings = initial or Settings()
        # Bumped whenever faults or fault_seed are posted, even unchanged: the fault sequences
        # (faults.Injector) start over then, so a test that posts the same faults again gets them again.
        self.faults_generation = 0

    def get(self) -> Settings:
        with self._lock:
            return dataclasses.replace(self._settings)

    def update(self, changes: dict[str, Any]) -> Settings:
        """Apply known keys; raise ValueError on unknown keys or wrong types (nothing is applied then)."""
        hints = {f.name: f.type for f in dataclasses.fields(Settings)}
        clean: dict[str, Any] = {}
        for key, value in changes.items():
            if key not in hints:
                raise ValueError(f"unknown setting {key!r}; known: {', '.join(sorted(hints))}")
            clean[key] = _coerce(key, hints[key], value)
        with self._lock:
            self._settings = dataclasses.replace(self._settings, **clean)
            if "faults" in clean or "fault_seed" in clean:
                self.faults_generation += 1
            return dataclasses.replace(self._settings)

    def reset(self, initial: Settings) -> None:
        with self._lock:
            self._settings = dataclasses.replace(initial)


def _coerce(key: str, type_name: Any, value: Any) -> Any:
    # Annotations are strings under `from __future__ import annotations`.
    name = type_name if isinstance(type_name, str) else getattr(type_name, "__name__", str(type_name))
    if name == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"setting {key!r} must be true or false")
        return value
    if name == "int":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"setting {key!r} must be a non-negative integer")
        return value
    if name == "str":
        if not isinstance(value, str):
            raise ValueError(f"setting {key!r} must be a string")
        return value
    if name.startswith("dict") and key == "faults":
        from automation.simulator.faults import normalize

        return normalize(value)
    if name.startswith("dict") and key == "dials":
        from automation.simulator.dials import check

        return check(value)
    raise ValueError(f"setting {key!r} has an unsupported type")
