"""Setup > Integration > Manage Authentication > OAuth 2.0 Client Credentials (M2M) Setup.

H (Oracle help section_162686838198): the list page, **Create New** opening a popup window with
Entity, Role, Application (only integration records with the Client Credentials (Machine to
Machine) Grant) and the public certificate upload, Save; the list then shows the mapping with data
read from the certificate and a generated Certificate ID, and a Revoke button in the Revoked
column. M: the path `/app/oauth2/clientcredentials/setup.nl`. G: the popup's URL, its title, the
field ids, the error texts, and that the popup closes itself and reloads the list after Save.
"""

from __future__ import annotations

from automation.simulator import oauth2
from automation.simulator.app import Route
from automation.simulator.catalog import PERMISSION_BY_NAME
from automation.simulator.dials import delay_ms, dial
from automation.simulator.layout import bare_document
from automation.simulator.markup import (
    Fields,
    Markup,
    action_form,
    button,
    button_bar,
    columns,
    error_box,
    flashes,
    join,
    list_table,
    page_title,
    save_buttons,
    tag,
    void,
    wrapper,
)
from automation.simulator.models import Employee, Integration, M2MMapping, Role
from automation.simulator.pages.common import SAVED_MESSAGE, error_page, not_found_page, ns_date, render
from automation.simulator.state import ADMIN_ROLE_ID, now_iso
from automation.simulator.web import Ctx, Response, html, redirect

LIST_URL = "/app/oauth2/clientcredentials/setup.nl"
POPUP_URL = "/app/oauth2/clientcredentials/mapping.nl"
TITLE = "OAuth 2.0 Client Credentials Setup"
POPUP_TITLE = "OAuth 2.0 Client Credentials Mapping"
OAUTH2_OFF = (
    "To set up the OAuth 2.0 client credentials flow, enable the OAuth 2.0 feature "
    "(Setup > Company > Enable Features, SuiteCloud subtab)."
)
NO_PRIVILEGE = "You do not have privileges to view this page."
REVOKE_CONFIRM = "Are you sure you want to revoke this certificate? Integrations that use it will stop working."
REVOKED_MESSAGE = "The certificate has been revoked."
MANAGE_PERMISSION = "OAuth 2.0 Authorized Applications Management"
HEADERS = [
    "Application",
    "Entity",
    "Role",
    "Certificate ID",
    "Subject",
    "Key Type",
    "Valid From",
    "Valid Until",
    "Date Created",
    "Revoked",
]
# `m2m_list=no_subject`: nothing read from the certificate but its validity (G: Oracle does not name it).
NO_SUBJECT = ("Subject", "Key Type", "Date Created")


def _refusal(ctx: Ctx) -> Response | None:
    """Only administrators and roles with the management permission; only with the feature on."""
    store = ctx.app.store
    assert ctx.session is not None
    role = store.get(Role, ctx.session.role_id) if ctx.session.role_id else None
    allowed = role is not None and (
        role.id == ADMIN_ROLE_ID or PERMISSION_BY_NAME[MANAGE_PERMISSION].key in role.permissions
    )
    if not allowed:
        return error_page(ctx, 403, NO_PRIVILEGE)
    if not store.features().get("oauth2"):
        return error_page(ctx, 403, OAUTH2_OFF)
    return None


def _names(ctx: Ctx) -> tuple[dict[int, Integration], dict[int, Employee], dict[int, Role]]:
    store = ctx.app.store
    return (
        {i.id: i for i in store.all(Integration)},
        {e.id: e for e in store.all(Employee)},
        {r.id: r for r in store.all(Role)},
    )


def _revoke_cell(ctx: Ctx, m: M2MMapping) -> tuple[Markup | str, Markup | str]:
    """The Revoked column: a Revoke button (behind a confirm) while active, else Yes; plus its hidden form."""
    assert ctx.session is not None
    if m.revoked:
        return "Yes", ""
    form_id = f"revoke_form_{m.id}"
    control = button(
        f"revoke{m.id}",
        "Revoke",
        onclick="return NS.confirmPost(this);",
        data_confirm=REVOKE_CONFIRM,
        data_form=form_id,
    )
    return control, action_form(form_id, ctx.session.csrf, f"{LIST_URL}?id={m.id}", "revoke")


def mapping_list(ctx: Ctx) -> Response:
    refused = _refusal(ctx)
    if refused is not None:
        return refused
    assert ctx.session is not None
    if ctx.req.method == "POST":
        return _revoke(ctx)
    apps, people, roles = _names(ctx)
    rows, forms = [], []
    for m in ctx.app.store.all(M2MMapping):
        cell, form = _revoke_cell(ctx, m)
        forms.append(form)
        rows.append(
            [
                apps[m.integration_id].name if m.integration_id in apps else "",
                people[m.employee_id].name if m.employee_id in people else "",
                roles[m.role_id].name if m.role_id in roles else "",
                m.certificate_id,
                m.subject,
                m.key_type,
                ns_date(m.valid_from),
                ns_date(m.valid_until),
                ns_date(m.created),
                cell,
            ]
        )
    headers = HEADERS
    if dial(ctx, "m2m_list") == "no_subject":
        keep = [i for i, h in enumerate(HEADERS) if h not in NO_SUBJECT]
        headers = [HEADERS[i] for i in keep]
        rows = [[row[i] for i in keep] for row in rows]
    opener = f"window.open('{POPUP_URL}', 'm2mmapping', 'width=760,height=560,scrollbars=yes');"
    if dial(ctx, "m2m_popup") == "late":  # the window opens 0.3-1.5 s after the click
        opener = f"setTimeout(function () {{ {opener} }}, {delay_ms(ctx, 'm2m_popup', 300, 1500)});"
    body = tag(
        "div",
        page_title(TITLE),
        flashes(ctx.session.take_flashes()),
        button_bar(button("createnew", "Create New", onclick=opener + " return false;")),
        list_table(headers, rows),
        join(forms),
    )
    return render(ctx, TITLE, body)


