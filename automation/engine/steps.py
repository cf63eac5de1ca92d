"""One function per flow verb. Each reads the page first and changes only what differs.

A step reports every item it looked at as ``ok`` (already as wanted), ``changed`` (it acted)
or, in plan mode, ``would-change`` (it would act; the page is left untouched). Plan mode needs
no second implementation: the same read happens, only the write is skipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from automation.engine import check, terms
from automation.engine import model as m
from automation.engine.session import Session, list_key
from automation.engine.variables import as_bool
from automation.errors import StepFailed, VerificationFailed
from automation.netsuite import ui
from automation.secrets import recovery
from automation.secrets.store import SecretStoreError

StepFn = Callable[[Session, Any], None]

_SECRET_SHAPE = re.compile(r"^[A-Za-z0-9._~+/=-]{16,512}$")


def _new_record_pending(s: Session) -> bool:
    """In plan mode a record that does not exist yet has no page to read: everything would change."""
    return s.plan and s.record.existed is False


def step_login(s: Session, args: dict) -> None:
    landed = s.log_in(s.page)
    s.emit(f"log in to {s.target.account_id}", "ok", urlparse(landed).path)


def step_open(s: Session, path: str) -> None:
    s.record = type(s.record)()  # a new page starts a new record context
    _goto(s, path)
    s.emit(f"open {path}", "ok", "")


def _goto(s: Session, path: str) -> None:
    """Navigate and wait until the page is ready; never read a page that is not the one asked for.

    A login page means the session ended (SessionLost: the runner logs in again and starts the
    stage over); an HTTP 5xx or NetSuite's no-privileges page raises PageRefused, so an error page
    is never mistaken for an empty list (which would create a record twice).
    """
    from automation.engine.recovery import check_content, check_landing

    response = s.page.goto(s.url(path), wait_until="domcontentloaded", timeout=s.timeout_ms)
    check_landing(s.page, response, path)
    ui.wait_ready(s.page, s.timeout_ms)
    check_content(s.page, path)


def _logged_in(page: Page) -> bool:
    from automation.netsuite.login import is_logged_in_url

    return is_logged_in_url(page.url)


def step_tab(s: Session, path: str) -> None:
    if _new_record_pending(s):
        s.emit(f"tab {path}", "would-change", "new record")
        return
    if s.check:
        check.guard(s)
    ui.open_tab(s.page, path, s.timeout_ms)
    s.emit(f"tab {path}", "found" if s.check else "ok", "")


def step_fill(s: Session, args: dict) -> None:
    spec, value = args["field"], str(args["value"])
    label = ui.field_name(spec)
    item = f"{label} = {value}"
    if _new_record_pending(s):
        s.emit(item, "would-change", "new record")
        return
    field = _field(s, spec)
    if s.check:
        return check.found(s, f"fill {label}", field, "text")
    control = field.control("text")
    seen = field.seen.text if field.seen else None
    current = seen if seen is not None else control.input_value(timeout=s.timeout_ms)
    if current == value:
        s.emit(item, "ok", "")
        return
    if s.plan:
        s.emit(item, "would-change", f"now '{current}'")
        return
    s.before_action(control, f"fill {label}")
    control.fill(value, timeout=s.timeout_ms)
    s.record.dirty = True
    s.emit(item, "changed", f"was '{current}'" if current else "")


def step_choose(s: Session, args: dict) -> None:
    spec, option = args["field"], str(args["option"])
    label = ui.field_name(spec)
    item = f"{label} = {option}"
    if _new_record_pending(s):
        s.emit(item, "would-change", "new record")
        return
    field = _field(s, spec)
    if s.check:
        return check.found(s, f"choose {label}", field, "select")
    control = field.control("select")
    seen = field.seen.select if field.seen else None
    current = (seen if seen is not None else control.input_value(timeout=s.timeout_ms)).strip()
    if current == option:
        s.emit(item, "ok", "")
        return
    if s.plan:
        s.emit(item, "would-change", f"now '{current}'")
        return
    s.before_action(control, f"choose {label}")
    ui.choose_option(s.page, control, option, label, s.timeout_ms)
    s.record.dirty = True
    s.emit(item, "changed", f"was '{current}'" if current else "")


def step_check(s: Session, args: dict) -> None:
    spec, want, agree = args["field"], as_bool(args.get("value", True)), args.get("agree")
    label = ui.field_name(spec)
    item = f"{'check' if want else 'uncheck'} {label}"
    if _new_record_pending(s):
        s.emit(item, "would-change", "new record")
        return
    if _gated_and_off(s, spec, want, item):
        return
    field = _field(s, spec)
    state = field.seen.checked if field.seen else ui.checkbox_state(field.box)
    if s.check:
        note = f"'{agree}' in a terms popup is never clicked" if agree else ""
        return check.found(s, item, field, "checkbox", note, pending=state != want)
    watch = terms.watch(s, agree) if agree else None
    if watch is not None and not any(spec == seen for seen, _ in watch.ticks):
        watch.ticks.append((spec, want))
    if state == want:
        s.emit(item, "ok", "")
        return
    if s.plan:
        s.emit(item, "would-change", "now ticked" if not want else "now unticked")
        return
    s.before_action(field.box, item)
    window = want and watch is not None and watch.brings_terms(field)
    click = lambda: ui.click_checkbox(field.box, s.timeout_ms)  # noqa: E731
    if window and watch is not None and not watch.heal_rounds:
        assert agree
        popup = watch.click_for_window(click, label)
        assert popup is not None
        watch.windowed.add(field.label)
        _agree_if_asked(s, popup, agree)
    elif want and watch is not None and (window or watch.suspected(field)):  # healing round: see terms.py
        popup = watch.click_for_window(click, label, bound_ms=min(terms.SUSPECT_WAIT_MS, s.timeout_ms))
        window = popup is not None
        if popup is not None and agree:
            _agree_if_asked(s, popup, agree)
    else:
        click()
        if want and watch is not None:
            watch.unwaited.add(field.label)
    _wait_checkbox(s, field, want, label, watch)
    s.record.dirty = True
    if want:
        _note_turned_on(s, field, label)
    s.emit(item, "changed", "agreed to the terms" if window else "")


def _note_turned_on(s: Session, field: ui.Field, label: str) -> None:
    """A box this run ticked on Enable Features: the manifest records it after the save (step_save)."""
    from automation.netsuite import features

    if urlparse(s.page.url).path.rstrip("/").endswith(features.FEATURES_PAGE):
        known = features.find_feature(field.label) or features.find_feature(label)
        s.record.turned_on.append(known.label if known else label)


def _gated_and_off(s: Session, spec: Any, want: bool, item: str) -> bool:
    """An untick of a box NetSuite shows only once its feature is on, on a page without that feature's section.

    Such a box cannot be ticked, so there is nothing to untick; it is not a drifted label while none
    of the section's fields is on the page (a drifted one leaves the others there). Decided on the
    page as loaded (the form is ready), so it costs no wait.
    """
    if want:
        return False
    from automation.netsuite import features

    path = urlparse(s.page.url).path
    gate = next((g for c in ui.field_candidates(spec) if (g := features.gate_of(c, path))), None)
    if gate is None:
        return False
    if s.check:
        check.guard(s)
    if check.section_shown(s, gate):
        return False
    if s.check and check.appears_later(s, gate.feature):
        s.emit(item, "unchecked", check.appears_after_text(s, gate.feature), {"feature": gate.feature})
        return True
    s.emit(item, "ok", f"not shown: {gate.feature} is off, so nothing can tick it")
    return True


def _agree_if_asked(s: Session, popup: Page, agree: str) -> None:
    """Agree in the terms window the click opened; the box is read only afterwards (_wait_checkbox)."""
    terms.agree_in(popup, agree, s.timeout_ms)


def _wait_checkbox(s: Session, field: ui.Field, want: bool, label: str, watch: terms.TermsWatch | None = None) -> None:
    """Wait for the box to read as wanted; a terms window meanwhile is agreed to by the page's watch."""
    handle = field.box.element_handle(timeout=s.timeout_ms)
    try:
        s.page.wait_for_function(
            """([box, want]) => {
                 const span = box.querySelector(".checkbox_ck, .checkbox_unck");
                 if (span) return span.classList.contains("checkbox_ck") === want;
                 const input = box.querySelector("input[type=checkbox]");
                 return !!input && input.checked === want; }""",
            arg=[handle, want],
            timeout=s.timeout_ms,
        )
    except PlaywrightTimeout:
        if watch is not None and watch.errors:
            raise StepFailed(f"'{label}' stayed {'unticked' if want else 'ticked'}: {watch.errors[-1]}") from None
        raise StepFailed(
            f"'{label}' stayed {'unticked' if want else 'ticked'} after the click",
            "a terms popup may need `agree: I Agree` on this step",
        ) from None


