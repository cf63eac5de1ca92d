"""Whole documents: the logged-in NetSuite shell (header, menu, body) and bare pages (login, popups)."""

from __future__ import annotations

import json
from typing import Any

from automation.simulator import demo
from automation.simulator.markup import Markup, esc, join, tag
from automation.simulator.models import Employee, Role
from automation.simulator.web import Ctx

HOME_URL = "/app/center/card.nl?sc=-29&whence="
LOGOUT_URL = "/pages/nllogoutnoback.jsp"

# (text, url or None, children): the Setup and Lists menus reach every page of the TBA setup.
MenuItem = tuple[str, str | None, list[Any]]
MENU: list[MenuItem] = [
    ("Home", HOME_URL, []),
    ("Lists", None, [("Employees", None, [("Employees", "/app/common/entity/employeelist.nl", [])])]),
    (
        "Setup",
        None,
        [
            ("Company", None, [("Enable Features", "/app/setup/features.nl?whence=", [])]),
            (
                "Users/Roles",
                None,
                [
                    ("Manage Roles", "/app/setup/rolelist.nl", []),
                    ("Access Tokens", "/app/setup/accesstokens.nl", []),
                ],
            ),
            (
                "Integration",
                None,
                [
                    ("Manage Integrations", "/app/common/integration/integrapplist.nl?showall=T", []),
                    (
                        "Manage Authentication",
                        None,
                        [("OAuth 2.0 Client Credentials (M2M) Setup", "/app/oauth2/clientcredentials/setup.nl", [])],
                    ),
                ],
            ),
        ],
    ),
]


def _menu(items: list[MenuItem], top: bool = False) -> Markup:
    entries = []
    for text, url, children in items:
        head = tag("a", text, href=url) if url else tag("span", text)
        sub = _menu(children) if children else ""
        entries.append(tag("li", head, sub, class_="ns-menuitem", data_menu=text))
    return tag("ul", *entries, id="ns-menu" if top else None)


def _page_data(data: dict[str, Any] | None) -> Markup:
    text = json.dumps(data or {}).replace("</", "<\\/")
    return Markup(f'<script type="application/json" id="ns-page-data">{text}</script>')


def _head(title: str) -> Markup:
    return Markup(
        f'<head><meta charset="utf-8"><title>{esc(title)}</title>'
        '<link rel="stylesheet" href="/ui/ns.css"><script src="/ui/ns.js"></script></head>'
    )


def bare_document(title: str, body: Markup, page_data: dict[str, Any] | None = None) -> str:
    """A page without NetSuite's chrome (login, 2FA, popups); `title` is used as is."""
    return f'<!DOCTYPE html>\n<html lang="en">{_head(title)}<body>{body}{_page_data(page_data)}</body></html>'


def document(ctx: Ctx, title: str, body: Markup, page_data: dict[str, Any] | None = None) -> str:
    """A logged-in page: header with user and role, the menu, the body and the shared dropdown div."""
    user = ctx.app.store.get(Employee, ctx.session.user_id) if ctx.session and ctx.session.user_id else None
    role = ctx.app.store.get(Role, ctx.session.role_id) if ctx.session and ctx.session.role_id else None
    header = tag(
        "div",
        tag("span", "NetSuite", class_="ns-logo"),
        tag(
            "span",
            join(
                [
                    user.name if user else "",
                    " — ",
                    demo.COMPANY_NAME,
                    f" ({ctx.app.account_id})",
                    " — ",
                    role.name if role else "",
                ]
            ),
            class_="ns-role",
        ),
        tag("a", "Log Out", href=LOGOUT_URL, id="ns-logout"),
        id="ns-header",
    )
    nav = tag("div", _menu(MENU, top=True), id="ns-navigation-container")
    main = tag("div", body, id="div__body", class_="uir-body")
    dropdown = tag("div", class_="dropdownDiv", id="dropdownDiv")
    full_title = f"{title} - NetSuite ({demo.COMPANY_NAME})"
    return bare_document(full_title, join([header, nav, main, dropdown]), page_data)
