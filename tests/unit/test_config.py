"""config.yaml loading: the bad-input corpus points at the right line, and a good config loads."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pytest

from automation.config import (
    Config,
    SecretRef,
    check_env,
    config_json_schema,
    load_config,
)
from automation.errors import InputError
from automation.yamlsource import Pos

ROOT = Path(__file__).resolve().parents[2]
BAD = ROOT / "tests" / "bad_inputs"
CASES = sorted(BAD.glob("cfg-*.yaml"))  # flow-* files there belong to the flow loader's tests


def _expected(case: Path) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for line in case.with_suffix(".expected").read_text().splitlines():
        key, _, value = line.partition(": ")
        result.setdefault(key.strip(), []).append(value)
    return result


def test_corpus_is_big_enough() -> None:
    assert len(CASES) >= 25
    for case in CASES:
        assert case.with_suffix(".expected").is_file(), case


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_bad_config_points_at_line(case: Path) -> None:
    expected = _expected(case)
    with pytest.raises(InputError) as info:
        load_config(case)
    message = info.value.message
    assert message.startswith(f"{case}:{expected['line'][0]}:"), message
    assert "\n" not in message
    assert "\n" not in (info.value.hint or "")
    for fragment in expected["contains"]:
        assert fragment in message
    for secret in expected.get("absent", []):
        assert secret not in message
        assert secret not in (info.value.hint or "")
        assert secret not in str(info.value)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path


MINIMAL = """\
accounts:
  sandbox:
    account_id: 1234567-sb1
    login:
      email: admin@example.com
      password: env:NSAUTO_TEST_PASSWORD
setup:
  features: [token-based authentication]
  role:
    name: Integration Role
    permissions:
      - [log in using access tokens, full]
  employee: admin@example.com
  integration:
    name: Integration
