"""Test-only JSON endpoints under /__sim/ (not NetSuite): state snapshot, reset, settings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from automation.simulator.catalog import (
    CENTER_TYPE_LABELS,
    FEATURES,
    INTEGRATION_STATE_LABELS,
    LEVELS,
    PERMISSION_BY_KEY,
)
from automation.simulator.models import Employee, Integration, RestCall, Role, Token
from automation.simulator.oauth2 import mappings_snapshot
from automation.simulator.web import Ctx, Response, json_response

if TYPE_CHECKING:
    from automation.simulator.app import App


def state_snapshot(app: App) -> dict[str, Any]:
    """Everything a test may assert on, issued secrets included (this is a simulator)."""
    store = app.store
    roles = {r.id: r for r in store.all(Role)}
    employees = {e.id: e for e in store.all(Employee)}
    integrations = {i.id: i for i in store.all(Integration)}
    features = store.features()
    return {
        "account_id": app.account_id,
        "features": {f.label: features.get(fid, False) for fid, f in FEATURES.items()},
        "roles": [
            {
                "id": r.id,
                "name": r.name,
                "scriptid": r.scriptid,
                "center_type": CENTER_TYPE_LABELS.get(r.center_type, r.center_type),
                "web_services_only": r.web_services_only,
                "sales_role": r.sales_role,
                "support_role": r.support_role,
                "inactive": r.inactive,
                "tfa_required": r.tfa_required,
                "permissions": {
                    PERMISSION_BY_KEY[k].name if k in PERMISSION_BY_KEY else k: LEVELS.get(v, v)
                    for k, v in r.permissions.items()
                },
            }
            for r in roles.values()
        ],
        "employees": [
            {
                "id": e.id,
                "name": e.name,
                "email": e.email,
                "give_access": e.give_access,
                "roles": [roles[i].name for i in e.roles if i in roles],
            }
            for e in employees.values()
        ],
        "integrations": [
            {
                "id": i.id,
                "name": i.name,
                "description": i.description,
                "state": INTEGRATION_STATE_LABELS.get(i.state, i.state),
                "note": i.note,
                "application_id": i.application_id,
                "tba": i.tba,
                "tba_authorization_flow": i.tba_authorization_flow,
                "callback_url": i.callback_url,
                "tba_issuetoken_endpoint": i.tba_issuetoken_endpoint,
                "authorization_code_grant": i.authorization_code_grant,
                "client_credentials": i.client_credentials,
                "public_client": i.public_client,
                "redirect_uri": i.redirect_uri,
                "scopes": [
                    name
                    for name, on in (
                        ("RESTlets", i.scope_restlets),
                        ("REST Web Services", i.scope_rest_web_services),
                        ("SuiteAnalytics Connect", i.scope_suiteanalytics_connect),
                    )
                    if on
                ],
                "user_credentials": i.user_credentials,
                "consumer_key": i.consumer_key,
                "consumer_secret": i.consumer_secret,
                # One credentials block: CONSUMER KEY / CLIENT ID, CONSUMER SECRET / CLIENT SECRET.
                "client_id": i.consumer_key,
                "client_secret": i.consumer_secret,
                "builtin": i.builtin,
            }
            for i in integrations.values()
        ],
        "tokens": [
            {
                "id": t.id,
                "name": t.name,
                "application": integrations[t.integration_id].name if t.integration_id in integrations else "",
                "user": employees[t.employee_id].name if t.employee_id in employees else "",
                "role": roles[t.role_id].name if t.role_id in roles else "",
                "token_id": t.token_id,
                "token_secret": t.token_secret,
                "revoked": t.revoked,
            }
            for t in store.all(Token)
        ],
        "m2m_mappings": mappings_snapshot(store),
        "rest_calls": [
            {"method": c.method, "path": c.path, "status": c.status, "detail": c.detail, "ts": c.ts}
            for c in store.all(RestCall)
        ],
    }


def state(ctx: Ctx) -> Response:
    return json_response(state_snapshot(ctx.app))


def reset(ctx: Ctx) -> Response:
    ctx.app.reset()
    return json_response({"ok": True})


def settings(ctx: Ctx) -> Response:
    if ctx.req.method == "GET":
        return json_response(ctx.app.settings.get().to_dict())
    try:
        changes = ctx.req.json() or {}
        if not isinstance(changes, dict):
            raise ValueError("expected a JSON object")
        updated = ctx.app.settings.update(changes)
    except ValueError as exc:  # json.JSONDecodeError is a ValueError too
        return json_response({"error": str(exc)}, 400)
    return json_response(updated.to_dict())


def routes() -> list:
    from automation.simulator.app import Route

    return [
        Route("/__sim/state", state, auth=False, page=False),
        Route("/__sim/reset", reset, ("POST",), auth=False, page=False),
        Route("/__sim/settings", settings, ("GET", "POST"), auth=False, page=False),
    ]
