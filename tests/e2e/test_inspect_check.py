"""Meeting a real NetSuite, rehearsed on the simulator: inspect a page, check every locator, fix a flow.

`inspect` and `check` are read-only: the simulator's state must be identical before and after.
The redwood variant renames ids and a few labels the way a real account might; `check` must name
exactly the steps whose labels drifted, with the page's closest labels, and a flow copy fixed as
the report suggests must pass `check` and a full `run` there.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import keyring
import pytest

from automation.engine.loader import load_flow
from automation.errors import InputError
from automation.simulator import catalog, variant

ROOT = Path(__file__).resolve().parents[2]
RUN = ("--config", "config.yaml", "--account", "sandbox")
BROKEN_ON_REDWOOD = {
    ("role", "choose Center Type"): "Centre Type",
    ("role", "check Web Services Only Role"): "Web Services Only",
    ("integration", "uncheck TBA: Authorization Flow"): "TBA Authorization Flow",
}


@pytest.fixture
def redwood(sim):
    """The simulator with the redwood UI variant; back to classic afterwards (the server is shared).

    The authentication boxes are shown before their features (feature_gated=shown): with them
    hidden on the fresh account, `check` reports them as appearing after stage features instead."""
    sim.settings(variant="redwood", dials={"feature_gated": "shown"})
    yield sim
    sim.settings(variant="")


def _steps(summary: dict) -> list[dict]:
    return [step for stage in summary["stages"] for step in stage["steps"]]


def _problems(summary: dict) -> dict[tuple[str, str], dict]:
    return {(s["stage"], s["item"]): s for s in _steps(summary) if s["status"] in ("missing", "ambiguous")}


# --- no browser ------------------------------------------------------------------------------


def test_fallback_locators_load_and_a_css_id_gets_a_hint(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(
        "stage: t\nsteps:\n"
        "  - check: [Web Services Only Role, id:iswebserviceonlyrole]\n"
        '  - uncheck: ["TBA: Authorization Flow", TBA Authorization Flow]\n'
        "  - choose: { field: [Center Type, Centre Type, id:centertype], option: Accounting Center }\n"
    )
    steps = load_flow(good).stages[0].steps
    assert steps[0].check.field == ["Web Services Only Role", "id:iswebserviceonlyrole"]
    assert steps[2].choose.field[-1] == "id:centertype"
    bad = tmp_path / "bad.yaml"
    bad.write_text('stage: t\nsteps:\n  - check: { field: [Web Services Only Role, "#iswebserviceonlyrole_fs"] }\n')
    with pytest.raises(InputError) as caught:
        load_flow(bad)
    assert "id:iswebserviceonlyrole" in caught.value.message


def test_redwood_names_collide_with_nothing_the_simulator_posts() -> None:
    """A shown name equal to another form's canonical name would be mapped back to the wrong field."""
    shown = set(variant.REDWOOD.ids.values()) | set(variant.REDWOOD.machines.values())
    canonical = set(variant.REDWOOD.ids) | set(variant.REDWOOD.machines) | set(catalog.FEATURES)
    assert not shown & canonical


# --- inspect ---------------------------------------------------------------------------------


def test_inspect_lists_every_setup_page_with_labels_and_ids_and_changes_nothing(sim, workspace):
    workspace.write_config(sim.url)
    features = sim.app.store.features()
    sim.app.store.set_features({**features, "tba": True})  # else Access Tokens shows only an error
    before = sim.state()

    stages = ("features", "role", "employee-role", "integration", "token")
    result = workspace.nsauto("inspect", *RUN, *stages, "--json", "--options", "3")
    assert result.returncode == 0, result.output
    pages = json.loads(result.stdout)["pages"]

    assert sim.state() == before
    fields = {(f["label"], f["id"], f["widget"]) for page in pages for f in page.get("fields", [])}
    assert {
        ("Token-Based Authentication", "tba", "checkbox"),
        ("REST Web Services", "restwebservices", "checkbox"),
        ("Name", "name", "text"),
        ("Center Type", "centertype", "select"),
        ("Web Services Only Role", "iswebserviceonlyrole", "checkbox"),
        ("Give Access", "giveaccess", "checkbox"),
        ("Token-based Authentication", "tokenbasedauth", "checkbox"),
        ("TBA: Authorization Flow", "tbaauthflow", "checkbox"),
        ("Application Name", "application", "select"),
        ("User", "entity", "select"),
    } <= fields
    sublists = {(s["machine"], tuple(c["label"] for c in s["columns"])) for p in pages for s in p.get("sublists", [])}
    assert {("setupmach", ("Permission", "Level")), ("roles", ("Role",))} <= sublists

    role = next(p for p in pages if "/app/setup/role.nl" in p["url"])
    assert role["mode"] == "new record"
    assert {"Permissions", "Authentication", "Setup"} <= {t["label"] for t in role["subtabs"]}
    center = next(f for f in role["fields"] if f["label"] == "Center Type")
    assert "Accounting Center" in center["options"] and len(center["options"]) <= 3
    web_only = next(f for f in role["fields"] if f["label"] == "Web Services Only Role")
    assert web_only["tab"] == ["Authentication"] and web_only["checked"] is False
    assert {"id": "submitter", "text": "Save", "sublist": ""} in role["buttons"]
    setup = next(s for s in role["sublists"] if s["machine"] == "setupmach")
    assert [c["id"] for c in setup["columns"]] == ["permkey4", "permlevel4"]


