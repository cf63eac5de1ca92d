"""Flow steps and stored-credential checks of the OAuth 2.0 client credentials (M2M) setup.

The mapping lives on NetSuite's OAuth 2.0 Client Credentials (M2M) Setup list: **Create New**
opens a popup window (Entity, Role, Application, the public certificate), and the list then shows
the mapping with a generated Certificate ID and a Revoke button. The steps here keep one rule:
the keyring's working key is never given up before its replacement has proved itself.

* ``upload`` makes the key pair in memory, keeps the private key in the keyring as *pending*
  (``m2m_private_key_pending``), and uploads only the certificate (no file on disk).
* ``store_key`` finds the new row as the Certificate ID the list did not show before the popup
  (the list may show nothing of the certificate's subject: its common name is only a hint), gets
  a token and makes a SuiteQL call with the *new* key, and only then writes ``private_key`` +
  ``certificate_id`` to the keyring (a failed write goes to the recovery file) and drops the
  pending copy. The manifest keeps digests of the Certificate IDs nsauto made.
* A run that stopped after the upload left a pending key: the next run's ``make_room`` finds the
  active mapping that takes that key (the token endpoint decides) and finishes it instead of
  uploading again, so a rerun never adds a second active mapping.
* ``revoke_replaced`` then revokes our older certificates (this entity and role, or any the
  manifest says nsauto made), so exactly one stays active.
* ``make_room`` runs *before* the popup, because NetSuite refuses a sixth active certificate per
  integration record. It may revoke only what does no work for us: our oldest certificate that is
  not the keyring's, or the keyring's own when it no longer gets a token. When the only one of
  ours is the working one, it stops and says so, rather than risk an account without access.

Page order of a rotation therefore: make room (if at five) → create → verify new → store → revoke old.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from automation.engine import check
from automation.errors import StepFailed, VerificationFailed
from automation.netsuite import oauth2, ui
from automation.secrets.redact import redactor
from automation.secrets.store import SecretStoreError

if TYPE_CHECKING:
    from automation.engine.session import Session
    from automation.secrets.manifest import Manifest
    from automation.secrets.store import SecretStore

log = logging.getLogger("nsauto.m2m")

KEY_NAMES = ("private_key", "certificate_id")
PENDING_NAME = "m2m_private_key_pending"  # the uploaded key until store_key proved and stored it
MADE_FACT = "m2m_certificates"  # manifest: digests of the Certificate IDs nsauto made (the IDs are secrets)
CLIENT_NAMES = ("client_id",)


# --------------------------------------------------------------------------- stored credentials


def manifest_facts(manifest: Manifest, account_id: str) -> dict[str, Any]:
    return next((e["facts"] for e in manifest.entries() if e["account_id"] == account_id), {})


def stored_credentials(store: SecretStore, account_id: str) -> oauth2.M2MCredentials | None:
    """The keyring's client ID, certificate ID and private key; None when any is missing."""
    client_id, certificate_id, key = (store.get(n) for n in ("client_id", "certificate_id", "private_key"))
    if not (client_id and certificate_id and key):
        return None
    return oauth2.M2MCredentials(account_id, client_id, certificate_id, key)


def scopes_of(variables: dict[str, Any]) -> list[str]:
    return list(variables.get("setup", {}).get("oauth2", {}).get("scopes") or ["rest_webservices"])


def verify_stored(s: Session, expiry: bool = True) -> oauth2.M2MVerifyResult | None:
    """Token + SuiteQL with the keyring's key; with ``expiry``, a certificate that ends within
    60 days counts as not ok (so the stage rotates it). None when the keyring lacks a value."""
    creds = stored_credentials(s.store, s.target.account_id)
    if creds is None:
        return None
    facts = oauth2.CertificateFacts.from_manifest(manifest_facts(s.manifest, s.target.account_id))
    result = oauth2.verify_m2m(s.target.rest_url, creds, scopes_of(s.variables), facts)
    days = facts.days_left()
    if expiry and result.ok and days is not None and days < oauth2.ROTATE_WITHIN_DAYS:
        when = f"{facts.expires:%Y-%m-%d}"  # type: ignore[str-format]
        detail = f"the certificate expires on {when} (in {days:.0f} days); nsauto replaces it 60 days ahead"
        return oauth2.M2MVerifyResult(False, result.status, "certificate_expiring", detail, "expiry")
    return result


