"""How NetSuite renders forms, and how to find and work its widgets by their visible labels.

NetSuite ties no ``<label for>`` or ``aria-labelledby`` to body-field inputs, so Playwright's
``get_by_label`` often finds nothing. What NetSuite does render is a field wrapper
``div.uir-field-wrapper[data-nsps-label="<Label>"]`` holding the label span and the control.
Fields are found through that wrapper first, then through the label span next to a control,
then through an accessible name; ids are never needed. Widgets are NetSuite's own: a checkbox is
a ``<f>_fs`` span whose class flips between ``checkbox_unck`` and ``checkbox_ck``; a dropdown is a
text input ``inpt_<f>`` whose options open in a shared ``div.dropdownDiv``; a sublist is an edit
machine table ``<machine>_splits`` with an ``<machine>_addedit`` button.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from automation.errors import StepFailed
from automation.yamlsource import did_you_mean

Kind = Literal["checkbox", "select", "popup", "text", "readonly"]

CONFIRMATION = ".uir-alert-box.confirmation, div.session_confirmation_alert"
ERROR_BOX = ".uir-alert-box.error, .uir-message-error, #_err_alert"
SAVE_BUTTONS = ("#btn_multibutton_submitter", "#submitter")


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _label_pattern(label: str) -> re.Pattern[str]:
    # NetSuite appends a required-field asterisk or a colon to some labels.
    return re.compile(rf"^\s*{re.escape(label.strip())}\s*[*:]?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Seen:
    """What a field's controls held when it was found (one round trip with the finding): a text
    input's value, a dropdown's shown value (None: the field has no such control), a box's state."""

    text: str | None
    select: str | None
    checked: bool


@dataclass
class Field:
    """A body field found by its label: the element that holds label and control."""

    label: str
    box: Locator
    found_by: str
    matched: str = ""  # which locator of a fallback list found it ('' = the first)
    visible: bool = False  # seen visible when found: no subtab to open (see reveal)
    seen: Seen | None = None  # read as it was found; None when found by a slower strategy

    @property
    def by_fallback(self) -> bool:
        """Found by a later entry of the list: the first label has drifted and should be updated."""
        return bool(self.matched) and self.matched != self.label

    def kind(self) -> Kind:
        return read(self.box, _KIND_JS)

    def control(self, kind: Kind | None = None) -> Locator:
        kind = kind or self.kind()
        selector = {
            "checkbox": "input[type=checkbox]",
            "select": _SELECT_CONTROL,
            "popup": "input[id$='_display']",
            "text": _TEXT_CONTROL,
        }.get(kind, "*")
        return self.box.locator(selector).first


_KIND_JS = """(box) => {
  const q = (s) => box.querySelector(s);
  if (q("input[type=checkbox]")) return "checkbox";
  if (q("input[name^='inpt_'], input.dropdownInput")) return "select";
  if (q("input[id$='_display']")) return "popup";
  if (q("input:not([type=hidden]):not([type=checkbox]), textarea")) return "text";
  return "readonly";
}"""


# Shown the way Playwright's `visible` means it: it has a box and is not visibility:hidden.
_SHOWN_JS = '(el) => !!el && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden"'


def read(target: Locator, script: str) -> Any:
    """``target.evaluate(script)`` in one round trip when ``target`` finds exactly one element.

    ``Locator.evaluate`` takes three (wait for the element, evaluate, release the handle), and a
    step reads a field several times; ``evaluate_all`` is one. Anything but one element falls
    back to ``evaluate``, with its waiting and its strictness error.
    """
    found = target.evaluate_all(f"(els) => els.length === 1 ? [({script})(els[0])] : null")
    return found[0] if found is not None else target.evaluate(script)


ID_PREFIX = "id:"
"""A fallback locator written ``id:<fieldid>``: NetSuite's field id (``data-walkthrough="Field:<id>"``,
``<id>_fs``, ``name=<id>``), tried after the labels when a label has changed."""


