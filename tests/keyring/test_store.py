"""SecretStore and the keyring preflight against the real Secret Service (gnome-keyring).

Run inside ``dbus-run-session`` with an unlocked ``gnome-keyring-daemon`` (see the project's
test command); tests that need the Secret Service skip otherwise. The no-backend cases need no
D-Bus and always run.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import keyring.backend
import keyring.core
import pytest
from keyring.backends import chainer, fail

from automation.errors import EnvironmentNotReady, ExitCode
from automation.secrets.redact import redactor
from automation.secrets.store import (
    M2M_NAMES,
    PROBE_SERVICE,
    TBA_NAMES,
    SecretStore,
    SecretStoreError,
    probe,
    require_writable_keyring,
    service_for,
)
from automation.secrets.testing import QUALNAME, FailingOnNthWrite

REPO = Path(__file__).resolve().parents[2]

needs_secret_service = pytest.mark.skipif(
    not os.environ.get("DBUS_SESSION_BUS_ADDRESS"),
    reason="needs a D-Bus session with an unlocked gnome-keyring: run the tests under "
    "dbus-run-session with gnome-keyring-daemon --unlock (see the test command)",
)


@pytest.fixture
def secret_service() -> keyring.backend.KeyringBackend:
    from keyring.backends import SecretService

    return SecretService.Keyring()


@pytest.fixture
def store(secret_service: keyring.backend.KeyringBackend) -> Iterator[SecretStore]:
    service = f"nsauto-test-{uuid.uuid4().hex[:12]}"
    the_store = SecretStore(service, secret_service)
    yield the_store
    for name in (*TBA_NAMES, *M2M_NAMES, "a", "b", "c"):
        the_store.delete(name)


def _value() -> str:
    return "v-" + secrets.token_hex(16)


def test_names_and_service() -> None:
    assert TBA_NAMES == ("consumer_key", "consumer_secret", "token_id", "token_secret")
    assert M2M_NAMES == ("client_id", "client_secret", "certificate_id", "private_key")
    assert service_for("1234567_SB1") == "netsuite:1234567_SB1"


@needs_secret_service
def test_put_get_delete_round_trip(store: SecretStore) -> None:
    values = {name: _value() for name in TBA_NAMES}
    assert not store.has_all(TBA_NAMES)
    for name, value in values.items():
        store.put(name, value)
    assert store.has_all(TBA_NAMES)
    assert {name: store.get(name) for name in TBA_NAMES} == values
    # Every value that went through the store is now redacted everywhere.
    assert redactor.redact(values["token_secret"]) == "[secret:token_secret]"
    store.put("token_secret", "replaced-" + values["token_secret"])  # overwrite, not duplicate
    assert store.get("token_secret") == "replaced-" + values["token_secret"]
    assert store.delete("token_secret") is True
    assert store.delete("token_secret") is False
    assert store.get("token_secret") is None
    assert not store.has_all(TBA_NAMES)


@needs_secret_service
def test_value_is_readable_by_a_fresh_backend(store: SecretStore) -> None:
    """The item is in the daemon, not in some cache of the object that wrote it."""
    from keyring.backends import SecretService

    value = _value()
    store.put("consumer_secret", value)
    assert SecretService.Keyring().get_password(store.service, "consumer_secret") == value


@needs_secret_service
def test_probe_reports_writable_and_leaves_nothing(secret_service: keyring.backend.KeyringBackend) -> None:
    import secretstorage

    report = probe(secret_service)
    assert report.backend == "keyring.backends.SecretService.Keyring"
    assert (report.writable, report.problem, report.hint) == (True, None, None)
    assert require_writable_keyring(secret_service) == report
    with closing(secretstorage.dbus_init()) as bus:
        collection = secretstorage.get_default_collection(bus)
        assert list(collection.search_items({"service": PROBE_SERVICE})) == []


def test_fail_backend_is_not_writable_with_a_headless_hint() -> None:
    report = probe(fail.Keyring())
    assert report.backend == "keyring.backends.fail.Keyring"
    assert report.writable is False
    assert report.problem and "no keyring backend" in report.problem
    for words in (
        "dbus-run-session",
        "gnome-keyring-daemon --unlock",
        "PYTHON_KEYRING_BACKEND",
        "keyrings.alt",
    ):
        assert words in (report.hint or "")
    with pytest.raises(EnvironmentNotReady) as info:
        require_writable_keyring(fail.Keyring())
    assert info.value.exit_code == ExitCode.ENVIRONMENT
    assert "keyring.backends.fail.Keyring is not writable" in info.value.message
    assert info.value.hint == report.hint


def test_chainer_without_backends_is_not_writable() -> None:
    keyring.core.init_backend(limit=lambda backend: False)  # the chainer then finds nothing to chain
    try:
        report = probe(chainer.ChainerBackend())
    finally:
        keyring.core.init_backend()
    assert report.backend == "keyring.backends.chainer.ChainerBackend"
    assert report.writable is False and "dbus-run-session" in (report.hint or "")


def test_fail_backend_store_errors_carry_no_value() -> None:
    value = _value()
    with pytest.raises(SecretStoreError) as info:
        SecretStore("nsauto-test-fail", fail.Keyring()).put("token_secret", value)
    err = info.value
    assert (err.reason, err.name, err.service) == ("error", "token_secret", "nsauto-test-fail")
    assert "NoKeyringError" in err.message
    assert value not in err.message and value not in (err.hint or "")


@needs_secret_service
@pytest.mark.parametrize(("kind", "reason"), [("error", "error"), ("corrupt", "mismatch"), ("drop", "mismatch")])
def test_failing_backend_fails_only_the_nth_write(
    secret_service: keyring.backend.KeyringBackend, kind: str, reason: str
) -> None:
    failing = FailingOnNthWrite(secret_service, n=2, kind=kind)
    store = SecretStore(f"nsauto-test-{uuid.uuid4().hex[:12]}", failing)
    try:
        probe(failing)  # preflight writes are not counted
        first, second, third = _value(), _value(), _value()
        store.put("a", first)
        with pytest.raises(SecretStoreError) as info:
            store.put("b", second)
        assert info.value.reason == reason
        assert second not in str(info.value) and second not in (info.value.hint or "")
        store.put("c", third)
        assert (store.get("a"), store.get("c")) == (first, third)
    finally:
        for name in ("a", "b", "c"):
            store.delete(name)


@needs_secret_service
def test_failing_backend_sticky(secret_service: keyring.backend.KeyringBackend) -> None:
    store = SecretStore(f"nsauto-test-{uuid.uuid4().hex[:12]}", FailingOnNthWrite(secret_service, n=1, sticky=True))
    for name in ("a", "b"):
        with pytest.raises(SecretStoreError):
            store.put(name, _value())


def test_failing_backend_is_never_picked_implicitly() -> None:
    assert os.environ.get("PYTHON_KEYRING_BACKEND") != QUALNAME
    assert FailingOnNthWrite.viable is False
    assert FailingOnNthWrite not in set(keyring.backend.KeyringBackend.get_viable_backends())


CHILD = textwrap.dedent(
    """
    import secrets, keyring
    from automation.secrets.store import SecretStore, backend_name, probe, SecretStoreError
    kr = keyring.get_keyring()
    print("backend", backend_name(kr), backend_name(kr.inner))
    print("probe", probe().writable)
    store = SecretStore(__import__("sys").argv[1])
    for name in ("consumer_key", "consumer_secret", "token_id"):
        try:
            store.put(name, secrets.token_hex(16))
            print(name, "stored")
        except SecretStoreError as err:
            print(name, "failed", err.reason)
        store.delete(name)
    """
)


@needs_secret_service
def test_failing_backend_selected_by_environment_in_a_subprocess() -> None:
    """How end-to-end fault tests use it: the tool runs in a child with these variables."""
    env = {
        **os.environ,
        "PYTHON_KEYRING_BACKEND": QUALNAME,
        "NSAUTO_TEST_FAIL_WRITE_N": "2",
        "PYTHONPATH": str(REPO),
    }
    env.pop("NSAUTO_TEST_INNER_BACKEND", None)
    service = f"nsauto-test-{uuid.uuid4().hex[:12]}"
    done = subprocess.run(
        [sys.executable, "-c", CHILD, service],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"backend {QUALNAME.rsplit('.', 1)[0]}.FailingOnNthWrite keyring.backends.SecretService.Keyring",
        "probe True",
        "consumer_key stored",
        "consumer_secret failed error",
        "token_id stored",
    ]


def test_failing_backend_rejects_a_bad_n(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NSAUTO_TEST_FAIL_WRITE_N", "zero")
    with pytest.raises(ValueError, match="NSAUTO_TEST_FAIL_WRITE_N"):
        FailingOnNthWrite(fail.Keyring())


def _replaced_under_the_reader(secret_service: keyring.backend.KeyringBackend) -> keyring.backend.KeyringBackend:
    """The Secret Service, whose first read finds an item and then sees it gone.

    What gnome-keyring did under `make test`'s four concurrent runs (CI, stop 18): a search
    returned the item and reading it raised "Item does not exist!". Here the item is deleted
    and written again (a new object path) between the search and the read, through the real
    daemon, so the error is the daemon's own.
    """
    from keyring.backends import SecretService

    class ReplacedUnderTheReader(SecretService.Keyring):
        races = 1

        def get_password(self, service: str, username: str) -> str | None:
            if self.races:
                self.races -= 1
                collection = self.get_preferred_collection()
                with closing(collection.connection):
                    (item,) = collection.search_items(self._query(service, username))
                    value, attributes, label = item.get_secret(), item.get_attributes(), item.get_label()
                    item.delete()
                    collection.create_item(label, attributes, value)
                    item.get_secret()  # raises: the path the search gave is gone
            return super().get_password(service, username)

    return ReplacedUnderTheReader()


@needs_secret_service
def test_an_item_replaced_under_a_read_is_searched_again(store: SecretStore) -> None:
    import secretstorage.exceptions

    value = _value()
    store.put("consumer_secret", value)
    racing = _replaced_under_the_reader(store.backend)
    with pytest.raises(secretstorage.exceptions.ItemNotFoundException):
        racing.get_password(store.service, "consumer_secret")  # what keyring alone does

    racing = _replaced_under_the_reader(store.backend)
    assert SecretStore(store.service, racing).get("consumer_secret") == value
    assert racing.races == 0  # the race happened; the store searched again


@needs_secret_service
def test_locked_keyring_is_reported_with_an_unlock_hint() -> None:
    """A private collection (gnome-keyring's non-interactive create/unlock calls), so the
    default collection other tests use is never locked."""
    import secretstorage
    from keyring.backends import SecretService
    from secretstorage.collection import Collection
    from secretstorage.util import DBusAddressWrapper, format_secret, open_session

    iface = "org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface"
    password = secrets.token_hex(8).encode()
    with closing(secretstorage.dbus_init()) as bus:
        session = open_session(bus)
        internal = DBusAddressWrapper("/org/freedesktop/secrets", iface, bus)
        label = {"org.freedesktop.Secret.Collection.Label": ("s", f"nsauto-test-{uuid.uuid4().hex[:8]}")}
        (path,) = internal.call(
            "CreateWithMasterPassword", "a{sv}(oayays)", label, format_secret(session, password, "text/plain")
        )
        collection = Collection(bus, path, session)
        try:
            backend = SecretService.Keyring()
            backend.preferred_collection = path
            assert probe(backend).writable
            collection.lock()
            report = probe(backend)
            assert report.writable is False
            assert report.problem and "locked" in report.problem
            assert "gnome-keyring-daemon --unlock" in (report.hint or "")
            with pytest.raises(SecretStoreError) as info:
                SecretStore("nsauto-test-locked", backend).put("token_secret", "locked-value-123")
            assert "KeyringLocked" in info.value.message and "unlock" in (info.value.hint or "")
        finally:
            internal.call("UnlockWithMasterPassword", "o(oayays)", path, format_secret(session, password, "text/plain"))
            collection.delete()


def test_configured_backend_that_cannot_load_is_reported() -> None:
    """PYTHON_KEYRING_BACKEND=SecretService without D-Bus: keyring itself raises on load."""
    child = textwrap.dedent(
        """
        from automation.errors import EnvironmentNotReady
        from automation.secrets.store import require_writable_keyring
        try:
            require_writable_keyring()
        except EnvironmentNotReady as err:
            print(err.exit_code.value, err.message, sep="\\n")
            print(err.hint)
        """
    )
    env = {k: v for k, v in os.environ.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
    env.update(PYTHON_KEYRING_BACKEND="keyring.backends.SecretService.Keyring", PYTHONPATH=str(REPO))
    done = subprocess.run(
        [sys.executable, "-c", child], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    code, message, hint = done.stdout.splitlines()
    assert code == "3"
    assert message.startswith("keyring keyring.backends.SecretService.Keyring is not writable:")
    assert "DBUS_SESSION_BUS_ADDRESS is unset" in message
    assert "dbus-run-session" in hint