def step_uncheck(s: Session, label: str) -> None:
    step_check(s, {"field": label, "value": False})


def _field(s: Session, label: str | list[str]) -> ui.Field:
    if s.check:
        check.guard(s)  # a page showing an error instead of its form cannot be checked read-only
    field = ui.find_field(s.page, label, min(s.timeout_ms, check.LOCATE_MS) if s.check else s.timeout_ms)
    if field.by_fallback and not s.check:  # the run goes on, but the event says the first label drifted
        s.drift = f"found by {field.found_by}: '{field.label}' has drifted"
    ui.reveal(s.page, field.box, s.timeout_ms, seen_visible=field.visible)
    return field


def step_find_record(s: Session, args: dict) -> None:
    name, form = str(args["name"]), args["form"]
    s.record = type(s.record)(form=form)
    key = list_key(args["list"], name)
    s.read_ahead_taken.add(key)
    ahead = key in s.read_ahead and not s.check  # read in a spare window while earlier stages ran
    row = s.read_ahead.pop(key) if ahead else list_row(s, args["list"], name)
    record_id = _record_id(row, form) if row else None
    if row:
        s.remember_row(args["list"], name, row)
    if record_id:
        s.record.existed, s.record.record_id = True, record_id
        _goto(s, f"{form}?id={record_id}&e=T")
        s.emit(f"find {name}", "ok", f"exists (id {record_id})")
        return
    if args.get("must_exist"):
        raise StepFailed(f"no record '{name}' in {args['list']}", "create it in NetSuite first, or fix the name")
    if args.get("skip_if_absent"):  # teardown: nothing of that name, nothing to take down
        s.record.skip_rest = True
        s.emit(f"find {name}", "ok", "not there: nothing to change")
        return
    s.record.existed = False
    if s.plan:
        s.emit(f"create {name}", "would-change", "")
        return
    _goto(s, form)
    if s.check:
        s.emit(f"find {name}", "ok", "not there yet: checking the new form (nothing is created)")
        return
    s.record.dirty = True
    s.emit(f"create {name}", "changed", "new record")