"""


def test_good_config_normalises_and_derives_urls(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, MINIMAL))
    account = config.account("sandbox")
    assert account.name == "sandbox"
    assert account.account_id == "1234567_SB1"
    assert account.realm == "1234567_SB1"
    assert account.ui_url == "https://1234567-sb1.app.netsuite.com"
    assert account.rest_url == "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest"
    assert config.setup.auth == "tba"
    assert config.setup.features == ("Token-Based Authentication",)
    grant = config.setup.role.permissions[0]
    assert (grant.name, grant.level) == ("Log in using Access Tokens", "Full")
    assert config.browser.headless is True
    assert config.browser.timeout_s == 60
    assert config.source == tmp_path / "config.yaml"


def test_repository_config_yaml_loads() -> None:
    config = load_config(ROOT / "config.yaml")
    account = config.account("sandbox")
    assert account.account_id == "1234567_SB1"
    assert account.ui_url == "http://127.0.0.1:8231"
    assert account.rest_url == "http://127.0.0.1:8231/services/rest"
    assert str(account.login.password) == "env:NS_PASSWORD"
    assert account.login.totp_secret is not None
    assert [g.name for g in config.setup.role.permissions] == [
        "Log in using Access Tokens",
        "REST Web Services",
        "User Access Tokens",
        "SuiteAnalytics Workbook",
    ]
    assert config.setup.role.web_services_only is True
    assert config.setup.integration.state == "Enabled"


def test_positions_survive_loading(tmp_path: Path) -> None:
    path = _write(tmp_path, MINIMAL)
    config = load_config(path)
    assert config.pos(("setup", "role", "permissions", 0)) == Pos(str(path), 12, 9)
    assert config.pos(("setup", "no", "such")) == Pos(str(path), 7, 1)
    ref = config.account("sandbox").login.password
    assert ref.pos == Pos(str(path), 6, 17)
    assert ref.where == "accounts.sandbox.login.password"


def test_dump_excludes_document_and_keeps_references(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, MINIMAL))
    dumped = config.model_dump(mode="json")
    assert set(dumped) == {"accounts", "setup", "browser"}
    assert dumped["accounts"]["sandbox"]["login"]["password"] == "env:NSAUTO_TEST_PASSWORD"


def test_unknown_account_lists_names(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, MINIMAL))
    with pytest.raises(InputError) as info:
        config.account("sandbx")
    assert info.value.message.startswith(f"{tmp_path / 'config.yaml'}:1:")
    assert "sandbox" in info.value.message
    assert info.value.hint == "did you mean 'sandbox'?"


def test_check_env_names_variable_and_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(_write(tmp_path, MINIMAL))
    monkeypatch.delenv("NSAUTO_TEST_PASSWORD", raising=False)
    with pytest.raises(InputError) as info:
        check_env(config, ["sandbox"])
    assert info.value.message.startswith(f"{tmp_path / 'config.yaml'}:6:")
    assert "NSAUTO_TEST_PASSWORD" in info.value.message
    monkeypatch.setenv("NSAUTO_TEST_PASSWORD", "x-not-checked-here")
    check_env(config, ["sandbox"])
    check_env(config)


def test_resolve_env_secret_and_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(_write(tmp_path, MINIMAL))
    ref = config.account("sandbox").login.password
    monkeypatch.setenv("NSAUTO_TEST_PASSWORD", "Resolved-Value-1")
    assert ref.resolve() == "Resolved-Value-1"
    monkeypatch.delenv("NSAUTO_TEST_PASSWORD")
    with pytest.raises(InputError) as info:
        ref.resolve()
    assert "config.yaml:6:17: accounts.sandbox.login.password" in info.value.message
    assert "Resolved-Value-1" not in info.value.message


@pytest.mark.skipif(not os.environ.get("DBUS_SESSION_BUS_ADDRESS"), reason="needs the Secret Service: `make test`")
def test_resolve_keyring_secret() -> None:
    from automation.secrets.store import SecretStore

    service = f"nsauto-test-{uuid.uuid4().hex[:12]}"
    store = SecretStore(service)
    store.put("admin@example.com", "From-Keyring-9")
    try:
        ref = SecretRef.parse(f"keyring:{service}/admin@example.com")
        assert (ref.service, ref.username) == (service, "admin@example.com")
        assert ref.resolve() == "From-Keyring-9"
        with pytest.raises(InputError, match=f"keyring has no item {service}/nobody"):
            SecretRef.parse(f"keyring:{service}/nobody").resolve()
    finally:
        store.delete("admin@example.com")


def test_secret_ref_repr_never_holds_a_value() -> None:
    ref = SecretRef.parse("env:NS_PASSWORD")
    assert str(ref) == "env:NS_PASSWORD"
    assert "NS_PASSWORD" in repr(ref)


def test_json_schema_describes_pairs_and_refs() -> None:
    schema = config_json_schema()
    text = json.dumps(schema)
    assert "Log in using Access Tokens" in text
    assert "env:" in text
    assert set(schema["required"]) == {"accounts", "setup"}
    assert "name" not in schema["$defs"]["Account"]["properties"]


def test_config_is_frozen(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, MINIMAL))
    with pytest.raises(Exception):  # noqa: B017  (pydantic raises ValidationError for frozen models)
        config.setup = config.setup  # type: ignore[misc]
    assert isinstance(config, Config)


def test_unknown_key_hint_lists_only_writable_keys(tmp_path: Path) -> None:
    text = MINIMAL.replace("    account_id: 1234567-sb1\n", "    account_id: 1234567-sb1\n    colour: red\n")
    with pytest.raises(InputError) as info:
        load_config(_write(tmp_path, text))
    assert "unknown key 'colour'" in info.value.message
    assert info.value.hint == "allowed here: account_id, ui_url, rest_url, login"


@pytest.mark.parametrize(
    ("given", "realm", "host"),
    [
        ("1234567-sb1", "1234567_SB1", "1234567-sb1"),
        ("1234567_SB1", "1234567_SB1", "1234567-sb1"),
        (" tstdrv123 ", "TSTDRV123", "tstdrv123"),
        ("1234567", "1234567", "1234567"),
        ("1234567_rp2", "1234567_RP2", "1234567-rp2"),
    ],
)
def test_account_id_forms(given: str, realm: str, host: str) -> None:
    from automation.netsuite.accounts import default_rest_url, default_ui_url, host_id, normalize_account_id

    assert normalize_account_id(given) == realm
    assert host_id(realm) == host
    assert default_ui_url(realm) == f"https://{host}.app.netsuite.com"
    assert default_rest_url(realm) == f"https://{host}.suitetalk.api.netsuite.com/services/rest"


@pytest.mark.parametrize("bad", ["", "1234567_XB1", "12 34", "https://1234567.app.netsuite.com", "1234567_SB"])
def test_bad_account_ids(bad: str) -> None:
    from automation.netsuite.accounts import normalize_account_id

    with pytest.raises(ValueError, match="not a NetSuite account id"):
        normalize_account_id(bad)


def test_permission_and_feature_tables() -> None:
    from automation.netsuite.features import all_labels, find_feature
    from automation.netsuite.permissions import LEVELS, all_names, find_permission

    assert len(all_names()) == len(set(all_names()))

    assert LEVELS == ("None", "View", "Create", "Edit", "Full")
    token = find_permission("  log in using ACCESS tokens ")
    assert token is not None
    assert (token.subtab, token.permkey, token.levels) == ("Setup", "ADMI_LOGIN_OAUTH", ("Full",))
    setup_names = (
        "Log in using Access Tokens",
        "Log in using OAuth 2.0 Access Tokens",
        "REST Web Services",
        "SOAP Web Services",
        "User Access Tokens",
        "Access Token Management",
        "Integration Application",
        "Enable Features",
        "OAuth 2.0 Authorized Applications Management",
    )
    for name in setup_names:
        permission = find_permission(name)
        assert permission is not None and (permission.subtab, permission.levels) == ("Setup", ("Full",)), name
    for name in (
        "SuiteAnalytics Workbook",
        "Financial Statements",
        "Documents and Files",
        "Perform Search",
        "Employees",
        "Customers",
        "Sales Order",
        "Invoice",
        "Find Transaction",
        "OAuth 2.0 Authorized Applications Management",
        "Integration Application",
        "Enable Features",
    ):
        assert find_permission(name) is not None, name
    assert find_permission("Nope") is None
    workbook = find_feature("suiteanalytics workbook")
    assert workbook is not None and workbook.subtab == "Analytics"
    assert {find_feature(label).subtab for label in all_labels() if label != "SuiteAnalytics Workbook"} == {
        "SuiteCloud"
    }
