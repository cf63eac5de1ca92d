"""A non-secret index of what the tool has put in the keyring.

Python's keyring cannot list entries, so without this file nobody could answer "which accounts
have credentials, and from which run?". It holds names, times and facts (integration name,
token name, role, certificate expiry), never a value; ``record`` refuses any fact that the
redactor knows as a secret.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from automation.errors import InputError
from automation.secrets.redact import redactor

FORMAT_VERSION = 1
FEATURES_FACT = "features_turned_on"  # an account's fact: the feature labels the tool ticked (record_features)
# Parallel accounts (engine/fleet.py) and stage branches (engine/graph.py) each hold a Manifest
# loaded at their start; a save replays its own changes onto the file's latest content under this lock.
_SAVE_LOCK = threading.Lock()


def default_path() -> Path:
    """``$NSAUTO_HOME/manifest.json``, else ``${XDG_DATA_HOME:-~/.local/share}/nsauto/manifest.json``."""
    home = os.environ.get("NSAUTO_HOME")
    if home:
        return Path(home).expanduser() / "manifest.json"
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data).expanduser() / "nsauto" / "manifest.json"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Manifest:
    """The manifest file's contents; change with ``record``/``forget``, then ``save``."""

    def __init__(self, path: Path, accounts: dict[str, dict[str, Any]] | None = None) -> None:
        self.path = path
        self._accounts: dict[str, dict[str, Any]] = accounts or {}
        self._changes: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []  # replayed by save()
        # account id -> the config's name for it (``accounts.<name>``), kept with what `record` writes,
        # so `nsauto secrets export --account NAME` works without the config at hand
        self.names: dict[str, str] = {}

    @classmethod
    def load(cls, path: Path | str | None = None) -> Manifest:
        """Read the manifest; a missing file is an empty manifest."""
        target = Path(path) if path is not None else default_path()
        try:
            text = target.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls(target)
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{target}:{exc.lineno}:{exc.colno}: the keyring manifest is not valid JSON ({exc.msg})",
                "move the file aside; the keyring items themselves are untouched",
            ) from None
        accounts = data.get("accounts") if isinstance(data, dict) else None
        if not isinstance(accounts, dict):
            raise InputError(
                f"{target}:1:1: the keyring manifest has no 'accounts' object",
                "move the file aside; the keyring items themselves are untouched",
            )
        return cls(target, accounts)

    def record(self, account_id: str, names: list[str], run_id: str, **facts: Any) -> None:
        """Note that ``names`` were stored for ``account_id`` by run ``run_id``, plus facts."""
        for key, value in facts.items():
            if redactor.contains_secret(json.dumps(value)):
                raise ValueError(f"manifest fact {key!r} holds a registered secret; refusing to record it")
        from automation.secrets.store import service_for  # lazily: keyring's import is slow, not needed to read

        entry = self._accounts.setdefault(account_id, {"service": service_for(account_id), "items": {}, "facts": {}})
        stored_at = _now()
        for name in names:
            entry["items"][name] = {"stored_at": stored_at, "run_id": run_id}
        entry["facts"].update(facts)
        if self.names.get(account_id):
            entry["name"] = self.names[account_id]
        self._changes.append(("record", (account_id, list(names), run_id), facts))

    def forget(self, account_id: str, names: list[str] | None = None) -> None:
        """Drop some names of an account, or the whole account when ``names`` is None."""
        self._changes.append(("forget", (account_id, names), {}))
        entry = self._accounts.get(account_id)
        if entry is None:
            return
        if names is None:
            del self._accounts[account_id]
            return
        for name in names:
            entry["items"].pop(name, None)
        if not entry["items"]:
            del self._accounts[account_id]

    def record_teardown(self, account_id: str, names: list[str], run_id: str, auth: str, complete: bool) -> None:
        """`nsauto destroy`: drop the deleted ``names`` but keep the account's entry, with a
        ``teardown`` fact (when, which run, which auth mode, what was deleted, whether all of it)."""
        self._changes.append(("record_teardown", (account_id, list(names), run_id, auth, complete), {}))
        from automation.secrets.store import service_for

        entry = self._accounts.setdefault(account_id, {"service": service_for(account_id), "items": {}, "facts": {}})
        for name in names:
            entry["items"].pop(name, None)
        entry.setdefault("facts", {})["teardown"] = {
            "at": _now(),
            "run_id": run_id,
            "auth": auth,
            "deleted": sorted(names),
            "complete": complete,
        }
        if self.names.get(account_id):
            entry["name"] = self.names[account_id]

    def record_features(self, account_id: str, labels: list[str]) -> None:
        """Enable Features boxes this tool ticked (never those already on): the only ones
        `nsauto destroy --features` may untick again. Kept in ``facts.features_turned_on``."""
        self._changes.append(("record_features", (account_id, list(labels)), {}))
        from automation.secrets.store import service_for

        entry = self._accounts.setdefault(account_id, {"service": service_for(account_id), "items": {}, "facts": {}})
        facts = entry.setdefault("facts", {})
        facts[FEATURES_FACT] = sorted({*facts.get(FEATURES_FACT, []), *labels})
        if self.names.get(account_id):
            entry["name"] = self.names[account_id]

    def forget_features(self, account_id: str, labels: list[str]) -> None:
        """`nsauto destroy --features` turned these off again: no longer this tool's to turn off."""
        self._changes.append(("forget_features", (account_id, list(labels)), {}))
        facts = self._accounts.get(account_id, {}).get("facts", {})
        left = [label for label in facts.get(FEATURES_FACT, []) if label not in labels]
        if left:
            facts[FEATURES_FACT] = left
        else:
            facts.pop(FEATURES_FACT, None)

    def features_turned_on(self, account_id: str) -> list[str]:
        """The Enable Features boxes this tool ticked in the account and has not turned off since."""
        return list(self._accounts.get(account_id, {}).get("facts", {}).get(FEATURES_FACT, []))

    def entries(self) -> list[dict[str, Any]]:
        """One dict per account (sorted): account_id, service, items {name: {stored_at, run_id}}, facts."""
        return [
            {
                "account_id": account_id,
                "service": entry["service"],
                "items": {name: dict(item) for name, item in entry["items"].items()},
                "facts": dict(entry.get("facts", {})),
                "name": entry.get("name"),
            }
            for account_id, entry in sorted(self._accounts.items())
        ]

    def account_ids_named(self, name: str) -> list[str]:
        """The account ids recorded under this config account name (usually one)."""
        return sorted(a for a, entry in self._accounts.items() if entry.get("name") == name)

    def account_names(self) -> list[str]:
        """Every config account name the manifest knows, sorted."""
        return sorted({entry["name"] for entry in self._accounts.values() if entry.get("name")})

    def save(self) -> None:
        """Write atomically with mode 0600 (temp file in the same folder, then rename)."""
        with _SAVE_LOCK:
            self._merge_latest()
            self._write()
            self._changes.clear()

    def _merge_latest(self) -> None:
        """Another run in this process may have saved since this one loaded: keep its entries too."""
        if not self._changes:
            return
        try:
            latest = Manifest.load(self.path)
        except InputError:
            return  # an unreadable file is replaced, as before
        latest.names = self.names
        for kind, args, facts in self._changes:
            getattr(latest, kind)(*args, **facts)
        self._accounts = latest._accounts

    def _write(self) -> None:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        payload = json.dumps({"version": FORMAT_VERSION, "accounts": self._accounts}, indent=2, sort_keys=True)
        # mkstemp creates the file 0600, so the content is never readable by others, even briefly.
        fd, tmp = tempfile.mkstemp(prefix=".manifest-", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(payload + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        os.chmod(self.path, 0o600)
