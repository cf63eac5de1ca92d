"""NetSuite's classic-form markup, produced by small functions that escape everything.

This is the single place that knows the DOM conventions of shared/reference/netsuite-ui.md
(field wrappers, label spans, checkbox spans, dropdown widgets, subtabs, alert boxes, list tables,
sublist edit machines). Pages describe *what* is on a form; a future UI variant would change
these functions, not the pages.
"""

from __future__ import annotations

import html
import itertools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from automation.simulator import variant

BLANK_GIF = "/images/nav/ns_x.gif"


class Markup(str):
    """A string that is already safe HTML; everything else gets escaped on the way in."""


def esc(value: object) -> Markup:
    if isinstance(value, Markup):
        return value
    return Markup(html.escape("" if value is None else str(value), quote=True))


def join(parts: Iterable[object]) -> Markup:
    return Markup("".join(esc(p) for p in parts))


def attrs(**kw: object) -> str:
    """Render attributes; `class_` -> class, `data_x_y` -> data-x-y, True -> bare, None/False -> omitted."""
    out = []
    for key, value in kw.items():
        if value is None or value is False:
            continue
        name = key.rstrip("_").replace("_", "-")
        out.append(f" {name}" if value is True else f' {name}="{html.escape(str(value), quote=True)}"')
    return "".join(out)


def tag(element: str, /, *children: object, **kw: object) -> Markup:
    return Markup(f"<{element}{attrs(**kw)}>{join(children)}</{element}>")


def void(element: str, /, **kw: object) -> Markup:
    return Markup(f"<{element}{attrs(**kw)}>")


def data_json(value: Any) -> str:
    """JSON for a data-* attribute (attrs() escapes it)."""
    return json.dumps(value, separators=(",", ":"))


# ---- labels and field wrappers ---------------------------------------------------------------


def label_spans(fid: str, label: str, required: bool = False) -> Markup:
    """The H label markup: `<f>_fs_lbl_uir_label` > `<f>_fs_lbl` > a (help link) with the text."""
    link = tag(
        "a",
        label,
        tabindex="-1",
        title="What's this?",
        href="javascript:void('help')",
        style="cursor:help",
        class_="smallgraytextnolink",
    )
    inner = tag("span", link, id=f"{fid}_fs_lbl", class_="labelSpanEdit smallgraytextnolink", data_nsps_type="label")
    icon = tag("label", "*", class_="uir-required-icon") if required else ""
    return tag(
        "span",
        inner,
        icon,
        id=f"{fid}_fs_lbl_uir_label",
        class_="smallgraytextnolink uir-label",
        data_nsps_type="field_label",
    )


def wrapper(
    fid: str,
    label: str,
    field_type: str,
    control: Markup,
    *,
    required: bool = False,
    show_if: str | None = None,
    enable_if: str | None = None,
    hidden: bool = False,
    readonly: bool = False,
) -> Markup:
    """`div.uir-field-wrapper[data-nsps-label]` holding the label and `span.uir-field`.

    `show_if` / `enable_if` name a checkbox field; ns.js shows/enables the field while it is checked.
    Ids and the label pass through the current UI variant (see variant.py).
    """
    fid, label = variant.field_id(fid), variant.label(label)
    show_if = variant.field_id(show_if) if show_if else None
    enable_if = variant.field_id(enable_if) if enable_if else None
    field_span = tag("span", control, class_="uir-field inputreadonly" if readonly else "uir-field")
    return tag(
        "div",
        label_spans(fid, label, required and not readonly),
        field_span,
        class_="uir-field-wrapper",
        data_nsps_label=label,
        data_nsps_type="field",
        data_field_type=field_type,
        data_walkthrough=f"Field:{fid}",
        data_required="T" if required and not readonly else None,
        data_show_if=show_if,
        data_enable_if=enable_if,
        hidden=hidden,
    )


# ---- controls --------------------------------------------------------------------------------


def checkbox_control(fid: str, checked: bool, disabled: bool = False) -> Markup:
    """The H checkbox: span `<f>_fs` (checkbox_ck/unck) with `input#<f>_fs_inp` and `img.checkboximage`."""
    fid = variant.field_id(fid)
    state = "checkbox_ck" if checked else "checkbox_unck"
    return tag(
        "span",
        void(
            "input",
            type="checkbox",
            class_="checkbox",
            id=f"{fid}_fs_inp",
            name=fid,
            value="T",
            checked=checked,
            disabled=disabled,
            data_initial="T" if checked else "F",
        ),
        void("img", class_="checkboximage", src=BLANK_GIF, alt=""),
        id=f"{fid}_fs",
        class_=f"{state} uir-field-input" + (" uir-disabled" if disabled else ""),
        data_fieldtype="checkbox",
        onclick="NLCheckboxOnClick(this);",
    )