# --------------------------------------------------------------------------- the list page


@dataclass
class Row:
    """One data row of a NetSuite list page: cells by header label, and whether it can be revoked."""

    index: int  # among the document's <tr> elements
    cells: dict[str, str]
    active: bool
    order: int  # position in its table

    def get(self, column: str) -> str:
        wanted = column.strip().lower()
        return next((v for k, v in self.cells.items() if k.strip().lower() == wanted), "")

    def matches(self, values: dict[str, str]) -> bool:
        return all(self.get(k).strip().lower() == str(v).strip().lower() for k, v in values.items())

    @property
    def text(self) -> str:
        return " ".join(self.cells.values())


_ROWS_JS = """() => {
  const norm = (s) => (s || "").replace(/\\s+/g, " ").trim();
  const all = [...document.querySelectorAll("tr")];
  const out = [];
  for (const table of document.querySelectorAll("table")) {
    const trs = [...table.querySelectorAll(":scope > tbody > tr, :scope > tr, :scope > thead > tr")];
    if (trs.length < 2) continue;
    const header = [...trs[0].children].map((c) => norm(c.textContent));
    if (header.filter(Boolean).length < 2) continue;
    trs.slice(1).forEach((tr, order) => {
      const cells = {};
      [...tr.children].forEach((c, i) => { if (header[i]) cells[header[i]] = norm(c.textContent); });
      const active = [...tr.querySelectorAll("a, input[type=button], button")].some(
        (e) => norm(e.textContent || e.value).toLowerCase() === "revoke");
      out.push({index: all.indexOf(tr), cells, active, order});
    });
  }
  return out;
}"""


def read_rows(page: Page) -> list[Row]:
    return [Row(**row) for row in page.evaluate(_ROWS_JS)]


def _when(row: Row) -> tuple[int, float, int]:
    """Sort key, oldest first: Date Created, else Valid From, else Valid Until, else list order."""
    for column in ("Date Created", "Valid From", "Valid Until"):
        moment = _parse_date(row.get(column))
        if moment is not None:
            return (0, moment.timestamp(), row.order)
    return (1, 0.0, row.order)


