"""What one account's run carries from step to step: page, variables, store, mode.

Kept apart from the runner loop so step implementations depend on this small surface only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from playwright.sync_api import Page

from automation.engine.events import Status
from automation.netsuite.rest import TbaCredentials, VerifyResult, verify_tba
from automation.secrets.manifest import Manifest
from automation.secrets.redact import redactor
from automation.secrets.store import TBA_NAMES, SecretStore


@dataclass
class Target:
    """Where the account lives and who logs in."""

    name: str
    account_id: str
    ui_url: str
    rest_url: str


@dataclass
class RecordState:
    """What the current stage learned about the record it edits."""

    existed: bool | None = None  # None: the stage edits no record (a setup page)
    record_id: str | None = None
    form: str | None = None
    dirty: bool = False
    created: bool = False
    reset_done: bool = False
    terms: Any = None  # engine/terms.py: the Terms of Service windows of this page (Enable Features)
    skip_rest: bool = False  # find_record with skip_if_absent found nothing: the stage's later steps do nothing
    # Enable Features boxes this stage ticked (not those already on): recorded in the manifest once
    # the save went through, so `nsauto destroy --features` turns off only what this tool turned on.
    turned_on: list[str] = field(default_factory=list)


class Emit(Protocol):
    """How a step reports an item: status, a detail line, and (check) structured facts."""

    def __call__(self, item: str, status: Status, detail: str = "", facts: dict[str, Any] | None = None) -> None: ...


@dataclass
class Session:
    page: Page
    target: Target
    variables: dict[str, Any]
    store: SecretStore
    manifest: Manifest
    run_id: str
    plan: bool
    timeout_ms: float
    log_in: Callable[[Page], str]
    emit: Emit = lambda item, status, detail="", facts=None: None
    # `nsauto check`: steps find their elements and report how (engine/check.py), never act.
    check: bool = False
    # How the last field was found when its first locator failed and a fallback matched; the
    # runner adds it to the step's event, so run and plan show a drifted label before it breaks.
    drift: str = ""
    # Called with the element about to be clicked or filled (recordings highlight it).
    before_action: Callable[[Any, str], None] = lambda locator, what: None
    alerts: list[str] = field(default_factory=list)
    record: RecordState = field(default_factory=RecordState)
    stored: list[str] = field(default_factory=list)
    # OAuth 2.0 M2M: the key pair `upload` made, held in memory until `store_key` verified and stored it.
    generated_key: Any = None
    # OAuth 2.0 M2M: the Certificate IDs the list showed before the popup made a new one (store_key's diff).
    list_before: frozenset[str] | None = None
    # `nsauto check`: what the stages this one needs would still change (engine/check.py StageContext).
    check_context: Any = None
    # List rows read in this account's run, by (list path, text looked for): a later `lookup` of the
    # same row is served from here instead of loading the list again (one page load less on the
    # critical path). Shared by every page of the run (its branches too); names do not change mid-run.
    rows_read: dict[tuple[str, str], dict] = field(default_factory=dict)
    # Rows a spare window read while earlier stages ran (engine/readahead.py), by (list path, name):
    # None when the list has no such record. Each is used once; ``read_ahead_taken`` holds the keys
    # a stage has looked up (from here or not), so a late read-ahead never stores one again.
    read_ahead: dict[tuple[str, str], dict | None] = field(default_factory=dict)
    read_ahead_taken: set[tuple[str, str]] = field(default_factory=set)
    _verified: VerifyResult | None = None

    def remember_row(self, list_path: str, text: str, row: dict) -> None:
        self.rows_read[list_key(list_path, text)] = row

    def row_read(self, list_path: str, text: str) -> dict | None:
        """The row of ``list_path`` that reads ``text``, if this run has read it already."""
        return self.rows_read.get(list_key(list_path, text))

    def url(self, path: str) -> str:
        return self.target.ui_url.rstrip("/") + "/" + path.lstrip("/")

    def tba_credentials(self) -> TbaCredentials | None:
        values = [self.store.get(name) for name in TBA_NAMES]
        if any(not value for value in values):
            return None
        return TbaCredentials(self.target.account_id, *values)  # type: ignore[arg-type]

    def verify_stored(self, refresh: bool = False) -> VerifyResult | None:
        """A signed SuiteQL call with the keyring's four TBA values (None when some are missing)."""
        if self._verified is not None and not refresh:
            return self._verified
        creds = self.tba_credentials()
        if creds is None:
            return None
        self._verified = verify_tba(self.target.rest_url, creds)
        return self._verified

    def stage_verified(self, skip_if: str) -> Any:
        """What a stage's ``skip_if`` asks: the TBA REST call, or (``m2m_verified``) an M2M token,
        SuiteQL with it, and a certificate not expiring within 60 days. ``.ok`` says skip."""
        if skip_if == "m2m_verified":
            from automation.engine.m2m import verify_stored as verify_m2m_stored

            return verify_m2m_stored(self)
        return self.verify_stored()

    def forget_verification(self) -> None:
        self._verified = None

    def register(self, value: str, name: str) -> None:
        redactor.add(value, name)


def list_key(list_path: str, text: str) -> tuple[str, str]:
    """How a run keys a list row it has read: the list, and the text with its spaces and case evened out."""
    return list_path, " ".join(text.split()).lower()
