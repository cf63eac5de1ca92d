"""Flow files: the bad-input corpus points at the right line, and the shipped flows load.

Each ``tests/bad_inputs/flow-*.yaml`` with a sibling ``.expected`` is one case. The ``.expected``
file holds ``line: N``, one or more ``contains: <fragment>`` (of the message), optional
``hint: <fragment>`` and optional ``file: <name>`` when the error belongs in another file of the
corpus (an include loop closes in the included file; a stage problem is in the stage file). A
``flow-*.yaml`` without ``.expected`` is a part that some case includes.

Cases the loader does not handle well yet are written with the *good* behaviour and marked
``xfail(strict=True)``: once the loader is fixed they pass, and strict makes the stale mark fail.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from automation.config import load_config
from automation.engine.loader import check_references, load_flow, parse_stage
from automation.engine.model import Composite
from automation.engine.variables import variables_for
from automation.errors import InputError
from automation.yamlsource import load_yaml

ROOT = Path(__file__).resolve().parents[2]
BAD = ROOT / "tests" / "bad_inputs"
FLOWS = ROOT / "flows"
CONFIG = ROOT / "config.yaml"

ALL_FLOW_INPUTS = sorted(BAD.glob("flow-*.yaml"))
CASES = [p for p in ALL_FLOW_INPUTS if p.with_suffix(".expected").is_file()]
PARTS = [p for p in ALL_FLOW_INPUTS if not p.with_suffix(".expected").is_file()]

# Known loader shortcomings: the case states the good behaviour; remove the entry once fixed.
XFAIL: dict[str, str] = {}


def _expected(case: Path) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for line in case.with_suffix(".expected").read_text().splitlines():
        key, _, value = line.partition(": ")
        result.setdefault(key.strip(), []).append(value)
    return result


def _error_file(case: Path, expected: dict[str, list[str]]) -> Path:
    return BAD / expected["file"][0] if "file" in expected else case


def _params(cases: list[Path]) -> list[Any]:
    return [
        pytest.param(
            case,
            id=case.stem,
            marks=[pytest.mark.xfail(strict=True, reason=XFAIL[case.stem])] if case.stem in XFAIL else [],
        )
        for case in cases
    ]


@pytest.fixture(scope="module")
def variables() -> dict[str, Any]:
    """What flows may reference, from the repository's example config (no secrets needed)."""
    config = load_config(CONFIG)
    return variables_for(config, next(iter(config.accounts.values())))


def _load_and_check(path: Path, variables: dict[str, Any]) -> None:
    flow = load_flow(path)
    check_references(flow, variables)


# --------------------------------------------------------------------------- the corpus


def test_corpus_is_big_enough() -> None:
    assert len(CASES) >= 25, [p.name for p in CASES]
    for stem in XFAIL:
        assert (BAD / f"{stem}.yaml") in CASES, f"XFAIL names no case: {stem}"


def test_every_part_is_included_by_a_case() -> None:
    texts = "\n".join(case.read_text() for case in CASES)
    for part in PARTS:
        assert part.name in texts, f"{part.name} has no .expected and no case includes it"


@pytest.mark.parametrize("case", _params(CASES))
def test_bad_flow_points_at_line(case: Path, variables: dict[str, Any]) -> None:
    expected = _expected(case)
    with pytest.raises(InputError) as info:
        _load_and_check(case, variables)
    message, hint = info.value.message, info.value.hint or ""
    assert message.startswith(f"{_error_file(case, expected)}:{expected['line'][0]}:"), message
    assert "\n" not in message
    assert "\n" not in hint
    for fragment in expected["contains"]:
        assert fragment in message, message
    for fragment in expected.get("hint", []):
        assert fragment in hint, hint


# --------------------------------------------------------------------------- the real CLI

CLI_CASES = [
    "flow-unknown-step",
    "flow-tab-indent",
    "flow-undefined-variable",
    "flow-include-loop-a",
    "flow-empty",
    "flow-two-actions",
]
_LOCATED = re.compile(r"^nsauto: (?P<file>\S+):(?P<line>\d+):(?P<col>\d+): \S")


