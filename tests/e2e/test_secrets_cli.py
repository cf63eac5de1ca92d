"""`nsauto secrets list/export/delete` and `nsauto login set`: real CLI, real keyring, no mocks."""

from __future__ import annotations

import contextlib
import json
import netrc
import os
import pty
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.errors
import pytest
from conftest import issued_tba

from automation.secrets.leakscan import scan
from automation.simulator import demo as sim_demo

pytestmark = pytest.mark.e2e

NAMES = ("consumer_key", "consumer_secret", "token_id", "token_secret")
ENV_NAMES = {
    "consumer_key": "NETSUITE_CONSUMER_KEY",
    "consumer_secret": "NETSUITE_CONSUMER_SECRET",
    "token_id": "NETSUITE_TOKEN_ID",
    "token_secret": "NETSUITE_TOKEN_SECRET",
}
LOGIN_SERVICE = f"nsauto-login:{sim_demo.ACCOUNT_ID}"


@pytest.fixture
def login_items() -> Iterator[str]:
    def wipe() -> None:
        for name in ("password", "totp_secret"):
            with contextlib.suppress(keyring.errors.PasswordDeleteError):
                keyring.delete_password(LOGIN_SERVICE, name)

    wipe()
    yield LOGIN_SERVICE
    wipe()