def list_row(s: Session, list_path: str, name: str) -> dict | None:
    """The row of ``list_path`` that reads ``name``, inactive records included; None when there is none."""
    _goto(s, list_path)
    row = ui.find_list_row(s.page, name)
    if row is None and _show_inactives(s):  # an inactive record hides from the list until then
        row = ui.find_list_row(s.page, name)
    return row


def _show_inactives(s: Session) -> bool:
    """Tick the list's Show Inactives box when it offers one unticked (a role made inactive by
    `destroy` is listed only then); True when the list was reloaded with the inactive records."""
    wrapper = s.page.locator('div.uir-field-wrapper[data-nsps-label="Show Inactives"]')
    if wrapper.count() == 0 or s.check:
        return False
    box = wrapper.first
    if ui.checkbox_state(box):
        return False
    alerts_before = len(s.alerts)
    ui.mark_document(s.page)
    ui.click_checkbox(box, s.timeout_ms)
    ui.wait_new_document(s.page, s.timeout_ms, s.alerts, alerts_before)
    ui.wait_ready(s.page, s.timeout_ms)
    return True


def _record_id(row: dict, form: str) -> str | None:
    page_name = form.rstrip("/").split("/")[-1].split("?")[0]
    for href in row.get("links", []):
        if page_name in href:
            ids = parse_qs(urlparse(href).query).get("id")
            if ids:
                return ids[0]
    return None