def _cli_env() -> dict[str, str]:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    env.pop("NS_PASSWORD", None)  # a bad flow must be reported before missing secrets
    env.pop("NS_TOTP_SECRET", None)
    return env


@pytest.mark.parametrize("stem", CLI_CASES)
def test_cli_validate_reports_one_line(stem: str) -> None:
    case = BAD / f"{stem}.yaml"
    expected = _expected(case)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "automation",
            "validate",
            "--config",
            "config.yaml",
            str(case.relative_to(ROOT)),
        ],
        cwd=ROOT,
        env=_cli_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    lines = proc.stderr.splitlines()
    match = _LOCATED.match(lines[0])
    assert match, lines[0]
    assert Path(match["file"]).name == _error_file(case, expected).name
    assert match["line"] == expected["line"][0]
    assert all(line.startswith("hint: ") for line in lines[1:]), lines
    assert len(lines) <= 2, lines


def test_validate_starts_no_browser() -> None:
    """`validate` must not import Playwright, for a bad flow nor for the good ones."""
    code = (
        "import json, sys\n"
        "from automation.cli import main\n"
        "bad = main(['validate', '--config', 'config.yaml', 'tests/bad_inputs/flow-unknown-step.yaml'])\n"
        "good = main(['validate', '--config', 'config.yaml'])\n"
        "print(json.dumps([bad, good, 'playwright' in sys.modules]))\n"
    )
    env = {**_cli_env(), "NS_PASSWORD": "unused", "NS_TOTP_SECRET": "unused"}
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    bad, good, playwright = json.loads(proc.stdout.strip().splitlines()[-1])
    assert (bad, good) == (2, 0), proc.stderr
    assert playwright is False


# --------------------------------------------------------------------------- the shipped flows

SETUP_STAGES = ["login", "features", "role", "employee-role", "integration", "token"]


def _is_composite(path: Path) -> bool:
    data = load_yaml(path).data
    return isinstance(data, dict) and "stages" in data


@pytest.mark.parametrize("path", sorted(FLOWS.glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_flow_file_parses(path: Path) -> None:
    doc = load_yaml(path)
    if _is_composite(path):
        load_flow(path)
    else:
        stage = parse_stage(doc)
        assert stage.steps, path


def test_setup_flow_has_the_stages_and_references_resolve(variables: dict[str, Any]) -> None:
    flow = load_flow(FLOWS / "setup.yaml")
    assert [stage.stage for stage in flow.stages] == SETUP_STAGES
    check_references(flow, variables)
    assert load_flow().file == flow.file  # the default flow is flows/setup.yaml


def test_every_shipped_file_is_used_by_a_setup_flow() -> None:
    from automation.engine.loader import AUTH_FLOWS, DESTROY_FEATURES_FLOW, flow_for_auth

    used = {
        file
        for auth in AUTH_FLOWS
        for destroy in (False, True)  # the setup flows and their teardowns (`nsauto destroy`)
        for file in load_flow(flow_for_auth(auth, destroy=destroy)).files
    } | {DESTROY_FEATURES_FLOW.resolve()}  # added by `nsauto destroy --features` (loader.extend_flow)
    assert used == {p.resolve() for p in FLOWS.glob("*.yaml")}


def test_every_step_of_the_shipped_flows_knows_its_line() -> None:
    for stage in load_flow(FLOWS / "setup.yaml").stages:
        for step in stage.steps:
            assert step.where is not None
            assert step.where.file.endswith(f"{stage.stage}.yaml")
            assert step.where.line > 1


def _stage_params() -> list[Any]:
    params = []
    for path in sorted(FLOWS.glob("*.yaml")):
        if _is_composite(path):
            continue
        params.append(pytest.param(path, id=path.name))
    return params


@pytest.mark.parametrize("path", _stage_params())
def test_shipped_stage_file_validates_alone(path: Path, variables: dict[str, Any]) -> None:
    _load_and_check(path, variables)


def test_composite_model_lists_files() -> None:
    composite = Composite.model_validate(load_yaml(FLOWS / "setup.yaml").data)
    assert composite.stages == [f"{name}.yaml" for name in SETUP_STAGES]
