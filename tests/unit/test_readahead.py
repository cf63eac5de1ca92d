"""Which lists a run reads ahead, in a spare window while the first stages run (engine/readahead.py)."""

from __future__ import annotations

from pathlib import Path

from automation.config import load_config
from automation.engine.graph import StageGraph
from automation.engine.loader import AUTH_FLOWS, DESTROY_FLOWS, flow_for_auth, load_flow
from automation.engine.readahead import Lookup, planned
from automation.engine.variables import variables_for

ROOT = Path(__file__).resolve().parents[2]


def _variables() -> dict:
    config = load_config(ROOT / "config.yaml")
    return variables_for(config, next(iter(config.accounts.values())))


def test_the_tba_setup_reads_its_lists_beside_features() -> None:
    variables = _variables()
    flow = load_flow()
    found = planned(flow, StageGraph.of(flow), variables)
    setup = variables["setup"]
    assert found == [
        Lookup("role", "/app/setup/rolelist.nl", setup["role"]["name"]),
        Lookup("employee-role", "/app/common/entity/employeelist.nl", setup["employee"]),
        Lookup("integration", "/app/common/integration/integrapplist.nl?showall=T", setup["integration"]["name"]),
        # The token's user comes from a page (a lookup) when the stage runs: any user, weighed then.
        Lookup(
            "token",
            "/app/setup/accesstokens.nl",
            match={"Application Name": setup["integration"]["name"], "User": None, "Role": setup["role"]["name"]},
        ),
    ]


def test_nothing_is_read_ahead_of_a_stage_that_starts_right_after_the_login() -> None:
    flow = load_flow()
    graph = StageGraph.of(flow, ["role", "employee-role", "integration", "token"])  # --from role
    stages = [lookup.stage for lookup in planned(flow, graph, _variables())]
    assert stages == ["employee-role", "token"]


def test_a_list_another_stage_writes_is_not_read_ahead(tmp_path: Path) -> None:
    for name, body in {
        "a.yaml": "stage: a\nsteps:\n  - login: {}\n",
        "b.yaml": "stage: b\nneeds: [a]\nsteps:\n  - open: /app/x.nl\n  - save: {}\n",
        "c.yaml": (
            "stage: c\nneeds: [b]\nsteps:\n"
            "  - find_record: {list: /app/xlist.nl, form: /app/x.nl, name: X}\n  - save: {}\n"
        ),
        "d.yaml": (
            "stage: d\nneeds: [b]\nsteps:\n"
            "  - find_record: {list: /app/ylist.nl, form: /app/y.nl, name: Y}\n  - save: {}\n"
        ),
        "flow.yaml": "name: t\nstages: [a.yaml, b.yaml, c.yaml, d.yaml]\n",
    }.items():
        (tmp_path / name).write_text(body)
    flow = load_flow(tmp_path / "flow.yaml")
    found = planned(flow, StageGraph.of(flow), {})
    assert found == [Lookup("d", "/app/ylist.nl", "Y")]  # b writes /app/x.nl: c's list may change meanwhile


def test_the_m2m_and_both_setups_read_the_role_and_employee_lists_ahead_and_teardowns_nothing_they_write() -> None:
    variables = _variables()
    for auth in AUTH_FLOWS:
        flow = load_flow(flow_for_auth(auth))
        lists = {lookup.list_path for lookup in planned(flow, StageGraph.of(flow), variables)}
        assert {"/app/setup/rolelist.nl", "/app/common/entity/employeelist.nl"} <= lists, auth
    for auth in DESTROY_FLOWS:
        flow = load_flow(flow_for_auth(auth, destroy=True))
        graph = StageGraph.of(flow)
        for lookup in planned(flow, graph, variables):
            writers = [
                name for name in graph.order if name != lookup.stage and _list_form(flow, lookup) in graph.writes[name]
            ]
            assert not writers, (auth, lookup, writers)


def _list_form(flow, lookup: Lookup) -> str:
    for step in flow.stage(lookup.stage).steps:
        found = getattr(step, "find_record", None)
        if found is not None and found.list == lookup.list_path:
            return found.form.split("?")[0]
    return lookup.list_path.split("?")[0]
