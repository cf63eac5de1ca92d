"""Revoking older access tokens (`revoke_others`): through the token's record, proved on the list.

Where NetSuite puts Revoke is not settled (the `token_list` dial): a vendor's guide revokes on
the record ("click Edit. On the Access Token page, click Revoke, then OK"), and SuiteTools' scraper
of the live list reads Edit link, internal id, token name, user, role, application, Revoked
(Yes/No), date created, created by: no Revoke in the list. Some layouts have a Revoke link too.
One path works on all of them: open the row's record, Edit if Revoke is not offered yet, Revoke,
accept the confirm() (the runner answers every confirm() yes), then read the list again and
require the row to read revoked. An error page, a 404 or a list without the match columns is a
failure, never "none active": an old token left active without a word is the harm to avoid.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from playwright.sync_api import Locator

from automation.engine import readahead
from automation.engine.session import list_key
from automation.errors import StepFailed
from automation.netsuite import ui

if TYPE_CHECKING:
    from automation.engine.session import Session


def open_page(s: Session, url: str) -> None:
    """Navigate, refuse an error page (HTTP 4xx/5xx, NetSuite's error or no-privileges page), wait ready."""
    from automation.engine.recovery import check_content, check_landing

    path = urlsplit(url).path
    response = s.page.goto(url, wait_until="domcontentloaded", timeout=s.timeout_ms)
    check_landing(s.page, response, path)
    ui.wait_ready(s.page, s.timeout_ms)
    check_content(s.page, path)
    if response is not None and response.status >= 400:
        raise StepFailed(
            f"NetSuite answered {path} with HTTP {response.status}",
            "check the list's URL in the flow and the login role's access to it",
        )


def rows_before(s: Session, list_path: str, match: Mapping[str, str | None]) -> ui.ListRead:
    """The list's rows for ``match`` (None: any value) before this run's new record: read ahead
    (engine/readahead.py) while earlier stages run, so that a list with no active match needs no
    second look after the save."""
    open_page(s, s.url(list_path))
    return read_list(s, list_path, match)


def _matching(found: ui.ListRead, match: dict[str, str]) -> list[ui.ListRow]:
    def norm(text: str) -> str:
        return " ".join(text.split()).lower()

    return [
        row for row in found.rows if all(norm(row.cells.get(found.columns[k], "")) == norm(v) for k, v in match.items())
    ]


def read_list(s: Session, list_path: str, match: Mapping[str, str | None]) -> ui.ListRead:
    """The list as it is now; a page without a table of these columns raises (never an empty list)."""
    found = ui.read_list(s.page, match)
    if found is None:
        seen = ", ".join(ui.list_header_labels(s.page)) or "none"
        raise StepFailed(
            f"{list_path} shows no list with the columns {', '.join(match)}",
            f"columns seen: {seen}; run `nsauto check` to see what the page offers",
        )
    return found


def _stale(rows: list[ui.ListRow], keep: str | None) -> list[ui.ListRow]:
    return [row for row in rows if row.active and (keep is None or keep not in row.ids)]


def describe_row(row: ui.ListRow) -> str:
    """A row as a person finds it again in NetSuite: token name and internal id (neither is secret)."""
    name = next((v for k, v in row.cells.items() if k.strip().lower() in ("token name", "name")), "")
    ident = row.ids[0] if row.ids else "?"
    return f"'{name}' (id {ident})" if name else f"id {ident}"


def click_and_wait(s: Session, target: Locator, what: str) -> None:
    s.before_action(target, what)
    alerts_before = len(s.alerts)
    ui.mark_document(s.page)
    target.click(timeout=s.timeout_ms)
    ui.wait_new_document(s.page, s.timeout_ms, s.alerts, alerts_before)


def revoke_on_record(s: Session, row: ui.ListRow) -> None:
    """Open the row's record; Edit when Revoke is not offered in view mode; Revoke; OK."""
    if not row.hrefs:
        raise StepFailed("a token row on the list has no link to its record", "revoke it by hand in NetSuite")
    open_page(s, urljoin(s.page.url, row.hrefs[0]))
    revoke = ui.button(s.page, "Revoke")
    if revoke.count() == 0:
        edit = ui.button(s.page, "Edit")
        if edit.count() == 0:
            raise StepFailed(
                f"the token record {urlsplit(s.page.url).path} offers neither Revoke nor Edit",
                "revoke the token by hand (Setup > Users/Roles > Access Tokens), then run again",
            )
        click_and_wait(s, edit, "edit")
        revoke = ui.button(s.page, "Revoke")
        if revoke.count() == 0:
            raise StepFailed(
                f"the token record {urlsplit(s.page.url).path} offers no Revoke in Edit mode",
                "revoke the token by hand (Setup > Users/Roles > Access Tokens), then run again",
            )
    click_and_wait(s, revoke, "revoke")


def step_revoke_others(s: Session, args: dict) -> None:
    """Never leave a stale token active, and never revoke before the new one is stored and verified.

    Runs only after this stage saved a new record (whose capture and verification came first);
    the new record's id is excluded, every other active matching row is revoked on its record,
    and the list must then read each of them revoked.
    """
    list_path = args["list"]
    match = {k: str(v) for k, v in args["match"].items()}
    item = "revoke older " + ", ".join(match.values())
    if s.check:
        open_page(s, s.url(list_path))
        found = read_list(s, list_path, match)
        shown = ", ".join(found.columns.values())
        s.emit(item, "found", f"list columns {shown}", {"columns": found.header})
        return
    keep = s.record.record_id
    if keep is None and not s.plan:
        s.emit(item, "ok", "no new record in this run")
        return
    key = list_key(list_path, readahead.ROWS_BEFORE)
    s.read_ahead_taken.add(key)
    before = s.read_ahead.pop(key, None)
    if before is not None and not _stale(_matching(before, match), None):  # a match there is weighed below
        s.emit(item, "ok", "none active" if s.plan else "none active (the list read before the new record had none)")
        return
    open_page(s, s.url(list_path))
    stale = _stale(read_list(s, list_path, match).rows, keep)
    if not stale:
        s.emit(item, "ok", "none active")
        return
    if s.plan:
        s.emit(item, "would-change", f"{len(stale)} active")
        return
    for row in stale:
        revoke_on_record(s, row)
    open_page(s, s.url(list_path))
    left = _stale(read_list(s, list_path, match).rows, keep)
    gone = [row for row in stale if not any(set(row.ids) & set(other.ids) for other in left)]
    if left:
        still = ", ".join(describe_row(row) for row in left)
        raise StepFailed(
            f"{list_path} still shows {still} active after Revoke",
            "revoke it by hand (Setup > Users/Roles > Access Tokens: open the token, Edit, Revoke), then verify",
        )
    s.emit(item, "changed", f"revoked {len(gone)} older token(s): " + ", ".join(describe_row(r) for r in gone))


STEPS = {"revoke_others": step_revoke_others}