def field_candidates(spec: str | Sequence[str]) -> list[str]:
    """A field is one label or a list tried in order: labels first, then ``id:<fieldid>`` fallbacks."""
    return [spec] if isinstance(spec, str) else [str(c) for c in spec]


def field_name(spec: str | Sequence[str]) -> str:
    """How a field is named in messages: its first locator."""
    return field_candidates(spec)[0]


class FieldNotFound(StepFailed):
    """No field, or several, for a locator; structured so that `nsauto check` can report it."""

    def __init__(
        self, message: str, hint: str | None, *, problem: str, count: int = 0, closest: Sequence[str] = ()
    ) -> None:
        super().__init__(message, hint)
        self.problem = problem  # "missing" or "ambiguous"
        self.count = count
        self.closest = list(closest)


def find_field(page: Page, label: str | Sequence[str], timeout_ms: float) -> Field:
    """The field with this visible label (or the first of a fallback list that exists); waits for it.

    Visible matches win over hidden ones (a hidden one sits on another subtab, which
    :func:`reveal` opens). More than one visible match is an error, not a guess. The wait is for
    any candidate at once, so a drifted first label costs no timeout when a fallback is there.
    """
    candidates = field_candidates(label)
    name = candidates[0]
    quick = _found_at_once(page, name)
    if quick is not None:
        return quick
    plans = [(cand, _candidate_strategies(page, cand, index)) for index, cand in enumerate(candidates)]
    locators = [locator for _, strategies in plans for _, locator in strategies]
    anything = locators[0]
    for locator in locators[1:]:
        anything = anything.or_(locator)
    try:
        anything.first.wait_for(state="attached", timeout=timeout_ms)
    except PlaywrightTimeout:
        raise _not_found(page, candidates) from None
    for cand, strategies in plans:
        for how, locator in strategies:
            visible = locator.filter(visible=True)
            n_visible = visible.count()  # the usual case, one visible match, costs this one call
            if n_visible == 1:
                return Field(name, visible.first, how, cand, visible=True)
            if n_visible > 1:
                raise FieldNotFound(
                    f"{n_visible} fields are labelled '{cand}' on {page.url}",
                    "name the subtab first",
                    problem="ambiguous",
                    count=n_visible,
                )
            count = locator.count()
            if count == 0:
                continue
            if count == 1:
                return Field(name, locator.first, how, cand)
            raise FieldNotFound(
                f"{count} hidden fields are labelled '{cand}' on {page.url}",
                "open the subtab first",
                problem="ambiguous",
                count=count,
            )
    raise _not_found(page, candidates)


# Whether a field's box is ticked: NetSuite's checkbox span when it has one, else the input's state.
_CHECKED_JS = """(box) => {
  const span = box.querySelector(".checkbox_ck, .checkbox_unck");
  if (span) return span.classList.contains("checkbox_ck");
  const input = box.querySelector("input[type=checkbox]");
  return !!(input && input.checked);
}"""
_TEXT_CONTROL = "input:not([type=hidden]):not([type=checkbox]), textarea"
_SELECT_CONTROL = "input[name^='inpt_'], input.dropdownInput"

# For the wrappers labelled so: null unless exactly one is shown, or there is only one; else which
# one, whether it is shown, and what its controls hold (as Field.control and checkbox_state read them).
_FOUND_JS = f"""(els) => {{
  const shown = els.map({_SHOWN_JS});
  const visible = shown.filter(Boolean).length;
  if (visible > 1 || (visible === 0 && els.length !== 1)) return null;
  const index = visible === 1 ? shown.indexOf(true) : 0;
  const box = els[index];
  const text = box.querySelector({_TEXT_CONTROL!r});
  const select = box.querySelector({_SELECT_CONTROL!r});
  return [visible === 1, text ? text.value : null, select ? select.value : null, ({_CHECKED_JS})(box)];
}}"""