def step_sublist_row(s: Session, args: dict) -> None:
    match: dict[str, str] = {k: str(v) for k, v in args["match"].items()}
    wanted: dict[str, str] = {k: str(v) for k, v in (args.get("set") or {}).items()}
    item = ", ".join(f"{k} {v}" for k, v in match.items())
    if wanted:
        item += " → " + ", ".join(f"{k} {v}" for k, v in wanted.items())
    if _new_record_pending(s):
        s.emit(item, "would-change", "new record")
        return
    if s.check:
        check.guard(s)
    if args.get("tab"):
        ui.open_tab(s.page, args["tab"], s.timeout_ms)
    sublist = ui.find_sublist(s.page, [*match, *wanted], s.timeout_ms)
    match_cols = {sublist.column(k): v for k, v in match.items()}
    set_cols = {sublist.column(k): v for k, v in wanted.items()}
    if s.check:
        return check.sublist_found(s, item, sublist, [*match, *wanted])
    rows = sublist.rows()
    existing = next(
        (
            row
            for row in rows
            if not row["editing"] and all(_cell(row, i).lower() == v.lower() for i, v in match_cols.items())
        ),
        None,
    )
    editing = next((row for row in rows if row["editing"]), None)
    if existing is not None:
        differing = {i: v for i, v in set_cols.items() if _cell(existing, i) != v}
        if not differing:
            s.emit(item, "ok", "")
            return
        was = ", ".join(f"{sublist.columns[i]} {_cell(existing, i)}" for i in differing)
        if s.plan:
            s.emit(item, "would-change", f"now {was}")
            return
        sublist.table.locator("tr").nth(existing["index"]).locator("td").first.click(timeout=s.timeout_ms)
        _fill_edit_row(s, sublist, differing, None)
        s.emit(item, "changed", f"was {was}")
    else:
        if s.plan:
            s.emit(item, "would-change", "add row")
            return
        _fill_edit_row(s, sublist, {**match_cols, **set_cols}, editing)
        s.emit(item, "changed", "added")
    s.record.dirty = True
    _expect_row(s, sublist, {**match_cols, **set_cols}, item)


def _cell(row: dict, index: int) -> str:
    cells = row["cells"]
    return cells[index].strip() if index < len(cells) else ""


def _fill_edit_row(s: Session, sublist: ui.Sublist, values: dict[int, str], editing: dict | None) -> None:
    """Choose each value in the editing row (``editing``: that row as just read, if the sublist had
    one shown; else it is waited for), then Add. Each dropdown is read just before it is chosen:
    choosing one may set the next (a permission brings its default level)."""
    row = sublist.editing_row()
    if editing is None:
        row.wait_for(state="visible", timeout=s.timeout_ms)
    for index, value in values.items():
        control = row.locator("td").nth(index).locator("input[name^='inpt_'], input.dropdownInput").first
        shown = ui.read(row, _DROPDOWN_VALUES_JS)
        current = shown[index] if index < len(shown) else None
        if current is None:
            raise StepFailed(f"the sublist's editing row has no dropdown under '{sublist.columns[index]}'")
        if current.strip() != value:
            ui.choose_option(s.page, control, value, sublist.columns[index], s.timeout_ms)
    add = sublist.add_button()
    s.before_action(add, "add row")
    add.click(timeout=s.timeout_ms)


# Each cell's dropdown value in an editing row (null for a cell without one), as Field.control reads it.
_DROPDOWN_VALUES_JS = """(tr) => [...tr.querySelectorAll("td")].map((td) => {
  const input = td.querySelector("input[name^='inpt_'], input.dropdownInput");
  return input ? input.value : null; })"""


def _expect_row(s: Session, sublist: ui.Sublist, values: dict[int, str], item: str) -> None:
    script = """([table, values]) => {
        if (typeof table === "string") table = document.getElementById(table);
        return !!table && [...table.querySelectorAll("tr")].some((tr) => {
          if (tr.querySelector("input[name^='inpt_'], input.dropdownInput, th")) return false;
          const cells = [...tr.children].map((td) => td.textContent.trim().toLowerCase());
          return Object.entries(values).every(([i, v]) => cells[Number(i)] === v.toLowerCase()); }); }"""
    # By the table's id when it has one: no handle to fetch first (one round trip less per row).
    table = f"{sublist.machine}_splits" if sublist.machine else sublist.table.element_handle()
    try:
        s.page.wait_for_function(script, arg=[table, {str(k): v for k, v in values.items()}], timeout=s.timeout_ms)
    except PlaywrightTimeout:
        message = s.alerts[-1] if s.alerts else "the row did not appear"
        raise StepFailed(f"sublist row '{item}' was not taken: {message}") from None


