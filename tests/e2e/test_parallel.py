"""Many accounts at once (`run --all --parallel N`, JUnit) and the stage graph inside one account.

The end-to-end tests run the real CLI against two simulator instances (two account ids) with the
real keyring; the stage-graph, JUnit and manifest tests need no browser.
"""

from __future__ import annotations

import contextlib
import json
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import keyring
import keyring.errors
import pytest
from conftest import issued_tba, keyring_available

from automation.demo import simulator_config
from automation.engine.graph import StageGraph
from automation.engine.loader import load_flow
from automation.simulator.server import start_in_thread

# One worker runs the whole file (`make test` uses --dist loadgroup): its module fixture is built once.
pytestmark = pytest.mark.xdist_group("parallel")

ACCOUNTS = {"alpha": "1000001_SB1", "beta": "1000002_SB1"}
NAMES = ("consumer_key", "consumer_secret", "token_id", "token_secret")
STAGES = ["login", "features", "role", "employee-role", "integration", "token"]


@pytest.fixture(scope="module")
def sims():
    handles = {name: start_in_thread(latency_ms=0, account_id=account_id) for name, account_id in ACCOUNTS.items()}
    yield handles
    for handle in handles.values():
        handle.stop()


@pytest.fixture
def fleet(sims, workspace):
    """Two fresh simulated accounts, their keyring services empty before and after."""
    if not keyring_available():
        pytest.skip("needs a Secret Service keyring: run the suite with `make test`")
    for handle in sims.values():
        handle.reset()

    def wipe() -> None:
        for account_id in ACCOUNTS.values():
            for name in NAMES:
                with contextlib.suppress(keyring.errors.PasswordDeleteError):
                    keyring.delete_password(f"netsuite:{account_id}", name)

    wipe()
    yield sims
    wipe()


def write_fleet_config(workspace, sims, passwords: dict[str, str] | None = None) -> None:
    """The demo setup with one account per simulator; password env var per account."""
    accounts, setup = [], ""
    for name, handle in sims.items():
        password = f"env:{(passwords or {}).get(name, 'NS_PASSWORD')}"
        text = simulator_config(
            handle.url, handle.account_id, name=name, password=password, totp_secret="env:NS_TOTP_SECRET"
        )
        head, setup = text.split("setup:", 1)
        accounts.append(head.split("accounts:\n", 1)[1])
    workspace.config.write_text("accounts:\n" + "".join(accounts) + "setup:" + setup)


def junit_cases(path: Path) -> dict[str, dict[str, ET.Element]]:
    root = ET.parse(path).getroot()  # raises on invalid XML
    assert root.tag == "testsuites"
    return {suite.get("name"): {case.get("name"): case for case in suite.iter("testcase")} for suite in root}


@pytest.mark.e2e
def test_two_accounts_in_parallel_store_verified_secrets_under_their_own_services(fleet, workspace):
    write_fleet_config(workspace, fleet)
    run = workspace.nsauto(
        "run", "--config", "config.yaml", "--all", "--parallel", "2", "--junit", "out/junit.xml", "--json", timeout=900
    )
    assert run.returncode == 0, run.output
    for name, handle in fleet.items():
        values = issued_tba(handle.state())
        service = f"netsuite:{handle.account_id}"
        for item in NAMES:
            assert keyring.get_password(service, item) == values[item], (name, item)
            assert values[item] not in run.output
        verify = workspace.nsauto("verify", "--config", "config.yaml", "--account", name)
        assert verify.returncode == 0, verify.output

    # Each account's lines carry its name; the summary table lists both.
    lines = run.stderr.splitlines()
    assert any(line.startswith("[alpha] ▶ token") for line in lines), run.stderr
    assert any(line.startswith("[beta ] ▶ token") for line in lines), run.stderr
    assert "2 of 2 accounts succeeded" in run.stderr
    results = {r["account"]: r for r in json.loads(run.stdout)}
    assert [s["name"] for s in results["alpha"]["stages"]] == STAGES  # flow order, though branches ran at once
    assert sorted(results["beta"]["stored_secrets"]) == sorted(NAMES)

    # One log per account, with that account's lines only.
    for name, account_id in ACCOUNTS.items():
        (log,) = (workspace.path / "runs").glob(f"*-{name}/nsauto.log")
        other = next(a for a in ACCOUNTS.values() if a != account_id)
        assert account_id in log.read_text() and other not in log.read_text()

    # The manifest knows all four items of both accounts (saves from parallel threads merged).
    manifest = json.loads((workspace.path / "nsauto-home" / "manifest.json").read_text())
    for account_id in ACCOUNTS.values():
        assert sorted(manifest["accounts"][account_id]["items"]) == sorted(NAMES)

    cases = junit_cases(workspace.path / "out" / "junit.xml")
    assert set(cases) == set(ACCOUNTS)
    for suite in cases.values():
        assert list(suite) == STAGES
        assert all(case.find("failure") is None and case.find("skipped") is None for case in suite.values())