def _found_at_once(page: Page, label: str) -> Field | None:
    """The usual case in one round trip: the label's wrapper (NetSuite's ``data-nsps-label``) is on
    the page once, or shown once, and its value comes along. None sends the caller the long way
    (fallback labels, label text, waiting for a page still rendering, the errors)."""
    if label.startswith(ID_PREFIX):
        return None
    wrappers = page.locator(f"div.uir-field-wrapper[data-nsps-label={_css_string(label)}]")
    found = wrappers.evaluate_all(_FOUND_JS)
    if found is None:
        return None
    visible, text, select, checked = found
    box = wrappers.filter(visible=True).first if visible else wrappers.first
    return Field(label, box, "label", label, visible=visible, seen=Seen(text, select, checked))


def _not_found(page: Page, candidates: list[str]) -> FieldNotFound:
    labels = [c for c in candidates if not c.startswith(ID_PREFIX)] or candidates
    closest = closest_labels(page, labels[0])
    hint = f"did you mean '{closest[0]}'?" if closest else "check the label against the page (nsauto inspect)"
    tried = " or ".join(f"'{c}'" for c in candidates)
    return FieldNotFound(f"no field labelled {tried} on {page.url}", hint, problem="missing", closest=closest)


def closest_labels(page: Page, label: str, n: int = 3) -> list[str]:
    """The page's labels most like ``label`` (case-insensitive), best first."""
    try:
        labels = page_labels(page)
    except Exception:
        return []
    by_lower: dict[str, str] = {}
    for candidate in labels:
        by_lower.setdefault(candidate.lower(), candidate)
    matches = difflib.get_close_matches(label.lower(), list(by_lower), n=n, cutoff=0.6)
    return [by_lower[m] for m in matches]


def _candidate_strategies(page: Page, cand: str, index: int) -> list[tuple[str, Locator]]:
    """Label strategies for a label; id strategies for ``id:<fieldid>``; named for the report."""
    if cand.startswith(ID_PREFIX):
        fid = cand[len(ID_PREFIX) :].strip().lstrip("#").removesuffix("_fs")
        how = f"{'id' if index == 0 else 'id fallback'} {ID_PREFIX}{fid}"
        return [(how, locator) for locator in _id_strategies(page, fid)]
    strategies = _field_strategies(page, cand)
    if index == 0:
        return strategies
    return [(f"fallback {how} '{cand}'", locator) for how, locator in strategies]


def _id_strategies(page: Page, fid: str) -> list[Locator]:
    wrapper = (
        "xpath=ancestor-or-self::div[contains(concat(' ', normalize-space(@class), ' '), ' uir-field-wrapper ')][1]"
    )
    return [
        page.locator(f"div.uir-field-wrapper[data-walkthrough={_css_string('Field:' + fid)}]"),
        page.locator(f"[id={_css_string(fid + '_fs')}]").locator(wrapper),
        page.locator(f"[name={_css_string(fid)}]:not([type=hidden])").locator(wrapper),
        page.locator(f"input[id={_css_string(fid)}], textarea[id={_css_string(fid)}]").locator("xpath=.."),
    ]


def _field_strategies(page: Page, label: str) -> list[tuple[str, Locator]]:
    wrapper = f"div.uir-field-wrapper[data-nsps-label={_css_string(label)}"
    label_spans = page.locator("[data-nsps-type='field_label'], .uir-label, .labelSpanEdit").filter(
        has_text=_label_pattern(label)
    )
    near_control = label_spans.locator(
        "xpath=ancestor::*[contains(concat(' ', @class, ' '), ' uir-field-wrapper ')"
        " or .//input[not(@type='hidden')] or .//*[contains(@class,'uir-field')]][1]"
    )
    return [
        ("label", page.locator(wrapper + "]")),
        ("label", page.locator(wrapper + " i]")),
        ("label text", near_control),
        ("accessible name", page.get_by_label(label, exact=True).locator("xpath=..")),
    ]


