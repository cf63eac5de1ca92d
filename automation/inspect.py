"""`nsauto inspect`: a live NetSuite page's form as NetSuite itself describes it. Read-only.

Flows name fields by visible label, and the field ids of the reference are partly guesses (G).
Before trusting a flow on a real account, an administrator needs to see what the page really
offers: every field's label, its id (``data-walkthrough="Field:<id>"``, ``<id>_fs``, input
names), the widget (text, checkbox, dropdown, popup select), dropdown options, subtabs, sublists
(machine ids and columns) and buttons. ``--format yaml`` prints ready-made flow steps with each
field as ``[label, id:<fieldid>]``, so a step keeps working when the label drifts.

Read-only means: pages are opened with GET, subtabs and dropdown lists are opened to read them
(``--options 0`` skips dropdowns), nothing is typed, ticked, saved or agreed to.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from automation.engine.check import FIELD_ID_JS, yaml_scalar
from automation.errors import ExitCode, InputError, StepFailed
from automation.secrets.redact import redactor
from automation.yamlsource import did_you_mean

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from automation.config import Account, Config
    from automation.engine.loader import Flow
    from automation.engine.session import Session

OPTIONS_MS = 1500.0
"""How long a dropdown gets to show its list (a dependent one, e.g. Level, shows none at first)."""

NAVIGATING = ("open", "find_record", "lookup", "revoke_others")
"""The steps that decide which pages a stage opens; `inspect STAGE` runs only these, read-only."""

WIDGETS = {
    "checkbox": "checkbox",
    "select": "dropdown",
    "popup": "popup select",
    "text": "text",
    "textarea": "text area",
    "password": "password",
    "readonly": "read-only",
}

_DESCRIBE_JS = f"""() => {{
  const norm = (s) => (s || "").replace(/\\s+/g, " ").trim();
  const idOf = {FIELD_ID_JS};
  const tabPath = (el) => {{
    const names = [];
    for (let p = el.parentElement; p; p = p.parentElement) {{
      if (p.id && p.id.endsWith("_div")) {{
        const link = document.getElementById(p.id.slice(0, -4) + "txt");
        names.unshift(link ? norm(link.textContent) : p.id.slice(0, -4));
      }}
    }}
    return names;
  }};
  const kindOf = (w) => {{
    const q = (s) => w.querySelector(s);
    if (q("input[type=checkbox]")) return "checkbox";
    if (q("input[name^='inpt_'], input.dropdownInput")) return "select";
    if (q("input[id$='_display']")) return "popup";
    if (q("textarea")) return "textarea";
    if (q("input[type=password]")) return "password";
    if (q("input:not([type=hidden]):not([type=checkbox])")) return "text";
    return "readonly";
  }};
  const inMachine = (el) => !!el.closest("table[id$='_splits']");
  const fields = [...document.querySelectorAll("div.uir-field-wrapper[data-nsps-label]")]
    .filter((w) => !inMachine(w))
    .map((w) => {{
      const kind = kindOf(w);
      const box = w.querySelector(".checkbox_ck, .checkbox_unck");
      const input = w.querySelector("input[name^='inpt_'], input.dropdownInput");
      const control = w.querySelector("input:not([type=hidden]), textarea");
      return {{
        label: w.getAttribute("data-nsps-label"),
        id: idOf(w),
        widget: kind,
        field_type: w.getAttribute("data-field-type") || "",
        required: w.getAttribute("data-required") === "T" || !!w.querySelector(".uir-required-icon"),
        tab: tabPath(w),
        hidden: !!(w.hidden || w.closest("[hidden]")),
        disabled: !!(control && control.disabled),
        checked: kind !== "checkbox" ? null
          : box ? box.classList.contains("checkbox_ck") : !!w.querySelector("input:checked"),
        selected: kind === "select" && input ? input.value.trim() : null,
      }};
    }});
  const subtabs = [...document.querySelectorAll("a[id$='txt']")]
    .filter((a) => document.getElementById(a.id.slice(0, -3) + "_div"))
    .map((a) => ({{ id: a.id.slice(0, -3), label: norm(a.textContent), parents: tabPath(a) }}));
  const sublists = [...document.querySelectorAll("table[id$='_splits']")].map((t) => {{
    const head = t.querySelector("tr[id$='_headerrow']") || t.querySelector("tr");
    const labels = [...head.children].map((c) => norm(c.textContent).replace(/[*:]$/, "").trim());
    const rows = [...t.querySelectorAll("tr")].filter((tr) => tr !== head);
    const editing = rows.filter((tr) => tr.querySelector("input[name^='inpt_'], input.dropdownInput")).pop();
    const cells = editing ? [...editing.children] : [];
    const columns = labels.map((label, i) => {{
      const input = cells[i] && cells[i].querySelector("input[name^='inpt_'], input.dropdownInput");
      return {{ label, id: input ? input.name.replace(/^inpt_/, "") : "", widget: input ? "select" : "" }};
    }});
    return {{ machine: t.id.slice(0, -7), tab: tabPath(t), columns, rows: rows.length - (editing ? 1 : 0) }};
  }});
  const lists = [...document.querySelectorAll("table")]
    .filter((t) => !t.id.endsWith("_splits") && t.querySelector("tr.uir-list-headerrow, tr[id$='headerrow']"))
    .map((t) => {{
      const head = t.querySelector("tr.uir-list-headerrow, tr[id$='headerrow']");
      return {{ columns: [...head.children].map((c) => norm(c.textContent)),
               rows: [...t.querySelectorAll("tr")].filter((tr) => tr !== head).length }};
    }});
  const seen = new Set();
  const buttons = [...document.querySelectorAll("input[type=button], input[type=submit], button")]
    .filter((b) => !inMachine(b) && !(b.id || "").startsWith("secondary"))
    .map((b) => ({{ id: b.id || "", text: norm(b.value || b.textContent),
                   sublist: (b.id.match(/^(.*)_(addedit|remove|clear)$/) || [])[1] || "" }}))
    .filter((b) => b.text && !seen.has(b.id + b.text) && seen.add(b.id + b.text));
  const title = norm((document.querySelector("h1.uir-record-type") || {{}}).textContent)
    || norm(document.title);
  const name = norm((document.querySelector(".uir-record-name") || {{}}).textContent);
  const error = document.querySelector(".uir-alert-box.error");
  return {{ title, record: name, has_form: !!document.querySelector("form#main_form, form[name=main_form]"),
           error: error ? norm((error.querySelector(".descr") || error).textContent) : "",
           subtabs, fields, sublists, lists, buttons }};
}}"""


def describe(page: Page, options: int, timeout_ms: float) -> dict[str, Any]:
    """What the current page offers; dropdown lists are opened (and closed) only when `options` > 0."""
    data: dict[str, Any] = page.evaluate(_DESCRIBE_JS)
    data["url"] = page.url
    data["mode"] = _mode(page.url, data)
    if options > 0:
        _read_options(page, data, options, timeout_ms)
    from automation.capture.writer import offer

    offer(page, "inspect " + data["url"])  # `--capture`: the page as read, opened lists included
    return data


def _mode(url: str, data: dict[str, Any]) -> str:
    query = url.split("?", 1)[1] if "?" in url else ""
    params = dict(p.split("=", 1) if "=" in p else (p, "") for p in query.split("&") if p)
    if not data["has_form"]:
        return "list" if data["lists"] else "page"
    if params.get("id"):
        return "edit" if params.get("e") == "T" else "view"
    return "new record"


def _read_options(page: Page, data: dict[str, Any], limit: int, timeout_ms: float) -> None:
    for field in data["fields"]:
        if field["widget"] != "select" or field["disabled"] or field["hidden"]:
            continue
        wrapper = page.locator(f"div.uir-field-wrapper[data-nsps-label={json.dumps(field['label'])}]")
        field["options"] = _options_of(page, wrapper.first, limit, timeout_ms) if wrapper.count() == 1 else None
    for sublist in data["sublists"]:
        table = page.locator(f"[id='{sublist['machine']}_splits']")
        for column in sublist["columns"]:
            if column["widget"] != "select":
                continue
            control = table.locator(f"input[name='inpt_{column['id']}']")
            column["options"] = (
                _options_of(page, control.first, limit, timeout_ms, box=table) if control.count() else None
            )


def _options_of(page: Page, target: Any, limit: int, timeout_ms: float, box: Any = None) -> list[str] | None:
    """Open one dropdown, read its list, close it with Escape (NetSuite keeps the value)."""
    from automation.netsuite import ui

    try:
        ui.reveal(page, box or target, timeout_ms)
        control = target if box is not None else target.locator("input[name^='inpt_'], input.dropdownInput").first
        if control.is_disabled():
            return None
        return ui.dropdown_options(page, control, min(timeout_ms, OPTIONS_MS), limit)
    except Exception:  # an empty or dependent list: reported as unknown, never guessed
        page.keyboard.press("Escape")
        return None


# --- which pages ---------------------------------------------------------------------------


def visit(session: Session, flow: Flow, target: str, options: int) -> list[dict[str, Any]]:
    """Open PAGE (a path) or the pages a stage opens, read-only, and describe each."""
    from automation.engine import model as m
    from automation.engine.steps import STEPS, arguments, step_open
    from automation.engine.variables import resolve

    if target.startswith("/") or target.startswith("http"):
        path = target.split("://", 1)[1].split("/", 1)[1] if "://" in target else target
        step_open(session, "/" + path.lstrip("/"))
        return [describe(session.page, options, session.timeout_ms)]
    names = [stage.stage for stage in flow.stages]
    if target not in names:
        hint = did_you_mean(target, names) or f"stages are: {', '.join(names)}; or give a path like /app/setup/role.nl"
        raise InputError(f"no stage '{target}' in {flow.file.name}", hint)
    pages: list[dict[str, Any]] = []
    for step in flow.stage(target).steps:
        action = m.action_of(step)
        if action not in NAVIGATING or step.for_each:
            continue
        try:
            STEPS[action](session, resolve(arguments(step), session.variables))
        except StepFailed as exc:
            pages.append({"url": session.page.url, "error": f"{step.where}: {exc.message}", "skipped": True})
            continue
        if pages and pages[-1].get("url") == session.page.url:
            continue
        pages.append(describe(session.page, options, session.timeout_ms))
    return pages


# --- output --------------------------------------------------------------------------------


def text_report(pages: list[dict[str, Any]]) -> str:
    out: list[str] = []
    for page in pages:
        out.append(f"== {page.get('title') or '?'} ({page.get('mode', '')}) {page['url']}")
        if page.get("skipped") or page.get("error"):
            out.append(f"   page says: {page['error']}")
        if page.get("subtabs"):
            out.append("subtabs:")
            for tab in page["subtabs"]:
                out.append(f"  {' > '.join([*tab['parents'], tab['label']])}  (#{tab['id']}txt)")
        if page.get("fields"):
            out.append("fields:")
            width = max(len(f["label"]) for f in page["fields"]) + 2
            for f in page["fields"]:
                out.append("  " + _field_line(f, width))
        for sub in page.get("sublists", []):
            cols = ", ".join(_column_text(c) for c in sub["columns"])
            where = f" on {' > '.join(sub['tab'])}" if sub["tab"] else ""
            out.append(f"sublist {sub['machine']}{where} ({sub['rows']} rows): {cols}")
        for lst in page.get("lists", []):
            out.append(f"list ({lst['rows']} rows): columns {', '.join(c for c in lst['columns'] if c)}")
        buttons = [b for b in page.get("buttons", []) if not b["sublist"]]
        if buttons:
            out.append("buttons: " + ", ".join(f"{b['text']}" + (f" (#{b['id']})" if b["id"] else "") for b in buttons))
        out.append("")
    return "\n".join(out)


def _field_line(f: dict[str, Any], width: int) -> str:
    label = f["label"] + (" *" if f["required"] else "")
    parts = [f"{label:<{width}}", f"{f['id'] or '-':<24}", f"{WIDGETS.get(f['widget'], f['widget']):<12}"]
    state = []
    if f["tab"]:
        state.append("[" + " > ".join(f["tab"]) + "]")
    if f["checked"] is not None:
        state.append("ticked" if f["checked"] else "unticked")
    if f["selected"]:
        state.append(f"= {f['selected']}")
    if f["hidden"]:
        state.append("hidden until another box is ticked")
    if f["disabled"]:
        state.append("disabled")
    if f.get("options"):
        state.append("options: " + ", ".join(f["options"]))
    return " ".join(parts + state).rstrip()


def _column_text(column: dict[str, Any]) -> str:
    text = column["label"] + (f" ({column['id']}, dropdown)" if column["id"] else "")
    if column.get("options"):
        text += " [" + ", ".join(column["options"]) + "]"
    return text


def yaml_report(pages: list[dict[str, Any]]) -> str:
    """Flow steps, one per field: paste the ones you need into a stage file's `steps:`."""
    out = ["# nsauto inspect: steps for the fields below; each field is [label, id:<fieldid>] (id: a fallback)"]
    for page in pages:
        out.append(f"# --- {page.get('title') or '?'} ({page.get('mode', '')}) {page['url']}")
        if page.get("error"):
            out.append(f"# page says: {page['error']}")
        for f in page.get("fields", []):
            step = _field_step(f)
            if step:
                out.append(step)
        for sub in page.get("sublists", []):
            cols = [c["label"] for c in sub["columns"] if c["label"]]
            if not cols:
                continue
            tab = ", tab: " + yaml_scalar(" > ".join(sub["tab"])) if sub["tab"] else ""
            match = f'{yaml_scalar(cols[0])}: ""'
            rest = ", ".join(f'{yaml_scalar(c)}: ""' for c in cols[1:])
            sets = f", set: {{ {rest} }}" if rest else ""
            out.append(f"- sublist_row: {{ match: {{ {match} }}{sets}{tab} }}   # sublist {sub['machine']}")
        for lst in page.get("lists", []):
            out.append(f"# list columns: {', '.join(c for c in lst['columns'] if c)}")
        if any(b["id"] in ("submitter", "btn_multibutton_submitter") for b in page.get("buttons", [])):
            out.append("- save: {}")
    return "\n".join(out) + "\n"