def test_list_export_delete_after_a_real_run(sim, workspace, clean_keyring):
    workspace.write_config(sim.url)
    ran = workspace.nsauto("run", "--config", "config.yaml", "--account", "sandbox")
    assert ran.returncode == 0, ran.output
    issued = issued_tba(sim.state())

    listed = workspace.nsauto("secrets", "list")
    assert listed.returncode == 0, listed.output
    assert f"{sim_demo.ACCOUNT_ID}  keyring service {clean_keyring}" in listed.stdout
    for name in NAMES:
        assert f"  {name} " in listed.stdout
    assert "Integration for Acme" in listed.stdout and "Integration Role for Acme" in listed.stdout
    as_json = json.loads(workspace.nsauto("secrets", "list", "--json").stdout)
    account = next(a for a in as_json["accounts"] if a["account_id"] == sim_demo.ACCOUNT_ID)
    assert account["service"] == clean_keyring and sorted(account["items"]) == sorted(NAMES)
    assert all(item["run_id"].endswith("-sandbox") for item in account["items"].values())
    assert account["facts"]["integration"] == "Integration for Acme" and account["recovery"] is None

    env_out = workspace.nsauto("secrets", "export", "--account", "sandbox", "--format", "env")
    assert env_out.returncode == 0 and env_out.stderr == "", env_out.output  # not a TTY: no warning
    pairs = dict(line.split("=", 1) for line in env_out.stdout.splitlines())
    assert shlex.split(pairs["NETSUITE_ACCOUNT_ID"]) == [sim_demo.ACCOUNT_ID]
    for name, var in ENV_NAMES.items():
        assert shlex.split(pairs[var]) == [issued[name]], name
    # What a shell makes of it (the values go through stdin and stdout, not argv or env).
    sourced = subprocess.run(
        [
            "bash",
            "-c",
            'set -a; source /dev/stdin; printf "%s\\n" "$NETSUITE_CONSUMER_SECRET" "$NETSUITE_TOKEN_SECRET"',
        ],
        input=env_out.stdout,
        capture_output=True,
        text=True,
        check=True,
    )
    assert sourced.stdout.splitlines() == [issued["consumer_secret"], issued["token_secret"]]

    # Item 10: no --config and no config.yaml here: the manifest knows the account's name.
    assert "  account name     sandbox" in listed.stdout and account["name"] == "sandbox"
    workspace.config.rename(workspace.path / "elsewhere.yaml")
    by_name = workspace.nsauto("secrets", "export", "--account", "sandbox", "--format", "json")
    assert by_name.returncode == 0, by_name.output
    assert json.loads(by_name.stdout) == {"account_id": sim_demo.ACCOUNT_ID, **issued}
    unknown = workspace.nsauto("secrets", "export", "--account", "production")
    assert unknown.returncode == 2 and unknown.stdout == "", unknown.output
    said = [line for line in unknown.stderr.splitlines() if line.startswith("nsauto: ")]
    assert len(said) == 1 and "'production'" in said[0] and "known names: sandbox" in said[0], unknown.stderr
    assert "Traceback" not in unknown.stderr
    workspace.path.joinpath("elsewhere.yaml").rename(workspace.config)

    json_out = workspace.nsauto("secrets", "export", "--account", sim_demo.ACCOUNT_ID, "--format", "json")
    assert json.loads(json_out.stdout) == {"account_id": sim_demo.ACCOUNT_ID, **issued}

    netrc_out = workspace.nsauto("secrets", "export", "--account", "1234567-sb1", "--format", "netrc")
    assert netrc_out.returncode == 0, netrc_out.output
    netrc_file = workspace.path / "exported.netrc"
    netrc_file.write_text(netrc_out.stdout)
    netrc_file.chmod(0o600)
    parsed = netrc.netrc(str(netrc_file))
    assert parsed.authenticators("127.0.0.1") == (
        issued["consumer_key"],
        sim_demo.ACCOUNT_ID,
        issued["consumer_secret"],
    )
    assert parsed.authenticators("token.127.0.0.1") == (issued["token_id"], sim_demo.ACCOUNT_ID, issued["token_secret"])
    netrc_file.unlink()

    refused = workspace.nsauto("secrets", "delete", "--account", "sandbox")
    assert refused.returncode == 2 and "--yes" in refused.stderr, refused.output
    assert keyring.get_password(clean_keyring, "token_secret") == issued["token_secret"]

    deleted = workspace.nsauto("secrets", "delete", "--account", "sandbox", "--yes")
    assert deleted.returncode == 0, deleted.output
    assert "deleted 4 item(s)" in deleted.stderr
    assert all(keyring.get_password(clean_keyring, name) is None for name in NAMES)
    after = json.loads(workspace.nsauto("secrets", "list", "--json").stdout)
    assert all(a["account_id"] != sim_demo.ACCOUNT_ID for a in after["accounts"])
    missing = workspace.nsauto("secrets", "export", "--account", "sandbox")
    assert missing.returncode == 1 and "has no consumer_key" in missing.stderr and missing.stdout == ""

    # Only `export` prints values, and only to its stdout.
    exports = (env_out, json_out, netrc_out)
    hits = scan(
        [workspace.path],
        issued,
        {f"<{i}>": r.output for i, r in enumerate((ran, listed, refused, deleted, missing, unknown))}
        | {f"<export stderr {i}>": r.stderr for i, r in enumerate((*exports, by_name))},
    )
    assert hits == [], "\n".join(map(str, hits))


def test_export_warns_when_stdout_is_a_terminal(sim, workspace, clean_keyring):
    for name in NAMES:
        keyring.set_password(clean_keyring, name, f"{name}-value-for-the-tty-test")
    primary, secondary = pty.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "automation", "secrets", "export", "--account", sim_demo.ACCOUNT_ID],
            cwd=workspace.path,
            env=workspace.env,
            stdout=secondary,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
        os.close(secondary)
        secondary = -1
        shown = b""
        with contextlib.suppress(OSError):  # EIO once the child's side is closed and drained
            while chunk := os.read(primary, 4096):
                shown += chunk
    finally:
        os.close(primary)
        if secondary != -1:
            os.close(secondary)
    assert proc.returncode == 0, proc.stderr
    assert "warning: printing secrets to the terminal" in proc.stderr
    assert b"NETSUITE_TOKEN_SECRET=token_secret-value-for-the-tty-test" in shown