def page_labels(page: Page) -> list[str]:
    """Every field label on the page, for 'did you mean' and `inspect`."""
    return page.evaluate(
        """() => {
          const out = new Set();
          document.querySelectorAll("div.uir-field-wrapper[data-nsps-label]").forEach(
            (e) => out.add(e.getAttribute("data-nsps-label")));
          document.querySelectorAll("[data-nsps-type='field_label'], .uir-label").forEach(
            (e) => { const t = e.textContent.trim().replace(/[*:]$/, "").trim(); if (t) out.add(t); });
          return [...out];
        }"""
    )


def reveal(page: Page, box: Locator, timeout_ms: float, seen_visible: bool = False) -> None:
    """Open the subtabs (outer to inner) that hide an element, NetSuite's ``<tab>_div`` panes."""
    if seen_visible or box.is_visible():
        return
    pane_ids: list[str] = read(
        box,
        """(el) => { const ids = []; for (let p = el.parentElement; p; p = p.parentElement) {
              if (p.id && p.id.endsWith("_div")) ids.unshift(p.id.slice(0, -4)); } return ids; }""",
    )
    for tab_id in pane_ids:
        pane = page.locator(f"[id={_css_string(tab_id + '_div')}]")
        if pane.is_visible():
            continue
        link = page.locator(f"[id={_css_string(tab_id + 'txt')}]")
        if link.count():
            link.first.click(timeout=timeout_ms)
            pane.wait_for(state="visible", timeout=timeout_ms)
    box.wait_for(state="visible", timeout=timeout_ms)


def open_tab(page: Page, path: str, timeout_ms: float) -> None:
    """Click subtabs by their visible text: 'Permissions > Setup' clicks both, outer first."""
    names = [part.strip() for part in path.split(">") if part.strip()]
    if page.evaluate(_TABS_OPEN_JS, names):
        return  # every pane of the path shows already (the row before opened them): one round trip
    for name in names:
        links = page.locator("a[id$='txt']").filter(has_text=_label_pattern(name)).filter(visible=True)
        candidates = links.or_(page.get_by_role("tab", name=name, exact=True))
        try:
            candidates.first.wait_for(state="visible", timeout=timeout_ms)
        except PlaywrightTimeout:
            tabs = page.locator("a[id$='txt']").all_inner_texts()
            hint = did_you_mean(name, [t.strip() for t in tabs]) or "check the subtab name against the page"
            raise StepFailed(f"no subtab '{name}' on {page.url}", hint) from None
        link = candidates.first
        link_id, pane_shown = read(link, _TAB_STATE_JS)
        if pane_shown:
            continue  # its pane is open already: a click would only repaint it
        link.click(timeout=timeout_ms)
        if link_id.endswith("txt"):
            pane = page.locator(f"[id={_css_string(link_id[:-3] + '_div')}]")
            if pane.count():
                pane.wait_for(state="visible", timeout=timeout_ms)


# Whether, for each name, one shown subtab link <tab>txt reads it and its pane <tab>_div shows.
_TABS_OPEN_JS = f"""(names) => names.every((name) => {{
  const norm = (s) => s.replace(/\\s+/g, " ").trim().replace(/[*:]$/, "").trim().toLowerCase();
  const links = [...document.querySelectorAll("a[id$='txt']")].filter(
    (a) => ({_SHOWN_JS})(a) && norm(a.textContent) === norm(name));
  if (links.length !== 1) return false;
  return ({_SHOWN_JS})(document.getElementById(links[0].id.slice(0, -3) + "_div"));
}})"""

# A subtab link <tab>txt opens the pane <tab>_div: [the link's id, whether that pane shows already].
_TAB_STATE_JS = f"""(link) => {{
  const id = link.id || "";
  const pane = id.endsWith("txt") ? document.getElementById(id.slice(0, -3) + "_div") : null;
  return [id, ({_SHOWN_JS})(pane)];
}}"""


# --- checkbox ------------------------------------------------------------------------------


def checkbox_state(box: Locator) -> bool:
    return read(box, _CHECKED_JS)