def checkbox_readonly(fid: str, checked: bool) -> Markup:
    fid = variant.field_id(fid)
    return tag(
        "span",
        void("img", class_="checkboximage", src=BLANK_GIF, alt=""),
        "Yes" if checked else "No",
        id=f"{fid}_fs",
        class_="checkbox_read_ck" if checked else "checkbox_read_unck",
    )


Option = tuple[str, str]  # (internal value, visible text)


def select_control(fid: str, options: Sequence[Option], value: str, number: int) -> Markup:
    """The H dropdown widget: visible `inpt_<f>` + hidden `<f>` + arrow in `<f>_fs`; list via ns.js."""
    fid = variant.field_id(fid)
    text = next((t for v, t in options if v == value), "")
    return tag(
        "span",
        void(
            "input",
            type="text",
            name=f"inpt_{fid}",
            id=f"inpt_{fid}{number}",
            class_="dropdownInput textbox",
            value=text,
            autocomplete="off",
            size="40",
        ),
        void("input", type="hidden", name=fid, id=f"hddn_{fid}{number}", value=value if text else ""),
        tag(
            "span",
            void("img", class_="uir-select-arrow", src=BLANK_GIF, alt="", height="20", width="20"),
            class_="ddarrowSpan",
        ),
        id=f"{fid}_fs",
        class_="effectStatic uir-select-input-container",
        data_fieldtype="select",
        data_options=data_json([list(o) for o in options]),
    )


class Fields:
    """Renders body fields for one page, editable or read-only (view mode), with dropdown numbering."""

    def __init__(self, editable: bool) -> None:
        self.editable = editable
        self._numbers = itertools.count(1)

    def checkbox(
        self,
        fid: str,
        label: str,
        checked: bool,
        *,
        disabled: bool = False,
        enable_if: str | None = None,
        show_if: str | None = None,
    ) -> Markup:
        if not self.editable:
            return wrapper(fid, label, "checkbox", checkbox_readonly(fid, checked), readonly=True)
        control = checkbox_control(fid, checked, disabled)
        return wrapper(fid, label, "checkbox", control, enable_if=enable_if, show_if=show_if)

    def text(
        self,
        fid: str,
        label: str,
        value: str,
        *,
        required: bool = False,
        input_type: str = "text",
        maxlength: int | None = None,
        show_if: str | None = None,
        hidden: bool = False,
    ) -> Markup:
        if not self.editable:
            shown = "" if input_type == "password" else value
            return wrapper(fid, label, input_type, esc(shown), readonly=True, show_if=show_if, hidden=hidden)
        control = void(
            "input",
            type=input_type,
            class_="input uir-custom-field",
            id=variant.field_id(fid),
            name=variant.field_id(fid),
            value=value,
            maxlength=maxlength,
            size="40",
            autocomplete="new-password" if input_type == "password" else "off",
        )
        return wrapper(fid, label, input_type, control, required=required, show_if=show_if, hidden=hidden)

    def textarea(self, fid: str, label: str, value: str) -> Markup:
        if not self.editable:
            return wrapper(fid, label, "textarea", esc(value), readonly=True)
        shown = variant.field_id(fid)
        control = tag("textarea", value, id=shown, name=shown, class_="input uir-custom-field", rows="4", cols="60")
        return wrapper(fid, label, "textarea", control)

    def select(self, fid: str, label: str, options: Sequence[Option], value: str, *, required: bool = False) -> Markup:
        if not self.editable:
            text = next((t for v, t in options if v == value), "")
            return wrapper(fid, label, "select", esc(text), readonly=True)
        return wrapper(fid, label, "select", self.select_widget(fid, options, value), required=required)

    def select_widget(self, fid: str, options: Sequence[Option], value: str) -> Markup:
        """A bare dropdown (no wrapper), e.g. for a sublist cell."""
        return select_control(fid, options, value, next(self._numbers))

    def readonly(self, fid: str, label: str, text: str) -> Markup:
        return wrapper(fid, label, "text", esc(text), readonly=True)


def field_group(label: str, *fields: Markup) -> Markup:
    """A titled section of fields (the Enable Features sections, the integration auth groups)."""
    return tag(
        "div",
        tag("div", label, class_="fgroup_title"),
        tag("div", *fields, class_="uir-fieldgroup-content"),
        class_="uir-field-group",
        data_group_label=label,
    )


