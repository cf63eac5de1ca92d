"""`nsauto demo`: the whole TBA setup against a freshly started bundled simulator.

The simulator runs as a child process and is reached over HTTP only, like NetSuite. Its demo
login (public on purpose, it is a test double) is put in the keyring and referenced as
``keyring:nsauto-demo/...``, so the demo walks the same secret path a real account does.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time

from automation.errors import EnvironmentNotReady, ExitCode

DEMO_SERVICE = "nsauto-demo"
# The setup the demo (and the test suite) asks of the simulator: what config.yaml ships with.
DEMO_SETUP = """\
setup:
  features: [REST Web Services, SOAP Web Services, Token-Based Authentication]
  role:
    name: Integration Role for Acme
    center_type: Accounting Center
    web_services_only: true
    permissions:
      - [Log in using Access Tokens, Full]
      - [REST Web Services, Full]
      - [User Access Tokens, Full]
      - [SuiteAnalytics Workbook, Edit]
  employee: {email}
  integration:
    name: Integration for Acme
    description: Integration that does Acme sync
"""


def simulator_config(
    url: str,
    account_id: str,
    *,
    name: str = "demo",
    email: str = "admin@example.com",
    password: str = f"keyring:{DEMO_SERVICE}/password",
    totp_secret: str = f"keyring:{DEMO_SERVICE}/totp_secret",
    extra_login: str = "",
) -> str:
    """A config.yaml for one account on a bundled simulator at ``url``."""
    account = (
        f"accounts:\n  {name}:\n    account_id: {account_id}\n    ui_url: {url}\n"
        f"    rest_url: {url}/services/rest\n    login:\n      email: {email}\n"
        f"      password: {password}\n      totp_secret: {totp_secret}\n{extra_login}"
    )
    return account + DEMO_SETUP.format(email=email)


_LISTENING = re.compile(r"NetSuite simulator on (http://\S+) \(account (\S+)\)")


class SimulatorProcess:
    """The bundled simulator in a child process, with a clean environment (no secrets in it)."""

    def __init__(self, latency_ms: int, db: str = ":memory:") -> None:
        self.latency_ms = latency_ms
        self.db = db
        self.proc: subprocess.Popen[str] | None = None
        self.url = ""
        self.account_id = ""

    def __enter__(self) -> SimulatorProcess:
        keep = ("PATH", "HOME", "LANG", "LC_ALL", "PYTHONPATH", "XDG_STATE_HOME", "TMPDIR", "VIRTUAL_ENV")
        env = {k: v for k, v in os.environ.items() if k in keep}
        command = [sys.executable, "-m", "automation.simulator", "--port", "0", "--db", self.db]
        command += ["--latency-ms", str(self.latency_ms)]
        self.proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        match = _LISTENING.search(line)
        if not match:
            self.__exit__(None, None, None)
            raise EnvironmentNotReady(
                "the bundled simulator did not start", "run `nsauto simulator --port 8231` to see why"
            )
        self.url, self.account_id = match.group(1), match.group(2)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def run_demo(args: argparse.Namespace) -> int:
    from automation.browser import BrowserOptions
    from automation.config import load_config
    from automation.engine.loader import load_flow
    from automation.engine.orchestrate import run_account, verify_account
    from automation.engine.runner import RunOptions
    from automation.report.console import ConsoleReporter
    from automation.secrets.store import SecretStore, require_writable_keyring
    from automation.simulator import demo as sim_demo

    require_writable_keyring()
    with SimulatorProcess(args.latency_ms) as sim:
        print(
            f"nsauto demo: bundled NetSuite simulator at {sim.url} (account {sim.account_id})",
            file=sys.stderr,
        )
        login_store = SecretStore(DEMO_SERVICE)
        login_store.put("password", sim_demo.ADMIN_PASSWORD)
        login_store.put("totp_secret", sim_demo.ADMIN_TOTP_SEED)
        run_dir = args.artifacts / (time.strftime("%Y%m%d-%H%M%S") + "-demo-config")
        run_dir.mkdir(parents=True, exist_ok=True)
        config_path = run_dir / "demo-config.yaml"
        config_path.write_text(
            "# Written by `nsauto demo` for the simulator it started; a real config looks like config.yaml.\n"
            + simulator_config(sim.url, sim.account_id, email=sim_demo.ADMIN_EMAIL)
        )
        config = load_config(config_path)
        account = config.account("demo")
        browser = BrowserOptions(headless=not args.headed, slow_mo_ms=args.slow_mo)
        options = RunOptions(artifacts=args.artifacts, timeout_s=config.browser.timeout_s)
        from automation.recording import RunRecorder

        flow = load_flow(None)
        recorder = RunRecorder(flow)  # the demo always records: video, trace, report (docs/demo.md)
        reporter = ConsoleReporter(verbose=args.debug)
        result = run_account(config, account, flow, options, browser, reporter, recorder=recorder)
        verified = verify_account(account) if result.ok else None
    if verified is not None:
        state = "passed (HTTP 200)" if verified.ok else f"FAILED (HTTP {verified.status} {verified.error_code})"
        print(f"verify: signed SuiteQL call with the keyring's secrets {state}", file=sys.stderr)
        print(
            f"the four secrets are in keyring service netsuite:{account.account_id}; "
            f"read one with: {read_command(account.account_id)}",
            file=sys.stderr,
        )
    for line in recorder.summary_lines():
        print(line, file=sys.stderr)
    if args.json:
        data = result.to_dict()
        data["verified"] = bool(verified and verified.ok)
        data["recording"] = {name: str(path) for name, path in recorder.artifacts.items()}
        print(json.dumps(data, indent=2))
    if not result.ok or verified is None or not verified.ok:
        return ExitCode.FAILED
    return ExitCode.OK


def read_command(account_id: str) -> str:
    """The command that reads a stored secret back where the demo ran.

    Under scripts/with-keyring (a headless machine) the Secret Service exists only while that
    script runs, so the read goes through it again; a desktop session's keyring is always there.
    """
    if os.environ.get("NSAUTO_PRIVATE_KEYRING"):
        return f"scripts/with-keyring .venv/bin/keyring get netsuite:{account_id} token_id"
    return f"keyring get netsuite:{account_id} token_id"