_CHECKBOX_TARGETS = ("input[id$='_fs_inp']", "span[id$='_fs']", "input[type=checkbox]", "img.checkboximage")

# The index of the first of _CHECKBOX_TARGETS that is in the box and shown, or -1.
_CHECKBOX_TARGET_JS = f"(box) => {list(_CHECKBOX_TARGETS)!r}.findIndex((s) => ({_SHOWN_JS})(box.querySelector(s)))"


def click_checkbox(box: Locator, timeout_ms: float) -> None:
    """Click the box the way NetSuite's own QA code does: ``#<f>_fs_inp``, else the span."""
    index = read(box, _CHECKBOX_TARGET_JS)
    if index >= 0:
        box.locator(_CHECKBOX_TARGETS[index]).first.click(timeout=timeout_ms)
        return
    box.locator("input[type=checkbox]").first.click(timeout=timeout_ms, force=True)


# --- dropdown ------------------------------------------------------------------------------


def _open_options(page: Page) -> Locator:
    return page.locator("div.dropdownDiv div").filter(visible=True)


def choose_option(page: Page, control: Locator, option: str, label: str, timeout_ms: float) -> None:
    """Open a NetSuite dropdown and click the option with exactly this text."""
    control.click(timeout=timeout_ms)
    options = _open_options(page)
    try:
        options.first.wait_for(state="visible", timeout=timeout_ms)
    except PlaywrightTimeout:
        raise StepFailed(f"the dropdown '{label}' did not open its list on {page.url}") from None
    exact = options.filter(has_text=re.compile(rf"^\s*{re.escape(option)}\s*$"))
    if exact.count() == 0:
        texts = [t.strip() for t in options.all_inner_texts() if t.strip() and "\n" not in t.strip()]
        page.keyboard.press("Escape")
        hint = did_you_mean(option, texts) or ("options are: " + ", ".join(texts[:15]) if texts else None)
        raise StepFailed(f"the dropdown '{label}' has no option '{option}'", hint)
    exact.last.click(timeout=timeout_ms)
    try:
        expect(control).to_have_value(re.compile(rf"^\s*{re.escape(option)}\s*$"), timeout=timeout_ms)
    except AssertionError:
        raise StepFailed(f"the dropdown '{label}' did not take the option '{option}'") from None


def dropdown_options(page: Page, control: Locator, timeout_ms: float, limit: int = 50) -> list[str]:
    """The options a dropdown offers (opens it, reads, closes it); for `inspect`."""
    control.click(timeout=timeout_ms)
    options = _open_options(page)
    options.first.wait_for(state="visible", timeout=timeout_ms)
    texts = [t.strip() for t in options.all_inner_texts() if t.strip() and "\n" not in t.strip()]
    page.keyboard.press("Escape")
    return texts[:limit]


# --- values --------------------------------------------------------------------------------


def field_value(field: Field) -> str:
    """What a field shows: an input's value, or the read-only text next to the label."""
    return read(
        field.box,
        """(box) => {
          const input = box.querySelector("input[name^='inpt_'], input.dropdownInput, input[id$='_display'],"
            + " input:not([type=hidden]):not([type=checkbox]), textarea");
          if (input) return input.value.trim();
          const value = box.querySelector(".uir-field");
          if (value) return value.textContent.trim();
          const copy = box.cloneNode(true);
          const labels = copy.querySelectorAll("[data-nsps-type='field_label'], .uir-label, .labelSpanEdit");
          labels.forEach((e) => e.remove());
          return copy.textContent.trim();
        }""",
    )


# --- buttons, save, dialogs ----------------------------------------------------------------


def button(page: Page, text: str) -> Locator:
    by_role = page.get_by_role("button", name=text, exact=True)
    by_value = page.locator(
        f"input[type=button][value={_css_string(text)}], input[type=submit][value={_css_string(text)}]"
    )
    return by_role.or_(by_value).filter(visible=True).first


