"""Canary: every artifact switched on, then every byte the tool wrote is searched for secrets.

The full TBA setup runs against the simulator with the log, `--debug` (the log on stderr too),
`--json` and, when the CLI has it, `--record` (video, scrubbed trace, HTML report). A second run
fails on purpose (a role name NetSuite does not offer, `--only token --rotate`) so a failure
screenshot is taken on the very page that shows the token fields. Then the workspace (artifacts,
journal, NSAUTO_HOME with manifest and any recovery file, configs) and every stdout/stderr are
scanned for the four issued secrets (from the simulator's own state, revoked tokens included),
the login password and the TOTP seed, in every encoding the leak scanner knows. Zero hits.
"""

from __future__ import annotations

import json

import pytest

from automation.secrets.leakscan import Scanner
from automation.simulator import demo as sim_demo

pytestmark = pytest.mark.e2e


def _record_flags(workspace) -> list[str]:
    """`--record` if this build of the CLI has it (it records video, trace and report)."""
    help_text = workspace.nsauto("run", "--help").stdout
    return ["--record"] if "--record" in help_text else []


def _all_issued(state: dict) -> dict[str, str]:
    """Every value the simulator ever showed once: current and revoked tokens, every integration."""
    secrets: dict[str, str] = {}
    for integration in state["integrations"]:
        if integration["name"] == "Integration for Acme":
            secrets[f"consumer_key#{integration['id']}"] = integration["consumer_key"]
            secrets[f"consumer_secret#{integration['id']}"] = integration["consumer_secret"]
    for index, token in enumerate(state["tokens"]):
        secrets[f"token_id#{index}"] = token["token_id"]
        secrets[f"token_secret#{index}"] = token["token_secret"]
    return secrets


def test_no_secret_anywhere_with_every_artifact_on(sim, workspace, clean_keyring, run_summary):
    workspace.write_config(sim.url)
    record = _record_flags(workspace)
    common = ["--account", "sandbox", "--artifacts", "artifacts", "--debug", "--json", *record]

    full = workspace.nsauto("run", "--config", "config.yaml", *common)
    assert full.returncode == 0, full.output
    summary = json.loads(full.stdout[full.stdout.index("{") :])
    assert summary["ok"] and summary["stored_secrets"] == [
        "consumer_key",
        "consumer_secret",
        "token_id",
        "token_secret",
    ]
    assert "debug:" in full.stderr, "--debug puts the log on stderr too"

    wrong = workspace.path / "config-wrong-role.yaml"
    wrong.write_text(workspace.config.read_text().replace("name: Integration Role for Acme", "name: No Such Role"))
    failing = workspace.nsauto("run", "--config", wrong.name, *common, "--only", "token", "--rotate")
    assert failing.returncode == 1, failing.output
    screenshots = sorted((workspace.path / "artifacts").rglob("failure-*.png"))
    assert [p.name for p in screenshots] == ["failure-token.png"], failing.output

    verify = workspace.nsauto("verify", "--config", "config.yaml", "--account", "sandbox", "--json")
    assert verify.returncode == 0, verify.output
    listed = workspace.nsauto("secrets", "list", "--json")
    assert listed.returncode == 0, listed.output

    artifacts = workspace.path / "artifacts"
    if record:
        run_dirs = [p for p in artifacts.iterdir() if p.is_dir() and p.name != "journal"]
        names = {p.name for d in run_dirs for p in d.iterdir()}
        assert {"video.webm", "trace.zip", "report.html"} <= names, names
    assert (artifacts / "journal").is_dir()
    assert (workspace.path / "nsauto-home" / "manifest.json").is_file()

    secrets = {
        **_all_issued(sim.state()),
        "login_password": sim_demo.ADMIN_PASSWORD,
        "totp_seed": sim_demo.ADMIN_TOTP_SEED,
    }
    assert len([k for k in secrets if k.startswith("token_secret")]) >= 1
    scanner = Scanner(secrets)
    scanner.scan_path(workspace.path)  # artifacts (logs, screenshots, recordings), journal, NSAUTO_HOME
    for label, result in {"run": full, "failing run": failing, "verify": verify, "secrets list": listed}.items():
        scanner.scan_text(f"<{label} stdout>", result.stdout)
        scanner.scan_text(f"<{label} stderr>", result.stderr)
    kinds = sorted({p.suffix or p.name for p in workspace.path.rglob("*") if p.is_file()})
    run_summary(f"canary: {scanner.summary()}; file kinds {' '.join(kinds)}; recording {'on' if record else 'off'}")
    assert scanner.hits == [], "\n".join(map(str, scanner.hits))
