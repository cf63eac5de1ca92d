"""The teardown verbs of `nsauto destroy`: `revoke` and `remove_row`.

Like every verb they read the page first and change only what is still there, so a second
`destroy` (or one after a killed run) finishes the job and otherwise reports nothing to do.

* ``revoke`` revokes every active row of a list that matches (application, user or entity, role).
  A row that links to its record (an access token) is revoked there, as NetSuite documents it:
  Edit, Revoke, OK (`revoke.revoke_on_record`, which also copes with a Revoke offered in view
  mode). A row without a record link (an OAuth 2.0 M2M certificate mapping) is revoked by its
  Revoke button on the list. Either way the list is read again and must show the row revoked:
  the keyring items are deleted only after that (engine/orchestrate.py).
* ``remove_row`` takes a row off an edit-machine sublist (the employee's Roles): select the line,
  Remove, and wait until the sublist no longer shows it; `save` then saves the record.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from playwright.sync_api import Locator
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from automation.engine import check
from automation.engine.revoke import click_and_wait, describe_row, open_page, read_list, revoke_on_record
from automation.errors import StepFailed
from automation.netsuite import ui

if TYPE_CHECKING:
    from automation.engine.session import Session


def _key(row: ui.ListRow) -> tuple[str, ...]:
    """What identifies a row from one read of the list to the next (rows stay, marked revoked)."""
    return tuple(row.ids) or (f"row{row.index}",)


def _describe(row: ui.ListRow) -> str:
    """A token by its name and internal id; a certificate mapping by entity and role (its
    Certificate ID is the JWT `kid`, treated as a secret, so it is never named)."""
    if row.hrefs:
        return describe_row(row)
    cells = {k.strip().lower(): v for k, v in row.cells.items()}
    who = ", ".join(v for k in ("entity", "role") if (v := cells.get(k, "")))
    return f"certificate mapping ({who})" if who else "a certificate mapping"


def _revoke_in_list(s: Session, row: ui.ListRow) -> None:
    """The row's own Revoke control on the list (NetSuite asks confirm(); the runner accepts)."""
    control = s.page.locator("tr").nth(row.index).get_by_text("Revoke", exact=True).first
    if control.count() == 0:
        raise StepFailed(
            f"a row on {s.page.url} reads active but offers no Revoke", "revoke it by hand in NetSuite, then run again"
        )
    click_and_wait(s, control, "revoke")


def step_revoke(s: Session, args: dict) -> None:
    """Every active matching row revoked, each proved revoked on the list afterwards."""
    list_path = args["list"]
    match = {k: str(v) for k, v in args["match"].items()}
    item = "revoke " + ", ".join(match.values())
    open_page(s, s.url(list_path))
    found = read_list(s, list_path, match)
    if s.check:
        shown = ", ".join(found.columns.values())
        s.emit(item, "found", f"list columns {shown}", {"columns": found.header})
        return
    active = [row for row in found.rows if row.active]
    if not active:
        s.emit(item, "ok", "none active")
        return
    if s.plan:
        s.emit(item, "would-change", f"{len(active)} active: " + ", ".join(_describe(r) for r in active))
        return
    tried: set[tuple[str, ...]] = set()
    revoked: list[str] = []
    while active:
        row = active[0]
        if _key(row) in tried:
            raise StepFailed(
                f"{list_path} still shows {_describe(row)} active after Revoke",
                "revoke it by hand in NetSuite, then run `nsauto destroy` again",
            )
        tried.add(_key(row))
        if row.hrefs:
            revoke_on_record(s, row)
        else:
            _revoke_in_list(s, row)
        revoked.append(_describe(row))
        open_page(s, s.url(list_path))
        active = [r for r in read_list(s, list_path, match).rows if r.active]
    s.emit(item, "changed", f"revoked {len(revoked)}: " + ", ".join(revoked))


_GONE_JS = """([table, values]) => ![...table.querySelectorAll("tr")].some((tr) => {
    if (tr.querySelector("th")) return false;
    const cells = [...tr.children].map((td) => {
      const input = td.querySelector("input[name^='inpt_'], input.dropdownInput");
      return (input ? input.value : td.textContent).trim().toLowerCase();
    });
    return Object.entries(values).every(([i, v]) => cells[Number(i)] === v.toLowerCase()); })"""


def step_remove_row(s: Session, args: dict) -> None:
    """Select the matching line, click Remove, and wait until the sublist no longer shows it."""
    match = {k: str(v) for k, v in args["match"].items()}
    item = "remove " + ", ".join(f"{k} {v}" for k, v in match.items())
    if s.check:
        check.guard(s)
    if args.get("tab"):
        ui.open_tab(s.page, args["tab"], s.timeout_ms)
    sublist = ui.find_sublist(s.page, list(match), s.timeout_ms)
    if s.check:
        return check.sublist_found(s, item, sublist, list(match))
    cols = {sublist.column(k): v for k, v in match.items()}
    row = next(
        (
            r
            for r in sublist.rows()
            if not r["editing"] and all(_cell(r, i).lower() == v.lower() for i, v in cols.items())
        ),
        None,
    )
    if row is None:
        s.emit(item, "ok", "not there")
        return
    if s.plan:
        s.emit(item, "would-change", "")
        return
    line = sublist.table.locator("tr").nth(row["index"]).locator("td").first
    s.before_action(line, "select line")
    line.click(timeout=s.timeout_ms)
    remove = _remove_button(s, sublist)
    s.before_action(remove, "remove")
    remove.click(timeout=s.timeout_ms)
    try:
        s.page.wait_for_function(
            _GONE_JS,
            arg=[sublist.table.element_handle(), {str(k): v for k, v in cols.items()}],
            timeout=s.timeout_ms,
        )
    except PlaywrightTimeout:
        message = s.alerts[-1] if s.alerts else "the line is still there"
        raise StepFailed(f"sublist row '{item}' was not removed: {message}") from None
    s.record.dirty = True
    s.emit(item, "changed", "removed")


def _cell(row: dict, index: int) -> str:
    cells = row["cells"]
    return cells[index].strip() if index < len(cells) else ""


def _remove_button(s: Session, sublist: ui.Sublist) -> Locator:
    """The machine's Remove button (`<machine>_remove` where NetSuite renders it), else by its text."""
    by_id = s.page.locator(f"[id='{sublist.machine}_remove']")
    if sublist.machine and by_id.count():
        return by_id.first
    return ui.button(s.page, "Remove")


STEPS = {"revoke": step_revoke, "remove_row": step_remove_row}