def save_button(page: Page) -> Locator:
    for selector in SAVE_BUTTONS:
        locator = page.locator(selector).filter(visible=True)
        if locator.count():
            return locator.first
    return button(page, "Save")


def mark_document(page: Page) -> None:
    """Tag the current document so a wait can tell when NetSuite has loaded the next one."""
    page.evaluate("() => { window.__nsautoPending = true; }")


def wait_new_document(page: Page, timeout_ms: float, alerts: list[str], alerts_before: int) -> None:
    """Wait until the tagged document is replaced; a native alert meanwhile means NetSuite refused."""
    deadline_step = 250.0
    waited = 0.0
    while True:
        if len(alerts) > alerts_before:
            raise StepFailed(f"NetSuite said: {alerts[-1]}", "fill in what NetSuite asks for in the flow")
        try:
            page.wait_for_function("() => !window.__nsautoPending", timeout=deadline_step, polling=100)
            page.wait_for_load_state("domcontentloaded", timeout=timeout_ms)
            break
        except PlaywrightTimeout:
            waited += deadline_step
            if waited >= timeout_ms:
                raise StepFailed(f"NetSuite did not answer within {timeout_ms / 1000:.0f} s on {page.url}") from None
        except Exception as exc:  # the context was destroyed by navigation: the new document is on its way
            if "Execution context was destroyed" in str(exc) or "navigation" in str(exc).lower():
                continue
            raise
    wait_ready(page, timeout_ms)


READY_JS = "() => !(window.NS && NS.form && typeof NS.form.isInited === 'function') || NS.form.isInited()"


def wait_ready(page: Page, timeout_ms: float) -> None:
    """Wait until NetSuite's client script has set the page up (``NS.form.isInited()``, what NetSuite's
    own QA code waits for): a form rendered late by script is not there at DOMContentLoaded yet.
    Pages without that API count as ready."""
    for _ in range(3):  # a redirect may replace the document while we wait: wait on the new one
        try:
            page.wait_for_function(READY_JS, timeout=timeout_ms, polling=100)  # rAF stalls in background pages
            return
        except PlaywrightTimeout:
            raise StepFailed(f"the page {page.url} did not finish loading within {timeout_ms / 1000:.0f} s") from None
        except Exception as exc:
            if "Execution context was destroyed" not in str(exc):
                raise


def page_message(page: Page) -> tuple[str | None, str | None]:
    """NetSuite's banner after a save: (confirmation text, error text), read in one go."""
    error, confirmation = page.evaluate(
        f"""([errorBox, confirmation]) => {{
          const shown = (sel) => [...document.querySelectorAll(sel)].find({_SHOWN_JS});
          const text = (el) => (el ? el.innerText.split(/\\s+/).join(" ").trim() : null);
          return [text(shown(errorBox)), text(shown(confirmation))];
        }}""",
        [ERROR_BOX, CONFIRMATION],
    )
    if error is not None:
        return None, error
    return confirmation, None


# --- sublists ------------------------------------------------------------------------------


@dataclass
class Sublist:
    """An edit-machine sublist: header columns, data rows and the editing row."""

    table: Locator
    machine: str
    columns: list[str]

    def rows(self) -> list[dict]:
        return read(self.table, _ROWS_JS)

    def column(self, label: str) -> int:
        lowered = [c.lower() for c in self.columns]
        if label.lower() not in lowered:
            hint = did_you_mean(label, self.columns) or f"columns are: {', '.join(self.columns)}"
            raise StepFailed(f"the sublist has no column '{label}'", hint)
        return lowered.index(label.lower())

    def editing_row(self) -> Locator:
        return (
            self.table.locator("tr")
            .filter(has=self.table.page.locator("input[name^='inpt_'], input.dropdownInput"))
            .last
        )

    def add_button(self) -> Locator:
        page = self.table.page
        by_id = page.locator(f"[id={_css_string(self.machine + '_addedit')}]")
        if self.machine and by_id.count():
            return by_id.first
        return page.get_by_role("button", name=re.compile(r"^(Add|OK)$")).filter(visible=True).first