def _parse_date(text: str) -> datetime | None:
    """NetSuite's display dates (M/D/YYYY h:mm am, as the account's preference sets them), or ISO."""
    text = " ".join(text.split()).upper()
    for fmt in ("%m/%d/%Y %I:%M %p", "%m/%d/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _revoke(s: Session, certificate_id: str, column: str) -> None:
    """Click Revoke on the row with this certificate id (NetSuite asks confirm(); the runner accepts)."""
    row = next((r for r in read_rows(s.page) if r.active and r.get(column) == certificate_id), None)
    if row is None:
        raise StepFailed(f"no active row with that {column} on {s.page.url}")
    control = s.page.locator("tr").nth(row.index).get_by_text("Revoke", exact=True).first
    s.before_action(control, "revoke")
    alerts_before = len(s.alerts)
    ui.mark_document(s.page)
    control.click(timeout=s.timeout_ms)
    ui.wait_new_document(s.page, s.timeout_ms, s.alerts, alerts_before)
    if any(r.active and r.get(column) == certificate_id for r in read_rows(s.page)):
        raise StepFailed(f"NetSuite did not revoke the certificate on {s.page.url}")


def certificate_digest(certificate_id: str) -> str:
    """What the manifest keeps of a Certificate ID: the ID is the JWT `kid`, redacted like a secret."""
    return hashlib.sha256(certificate_id.encode()).hexdigest()[:24]


def made_by_us(s: Session) -> set[str]:
    """Digests of the Certificate IDs nsauto made for this account (manifest)."""
    return set(manifest_facts(s.manifest, s.target.account_id).get(MADE_FACT) or [])


def _list_values(page: Page) -> frozenset[str]:
    """Every cell text on the list: a Certificate ID not among them after Save is the new one."""
    return frozenset(v for r in read_rows(page) for v in r.cells.values() if v)


def _keep(s: Session, private_key_pem: str, certificate_id: str, facts: dict[str, Any]) -> None:
    """The proved key and its Certificate ID → keyring (read back); the pending copy goes; manifest."""
    from automation.secrets import recovery

    values = {"private_key": private_key_pem, "certificate_id": certificate_id}
    done: list[str] = []
    for name, value in values.items():
        try:
            s.store.put(name, value)
        except SecretStoreError as exc:  # never lost: the verified new key goes to the recovery file
            pending = {n: v for n, v in values.items() if n not in done}
            raise recovery.rescue(s.target.account_id, pending, s.run_id, exc, s.store) from exc
        done.append(name)
        s.stored.append(name)
    recovery.supersede(s.target.account_id, list(values))
    with contextlib.suppress(SecretStoreError):
        s.store.delete(PENDING_NAME)
    made = sorted(made_by_us(s) | {certificate_digest(certificate_id)})
    s.manifest.forget(s.target.account_id, [PENDING_NAME])
    s.manifest.record(s.target.account_id, list(values), s.run_id, **facts, **{MADE_FACT: made}, **_setup_facts(s))
    s.manifest.save()
    s.record.created, s.record.record_id = True, certificate_id
    s.forget_verification()


def _finish_pending(s: Session, ours: dict[str, str], column: str) -> bool:
    """A key uploaded by a run that stopped before storing it: find its mapping and finish the job.

    The mapping is the active row of ours whose Certificate ID gets a token with the pending key
    (only the uploaded certificate verifies that key's signature); no row does → the pending key
    had no mapping made (or it was revoked) and is dropped. True when the mapping was finished.
    """
    pending = s.store.get(PENDING_NAME)
    if not pending:
        return False
    client_id = s.store.get("client_id")
    in_use = s.store.get("certificate_id")
    rows = [r for r in read_rows(s.page) if r.active and r.matches(ours) and r.get(column) and r.get(column) != in_use]
    noted = manifest_facts(s.manifest, s.target.account_id)
    facts = oauth2.CertificateFacts.from_manifest({"certificate_expires": noted.get("pending_certificate_expires")})
    for row in rows if client_id else []:
        creds = oauth2.M2MCredentials(s.target.account_id, client_id or "", row.get(column), pending)
        s.register(row.get(column), "certificate_id")
        if oauth2.verify_m2m(s.target.rest_url, creds, scopes_of(s.variables), facts).ok:
            kept = {
                "certificate_expires": noted.get("pending_certificate_expires"),
                "certificate_fingerprint": oauth2.public_fingerprint(pending),
            }
            _keep(s, pending, row.get(column), {k: v for k, v in kept.items() if v})
            s.emit(
                "finish the mapping of an interrupted run",
                "changed",
                f"the key it uploaded gets a token and SuiteQL passes; stored in keyring service {s.store.service}",
            )
            return True
    with contextlib.suppress(SecretStoreError):
        s.store.delete(PENDING_NAME)
    s.manifest.forget(s.target.account_id, [PENDING_NAME])
    s.manifest.save()
    s.emit("finish the mapping of an interrupted run", "ok", "no active mapping takes its key; a new one is made")
    return False


# --------------------------------------------------------------------------- steps


def step_popup(s: Session, args: dict) -> None:
    """Open the popup window with a button, run the nested steps in it, then reload the opener."""
    from automation.engine.model import STEP_TYPES
    from automation.engine.steps import STEPS, arguments

    text, nested = args["open"], list(args["steps"])
    item = f"popup {text}"
    if s.check:  # opening the popup changes nothing; its steps then only look (nothing is saved)
        check.guard(s)
        check.button_found(s, f"click {text}", ui.button(s.page, text), text)
    elif s.plan:
        s.emit(item, "would-change", f"{len(nested)} steps in the popup window")
        return
    elif s.record.created and s.generated_key is None:
        s.emit(item, "ok", "the mapping an interrupted run made was finished instead")
        return
    else:
        s.list_before = _list_values(s.page)
    opener, opener_url = s.page, s.page.url
    target = ui.button(opener, text)
    s.before_action(target, f"click {text}")
    with opener.expect_popup(timeout=s.timeout_ms) as info:
        target.click(timeout=s.timeout_ms)
    popup = info.value
    popup.on("dialog", lambda dialog: _on_dialog(s, dialog))
    popup.wait_for_load_state("domcontentloaded", timeout=s.timeout_ms)
    s.page = popup
    try:
        for raw in nested:
            action = next(key for key in raw if key in STEP_TYPES)
            step = STEP_TYPES[action].model_validate({k: v for k, v in raw.items() if v is not None})
            alerts_before = len(s.alerts)
            try:
                STEPS[action](s, arguments(step))
            except (PlaywrightError, StepFailed):
                # NetSuite closes the popup once the save went through; the wait then loses its page.
                if action == "save" and popup.is_closed() and len(s.alerts) == alerts_before:
                    s.record.dirty = False
                    s.emit("save", "changed", "the popup closed after Save")
                    break
                raise
    finally:
        s.page = opener
    if s.check:
        with contextlib.suppress(PlaywrightError):
            popup.close()
        s.emit(item, "found", "popup window opened and closed, nothing saved")
        return
    _close(s, popup)
    _reload(s, opener, opener_url)
    s.emit(item, "changed", "")


def _on_dialog(s: Session, dialog: Any) -> None:
    """In the popup, as on the main page: alert() is a refusal, confirm() is answered yes."""
    if dialog.type == "alert":
        s.alerts.append(redactor.redact(dialog.message))
    log.info("popup dialog %s: %s", dialog.type, redactor.redact(dialog.message))
    with contextlib.suppress(PlaywrightError):
        dialog.accept()


def _close(s: Session, popup: Page) -> None:
    """A popup still open after its steps either shows NetSuite's refusal or is simply done."""
    if not popup.is_closed():
        with contextlib.suppress(PlaywrightTimeout, PlaywrightError):
            popup.wait_for_event("close", timeout=min(s.timeout_ms, 3000))
    if popup.is_closed():
        return
    try:
        _, error = ui.page_message(popup)
    except PlaywrightError:
        return  # it closed while we looked
    if error:
        raise StepFailed(f"NetSuite refused it in the popup: {error}", "fix what NetSuite names, then run again")
    with contextlib.suppress(PlaywrightError):
        popup.close()


def _reload(s: Session, page: Page, url: str) -> None:
    """Show the list as it is now. The popup may have started a reload of the opener itself, which
    can cut ours short ("interrupted", "not attached"): then wait for that one and go again."""
    attempts = 5
    for attempt in range(attempts):
        try:
            page.goto(url, wait_until="domcontentloaded", timeout=s.timeout_ms)
            return
        except PlaywrightError:
            if attempt == attempts - 1:
                raise
            with contextlib.suppress(PlaywrightError):
                page.wait_for_load_state("domcontentloaded", timeout=s.timeout_ms)
                # A reload still pending gives no event to wait for: back off before going again.
                page.wait_for_timeout(100 * 2**attempt)


def step_upload(s: Session, args: dict) -> None:
    """Generate a key pair and self-signed certificate; upload the certificate from memory."""
    label = args["field"]
    spec = s.variables.get("setup", {}).get("oauth2", {})
    key_type, days = spec.get("key_type", "ec-p256"), int(spec.get("certificate_days", 730))
    item = f"upload {label}"
    if s.plan:
        s.emit(item, "would-change", f"a new {key_type} certificate")
        return
    field = ui.find_field(s.page, label, min(s.timeout_ms, check.LOCATE_MS) if s.check else s.timeout_ms)
    control = field.box.locator("input[type=file]").first
    if control.count() == 0:
        raise StepFailed(f"the field '{label}' on {s.page.url} has no file input")
    if s.check:
        s.emit(item, "found", f"file input by {field.found_by} (nothing uploaded)", {"how": field.found_by})
        return
    key = oauth2.generate_key(key_type, days, oauth2.new_common_name(s.target.account_id))
    _keep_pending(s, key)
    s.generated_key = key
    s.before_action(control, item)
    payload = {
        "name": "nsauto-certificate.pem",
        "mimeType": "application/x-pem-file",
        "buffer": key.certificate_pem.encode("ascii"),  # from memory: the certificate never touches the disk
    }
    control.set_input_files(files=[payload], timeout=s.timeout_ms)
    s.record.dirty = True
    s.emit(item, "changed", f"{key.key_type} certificate '{key.common_name}', valid until {key.not_after:%Y-%m-%d}")


def _keep_pending(s: Session, key: oauth2.GeneratedKey) -> None:
    """Before the certificate goes up: once NetSuite maps it, a run that stops before store_key must
    leave the key somewhere, or the mapping is an orphan and the next run adds another."""
    try:
        s.store.put(PENDING_NAME, key.private_key_pem)
    except SecretStoreError as exc:
        raise StepFailed(
            f"could not keep the new private key in keyring service {s.store.service} before uploading: {exc}",
            "nothing was uploaded; fix the keyring (`nsauto doctor`), then run again",
        ) from None
    s.manifest.record(
        s.target.account_id,
        [PENDING_NAME],
        s.run_id,
        pending_certificate_expires=key.not_after.isoformat(),
        pending_certificate_fingerprint=key.fingerprint,
    )
    s.manifest.save()


def step_make_room(s: Session, args: dict) -> None:
    """Keep below NetSuite's active-certificate limit without ever revoking a working key first."""
    limit, column = int(args.get("limit", 5)), args.get("column", "Certificate ID")
    per = {k: str(v) for k, v in args["per"].items()}
    ours = {k: str(v) for k, v in args["ours"].items()}
    if s.check:
        check.guard(s)
        return check.list_columns(s, "make room", list(dict.fromkeys([*per, *ours, column])))
    if not s.plan and _finish_pending(s, {**per, **ours}, column):
        return
    active = [r for r in read_rows(s.page) if r.active and r.matches(per)]
    item = f"room for a new certificate ({len(active)} of {limit} active)"
    if len(active) < limit:
        s.emit(item, "ok", "")
        return
    need = len(active) - limit + 1
    in_use = s.store.get("certificate_id")
    made = made_by_us(s)
    # Ours: this entity and role, or a certificate the manifest says nsauto made; the recorded ones first.
    mine = sorted(
        (r for r in active if r.matches(ours) or certificate_digest(r.get(column)) in made),
        key=lambda r: (certificate_digest(r.get(column)) not in made, _when(r)),
    )
    candidates = [r for r in mine if r.get(column) != in_use]
    if len(candidates) < need and any(r.get(column) == in_use for r in mine):
        result = verify_stored(s, expiry=False)
        if result is None or not result.ok:  # the keyring's certificate gets no token: it does no work
            candidates += [r for r in mine if r.get(column) == in_use]
    if len(candidates) < need:
        group = ", ".join(per.values())
        raise StepFailed(
            f"'{group}' has {len(active)} active certificates, NetSuite's limit, and none of them is an unused one "
            "of this entity and role; revoking the one in use before its replacement works could leave the "
            "integration without access",
            "revoke a certificate nobody uses in Setup > Integration > Manage Authentication > OAuth 2.0 Client "
            "Credentials (M2M) Setup, then run again",
        )
    if s.plan:
        s.emit(item, "would-change", f"revoke {need} unused certificate(s) of ours first")
        return
    for row in candidates[:need]:
        _revoke(s, row.get(column), column)
    s.emit(item, "changed", f"revoked {need} unused certificate(s) of ours (oldest first)")


def step_store_key(s: Session, args: dict) -> None:
    """New row → its Certificate ID → token + SuiteQL with the in-memory key → keyring → manifest."""
    column = args.get("column", "Certificate ID")
    item = "store " + ", ".join(KEY_NAMES)
    if s.check:
        s.emit(item, "unchecked", f"the new row appears only after Save; will read its '{column}'", {"column": column})
        return
    if s.plan:
        s.emit(item, "would-change", "")
        return
    key: oauth2.GeneratedKey | None = s.generated_key
    if key is None and s.record.created:
        s.emit(item, "ok", "stored when the interrupted run's mapping was finished")
        return
    if key is None:
        raise StepFailed("store_key needs a certificate uploaded earlier in this stage (upload with certificate)")
    # The new row: a Certificate ID the list did not show before the popup. The certificate's
    # common name is only a hint (the list may show nothing of the subject); the token endpoint
    # decides, since only the uploaded certificate verifies the new key's signature.
    before = s.list_before or frozenset()
    rows = [r for r in read_rows(s.page) if r.active and r.get(column) and r.get(column) not in before]
    rows.sort(key=lambda r: key.common_name.lower() not in r.text.lower())
    if not rows:
        raise StepFailed(
            f"no new '{column}' appeared in the list on {s.page.url} after the upload",
            "NetSuite may have refused the upload; run with --headed to watch the popup",
        )
    client_id = s.store.get("client_id")
    if not client_id:
        raise StepFailed(
            f"keyring service {s.store.service} has no client_id", "the integration stage captures it; run it first"
        )
    facts = oauth2.CertificateFacts(key.not_after, key.fingerprint)
    first: oauth2.M2MVerifyResult | None = None
    certificate_id = ""
    for row in rows:
        s.register(row.get(column), "certificate_id")
        creds = oauth2.M2MCredentials(s.target.account_id, client_id, row.get(column), key.private_key_pem)
        result = oauth2.verify_m2m(s.target.rest_url, creds, scopes_of(s.variables), facts)
        first = first or result
        if result.ok:
            certificate_id = row.get(column)
            break
    if not certificate_id:
        detail = first.detail if first else "no answer"
        raise VerificationFailed(
            f"NetSuite refused the new certificate: {detail}",
            "the key is kept as pending in the keyring; fix the role's 'Log in using OAuth 2.0 Access Tokens' "
            "or the scopes, then run again: the next run finishes this mapping instead of making another",
        )
    _keep(
        s,
        key.private_key_pem,
        certificate_id,
        {
            "certificate_expires": key.not_after.isoformat(),
            "certificate_fingerprint": key.fingerprint,
            "certificate_subject": key.common_name,
        },
    )
    s.generated_key = None
    s.list_before = None
    s.emit(item, "changed", f"a token and SuiteQL passed with it; stored in keyring service {s.store.service}")


def _setup_facts(s: Session) -> dict[str, str]:
    setup = s.variables.get("setup", {})
    facts = {
        "integration": setup.get("integration", {}).get("name"),
        "role": setup.get("role", {}).get("name"),
        "employee": setup.get("employee"),
    }
    return {k: v for k, v in facts.items() if v}


def step_revoke_replaced(s: Session, args: dict) -> None:
    """After a new certificate was verified and stored, revoke our other active ones."""
    column = args.get("column", "Certificate ID")
    match = {k: str(v) for k, v in args["match"].items()}
    item = "revoke replaced certificates"
    if s.check:
        check.guard(s)
        return check.list_columns(s, item, list(dict.fromkeys([*match, column])))
    new_id = s.record.record_id if s.record.created else None
    made = made_by_us(s)
    older = [
        r
        for r in read_rows(s.page)
        if r.active and r.get(column) != new_id and (r.matches(match) or certificate_digest(r.get(column)) in made)
    ]
    if s.plan:
        s.emit(item, "would-change" if older else "ok", f"{len(older)} active" if older else "none active")
        return
    if new_id is None:
        s.emit(item, "ok", "no new certificate in this run")
        return
    if not older:
        s.emit(item, "ok", "none active")
        return
    for row in older:
        _revoke(s, row.get(column), column)
    s.emit(item, "changed", f"revoked {len(older)} older certificate(s)")


M2M_STEPS = {
    "popup": step_popup,
    "upload": step_upload,
    "make_room": step_make_room,
    "store_key": step_store_key,
    "revoke_replaced": step_revoke_replaced,
}


# --------------------------------------------------------------------------- nsauto verify


def verify_account(account: Any, setup: Any) -> oauth2.M2MVerifyResult:
    """Token request with the keyring's key, then SuiteQL with the token; raises when values are missing."""
    from automation.secrets.manifest import Manifest
    from automation.secrets.store import SecretStore, service_for

    store = SecretStore(service_for(account.account_id))
    missing = [name for name in ("client_id", "certificate_id", "private_key") if not store.get(name)]
    if missing:
        raise VerificationFailed(
            f"keyring service {store.service} has no {', '.join(missing)} (OAuth 2.0 M2M)",
            f"run `nsauto run --account {account.name}` first",
        )
    if "rest_webservices" not in setup.oauth2.scopes:
        raise VerificationFailed(
            "nsauto verifies M2M with a SuiteQL call, which needs the rest_webservices scope",
            "add rest_webservices to setup.oauth2.scopes",
        )
    creds = stored_credentials(store, account.account_id)
    assert creds is not None
    facts = oauth2.CertificateFacts.from_manifest(manifest_facts(Manifest.load(), account.account_id))
    result = oauth2.verify_m2m(account.rest_url, creds, list(setup.oauth2.scopes), facts)
    days = facts.days_left()
    if result.ok and days is not None and days < oauth2.ROTATE_WITHIN_DAYS:
        note = f"the certificate expires on {facts.expires:%Y-%m-%d}; `nsauto run` replaces it"  # type: ignore[str-format]
        result = oauth2.M2MVerifyResult(True, result.status, None, result.detail, result.step, (note,))
    return result


def verify_command(account: Any, setup: Any, as_json: bool) -> int:
    """`nsauto verify` for OAuth 2.0 M2M: one line on stderr (and JSON on stdout); exit 0 only on 200s."""
    import json
    import sys

    from automation.errors import ExitCode

    result = verify_account(account, setup)
    if as_json:
        fields = ("ok", "status", "error_code", "detail", "step")
        print(json.dumps({"auth": "oauth2_m2m", **{name: getattr(result, name) for name in fields}}))
    if result.ok:
        print(
            f"verified: OAuth 2.0 M2M token and SuiteQL call for {account.account_id} returned HTTP 200",
            file=sys.stderr,
        )
        for note in result.notes:
            print(f"note: {note}", file=sys.stderr)
        return ExitCode.OK
    print(
        f"nsauto: NetSuite refused the OAuth 2.0 M2M credentials for {account.account_id}: {result.detail}",
        file=sys.stderr,
    )
    hint = (
        f"`nsauto run --account {account.name}` maps a new certificate (add --rotate to force one)"
        if result.step == "token"
        else "check the role's REST Web Services permission and the integration's scopes, then `nsauto run`"
    )
    print(f"hint: {hint}", file=sys.stderr)
    return ExitCode.FAILED
