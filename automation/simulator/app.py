"""The simulator application: routing, login gate, CSRF check and per-page latency.

Everything HTTP-framework-ish lives here so that page modules are plain functions
`(Ctx) -> Response`. `_before_page` is the one hook where latency is applied today and where
fault injection (500 pages, expired sessions, late forms) would go.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from automation.simulator import assets, variant
from automation.simulator.sessions import COOKIE_NAME, SessionStore
from automation.simulator.settings import Settings, SettingsStore
from automation.simulator.state import Store
from automation.simulator.web import Ctx, Request, Response, redirect

Handler = Callable[[Ctx], Response]


@dataclass(frozen=True)
class Route:
    path: str
    handler: Handler
    methods: tuple[str, ...] = ("GET",)
    auth: bool = True  # needs a fully logged-in session, else the enterpriselogin redirect
    page: bool = True  # an HTML page: latency applies; False for REST and control endpoints
    prefix: bool = False  # matches every path below `path`


class App:
    def __init__(self, store: Store, account_id: str, settings: Settings | None = None) -> None:
        self.store = store
        self.account_id = account_id
        self.sessions = SessionStore()
        self.settings = SettingsStore(settings)
        # Signs one-time tokens (Terms of Service agreement, trusted device); per process on purpose.
        self.secret = secrets.token_bytes(32)
        from automation.simulator.routes import all_routes  # late: page modules import this module's types

        routes = all_routes()
        self._exact = {r.path: r for r in routes if not r.prefix}
        self._prefixes = sorted((r for r in routes if r.prefix), key=lambda r: -len(r.path))

    def sign(self, text: str) -> str:
        return hmac.new(self.secret, text.encode(), "sha256").hexdigest()[:32]

    def reset(self) -> None:
        """A fresh account: demo data back, everyone logged out."""
        self.store.reset()
        self.sessions.clear()

    def _route(self, path: str) -> Route | None:
        route = self._exact.get(path)
        if route:
            return route
        return next((r for r in self._prefixes if path.startswith(r.path)), None)

    def handle(self, req: Request) -> Response:
        settings = self.settings.get()
        # Markup helpers render ids and labels through the variant; the dials pick each half.
        variant.activate(
            settings.dials.get("field_ids") or settings.variant, settings.dials.get("labels") or settings.variant
        )
        req = variant.canonical_request(req)
        if assets.is_asset(req.path):
            return assets.serve(req.path)
        route = self._route(req.path)
        ctx = Ctx(req, self, self.sessions.get(req.cookies.get(COOKIE_NAME)))
        if route is None:
            if req.path.startswith("/app/") and not (ctx.session and ctx.session.active):
                return redirect(self.login_redirect(req.target))
            from automation.simulator.pages.common import not_found_page

            return not_found_page(ctx, "Page not found.")
        if req.method not in route.methods:
            return Response(405, b"method not allowed", "text/plain", [("Allow", ", ".join(route.methods))])
        if route.page:
            early = self._before_page(ctx)
            if early is not None:
                return early
        if route.auth:
            if ctx.session is None or not ctx.session.active:
                return redirect(self.login_redirect(req.target if req.method == "GET" else req.path))
            if req.method == "POST" and not hmac.compare_digest(ctx.form.get("_csrf", ""), ctx.session.csrf):
                from automation.simulator.pages.common import error_page

                return error_page(ctx, 403, "Your form submission has expired. Reload the page and try again.")
        response = route.handler(ctx)
        return self._after_page(ctx, response) if route.page else response

    def _before_page(self, ctx: Ctx) -> Response | None:
        """Page-level effects of the current settings; a Response here replaces the page."""
        latency = self.settings.get().latency_ms
        if latency:
            time.sleep(latency / 1000)
        from automation.simulator import faults

        return faults.before_page(self, ctx)

    def _after_page(self, ctx: Ctx, response: Response) -> Response:
        """Fault effects that rewrite a rendered page (late forms, login interstitials); see faults.py."""
        from automation.simulator import faults

        return faults.after_page(self, ctx, response)

    def login_redirect(self, target: str) -> str:
        """H: `/app/login/secure/enterpriselogin.nl?c=<ACCT>&redirect=<path>&whence=`."""
        return "/app/login/secure/enterpriselogin.nl?" + urlencode(
            {"c": self.account_id, "redirect": target, "whence": ""}
        )