_ROWS_JS = """(table) => {
  const rows = [];
  table.querySelectorAll("tr").forEach((tr, index) => {
    if (tr.id && tr.id.endsWith("_headerrow")) return;
    if (tr.querySelector("th")) return;
    const editing = !!tr.querySelector("input[name^='inpt_'], input.dropdownInput");
    const cells = [...tr.children].map((td) => {
      const input = td.querySelector("input[name^='inpt_'], input.dropdownInput");
      return (input ? input.value : td.textContent).trim();
    });
    rows.push({index, editing, cells});
  });
  return rows;
}"""

# [the table's id, its column labels]
_HEADER_JS = """(table) => {
  const head = table.querySelector("tr[id$='_headerrow']") || table.querySelector("tr");
  return [table.id || "", [...head.children].map((c) => c.textContent.trim().replace(/[*:]$/, "").trim())];
}"""


def find_sublist(page: Page, columns: list[str], timeout_ms: float) -> Sublist:
    """The visible sublist whose header has all these column labels."""
    tables = page.locator("table[id$='_splits']").filter(visible=True)
    headers = tables.evaluate_all(f"(tables) => tables.map({_HEADER_JS})")
    if not headers:  # none shown yet: wait for one (the usual case, a subtab already open, costs no wait)
        try:
            tables.first.wait_for(state="visible", timeout=timeout_ms)
        except PlaywrightTimeout:
            raise StepFailed(f"no sublist is visible on {page.url}", "open its subtab first (tab: ...)") from None
        headers = tables.evaluate_all(f"(tables) => tables.map({_HEADER_JS})")
    seen: list[str] = []
    for index, (table_id, header) in enumerate(headers):
        seen.extend(header)
        if all(any(h.lower() == c.lower() for h in header) for c in columns):
            return Sublist(tables.nth(index), table_id.removesuffix("_splits"), header)
    missing = [c for c in columns if c.lower() not in [s.lower() for s in seen]]
    hint = did_you_mean(missing[0], seen) if missing else None
    raise StepFailed(f"no visible sublist has the columns {', '.join(columns)}", hint or f"columns seen: {seen}")


# --- list pages ----------------------------------------------------------------------------


def find_list_row(page: Page, text: str) -> dict | None:
    """The row of a NetSuite list page with a cell that reads ``text`` (case-insensitive).

    Returns the header labels, the row's cell texts and its links, or None.
    """
    return page.evaluate(
        """(want) => {
          const norm = (s) => s.replace(/\\s+/g, " ").trim().toLowerCase();
          want = norm(want);
          for (const tr of document.querySelectorAll("tr")) {
            const cells = [...tr.children].filter((c) => c.tagName === "TD");
            if (!cells.some((c) => norm(c.textContent) === want)) continue;
            const table = tr.closest("table");
            let header = [];
            const head = table && (table.querySelector("tr.uir-list-headerrow, tr[id$='headerrow'], thead tr")
                                   || table.querySelector("tr"));
            if (head && head !== tr) header = [...head.children].map((c) => c.textContent.trim());
            return {header, cells: cells.map((c) => c.textContent.trim()),
                    links: [...tr.querySelectorAll("a[href]")].map((a) => a.getAttribute("href"))};
          }
          return null;
        }""",
        text,
    )


@dataclass
class ListRow:
    """One row of a list page that matched: where it is, what it links to, whether it is active."""

    index: int  # among the document's <tr> elements
    ids: list[str]  # the record ids its links carry (``?id=N``)
    hrefs: list[str]  # its links, as written in the page
    active: bool
    cells: dict[str, str]  # cell text by header label, as shown


@dataclass
class ListRead:
    """A list page as read for ``match``: the table's header, and the rows whose cells match."""

    header: list[str]
    columns: dict[str, str]  # each asked-for column → the header label it was found under
    rows: list[ListRow]


