"""The Home dashboard (`card.nl?sc=-29`): page title "Home" and portlets with setup shortcuts."""

from __future__ import annotations

from automation.simulator.app import Route
from automation.simulator.markup import flashes, page_title, tag
from automation.simulator.pages.common import render
from automation.simulator.web import Ctx, Response

SHORTCUTS = [
    ("Enable Features", "/app/setup/features.nl?whence="),
    ("Manage Roles", "/app/setup/rolelist.nl"),
    ("Employees", "/app/common/entity/employeelist.nl"),
    ("Manage Integrations", "/app/common/integration/integrapplist.nl?showall=T"),
    ("Access Tokens", "/app/setup/accesstokens.nl"),
]


def _portlet(title: str, *items: object) -> object:
    return tag("div", tag("div", title, class_="ns-portlet-title"), tag("ul", *items), class_="ns-portlet")


def home(ctx: Ctx) -> Response:
    links = [tag("li", tag("a", text, href=url)) for text, url in SHORTCUTS]
    settings = [tag("li", tag("a", "Set Preferences", href="/app/center/card.nl?sc=-29&whence="))]
    # H: once Token-Based Authentication is on, the Settings portlet offers "Manage Access Tokens".
    if ctx.app.store.features().get("tba"):
        settings.append(tag("li", tag("a", "Manage Access Tokens", href="/app/setup/accesstokens.nl")))
    body = tag(
        "div",
        page_title("Home"),
        flashes(ctx.session.take_flashes() if ctx.session else []),  # Enable Features may come back here
        tag("div", _portlet("Shortcuts", *links), _portlet("Settings", *settings), class_="ns-portlets"),
    )
    return render(ctx, "Home", body)


ROUTES = [Route("/app/center/card.nl", home)]