def step_save(s: Session, args: dict) -> None:
    if s.check:
        return check.button_found(s, "save", ui.save_button(s.page), "Save")
    if not s.record.dirty:
        s.emit("save", "ok", "nothing to save")
        return
    if s.plan:
        s.emit("save", "would-change", "")
        return
    alerts_before = len(s.alerts)
    ui.mark_document(s.page)
    save = ui.save_button(s.page)
    s.before_action(save, "save")
    save.click(timeout=s.timeout_ms)
    ui.wait_new_document(s.page, s.timeout_ms, s.alerts, alerts_before)
    confirmation, error = ui.page_message(s.page)
    if error:
        if _terms_healed(s, args, error):
            return
        raise _refusal(s, error)
    new_id = parse_qs(urlparse(s.page.url).query).get("id")
    if s.record.existed is False:
        s.record.created = True
    if new_id:
        s.record.record_id = new_id[0]
    s.record.dirty = False
    if s.record.turned_on:  # saved: these features are on because of this tool (destroy --features)
        s.manifest.record_features(s.target.account_id, s.record.turned_on)
        s.manifest.save()
        s.record.turned_on = []
    s.emit("save", "changed", confirmation or "")


def _refusal(s: Session, error: str) -> StepFailed:
    """A refused save as one line; a refusal for the Terms of Service says exactly that."""
    from automation.netsuite.features import terms_refused

    named = terms_refused(error)
    if named is None:
        return StepFailed(f"NetSuite refused the save: {error}", "fix the value NetSuite names, then run again")
    which = ", ".join(named) or "a feature"
    return StepFailed(
        f"NetSuite refused the save: the SuiteCloud Terms of Service were not agreed to for {which}",
        "run again; if it repeats, tick the box in Enable Features by hand and click I Agree in the window",
    )


def _terms_healed(s: Session, args: dict, error: str) -> bool:
    """After a refusal for the terms: tick the stage's boxes again waiting for the windows of the
    features it names, agree, and save again. True when that save went through.

    At most terms.HEAL_ROUNDS rounds, each with bounded waits for the windows (see terms.py)."""
    from automation.netsuite.features import terms_refused

    named = terms_refused(error)
    watch = s.record.terms
    if not named or not isinstance(watch, terms.TermsWatch) or not watch.learn(named):
        return False
    s.emit("save", "ok", f"refused for the terms of {', '.join(named)}: ticking again and agreeing")
    watch.close_stale()
    for spec, want in list(watch.ticks):
        field = _field(s, spec)
        if want and ui.checkbox_state(field.box) and field.label in named:  # ticked without the agreement
            ui.click_checkbox(field.box, s.timeout_ms)
            _wait_checkbox(s, field, False, field.label, watch)
        step_check(s, {"field": spec, "value": want, "agree": watch.agree})
    s.record.dirty = True
    step_save(s, args)
    return True


def step_click(s: Session, args: dict) -> None:
    text = args["button"]
    if s.check:
        return check.button_found(s, f"click {text}", ui.button(s.page, text), text)
    if s.plan:
        s.emit(f"click {text}", "would-change", "")
        return
    alerts_before = len(s.alerts)
    ui.mark_document(s.page)
    target = ui.button(s.page, text)
    s.before_action(target, f"click {text}")
    target.click(timeout=s.timeout_ms)
    ui.wait_new_document(s.page, s.timeout_ms, s.alerts, alerts_before)
    s.emit(f"click {text}", "changed", "")


def step_lookup(s: Session, args: dict) -> None:
    """A column of a list row; a row this run already read (find_record, an earlier lookup) costs no page load."""
    find = str(args["find"])
    row = None if s.check else s.row_read(args["list"], find)  # check resolves every locator on the page
    if row is None:
        _goto(s, args["list"])
        row = ui.find_list_row(s.page, find)
        if row:
            s.remember_row(args["list"], find, row)
    if not row:
        raise StepFailed(f"no row '{args['find']}' in {args['list']}")
    header = [h.lower() for h in row["header"]]
    column = args["column"]
    if column.lower() not in header:
        raise StepFailed(f"the list {args['list']} has no column '{column}'", f"columns are: {row['header']}")
    value = row["cells"][header.index(column.lower())].strip()
    s.variables[args["as"]] = value
    s.emit(f"look up {column} of {args['find']}", "found" if s.check else "ok", value)


