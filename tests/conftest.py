"""Shared fixtures: the bundled simulator, an isolated nsauto home, and running the real CLI.

End-to-end tests run `nsauto` as a child process (real argv, real exit codes, real stdout and
stderr) against the simulator over HTTP, with the real Secret Service keyring that the test
command starts (`scripts/with-keyring --isolated`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from automation.demo import simulator_config
from automation.simulator import demo as sim_demo

ROOT = Path(__file__).resolve().parents[1]

# The seed of this run's random dial combinations (tests/e2e/test_dials.py): new each run unless set.
os.environ.setdefault("NSAUTO_DIALS_SEED", str(int.from_bytes(os.urandom(3), "big")))


# What a test reports for the run's summary (the fault matrix, the canary's scan): written to files
# here and printed at the end by the process that reports (`make test`'s workers print nothing).
os.environ.setdefault("NSAUTO_TEST_SUMMARY", str(Path(tempfile.gettempdir()) / f"nsauto-test-summary-{os.getpid()}"))


@pytest.fixture
def run_summary() -> Callable[[str], None]:
    """``run_summary(text)``: a block for the end of the test run's output."""

    def add(text: str) -> None:
        folder = Path(os.environ["NSAUTO_TEST_SUMMARY"])
        folder.mkdir(mode=0o700, exist_ok=True)
        (folder / f"{os.getpid()}-{time.monotonic_ns()}.txt").write_text(text, encoding="utf-8")

    return add


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    folder = Path(os.environ["NSAUTO_TEST_SUMMARY"])
    for block in sorted(folder.glob("*.txt")):
        terminalreporter.write_line("")
        terminalreporter.write_line(block.read_text(encoding="utf-8"))
    terminalreporter.write_line("")
    terminalreporter.write_line(pytest_report_header())  # -q hides the header: the draws' seed is said here


def pytest_unconfigure(config: pytest.Config) -> None:
    if not os.environ.get("PYTEST_XDIST_WORKER"):  # the reporting process owns the folder
        shutil.rmtree(os.environ["NSAUTO_TEST_SUMMARY"], ignore_errors=True)


def pytest_report_header() -> str:
    mode = os.environ.get("NSAUTO_DIALS", "random")
    if mode != "random":
        return f"simulator dials: {mode}"
    seed = os.environ["NSAUTO_DIALS_SEED"]
    return f"simulator dials: random draws from seed {seed} (repeat with NSAUTO_DIALS_SEED={seed})"


def keyring_available() -> bool:
    return bool(os.environ.get("DBUS_SESSION_BUS_ADDRESS"))


@pytest.fixture(scope="session")
def simulator_server():
    from automation.simulator.server import start_in_thread

    handle = start_in_thread(latency_ms=0)
    yield handle
    handle.stop()


@pytest.fixture
def sim(simulator_server):
    """A fresh simulated account for each test."""
    simulator_server.reset()
    simulator_server.settings(latency_ms=0, dials={}, dials_seed=0)
    return simulator_server


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@dataclass
class Workspace:
    """A folder with config.yaml, its own nsauto home and run artifacts."""

    path: Path
    env: dict[str, str]

    @property
    def config(self) -> Path:
        return self.path / "config.yaml"

    def write_config(
        self, url: str, name: str = "sandbox", account_id: str = sim_demo.ACCOUNT_ID, text: str | None = None
    ) -> Path:
        env_refs = {"password": "env:NS_PASSWORD", "totp_secret": "env:NS_TOTP_SECRET"}
        self.config.write_text(text or simulator_config(url, account_id, name=name, **env_refs))
        return self.config

    def nsauto(self, *args: str, env: dict[str, str] | None = None, timeout: float = 300) -> CliResult:
        try:
            proc = subprocess.run(
                [sys.executable, "-m", "automation", *args],
                cwd=self.path,
                env={**self.env, **(env or {})},
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired as exc:  # the progress so far says where it stuck
            said = [b.decode(errors="replace") if isinstance(b, bytes) else (b or "") for b in (exc.stdout, exc.stderr)]
            return CliResult(-9, said[0], said[1] + f"\n(killed after {timeout:.0f} s)")
        return CliResult(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    env = dict(os.environ)
    env.update(
        {
            "NSAUTO_HOME": str(tmp_path / "nsauto-home"),
            "NS_PASSWORD": sim_demo.ADMIN_PASSWORD,
            "NS_TOTP_SECRET": sim_demo.ADMIN_TOTP_SEED,
            "PYTHONPATH": str(ROOT),
            "NO_COLOR": "1",
        }
    )
    yield Workspace(tmp_path, env)


@pytest.fixture
def clean_keyring():
    """Remove the simulator account's items before and after a test."""
    import keyring
    import keyring.errors

    if not keyring_available():
        pytest.skip("needs a Secret Service keyring: run the suite with `make test`")
    names = ("consumer_key", "consumer_secret", "token_id", "token_secret")
    service = f"netsuite:{sim_demo.ACCOUNT_ID}"

    def wipe() -> None:
        for name in names:
            with contextlib.suppress(keyring.errors.PasswordDeleteError):
                keyring.delete_password(service, name)

    wipe()
    yield service
    wipe()


def issued_tba(state: dict) -> dict[str, str]:
    """The four TBA values the simulator issued: the integration's pair and the active token's."""
    integration = next(i for i in state["integrations"] if i["name"] == "Integration for Acme")
    token = next(t for t in state["tokens"] if not t["revoked"])
    return {
        "consumer_key": integration["consumer_key"],
        "consumer_secret": integration["consumer_secret"],
        "token_id": token["token_id"],
        "token_secret": token["token_secret"],
    }
