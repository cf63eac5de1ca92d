"""Setup > Users/Roles > Access Tokens: list (`accesstokens.nl`) and record (`accesstoken.nl`).

H: Application Name (integrations with TBA), User, Role (filtered to the user's roles), Token Name
auto-filled as "<Application Name> - <User> - <Role>"; after Save the TOKEN ID and TOKEN SECRET are
shown once; tokens are revoked, never edited; admins cannot create tokens for other Administrators.
"""

from __future__ import annotations

import secrets

from automation.simulator import demo
from automation.simulator.app import Route
from automation.simulator.dials import dial
from automation.simulator.markup import (
    Fields,
    Markup,
    action_form,
    button,
    button_bar,
    columns,
    flashes,
    join,
    list_link,
    list_table,
    page_title,
    tag,
    wrapper,
)
from automation.simulator.models import Employee, Integration, Role, Token
from automation.simulator.pages.common import (
    SAVED_MESSAGE,
    error_page,
    not_found_page,
    ns_date,
    record_page,
    render,
)
from automation.simulator.state import ADMIN_ROLE_ID, now_iso
from automation.simulator.web import Ctx, Response, redirect

LIST_URL = "/app/setup/accesstokens.nl"
URL = "/app/setup/accesstoken.nl"
ONCE_TEXT = (
    "For security reasons, the only time the Token ID and Token Secret values are displayed is on this "
    "confirmation page. Copy them now: they cannot be retrieved later."
)
REVOKE_CONFIRM = "Are you sure you want to revoke this token? Applications using it will stop working."
CREATED_BY = demo.ADMIN_NAME  # the simulator keeps no creator; the demo admin makes every token
TBA_OFF = "To use access tokens, enable the Token-Based Authentication feature (Setup > Company > Enable Features)."


def _names(ctx: Ctx) -> tuple[dict[int, Integration], dict[int, Employee], dict[int, Role]]:
    store = ctx.app.store
    return (
        {i.id: i for i in store.all(Integration)},
        {e.id: e for e in store.all(Employee)},
        {r.id: r for r in store.all(Role)},
    )


def token_list(ctx: Ctx) -> Response:
    """The admin list; its layout and where Revoke lives follow the `token_list` dial."""
    assert ctx.session is not None
    if dial(ctx, "token_list") == "record_revoke":
        headers, rows, forms = _suitetools_rows(ctx)
    else:
        headers, rows, forms = _revoke_link_rows(ctx)
    new = button("new", "New Access Token", onclick=f"window.location.href='{URL}'; return false;")
    body = tag(
        "div",
        page_title("Access Tokens"),
        flashes(ctx.session.take_flashes()),
        button_bar(new),
        list_table(headers, rows),
        join(forms),
    )
    return render(ctx, "Access Tokens", body)


Rows = tuple[list[str], list[list[Markup | str]], list[Markup]]


def _revoke_link_rows(ctx: Ctx) -> Rows:
    """`list_revoke_link`: columns named like the form's fields and a Revoke link on each active row."""
    assert ctx.session is not None
    apps, people, roles = _names(ctx)
    rows: list[list[Markup | str]] = []
    forms: list[Markup] = []
    for t in ctx.app.store.all(Token):
        revoke: Markup | str = ""
        if not t.revoked:
            form_id = f"revoke_form_{t.id}"
            forms.append(action_form(form_id, ctx.session.csrf, f"{URL}?id={t.id}", "revoke"))
            revoke = tag(
                "a",
                "Revoke",
                href="#",
                class_="dottedlink",
                onclick="return NS.confirmPost(this);",
                data_confirm=REVOKE_CONFIRM,
                data_form=form_id,
            )
        rows.append(
            [
                list_link("View", f"{URL}?id={t.id}"),
                apps[t.integration_id].name if t.integration_id in apps else "",
                people[t.employee_id].name if t.employee_id in people else "",
                roles[t.role_id].name if t.role_id in roles else "",
                t.name,
                ns_date(t.created),
                "Revoked" if t.revoked else "Active",
                revoke,
            ]
        )
    headers = ["View", "Application Name", "User", "Role", "Token Name", "Date Created", "Status", "Revoke"]
    return headers, rows, forms