def columns(*cols: Sequence[Markup]) -> Markup:
    """Body fields laid out in columns, as NetSuite's main field area."""
    return tag("div", *(tag("div", *c, class_="uir-fieldgroup-column") for c in cols), class_="uir-fieldgroup-row")


# ---- buttons ---------------------------------------------------------------------------------


def button(bid: str, value: str, *, submit: bool = False, onclick: str | None = None, **extra: object) -> Markup:
    """An H button: `input` inside `td#tdbody_<id>` inside `table#tbl_<id>`; `extra` are input attributes."""
    inp = void(
        "input",
        type="submit" if submit else "button",
        class_="rndbuttoninpt bntBgT",
        value=value,
        id=bid,
        name=bid,
        onclick=onclick,
        **extra,
    )
    row = tag(
        "tr",
        tag("td", id=f"tdleftcap_{bid}", class_="bntLT"),
        tag("td", inp, id=f"tdbody_{bid}", class_="bntBgB"),
        tag("td", id=f"tdrightcap_{bid}", class_="bntRT"),
    )
    return tag("table", row, id=f"tbl_{bid}", class_="uir-button", role="presentation")


def button_bar(*buttons: Markup, bottom: bool = False) -> Markup:
    cells = join(tag("td", b) for b in buttons)
    return tag(
        "div",
        tag("table", tag("tr", cells), role="presentation"),
        class_="uir-button-bar" + (" uir-button-bar-bottom" if bottom else ""),
    )


def save_buttons(*, bottom: bool, extra: Sequence[Markup] = ()) -> Markup:
    """Save + Cancel, top (`#submitter`) or bottom (`#secondarysubmitter`)."""
    prefix = "secondary" if bottom else ""
    return button_bar(
        button(f"{prefix}submitter", "Save", submit=True),
        button(f"{prefix}_cancel" if bottom else "_cancel", "Cancel", onclick="history.back();"),
        *extra,
        bottom=bottom,
    )


# ---- page furniture --------------------------------------------------------------------------


def page_title(record_type: str, record_name: str | None = None) -> Markup:
    second = (
        tag("div", tag("div", record_name, class_="uir-record-name"), class_="uir-page-title-secondline")
        if record_name
        else ""
    )
    first = tag("div", tag("h1", record_type, class_="uir-record-type"), class_="uir-page-title-firstline")
    return tag("div", first, second, class_="uir-page-title")


def _alert(kind: str, title: str, descr: str, role: str, extra_class: str = "") -> Markup:
    icon = tag(
        "div",
        void("img", src=f"/images/icons/messagebox/icon_msgbox_{kind}.png", alt=""),
        class_=f"icon {kind}",
    )
    content = tag("div", tag("div", title, class_="title"), tag("div", descr, class_="descr"), class_="content")
    box = tag("div", icon, content, class_=f"uir-alert-box {kind}{extra_class}", width="100%", role=role)
    return tag("div", box, id="div__alert")


def confirmation(descr: str) -> Markup:
    """The H save-confirmation banner (`div.session_confirmation_alert` means "save succeeded")."""
    return _alert("confirmation", "Confirmation", descr, "status", " session_confirmation_alert")


def error_box(descr: str, title: str = "Error") -> Markup:
    return _alert("error", title, descr, "alert")


def flashes(messages: Sequence[str]) -> Markup:
    return join(confirmation(m) for m in messages)


@dataclass
class Tab:
    tab_id: str
    label: str
    content: Markup


def subtabs(tabs: Sequence[Tab], group: str = "main") -> Markup:
    """Subtab bar (`a#<tab>txt`) and panes (`div#<tab>_div`); the first tab is shown."""
    tabs = [Tab(variant.tab_id(t.tab_id), t.label, t.content) for t in tabs]
    cells = join(
        tag(
            "td",
            tag(
                "a",
                t.label,
                id=f"{t.tab_id}txt",
                href="#",
                class_="formtabtext",
                onclick="return NS.showTab(this);",
            ),
            id=f"{t.tab_id}lnk",
            class_="formtabon" if i == 0 else "formtaboff",
            data_tab=t.tab_id,
        )
        for i, t in enumerate(tabs)
    )
    bar = tag("table", tag("tr", cells), class_="uir-tab-bar", role="presentation", data_tab_group=group)
    panes = join(
        tag(
            "div",
            t.content,
            id=f"{t.tab_id}_div",
            class_="uir-tab-pane",
            data_tab_group=group,
            style="display:block" if i == 0 else "display:none",
        )
        for i, t in enumerate(tabs)
    )
    return tag("div", bar, panes, class_="uir-tab-container", data_tab_group=group)


