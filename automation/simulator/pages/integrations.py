"""Setup > Integration > Manage Integrations: list (`integrapplist.nl`) and record (`integrapp.nl`).

H: body fields Name / Description / State / Note, the Authentication subtab labels, the native
"Please enter value(s) for:" alert, the view after Save with the Application ID and, once, the
`CONSUMER KEY / CLIENT ID` and `CONSUMER SECRET / CLIENT SECRET` block with Oracle's warning, and
Reset Credentials (edit mode, only with TBA) behind a confirm().

Dials (`dials.py`): ``feature_gated`` (the Token-based Authentication section needs the
Token-Based Authentication feature, the OAuth 2.0 and Scope sections need OAuth 2.0; a hidden
section is not posted, so a save keeps its stored values) and ``integration_defaults`` (which
boxes a new record comes with ticked).
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import replace

from automation.simulator.app import Route
from automation.simulator.catalog import INTEGRATION_STATE_LABELS, INTEGRATION_STATES
from automation.simulator.dials import dial
from automation.simulator.markup import (
    Fields,
    Markup,
    Tab,
    action_form,
    button,
    button_bar,
    columns,
    field_group,
    flashes,
    join,
    list_link,
    list_table,
    page_title,
    subtabs,
    tag,
    wrapper,
)
from automation.simulator.models import Integration
from automation.simulator.pages.common import (
    SAVED_MESSAGE,
    error_page,
    flag,
    not_found_page,
    ns_date,
    record_page,
    render,
)
from automation.simulator.state import now_iso
from automation.simulator.web import Ctx, Response, redirect

LIST_URL = "/app/common/integration/integrapplist.nl"
URL = "/app/common/integration/integrapp.nl"
KEY_LABEL = "CONSUMER KEY / CLIENT ID"
SECRET_LABEL = "CONSUMER SECRET / CLIENT SECRET"
WARNING = (
    "Warning: For security reasons, this is the only time that the Consumer Key and Consumer Secret values "
    "are displayed. After you leave this page, they cannot be retrieved from the system. If you lose or "
    "forget these credentials, you will need to reset them to obtain new values. Treat the values for "
    "Consumer Key and Consumer Secret as you would a password. Never share these credentials with "
    "unauthorized individuals and never send them by email."
)
RESET_CONFIRM = (
    "Are you sure you want to reset the credentials? Applications using the current consumer key and "
    "secret will stop working."
)
SCOPE_MESSAGE = "Please select at least one scope for the OAuth 2.0 grant."


def new_credentials() -> tuple[str, str]:
    return secrets.token_hex(32), secrets.token_hex(32)


def integration_list(ctx: Ctx) -> Response:
    show_all = ctx.query.get("showall") == "T"
    items = [i for i in ctx.app.store.all(Integration) if show_all or i.state == "ENABLED"]
    rows = [
        [
            "" if i.builtin else list_link("Edit", f"{URL}?id={i.id}&e=T"),
            list_link(i.name, f"{URL}?id={i.id}"),
            i.application_id,
            INTEGRATION_STATE_LABELS.get(i.state, i.state),
            i.description,
            ns_date(i.created),
        ]
        for i in items
    ]
    assert ctx.session is not None
    new = button("new", "New", onclick=f"window.location.href='{URL}'; return false;")
    body = tag(
        "div",
        page_title("Integrations"),
        flashes(ctx.session.take_flashes()),
        button_bar(new),
        list_table(["Edit", "Name", "Application ID", "State", "Description", "Date Created"], rows),
    )
    return render(ctx, "Integrations", body)


def shown_sections(ctx: Ctx) -> tuple[bool, bool]:
    """(TBA section shown, OAuth 2.0 sections shown): with feature_gated=hidden, only once the feature is on."""
    if dial(ctx, "feature_gated") == "shown":
        return True, True
    features = ctx.app.store.features()
    return bool(features.get("tba")), bool(features.get("oauth2"))


def new_integration(ctx: Ctx) -> Integration:
    """A new record's boxes: integration_defaults, and nothing ticked in a section that is not shown."""
    tba_shown, oauth2_shown = shown_sections(ctx)
    flows_on = dial(ctx, "integration_defaults") == "auth_flows_on"
    return Integration(
        0,
        "",
        "",
        tba_authorization_flow=flows_on and tba_shown,
        authorization_code_grant=flows_on and oauth2_shown,
    )