def step_capture(s: Session, args: dict) -> None:
    if s.check:
        return check.capture(s, args)
    names = list(args["secrets"])
    item = "capture " + ", ".join(names)
    rec = s.record
    if rec.existed is None or rec.created:
        if s.plan:
            s.emit(item, "would-change", "")
            return
        _capture(s, args)
        s.emit(item, "changed", f"stored in keyring service {s.store.service}")
        return
    if rec.existed is False:  # plan mode: the record would be created first
        s.emit(item, "would-change", "")
        return
    if _stored_values_trusted(s, names):
        s.emit(item, "ok", "the keyring holds working values")
        return
    reset = args.get("reset")
    if not reset:
        raise StepFailed(f"{', '.join(names)} are missing from the keyring and NetSuite shows them only once")
    if s.plan:
        s.emit(f"{reset} and {item}", "would-change", "the keyring has no working values")
        return
    _goto(s, f"{rec.form}?id={rec.record_id}&e=T")
    alerts_before = len(s.alerts)
    ui.mark_document(s.page)
    target = ui.button(s.page, reset)
    s.before_action(target, f"click {reset}")
    target.click(timeout=s.timeout_ms)
    ui.wait_new_document(s.page, s.timeout_ms, s.alerts, alerts_before)
    rec.reset_done = True
    _capture(s, args)
    s.emit(f"{reset} and {item}", "changed", "the keyring had no working values")


def _stored_values_trusted(s: Session, names: list[str]) -> bool:
    """Stored values are trusted when present and, if the full TBA set is there, it verifies."""
    if not s.store.has_all(names):
        return False
    result = s.verify_stored()
    return result is None or result.ok


def _capture(s: Session, args: dict) -> None:
    """page → memory → keyring → read back → (verify) → only then leave the page."""
    values: dict[str, str] = {}
    for name, label in args["secrets"].items():
        field = ui.find_field(s.page, label, s.timeout_ms)
        value = ui.field_value(field)
        if value:
            s.register(value, name)
        if not _SECRET_SHAPE.match(value or ""):
            raise StepFailed(
                f"what NetSuite shows under '{label}' does not look like a key",
                "the page may have changed; run nsauto check",
            )
        values[name] = value
    done: list[str] = []
    for name, value in values.items():
        try:
            s.store.put(name, value)
        except SecretStoreError as exc:  # never lost: what is not stored yet goes to the recovery file
            pending = {n: v for n, v in values.items() if n not in done}
            raise recovery.rescue(s.target.account_id, pending, s.run_id, exc, s.store) from exc
        done.append(name)
        s.stored.append(name)
    recovery.supersede(s.target.account_id, list(values))  # older saved copies are now stale
    s.manifest.record(s.target.account_id, list(values), s.run_id, **_facts(s))
    s.manifest.save()
    s.forget_verification()
    if args.get("verify"):
        result = s.verify_stored(refresh=True)
        if result is None or not result.ok:
            detail = result.detail if result else "values missing"
            raise VerificationFailed(
                f"NetSuite refused a signed REST call with the new values: {detail}",
                "the values are stored; check the role's permissions and run `nsauto verify`",
            )


def _facts(s: Session) -> dict[str, str]:
    setup = s.variables.get("setup", {})
    facts = {
        "integration": setup.get("integration", {}).get("name"),
        "role": setup.get("role", {}).get("name"),
        "employee": setup.get("employee"),
    }
    return {k: v for k, v in facts.items() if v}


STEPS: dict[str, StepFn] = {
    "login": step_login,
    "open": step_open,
    "tab": step_tab,
    "fill": step_fill,
    "choose": step_choose,
    "check": step_check,
    "uncheck": step_uncheck,
    "find_record": step_find_record,
    "sublist_row": step_sublist_row,
    "save": step_save,
    "click": step_click,
    "lookup": step_lookup,
    "capture": step_capture,
}


def _register_m2m() -> None:
    """The OAuth 2.0 M2M verbs (popup, upload, make_room, store_key, revoke_replaced) live in m2m.py;
    revoking older tokens (revoke_others) lives in revoke.py."""
    from automation.engine.m2m import M2M_STEPS
    from automation.engine.revoke import STEPS as REVOKE_STEPS
    from automation.engine.teardown import STEPS as TEARDOWN_STEPS

    STEPS.update(M2M_STEPS)
    STEPS.update(REVOKE_STEPS)
    STEPS.update(TEARDOWN_STEPS)  # nsauto destroy: revoke, remove_row


_register_m2m()


def arguments(step: m.StepBase) -> Any:
    """The step's action argument as plain data (a str or a dict), plus step-level extras."""
    action = m.action_of(step)
    value = getattr(step, action)
    if isinstance(value, m._Model):
        data: Any = value.model_dump(by_alias=True)
    else:
        data = value
    if action == "check":
        data = {"field": data, "value": True} if isinstance(data, str) else data
        data = {**data, "agree": step.agree}  # type: ignore[attr-defined]
    return data