def _field_step(f: dict[str, Any]) -> str:
    name = "[" + ", ".join(yaml_scalar(x) for x in [f["label"], *([f"id:{f['id']}"] if f["id"] else [])]) + "]"
    notes = []
    if f["tab"]:
        notes.append("subtab " + " > ".join(f["tab"]))
    if f["hidden"] or f["disabled"]:
        notes.append("shown/enabled by another box")
    if f.get("options"):
        notes.append("options: " + ", ".join(f["options"]))
    comment = f"   # {'; '.join(notes)}" if notes else ""
    widget = f["widget"]
    if widget == "checkbox":
        return f"- check: {{ field: {name}, value: {'true' if f['checked'] else 'false'} }}{comment}"
    if widget == "select":
        return f"- choose: {{ field: {name}, option: {json.dumps(f['selected'] or '')} }}{comment}"
    if widget in ("text", "textarea"):
        return f'- fill: {{ field: {name}, value: "" }}{comment}'
    return f"# {f['label']} ({WIDGETS.get(widget, widget)}, field id {f['id'] or '-'}): not a step{comment}"


# --- command -------------------------------------------------------------------------------


def run_inspect(config: Config, flow: Flow, account: Account, args: argparse.Namespace) -> int:
    """Log in, open the page(s) read-only, print them as text, YAML steps or JSON."""
    from playwright.sync_api import sync_playwright

    from automation.browser import BrowserOptions, launch
    from automation.engine.orchestrate import attach_log_file, credentials_for, prepare
    from automation.engine.session import Session
    from automation.netsuite.login import log_in
    from automation.secrets.manifest import Manifest

    fmt = "json" if args.json else args.format
    prepared = prepare(config, account, flow, args.artifacts, secrets=False)
    handler = attach_log_file(prepared.run_dir)
    timeout_ms = (args.timeout or config.browser.timeout_s) * 1000
    browser_options = BrowserOptions(
        headless=not args.headed and config.browser.headless,
        slow_mo_ms=args.slow_mo,
        executable=args.executable or (str(config.browser.executable) if config.browser.executable else None),
        connect=args.connect or config.browser.connect,
    )

    def do_log_in(page: Page) -> str:
        target = prepared.target
        return log_in(page, target.ui_url, target.account_id, credentials_for(account), timeout_ms, redactor.add)

    from automation.capture import writer
    from automation.engine.check import finish_capture, start_capture

    writer.ACTIVE = start_capture(config, account, args, "inspect")
    try:
        with sync_playwright() as pw:
            browser = launch(pw, browser_options)
            try:
                page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
                page.on("dialog", lambda dialog: dialog.dismiss())  # never agree to anything
                session = Session(
                    page=page,
                    target=prepared.target,
                    variables=dict(prepared.variables),
                    store=prepared.store,
                    manifest=Manifest.load(),
                    run_id=prepared.run_id,
                    plan=False,
                    check=True,
                    timeout_ms=timeout_ms,
                    log_in=do_log_in,
                )
                session.log_in(page)
                pages = [p for target in args.page for p in visit(session, flow, target, max(0, args.options))]
            finally:
                browser.close()
    finally:
        import logging

        logging.getLogger("nsauto").removeHandler(handler)
        handler.close()
        capturer, writer.ACTIVE = writer.ACTIVE, None
    if capturer is not None:
        finish_capture(capturer, args)
    if not pages:
        print(f"nsauto: {', '.join(args.page)} opens no NetSuite page", file=sys.stderr)
        return ExitCode.OK
    if fmt == "json":
        text = json.dumps({"account": account.name, "account_id": account.account_id, "pages": pages}, indent=2)
    else:
        text = yaml_report(pages) if fmt == "yaml" else text_report(pages)
    print(redactor.redact(text))
    return ExitCode.OK
