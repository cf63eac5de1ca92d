"""The dial catalog: every open question has two or more answers, the docs list them all, bad input is refused."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from automation.simulator import dials
from automation.simulator.settings import Settings, SettingsStore

ROOT = Path(__file__).resolve().parents[2]


def test_every_dial_has_two_values_a_believed_one_and_a_grade() -> None:
    for dial in dials.CATALOG.values():
        assert len(dial.values) >= 2, dial.name
        assert dial.believed in dial.values, dial.name
        assert dial.grade in ("M", "G"), dial.name  # H facts are fixed, never dials
        assert dial.drawn or dial.why_not_drawn, dial.name


def test_all_pairs_covers_every_pair_of_values_in_far_fewer_runs_than_the_product() -> None:
    combos = dials.all_pairs()
    drawn = [d for d in dials.CATALOG.values() if d.drawn]
    for i, a in enumerate(drawn):
        for b in drawn[i + 1 :]:
            for va in a.values:
                for vb in b.values:
                    assert any(c[a.name] == va and c[b.name] == vb for c in combos), (a.name, va, b.name, vb)
    assert len(combos) < 30
    assert dials.all_pairs() == combos  # deterministic: the docs' command always runs the same set


def test_a_draw_is_repeatable_and_covers_every_drawn_dial() -> None:
    assert dials.draw(7) == dials.draw(7)
    assert set(dials.draw(7)) == {n for n, d in dials.CATALOG.items() if d.drawn}
    assert len({tuple(dials.draw(seed).values()) for seed in range(20)}) > 10


def test_docs_list_every_dial_with_its_believed_value() -> None:
    text = (ROOT / "docs" / "real-netsuite.md").read_text()
    assert dials.markdown_table() in text, "docs/real-netsuite.md: paste dials.markdown_table() again"


def test_settings_refuse_an_unknown_dial_or_value() -> None:
    store = SettingsStore(Settings())
    assert store.update({"dials": {"tos_popup": "ticked_late"}}).dials == {"tos_popup": "ticked_late"}
    with pytest.raises(ValueError, match="unknown dial 'tos_pop'"):
        store.update({"dials": {"tos_pop": "ticked_late"}})
    with pytest.raises(ValueError, match="has no value 'late'"):
        store.update({"dials": {"tos_popup": "late"}})


def simulator(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "automation", "simulator", *args], capture_output=True, text=True, timeout=30, cwd=ROOT
    )


def test_simulator_lists_dials_and_refuses_a_bad_one_in_one_line() -> None:
    listed = simulator("--dials")
    assert listed.returncode == 0
    for name, dial in dials.CATALOG.items():
        assert name in listed.stdout
        assert f"{dial.believed} [" in listed.stdout
    bad = simulator("--dial", "tos_popup=sometimes", "--port", "0")
    assert bad.returncode == 2
    assert bad.stderr.strip().count("\n") == 0 and "tos_popup" in bad.stderr and "ticked_late" in bad.stderr