def _auth_tab(fields: Fields, i: Integration, tba_shown: bool = True, oauth2_shown: bool = True) -> Markup:
    tba = field_group(
        "Token-based Authentication",
        fields.checkbox("tokenbasedauth", "Token-based Authentication", i.tba),
        fields.checkbox(
            "tbaauthflow",
            "TBA: Authorization Flow",
            i.tba_authorization_flow,
            disabled=not i.tba,
            enable_if="tokenbasedauth",
        ),
        fields.text(
            "callbackurl",
            "Callback URL",
            i.callback_url,
            required=True,
            show_if="tbaauthflow",
            hidden=not (i.tba and i.tba_authorization_flow),
        ),
        fields.checkbox(
            "tbaissuetoken",
            "TBA: issuetoken Endpoint",
            i.tba_issuetoken_endpoint,
            disabled=not i.tba,
            enable_if="tokenbasedauth",
        ),
    )
    oauth2 = field_group(
        "OAuth 2.0",
        fields.checkbox("authcodegrant", "Authorization Code Grant", i.authorization_code_grant),
        fields.checkbox("clientcredentials", "Client Credentials (Machine to Machine) Grant", i.client_credentials),
        fields.text(
            "redirecturi",
            "Redirect URI",
            i.redirect_uri,
            required=True,
            show_if="authcodegrant",
            hidden=not i.authorization_code_grant,
        ),
        fields.checkbox(
            "publicclient",
            "Public Client",
            i.public_client,
            disabled=not i.authorization_code_grant,
            enable_if="authcodegrant",
        ),
    )
    scopes = field_group(
        "Scope",
        fields.checkbox("scoperestlets", "RESTlets", i.scope_restlets),
        fields.checkbox("scoperestwebservices", "REST Web Services", i.scope_rest_web_services),
        fields.checkbox("scopesuiteanalytics", "SuiteAnalytics Connect", i.scope_suiteanalytics_connect),
    )
    legacy = field_group("User Credentials", fields.checkbox("usercredentials", "User Credentials", i.user_credentials))
    shown = [(tba, tba_shown), (oauth2, oauth2_shown), (scopes, oauth2_shown), (legacy, True)]
    return join([section for section, on in shown if on])


def _secrets_block(i: Integration) -> Markup:
    """Shown on the one page view after create or reset; never again (the session one-shot)."""
    return tag(
        "div",
        tag("div", "Client Credentials", class_="fgroup_title"),
        tag("div", WARNING, class_="uir-secrets-warning"),
        wrapper(
            "consumerkey",
            KEY_LABEL,
            "text",
            tag("span", i.consumer_key),
            readonly=True,
        ),
        wrapper(
            "consumersecret",
            SECRET_LABEL,
            "text",
            tag("span", i.consumer_secret),
            readonly=True,
        ),
        class_="uir-secrets uir-field-group",
        id="credentials",
    )


def _render(ctx: Ctx, i: Integration, *, editable: bool, error: str = "", reveal: bool = False) -> Response:
    assert ctx.session is not None
    fields = Fields(editable)
    is_new = i.id == 0
    main = [
        fields.text("name", "Name", i.name, required=True, maxlength=300),
        fields.textarea("description", "Description", i.description),
        fields.select("state", "State", INTEGRATION_STATES, i.state, required=True),
        fields.textarea("note", "Note", i.note),
    ]
    side = [] if is_new else [fields.readonly("applicationid", "Application ID", i.application_id)]
    if not is_new:
        side.append(fields.readonly("datecreated", "Date Created", ns_date(i.created)))
    tabs = subtabs(
        [
            Tab("authentication", "Authentication", _auth_tab(fields, i, *shown_sections(ctx))),
            Tab(
                "concurrency",
                "Concurrency",
                fields.text("concurrencylimit", "Concurrency Limit", i.concurrency_limit, maxlength=4),
            ),
        ]
    )
    extra: tuple[Markup, ...] = ()
    after: list[Markup] = []
    if editable and not is_new and (i.tba or i.client_credentials or i.authorization_code_grant):
        extra = (
            button(
                "resetcredentials",
                "Reset Credentials",
                onclick="return NS.confirmPost(this);",
                data_confirm=RESET_CONFIRM,
                data_form="resetcredentials_form",
            ),
        )
        after.append(action_form("resetcredentials_form", ctx.session.csrf, f"{URL}?id={i.id}&e=T", "resetcredentials"))
    if reveal:
        after.append(_secrets_block(i))
    return record_page(
        ctx,
        record_type="Integration",
        record_name=None if is_new else i.name,
        editable=editable,
        body_fields=columns(main, side),
        tabs=tabs,
        edit_url=None if i.builtin else f"{URL}?id={i.id}&e=T",
        action=URL if is_new else f"{URL}?id={i.id}&e=T",
        error=error,
        extra_buttons=extra,
        after_form=join(after),
        page_data={"page": "integration", "scope_message": SCOPE_MESSAGE},
    )