def test_inspect_yaml_is_flow_steps_with_id_fallbacks(sim, workspace, tmp_path):
    workspace.write_config(sim.url)
    before = sim.state()
    result = workspace.nsauto("inspect", *RUN, "/app/setup/role.nl", "--format", "yaml", "--options", "0")
    assert result.returncode == 0, result.output
    assert "- check: { field: [Web Services Only Role, id:iswebserviceonlyrole], value: false }" in result.stdout

    stage = tmp_path / "pasted.yaml"
    body = "\n".join("  " + line for line in result.stdout.splitlines())
    stage.write_text(f"stage: pasted\nsteps:\n{body}\n")
    steps = load_flow(stage).stages[0].steps  # what inspect prints is a valid flow
    assert any(getattr(s, "choose", None) and s.choose.field == ["Center Type", "id:centertype"] for s in steps)
    assert sim.state() == before


# --- check -----------------------------------------------------------------------------------


def test_check_passes_on_the_default_simulator_and_changes_nothing(sim, workspace):
    workspace.write_config(sim.url)
    before = sim.state()

    result = workspace.nsauto("check", *RUN, "--json")

    assert result.returncode == 0, result.output
    assert sim.state() == before
    summary = json.loads(result.stdout)
    assert summary["mode"] == "check"
    counts = summary["counts"]
    assert counts.get("missing", 0) == 0 and counts.get("ambiguous", 0) == 0, _problems(summary)
    assert counts["found"] >= 20
    steps = {(s["stage"], s["item"]): s for s in _steps(summary)}
    web_only = steps[("role", "check Web Services Only Role")]
    assert web_only["status"] == "found"
    assert web_only["facts"]["how"] == "label" and web_only["facts"]["field_id"] == "iswebserviceonlyrole"
    capture = steps[("integration", "capture consumer_key, consumer_secret")]
    assert capture["status"] == "unchecked" and "CONSUMER KEY / CLIENT ID" in capture["detail"]
    # A fresh account shows Access Tokens only after Token-Based Authentication is on: not missing.
    assert steps[("token", "choose Application Name")]["status"] == "unchecked"
    assert "every locator resolves" in result.stderr


def test_check_on_redwood_names_exactly_the_broken_steps_and_the_closest_labels(redwood, workspace):
    workspace.write_config(redwood.url)
    before = redwood.state()

    result = workspace.nsauto("check", *RUN, "--json")

    assert result.returncode == 1, result.output
    assert redwood.state() == before
    problems = _problems(json.loads(result.stdout))
    assert set(problems) == set(BROKEN_ON_REDWOOD)
    for key, closest in BROKEN_ON_REDWOOD.items():
        step = problems[key]
        assert step["status"] == "missing"
        assert step["facts"]["closest"][0] == closest
        assert closest in step["facts"]["fix"]
        assert f"{key[0]}.yaml:" in step["where"]
    assert "MISSING   choose Center Type" in result.stderr
    assert "closest labels: 'Centre Type' (field id centercategory)" in result.stderr
    assert "fix: field: [Center Type, Centre Type]" in result.stderr


def _apply_fix(where: str, fix: str) -> None:
    """Edit the flow line the report points at the way the report says (its `fix`)."""
    file, line, _ = where.rsplit(":", 2)
    path = Path(file)
    lines = path.read_text().splitlines(keepends=True)
    key = fix.split(":", 1)[0]
    locator = rf'{key}: ("[^"]*"|\[[^\]]*\]|[^,}}\n]+)'
    lines[int(line) - 1] = re.sub(locator, lambda m: fix, lines[int(line) - 1], count=1)
    path.write_text("".join(lines))


def test_a_flow_fixed_as_check_suggests_passes_check_and_a_full_run_on_redwood(redwood, workspace, clean_keyring):
    workspace.write_config(redwood.url)
    shutil.copytree(ROOT / "flows", workspace.path / "flows")
    flow = ("--flow", "flows/setup.yaml")
    first = workspace.nsauto("check", *RUN, *flow, "--json")
    assert first.returncode == 1, first.output
    for step in _problems(json.loads(first.stdout)).values():
        _apply_fix(step["where"], step["facts"]["fix"])
    assert "[Center Type, Centre Type]" in (workspace.path / "flows" / "role.yaml").read_text()

    again = workspace.nsauto("check", *RUN, *flow, "--json")
    assert again.returncode == 0, again.output
    steps = {(s["stage"], s["item"]): s for s in _steps(json.loads(again.stdout))}
    for key, closest in BROKEN_ON_REDWOOD.items():
        assert steps[key]["status"] == "found"
        assert steps[key]["facts"]["fallback"] is True
        assert steps[key]["facts"]["how"] == f"fallback label '{closest}'"

    run = workspace.nsauto("run", *RUN, *flow)
    assert run.returncode == 0, run.output
    assert "found by fallback label 'Centre Type'" in run.output  # the drift shows in a run too
    state = redwood.state()
    role = next(r for r in state["roles"] if r["name"] == "Integration Role for Acme")
    assert role["center_type"] == "Accounting Center" and role["web_services_only"] is True
    assert role["permissions"]["Log in using Access Tokens"] == "Full"
    integration = next(i for i in state["integrations"] if i["name"] == "Integration for Acme")
    assert integration["tba"] is True and integration["tba_authorization_flow"] is False
    token = next(t for t in state["tokens"] if not t["revoked"])
    assert keyring.get_password(clean_keyring, "token_secret") == token["token_secret"]
    assert keyring.get_password(clean_keyring, "consumer_key") == integration["consumer_key"]