def _suitetools_rows(ctx: Ctx) -> Rows:
    """`record_revoke`: the row order SuiteTools' adapter reads from the live page (H); header wording G.

    No Revoke anywhere in the list: a token is revoked on its record (Edit, Revoke, OK).
    """
    apps, people, roles = _names(ctx)
    rows: list[list[Markup | str]] = []
    for t in ctx.app.store.all(Token):
        user = people[t.employee_id].name if t.employee_id in people else ""
        rows.append(
            [
                list_link("Edit", f"{URL}?id={t.id}&e=T"),
                str(t.id),
                t.name,
                user,
                roles[t.role_id].name if t.role_id in roles else "",
                apps[t.integration_id].name if t.integration_id in apps else "",
                "Yes" if t.revoked else "No",
                ns_date(t.created),
                CREATED_BY,
            ]
        )
    headers = [
        "Edit",
        "Internal ID",
        "Token Name",
        "User",
        "Role",
        "Application",
        "Revoked",
        "Date Created",
        "Created By",
    ]
    return headers, rows, []


def _choices(ctx: Ctx) -> tuple[list[tuple[str, str]], list[tuple[str, str]], dict[str, list[list[str]]]]:
    apps, people, roles = _names(ctx)
    app_options = [(str(i.id), i.name) for i in apps.values() if i.state == "ENABLED" and i.tba and not i.builtin]
    users = [e for e in people.values() if e.give_access and e.roles]
    user_options = [(str(e.id), e.name) for e in users]
    active = {r.id: r for r in roles.values() if not r.inactive}  # an inactive role is no choice
    roles_by_user = {str(e.id): [[str(r), active[r].name] for r in e.roles if r in active] for e in users}
    return app_options, user_options, roles_by_user


def _new_form(ctx: Ctx, posted: dict[str, str] | None = None, error: str = "") -> Response:
    posted = posted or {}
    fields = Fields(True)
    app_options, user_options, roles_by_user = _choices(ctx)
    user = posted.get("entity", "")
    role_options = [(v, t) for v, t in roles_by_user.get(user, [])]
    body = [
        fields.select("application", "Application Name", app_options, posted.get("application", ""), required=True),
        fields.select("entity", "User", user_options, user, required=True),
        fields.select("role", "Role", role_options, posted.get("role", ""), required=True),
        fields.text("name", "Token Name", posted.get("name", ""), required=True, maxlength=100),
    ]
    return record_page(
        ctx,
        record_type="Access Token",
        record_name=None,
        editable=True,
        body_fields=columns(body),
        action=URL,
        error=error,
        page_data={"page": "accesstoken", "roles_by_user": roles_by_user},
    )