def list_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> Markup:
    """An H list page table: rows `tr#row<N>`, cells `td.listtextctr.uir-list-row-cell`."""
    headers = [variant.label(h) for h in headers]
    head = tag(
        "tr",
        *(
            tag(
                "td",
                tag("div", h, class_="listheader"),
                class_="listheadertdleft listheadertextb",
                data_label=h,
            )
            for h in headers
        ),
        class_="uir-list-headerrow noprint",
        id="div__labtab",
    )
    body = join(
        tag(
            "tr",
            *(tag("td", cell, class_="listtextctr uir-list-row-cell") for cell in row),
            id=f"row{i}",
            class_=f"uir-list-row-tr uir-list-row-{'even' if i % 2 == 0 else 'odd'}",
        )
        for i, row in enumerate(rows)
    )
    return tag("table", head, body, id="div__bodytab", class_="listtable listborder uir-list-table")


def list_link(text: str, href: str) -> Markup:
    return tag("a", text, class_="dottedlink viewitem", href=href)


def action_form(form_id: str, csrf: str, action: str, name: str) -> Markup:
    """A hidden POST form for one-click actions (reset credentials, revoke) sent by `NS.confirmPost`."""
    return tag(
        "form",
        void("input", type="hidden", name="_csrf", value=csrf),
        void("input", type="hidden", name="_action", value=name),
        id=form_id,
        method="POST",
        action=action,
        hidden=True,
    )


def main_form(csrf: str, *content: object, action: str = "") -> Markup:
    """`form#main_form` (H), POST, with the CSRF-like token; ns.js validates on submit."""
    return tag(
        "form",
        void("input", type="hidden", name="_csrf", value=csrf),
        *content,
        id="main_form",
        name="main_form",
        method="POST",
        action=action or None,
        onsubmit="return NS.form.onSubmit(this, event);",
        autocomplete="off",
    )


# ---- sublist edit machines -------------------------------------------------------------------


@dataclass
class MachineColumn:
    field: str
    label: str
    options: Sequence[Option]  # every value the column can show (for row texts)


def machine(
    name: str,
    cols: Sequence[MachineColumn],
    rows: Sequence[dict[str, str]],
    fields: Fields,
    *,
    config: dict[str, Any] | None = None,
) -> Markup:
    """A sublist. Edit mode: the H edit machine (`<m>_splits`, `<m>_headerrow`, `<m>_row_N`,
    `<m>_addedit`, `<m>_remove`) whose last row holds the dropdowns; rows are posted as JSON in the
    hidden `<m>data`. View mode: the same table, plain text.
    """
    name = variant.machine_id(name)
    texts = {c.field: dict(c.options) for c in cols}
    head = tag(
        "tr",
        *(
            tag(
                "td",
                tag("div", c.label, class_="listheader"),
                class_="listheadertdleft listheadertextb",
                data_label=c.label,
            )
            for c in cols
        ),
        id=f"{name}_headerrow",
        class_="uir-machine-headerrow",
    )
    body = join(
        tag(
            "tr",
            *(
                tag(
                    "td",
                    texts[c.field].get(row.get(c.field, ""), ""),
                    class_="uir-machine-cell",
                    data_field=c.field,
                )
                for c in cols
            ),
            id=f"{name}_row_{i}",
            class_="uir-machine-row",
            data_line=str(i),
        )
        for i, row in enumerate(rows, start=1)
    )
    if not fields.editable:
        return tag("table", head, body, id=f"{name}_splits", class_="uir-machine-table listtable")
    edit_row = tag(
        "tr",
        *(
            tag(
                "td",
                fields.select_widget(c.field, c.options, ""),
                class_="uir-machine-cell",
                data_field=c.field,
            )
            for c in cols
        ),
        id=f"{name}_row_{len(rows) + 1}",
        class_="uir-machine-row uir-machine-row-focused",
        data_line=str(len(rows) + 1),
    )
    buttons = button_bar(
        button(f"{name}_addedit", "Add"),
        button(f"{name}_clear", "Cancel"),
        button(f"{name}_remove", "Remove"),
    )
    cfg = {
        "name": name,
        "columns": [{"field": c.field, "label": c.label, "texts": texts[c.field]} for c in cols],
        **(config or {}),
    }
    table = tag("table", head, body, edit_row, id=f"{name}_splits", class_="uir-machine-table listtable")
    hidden = void("input", type="hidden", name=f"{name}data", id=f"{name}data", value=data_json(list(rows)))
    return tag("div", hidden, buttons, table, class_="uir-machine", id=f"{name}_layer", data_machine=data_json(cfg))
