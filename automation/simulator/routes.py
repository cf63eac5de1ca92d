"""The route table: every page module's ROUTES plus REST and the /__sim/ control endpoints."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from automation.simulator.app import Route


def all_routes() -> list[Route]:
    from automation.simulator import control, fault_pages, oauth2, rest
    from automation.simulator.pages import dashboard, employees, features, integrations, login, m2m, roles, tokens

    modules = (login, dashboard, features, roles, employees, integrations, tokens, m2m)
    pages = [route for module in modules for route in module.ROUTES]
    return pages + oauth2.routes() + rest.routes() + control.routes() + fault_pages.ROUTES