def _view(ctx: Ctx, token: Token, reveal: bool) -> Response:
    """The record. `list_revoke_link`: view mode has Revoke. `record_revoke`: view mode has Edit, and
    the Edit mode has Revoke (a vendor's guide: Edit, Revoke, OK); the fields are never editable."""
    assert ctx.session is not None
    apps, people, roles = _names(ctx)
    fields = Fields(False)
    body = [
        fields.readonly(
            "application",
            "Application Name",
            apps[token.integration_id].name if token.integration_id in apps else "",
        ),
        fields.readonly("entity", "User", people[token.employee_id].name if token.employee_id in people else ""),
        fields.readonly("role", "Role", roles[token.role_id].name if token.role_id in roles else ""),
        fields.readonly("name", "Token Name", token.name),
    ]
    side = [
        fields.readonly("datecreated", "Date Created", ns_date(token.created)),
        fields.checkbox("revoked", "Revoked", token.revoked),
    ]
    on_record = dial(ctx, "token_list") == "record_revoke"
    editing = on_record and ctx.editing and not reveal
    extra: tuple[Markup, ...] = ()
    after: list[Markup] = []
    if not token.revoked and (editing or not on_record):
        extra = (
            button(
                "revoke",
                "Revoke",
                onclick="return NS.confirmPost(this);",
                data_confirm=REVOKE_CONFIRM,
                data_form="revoke_form",
            ),
        )
        after.append(action_form("revoke_form", ctx.session.csrf, f"{URL}?id={token.id}", "revoke"))
    if reveal:
        after.append(
            tag(
                "div",
                tag("div", "Token Credentials", class_="fgroup_title"),
                tag("div", ONCE_TEXT, class_="uir-secrets-warning"),
                wrapper("tokenid", "TOKEN ID", "text", tag("span", token.token_id), readonly=True),
                wrapper("tokensecret", "TOKEN SECRET", "text", tag("span", token.token_secret), readonly=True),
                class_="uir-secrets uir-field-group",
                id="tokencredentials",
            )
        )
    return record_page(
        ctx,
        record_type="Access Token",
        record_name=token.name,
        editable=editing,
        body_fields=columns(body, side),
        edit_url=f"{URL}?id={token.id}&e=T" if on_record and not token.revoked else None,
        action=f"{URL}?id={token.id}",
        extra_buttons=extra,
        after_form=join(after),
    )


def _create(ctx: Ctx) -> Response:
    assert ctx.session is not None
    form = ctx.form
    apps, people, roles = _names(ctx)
    posted = {k: form.get(k, "").strip() for k in ("application", "entity", "role", "name")}
    missing = [
        label
        for key, label in (
            ("application", "Application Name"),
            ("entity", "User"),
            ("role", "Role"),
            ("name", "Token Name"),
        )
        if not posted[key]
    ]
    if missing:
        return _new_form(ctx, posted, "Please enter value(s) for: " + ", ".join(missing))
    try:
        app_id, user_id, role_id = int(posted["application"]), int(posted["entity"]), int(posted["role"])
    except ValueError:
        return _new_form(ctx, posted, "Invalid selection.")
    app, user = apps.get(app_id), people.get(user_id)
    if app is None or app.builtin or app.state != "ENABLED" or not app.tba:
        return _new_form(ctx, posted, "Select an enabled integration record that uses token-based authentication.")
    if user is None or not user.give_access:
        return _new_form(ctx, posted, "Select a user who has access to NetSuite.")
    if role_id not in user.roles or role_id not in roles or roles[role_id].inactive:
        return _new_form(ctx, posted, "The selected role is not assigned to this user.")
    if role_id == ADMIN_ROLE_ID and user_id != ctx.session.user_id:
        return _new_form(ctx, posted, "You cannot create access tokens for another user with the Administrator role.")
    token = Token(
        0,
        posted["name"],
        app_id,
        user_id,
        role_id,
        secrets.token_hex(32),
        secrets.token_hex(32),
        created=now_iso(),
    )
    ctx.app.store.insert(token)
    ctx.session.allow_reveal("token", token.id)
    ctx.session.flash(SAVED_MESSAGE)
    return redirect(f"{URL}?id={token.id}")


def token_page(ctx: Ctx) -> Response:
    assert ctx.session is not None
    store = ctx.app.store
    record_id = ctx.record_id()
    if record_id is None:
        if not store.features().get("tba"):
            return error_page(ctx, 403, TBA_OFF)
        return _new_form(ctx) if ctx.req.method == "GET" else _create(ctx)
    token = store.get(Token, record_id)
    if token is None:
        return not_found_page(ctx)
    if ctx.req.method == "POST":
        if ctx.form.get("_action") != "revoke":  # Save in Edit mode: nothing on a token can change
            return redirect(f"{URL}?id={token.id}")
        token.revoked = True
        store.update(token)
        ctx.session.flash("The access token has been revoked.")
        return redirect(LIST_URL)
    return _view(ctx, token, ctx.session.take_reveal("token", record_id))


ROUTES = [
    Route(LIST_URL, token_list),
    Route(URL, token_page, ("GET", "POST")),
]