@pytest.mark.e2e
def test_a_failing_account_leaves_the_other_finished_and_exit_code_1(fleet, workspace):
    write_fleet_config(workspace, fleet, passwords={"beta": "NS_WRONG_PASSWORD"})
    run = workspace.nsauto(
        "run",
        "--config",
        "config.yaml",
        "--all",
        "--parallel",
        "2",
        "--junit",
        "junit.xml",
        env={"NS_WRONG_PASSWORD": "Not-The-Passw0rd!"},
        timeout=900,
    )
    assert run.returncode == 1, run.output
    alpha, beta = fleet["alpha"], fleet["beta"]
    for item in NAMES:
        assert keyring.get_password(f"netsuite:{alpha.account_id}", item) == issued_tba(alpha.state())[item]
        assert keyring.get_password(f"netsuite:{beta.account_id}", item) is None
    assert beta.state()["integrations"] == [] or all(
        i["name"] != "Integration for Acme" for i in beta.state()["integrations"]
    )
    assert "1 of 2 accounts succeeded" in run.stderr
    assert "Not-The-Passw0rd!" not in run.output

    cases = junit_cases(workspace.path / "junit.xml")
    assert list(cases["alpha"]) == STAGES and list(cases["beta"]) == STAGES
    failure = cases["beta"]["login"].find("failure")
    assert failure is not None and "refused the login" in failure.get("message", "")
    assert all(cases["beta"][stage].find("skipped") is not None for stage in STAGES[1:])
    assert all(case.find("failure") is None for case in cases["alpha"].values())


def test_stage_graph_of_the_tba_flow():
    flow = load_flow()
    graph = StageGraph.of(flow)
    assert graph.width() == 2
    chain, total = graph.critical_path()
    assert chain == ["login", "features", "role", "employee-role", "token"] and total == 5
    # Integration's boxes show only once their features are on: after features, beside role.
    assert graph.ready(["features", "integration"], {"login"}) == ["features"]
    assert graph.ready(["role", "integration"], {"login", "features"}) == ["role", "integration"]
    assert graph.writes["integration"].isdisjoint(graph.writes["features"] | graph.writes["role"])
    assert graph.writes["login"] == frozenset()
    # --from role: features and login are not selected, so role and integration are free at once.
    partial = StageGraph.of(flow, ["role", "employee-role", "integration", "token"])
    assert partial.ready(partial.order, set()) == ["role", "integration"]
    assert partial.needs["token"] == frozenset({"employee-role", "integration"})


def test_stages_that_write_the_same_page_never_run_at_once(tmp_path):
    for name, body in {
        "a.yaml": "stage: a\nsteps:\n  - login: {}\n",
        "b.yaml": "stage: b\nneeds: [a]\nsteps:\n  - open: /app/x.nl?id=1\n  - save: {}\n",
        "c.yaml": "stage: c\nneeds: [a]\nsteps:\n  - open: /app/x.nl?id=2\n  - save: {}\n",
        "d.yaml": "stage: d\nsteps:\n  - open: /app/y.nl\n",
        "flow.yaml": "name: t\nstages: [a.yaml, b.yaml, c.yaml, d.yaml]\n",
    }.items():
        (tmp_path / name).write_text(body)
    graph = StageGraph.of(load_flow(tmp_path / "flow.yaml"))
    assert graph.ready(["c"], {"a"}, running=["b"]) == []  # same record type as the running b
    assert graph.needs["d"] == frozenset({"c"})  # no `needs`: keeps its place after the stage before it


def test_junit_is_valid_xml_whatever_the_message_says():
    from automation.engine.events import RunResult, StageResult, StepResult
    from automation.report.junit import junit_xml

    odd = 'NetSuite said <b>"no"</b> & \x07bell \x1b[31m'
    failed = StageResult("login", "Log in", "failed", steps=[StepResult("login", "failed", "failed", odd, "f:1:2")])
    results = [
        RunResult("a", "1_SB1", "run", stages=[failed], error=odd),
        RunResult("b", "2_SB1", "run", error="no env var NS_X"),
    ]
    root = ET.fromstring(junit_xml(results, ["login", "token"]).encode())
    suites = {s.get("name"): s for s in root}
    assert suites["a"].find("testcase/failure").get("message").startswith('f:1:2: NetSuite said <b>"no"</b> & bell')
    assert suites["a"].get("skipped") == "1"
    assert suites["b"].find("testcase/error").get("message") == "no env var NS_X"
    assert root.get("tests") == "4"


def test_manifest_saves_from_parallel_threads_keep_every_account(tmp_path):
    from automation.secrets.manifest import Manifest

    path = tmp_path / "manifest.json"
    loaded = [Manifest.load(path) for _ in range(8)]  # all loaded before any save, as parallel runs do

    def save(index: int) -> None:
        loaded[index].record(f"{index}000000_SB1", ["token_id"], f"run-{index}")
        loaded[index].save()

    threads = [threading.Thread(target=save, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(Manifest.load(path).entries()) == 8
