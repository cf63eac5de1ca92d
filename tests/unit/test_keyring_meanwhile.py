"""The keyring probe overlaps the browser launch (issue 14), and its failure still stops the run first."""

from __future__ import annotations

import threading

import pytest

from automation.config import load_config
from automation.demo import simulator_config
from automation.engine import orchestrate
from automation.engine.loader import load_flow
from automation.errors import EnvironmentNotReady


@pytest.fixture
def account(tmp_path, monkeypatch):
    monkeypatch.setenv("NS_PASSWORD", "x" * 12)
    monkeypatch.setenv("NS_TOTP_SECRET", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    path = tmp_path / "config.yaml"
    path.write_text(
        simulator_config(
            "http://127.0.0.1:1", "1234567_SB1", password="env:NS_PASSWORD", totp_secret="env:NS_TOTP_SECRET"
        )
    )
    config = load_config(path)
    return config, next(iter(config.accounts.values()))


def test_prepare_returns_while_the_probe_runs_and_keyring_ready_raises_its_error(account, tmp_path, monkeypatch):
    config, acct = account
    release = threading.Event()

    def slow_refusal() -> None:
        release.wait(5)
        raise EnvironmentNotReady("no writable keyring", "start one")

    monkeypatch.setattr(orchestrate, "require_writable_keyring", slow_refusal)
    prepared = orchestrate.prepare(config, acct, load_flow(), tmp_path / "runs", keyring_meanwhile=True)
    assert prepared.keyring_probe is not None and not prepared.keyring_probe.done()  # the launch goes on meanwhile
    release.set()
    with pytest.raises(EnvironmentNotReady, match="no writable keyring"):
        prepared.keyring_ready()


def test_bad_references_fail_before_any_probe_or_browser(account, tmp_path, monkeypatch):
    config, acct = account
    monkeypatch.delenv("NS_PASSWORD")
    probed: list[bool] = []
    monkeypatch.setattr(orchestrate, "require_writable_keyring", lambda: probed.append(True))
    with pytest.raises(Exception, match="NS_PASSWORD"):
        orchestrate.prepare(config, acct, load_flow(), tmp_path / "runs", keyring_meanwhile=True)
    assert probed == []