def test_login_set_from_stdin_gives_references_a_run_can_log_in_with(sim, workspace, login_items):
    password, seed = sim_demo.ADMIN_PASSWORD, sim_demo.ADMIN_TOTP_SEED
    proc = subprocess.run(
        [sys.executable, "-m", "automation", "login", "set", "--account", "1234567-sb1"],
        cwd=workspace.path,
        env=workspace.env,
        input=f"{password}\n{seed}\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        f"password: keyring:{LOGIN_SERVICE}/password",
        f"totp_secret: keyring:{LOGIN_SERVICE}/totp_secret",
    ]
    assert keyring.get_password(LOGIN_SERVICE, "password") == password
    assert keyring.get_password(LOGIN_SERVICE, "totp_secret") == seed
    assert scan([workspace.path], {"password": password, "seed": seed}, {"out": proc.stdout + proc.stderr}) == []

    # The printed lines go into config as they are; no env variable holds the login any more.
    config = workspace.write_config(sim.url).read_text()
    config = config.replace("password: env:NS_PASSWORD", proc.stdout.splitlines()[0])
    config = config.replace("totp_secret: env:NS_TOTP_SECRET", proc.stdout.splitlines()[1])
    workspace.config.write_text(config)
    env = {k: v for k, v in workspace.env.items() if k not in ("NS_PASSWORD", "NS_TOTP_SECRET")}
    login = subprocess.run(
        [sys.executable, "-m", "automation", "run", "--account", "sandbox", "--only", "login"],
        cwd=workspace.path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert login.returncode == 0, login.stdout + login.stderr
    assert scan([workspace.path], {"password": password, "seed": seed}, {"out": login.stdout + login.stderr}) == []


def test_login_set_refuses_a_bad_seed_and_stores_nothing(workspace, login_items):
    proc = subprocess.run(
        [sys.executable, "-m", "automation", "login", "set", "--account", sim_demo.ACCOUNT_ID],
        cwd=workspace.path,
        env=workspace.env,
        input="Some-Passw0rd-here\nJBSWY3DP!EHPK3PXP0000\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2, proc.stderr
    assert "not base32" in proc.stderr and "JBSWY3DP" not in proc.stderr and "Some-Passw0rd" not in proc.stderr
    assert keyring.get_password(LOGIN_SERVICE, "password") is None


def test_encrypted_file_keyring_takes_its_key_from_the_environment(workspace, tmp_path):
    """The CI recipe of docs/secrets.md (runs where keyrings.alt and pycryptodome are installed)."""
    alt = pytest.importorskip("keyrings.alt")
    pytest.importorskip("Crypto")
    site = str(Path(alt.__file__).parents[2])  # wherever it is installed, the child finds it too
    env = {
        "PYTHONPATH": os.pathsep.join([workspace.env["PYTHONPATH"], site]),
        "PYTHON_KEYRING_BACKEND": "automation.secrets.filekeyring.EnvKeyEncryptedKeyring",
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "NSAUTO_KEYRING_FILE_KEY": "ci-master-key-for-the-test",
    }
    first = workspace.nsauto("doctor", "--json", env=env)
    assert json.loads(first.stdout)["keyring"]["writable"] is True, first.output
    stored = subprocess.run(
        [sys.executable, "-m", "automation", "login", "set", "--account", sim_demo.ACCOUNT_ID],
        cwd=workspace.path,
        env={**workspace.env, **env},
        input="file-keyring-password-1\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert stored.returncode == 0, stored.stderr
    keyring_file = tmp_path / "data" / "python_keyring" / "crypted_pass.cfg"
    hits = scan([tmp_path], {"password": "file-keyring-password-1", "key": env["NSAUTO_KEYRING_FILE_KEY"]})
    assert keyring_file.is_file() and hits == [], hits
    wrong = workspace.nsauto("doctor", "--json", env={**env, "NSAUTO_KEYRING_FILE_KEY": "not-the-key"})
    report = json.loads(wrong.stdout)["keyring"]
    assert report["writable"] is False and "wrong key" in report["problem"], wrong.output