def _revoke(ctx: Ctx) -> Response:
    assert ctx.session is not None
    record_id = ctx.record_id()
    mapping = ctx.app.store.get(M2MMapping, record_id) if record_id else None
    if mapping is None:
        return not_found_page(ctx)
    if ctx.form.get("_action") != "revoke":
        return error_page(ctx, 400, "Mappings cannot be edited; revoke the certificate and create a new mapping.")
    if not mapping.revoked:
        mapping.revoked = True
        ctx.app.store.update(mapping)
    ctx.session.flash(REVOKED_MESSAGE)
    return redirect(LIST_URL)


def _choices(ctx: Ctx) -> tuple[list[tuple[str, str]], list[tuple[str, str]], dict[str, list[list[str]]]]:
    apps, people, roles = _names(ctx)
    entities = [e for e in people.values() if e.give_access and e.roles]
    active = {r.id: r for r in roles.values() if not r.inactive}  # an inactive role is no choice
    roles_by_entity = {str(e.id): [[str(r), active[r].name] for r in e.roles if r in active] for e in entities}
    app_options = [
        (str(i.id), i.name) for i in apps.values() if i.client_credentials and i.state == "ENABLED" and not i.builtin
    ]
    return [(str(e.id), e.name) for e in entities], app_options, roles_by_entity


def _popup_form(ctx: Ctx, posted: dict[str, str] | None = None, error: str = "") -> Response:
    assert ctx.session is not None
    posted = posted or {}
    fields = Fields(True)
    entity_options, app_options, roles_by_entity = _choices(ctx)
    entity = posted.get("entity", "")
    role_options = [(v, t) for v, t in roles_by_entity.get(entity, [])]
    upload = void("input", type="file", name="certificate", id="certificate", accept=".pem,.crt,.cer")
    body_fields = [
        fields.select("entity", "Entity", entity_options, entity, required=True),
        fields.select("role", "Role", role_options, posted.get("role", ""), required=True),
        fields.select("application", "Application", app_options, posted.get("application", ""), required=True),
        wrapper("certificate", "Certificate", "file", upload, required=True),
    ]
    form = tag(
        "form",
        void("input", type="hidden", name="_csrf", value=ctx.session.csrf),
        save_buttons(bottom=False),
        columns(body_fields),
        save_buttons(bottom=True),
        id="main_form",
        name="main_form",
        method="POST",
        action=POPUP_URL,
        enctype="multipart/form-data",
        onsubmit="return NS.form.onSubmit(this, event);",
        autocomplete="off",
    )
    body = tag(
        "div",
        page_title(POPUP_TITLE),
        error_box(error) if error else "",
        form,
        tag("div", class_="dropdownDiv", id="dropdownDiv"),
        id="div__body",
        class_="uir-body m2m-popup",
    )
    data = {"page": "m2mmapping", "roles_by_entity": roles_by_entity}
    return html(bare_document(f"{POPUP_TITLE} - NetSuite", body, data))


def _create(ctx: Ctx) -> Response:
    assert ctx.session is not None
    store = ctx.app.store
    apps, people, roles = _names(ctx)
    posted = {k: ctx.form.get(k, "").strip() for k in ("entity", "role", "application")}
    upload = ctx.req.files.get("certificate")
    labels = (("entity", "Entity"), ("role", "Role"), ("application", "Application"))
    missing = [label for key, label in labels if not posted[key]]
    if upload is None or not upload[1].strip():
        missing.append("Certificate")
    if missing:
        return _popup_form(ctx, posted, "Please enter value(s) for: " + ", ".join(missing))
    try:
        entity_id, role_id, app_id = int(posted["entity"]), int(posted["role"]), int(posted["application"])
    except ValueError:
        return _popup_form(ctx, posted, "Invalid selection.")
    user, app = people.get(entity_id), apps.get(app_id)
    if user is None or not user.give_access:
        return _popup_form(ctx, posted, "Select an entity that has access to NetSuite.")
    if role_id not in user.roles or role_id not in roles or roles[role_id].inactive:
        return _popup_form(ctx, posted, "The selected role is not assigned to this entity.")
    if app is None or app.builtin or app.state != "ENABLED" or not app.client_credentials:
        return _popup_form(
            ctx, posted, "Select an enabled integration record with the Client Credentials (Machine to Machine) Grant."
        )
    assert upload is not None
    info = oauth2.inspect_certificate(upload[1], oauth2.now(ctx.app))
    if isinstance(info, str):
        return _popup_form(ctx, posted, info)
    added = oauth2.add_mapping(store, info, app_id, entity_id, role_id, now_iso())
    if isinstance(added, str):
        return _popup_form(ctx, posted, added)
    ctx.session.flash(SAVED_MESSAGE)
    done = tag("div", page_title(POPUP_TITLE), tag("p", SAVED_MESSAGE), id="div__body", class_="uir-body m2m-popup")
    return html(bare_document(f"{POPUP_TITLE} - NetSuite", done, {"page": "m2mdone"}))


def mapping_popup(ctx: Ctx) -> Response:
    refused = _refusal(ctx)
    if refused is not None:
        return refused
    return _popup_form(ctx) if ctx.req.method == "GET" else _create(ctx)


ROUTES = [
    Route(LIST_URL, mapping_list, ("GET", "POST")),
    Route(POPUP_URL, mapping_popup, ("GET", "POST")),
]