def _from_form(ctx: Ctx, base: Integration) -> tuple[Integration, str]:
    form = ctx.form
    i = replace(
        base,
        name=form.get("name", "").strip(),
        description=form.get("description", "").strip(),
        state=form.get("state", ""),
        note=form.get("note", "").strip(),
        user_credentials=flag(form, "usercredentials"),
        concurrency_limit=form.get("concurrencylimit", "").strip(),
    )
    tba_shown, oauth2_shown = shown_sections(ctx)
    if tba_shown:
        i = _tba_from_form(form, i)
    if oauth2_shown:
        i = _oauth2_from_form(form, i)
    return i, _refusal(i)


def _tba_from_form(form: dict[str, str], base: Integration) -> Integration:
    tba = flag(form, "tokenbasedauth")
    return replace(
        base,
        tba=tba,
        # Disabled boxes are not posted: keep their value while their parent is unchecked.
        tba_authorization_flow=flag(form, "tbaauthflow") if tba else base.tba_authorization_flow,
        tba_issuetoken_endpoint=flag(form, "tbaissuetoken") if tba else base.tba_issuetoken_endpoint,
        callback_url=form.get("callbackurl", "").strip(),
    )


def _oauth2_from_form(form: dict[str, str], base: Integration) -> Integration:
    code_grant = flag(form, "authcodegrant")
    return replace(
        base,
        authorization_code_grant=code_grant,
        client_credentials=flag(form, "clientcredentials"),
        public_client=flag(form, "publicclient") if code_grant else base.public_client,
        redirect_uri=form.get("redirecturi", "").strip(),
        scope_restlets=flag(form, "scoperestlets"),
        scope_rest_web_services=flag(form, "scoperestwebservices"),
        scope_suiteanalytics_connect=flag(form, "scopesuiteanalytics"),
    )


def _refusal(i: Integration) -> str:
    """NetSuite's message for a record it will not save, or ''."""
    missing = [
        label
        for label, needed in (
            ("Name", not i.name),
            ("State", i.state not in INTEGRATION_STATE_LABELS),
            ("Callback URL", i.tba and i.tba_authorization_flow and not i.callback_url),
            ("Redirect URI", i.authorization_code_grant and not i.redirect_uri),
        )
        if needed
    ]
    if missing:
        return "Please enter value(s) for: " + ", ".join(missing)
    grants = i.authorization_code_grant or i.client_credentials
    if grants and not (i.scope_restlets or i.scope_rest_web_services or i.scope_suiteanalytics_connect):
        return SCOPE_MESSAGE
    if i.concurrency_limit and not i.concurrency_limit.isdigit():
        return "Concurrency Limit must be a whole number."
    return ""


def integration_page(ctx: Ctx) -> Response:
    store = ctx.app.store
    assert ctx.session is not None
    record_id = ctx.record_id()
    if record_id is None:
        current = new_integration(ctx)
    else:
        found = store.get(Integration, record_id)
        if found is None:
            return not_found_page(ctx)
        current = found
    if ctx.req.method == "GET":
        reveal = record_id is not None and not ctx.editing and ctx.session.take_reveal("integration", record_id)
        editable = record_id is None or (ctx.editing and not current.builtin)
        return _render(ctx, current, editable=editable, reveal=reveal)
    if current.builtin:
        return error_page(ctx, 403, "This integration record is managed by NetSuite and cannot be edited.")
    if ctx.form.get("_action") == "resetcredentials":
        if current.id == 0 or not (current.tba or current.client_credentials or current.authorization_code_grant):
            return error_page(ctx, 400, "Credentials can be reset only for token-based or OAuth 2.0 integrations.")
        key, secret = new_credentials()
        store.update(replace(current, consumer_key=key, consumer_secret=secret))
        ctx.session.allow_reveal("integration", current.id)
        ctx.session.flash("The credentials have been reset.")
        return redirect(f"{URL}?id={current.id}")
    posted, error = _from_form(ctx, current)
    if error:
        return _render(ctx, posted, editable=True, error=error)
    if posted.id == 0:
        posted.application_id = str(uuid.uuid4()).upper()
        posted.consumer_key, posted.consumer_secret = new_credentials()
        posted.created = now_iso()
        store.insert(posted)
        ctx.session.allow_reveal("integration", posted.id)
    else:
        store.update(posted)
    ctx.session.flash(SAVED_MESSAGE)
    return redirect(f"{URL}?id={posted.id}")


ROUTES = [
    Route(LIST_URL, integration_list),
    Route(URL, integration_page, ("GET", "POST")),
]