_LIST_JS = """(match) => {
  const norm = (s) => (s || "").replace(/\\s+/g, " ").trim().toLowerCase();
  const words = (s) => norm(s).split(" ").filter(Boolean);
  // A column is found under its exact label, else under the one header whose words hold the
  // label's words or are held by them ("Application Name" ~ "Application"): list layouts differ.
  const resolve = (header, key) => {
    const exact = header.indexOf(norm(key));
    if (exact >= 0) return exact;
    const kw = words(key);
    const near = header.map((h, i) => [h.split(" ").filter(Boolean), i]).filter(([hw]) =>
      hw.length && (kw.every((w) => hw.includes(w)) || hw.every((w) => kw.includes(w))));
    return near.length === 1 ? near[0][1] : -1;
  };
  const all = [...document.querySelectorAll("tr")];
  for (const table of document.querySelectorAll("table")) {
    const trs = [...table.querySelectorAll(":scope > tbody > tr, :scope > tr, :scope > thead > tr")];
    if (!trs.length) continue;
    const shown = [...trs[0].children].map((c) => (c.textContent || "").replace(/\\s+/g, " ").trim());
    const header = shown.map(norm);
    const keys = Object.keys(match);
    const cols = keys.map((k) => resolve(header, k));
    if (!keys.length || cols.some((i) => i < 0)) continue;
    const revoked = resolve(header, "Revoked");
    const rows = [];
    for (const tr of trs.slice(1)) {
      const cells = [...tr.children].map((c) => norm(c.textContent));
      if (!keys.every((k, n) => match[k] === null || cells[cols[n]] === norm(match[k]))) continue;
      const hrefs = [...tr.querySelectorAll("a[href]")].map((a) => a.getAttribute("href"))
        .filter((h) => h && h !== "#" && !h.startsWith("javascript:"));
      const ids = hrefs.map((h) => { const m = h.match(/[?&]id=(\\d+)/); return m ? m[1] : null; }).filter(Boolean);
      const control = [...tr.querySelectorAll("a, input[type=button], button")].some(
        (e) => norm(e.textContent || e.value) === "revoke");
      // Active: the Revoked column reads No (SuiteTools' layout), or the row offers Revoke.
      const flag = revoked >= 0 ? cells[revoked] : "";
      const active = flag === "no" || (flag !== "yes" && control);
      const named = {};
      shown.forEach((h, i) => { if (h) named[h] = (tr.children[i] && tr.children[i].textContent || "").trim(); });
      rows.push({index: all.indexOf(tr), ids, hrefs, active, cells: named});
    }
    return {header: shown, columns: Object.fromEntries(keys.map((k, n) => [k, shown[cols[n]]])), rows};
  }
  return null;
}"""


def read_list(page: Page, match: Mapping[str, str | None]) -> ListRead | None:
    """The first table whose header has every column of ``match`` (see ``_LIST_JS`` for how a
    label is found), with its rows that read ``match``'s values (None: any value); None when no
    table has them, so an error page is never taken for an empty list."""
    data = page.evaluate(_LIST_JS, match)
    if data is None:
        return None
    return ListRead(data["header"], data["columns"], [ListRow(**row) for row in data["rows"]])


def list_header_labels(page: Page) -> list[str]:
    """Every header label of every table on the page (for an error that says what is there)."""
    return page.evaluate(
        """() => [...new Set([...document.querySelectorAll("table")].flatMap((t) => {
             const head = t.querySelector("tr");
             return head ? [...head.children].map((c) => c.textContent.replace(/\\s+/g, " ").trim()) : [];
           }).filter(Boolean))]"""
    )


def find_list_rows(page: Page, match: dict[str, str]) -> list[dict]:
    """Rows of a list page whose cells under the given column labels read the given values.

    Each row: its index among the document's ``tr`` elements, the record ids its links carry,
    and whether it is active (``revocable``: Revoked reads No, or it offers Revoke).
    """
    found = read_list(page, match)
    rows = found.rows if found else []
    return [{"index": r.index, "ids": r.ids, "revocable": r.active} for r in rows]
