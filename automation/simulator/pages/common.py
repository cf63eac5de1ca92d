"""Shared bits of page handlers: error pages, dates, the record-page scaffolding."""

from __future__ import annotations

from datetime import datetime

from automation.simulator import layout
from automation.simulator.markup import Markup, error_box, page_title, tag
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
