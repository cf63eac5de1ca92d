"""Shared bits of page handlers: error pages, dates, the record-page scaffolding."""

from __future__ import annotations

import json
from datetime import datetime

from automation.simulator import layout
from automation.simulator.markup import (
    Markup,
    button,
    button_bar,
    error_box,
    flashes,
    main_form,
    page_title,
    save_buttons,
    tag,
)
from automation.simulator.web import Ctx, Response, html


def render(ctx: Ctx, title: str, body: Markup, page_data: dict | None = None, status: int = 200) -> Response:
    return html(layout.document(ctx, title, body, page_data), status)


def error_page(ctx: Ctx, status: int, message: str) -> Response:
    body = tag("div", page_title("Error"), error_box(message))
    if ctx.session and ctx.session.active:
        return render(ctx, "Error", body, status=status)
    return html(layout.bare_document("Error - NetSuite", body), status)


def not_found_page(ctx: Ctx, message: str = "That record does not exist.") -> Response:
    return error_page(ctx, 404, message)


def ns_date(iso: str) -> str:
    """NetSuite's default date display (M/D/YYYY h:mm am)."""
    if not iso:
        return ""
    moment = datetime.fromisoformat(iso)
    hour = moment.hour % 12 or 12
    half = "am" if moment.hour < 12 else "pm"
    return f"{moment.month}/{moment.day}/{moment.year} {hour}:{moment.minute:02d} {half}"


def flag(form: dict[str, str], name: str) -> bool:
    """A posted NetSuite checkbox: present with "T" when checked, absent when not."""
    return form.get(name) == "T"


SAVED_MESSAGE = "Your changes have been saved."


def record_page(
    ctx: Ctx,
    *,
    record_type: str,
    record_name: str | None,
    editable: bool,
    body_fields: Markup,
    tabs: Markup | str = "",
    edit_url: str | None = None,
    action: str = "",
    error: str = "",
    extra_buttons: tuple[Markup, ...] = (),
    after_form: Markup | str = "",
    page_data: dict | None = None,
) -> Response:
    """A record in view or edit mode: title, banner, buttons (H ids), body fields, subtabs.

    View mode shows an `#edit` button (when `edit_url` is given); edit mode shows Save/Cancel.
    Everything sits in `form#main_form`; `after_form` goes below it (one-time secrets, hidden forms).
    """
    assert ctx.session is not None
    if editable:
        top = save_buttons(bottom=False, extra=extra_buttons)
        bottom = save_buttons(bottom=True)
    elif edit_url:
        go = f"window.location.href={json.dumps(edit_url)}; return false;"
        top = button_bar(button("edit", "Edit", onclick=go), *extra_buttons)
        bottom = button_bar(button("secondaryedit", "Edit", onclick=go), bottom=True)
    else:
        top = button_bar(*extra_buttons) if extra_buttons else ""
        bottom = ""
    form = main_form(ctx.session.csrf, top, body_fields, tabs, bottom, action=action)
    body = tag(
        "div",
        page_title(record_type, record_name),
        flashes(ctx.session.take_flashes()),
        error_box(error) if error else "",
        form,
        after_form,
    )
    title = f"{record_type}{' - ' + record_name if record_name else ''}"
    return render(ctx, title, body, page_data)


def posted_rows(form: dict[str, str], machine: str) -> list[dict[str, str]]:
    """The JSON rows ns.js posts for a sublist edit machine (hidden `<machine>data`)."""
    try:
        rows = json.loads(form.get(f"{machine}data") or "[]")
    except ValueError:
        return []
    if not isinstance(rows, list):
        return []
    return [{str(k): str(v) for k, v in r.items()} for r in rows if isinstance(r, dict)]
