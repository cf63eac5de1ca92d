"""Setup > Users/Roles > Manage Roles: list (`rolelist.nl`) and record (`role.nl`, view / `&e=T` edit).

Body fields and the Permissions subtab (inner subtabs Transactions, Reports, Lists, Setup, Custom
Record, each an edit machine with Permission and Level) follow the reference. Setup permissions
that depend on a feature are offered only while the feature is on (H).
"""

from __future__ import annotations

import re
from dataclasses import replace

from automation.simulator.app import Route
from automation.simulator.catalog import (
    CENTER_TYPE_LABELS,
    CENTER_TYPES,
    LEVELS,
    PERMISSION_BY_KEY,
    PERMISSION_TABS,
    PERMISSIONS,
    TFA_CHOICES,
    PermissionTab,
)
from automation.simulator.dials import dial
from automation.simulator.markup import (
    Fields,
    MachineColumn,
    Markup,
    Tab,
    button,
    button_bar,
    columns,
    flashes,
    list_link,
    list_table,
    machine,
    page_title,
    subtabs,
    tag,
)
from automation.simulator.models import Employee, Role
from automation.simulator.pages.common import (
    SAVED_MESSAGE,
    error_page,
    flag,
    not_found_page,
    posted_rows,
    record_page,
    render,
)
from automation.simulator.state import DuplicateError
from automation.simulator.web import Ctx, Response, redirect

LIST_URL = "/app/setup/rolelist.nl"
URL = "/app/setup/role.nl"
DUPLICATE_NAME = "A role with that name already exists."
IN_USE = "This role cannot be inactivated because it is assigned to users. Remove it from them first."
SCRIPTID_RE = re.compile(r"^customrole[0-9a-z_]+$")


def role_list(ctx: Ctx) -> Response:
    """Every role; with the `inactive_list` dial at `hidden`, inactive ones only once Show Inactives is ticked."""
    show_all = ctx.query.get("showall") == "T"
    hide_inactive = dial(ctx, "inactive_list") == "hidden" and not show_all
    roles = [r for r in ctx.app.store.all(Role) if not (hide_inactive and r.inactive)]
    rows = [
        [
            tag(
                "span",
                *([list_link("Edit", f"{URL}?id={r.id}&e=T"), " | "] if not r.standard else []),
                list_link("View", f"{URL}?id={r.id}"),
            ),
            r.name,
            r.scriptid,
            CENTER_TYPE_LABELS.get(r.center_type, r.center_type),
            "Yes" if r.web_services_only else "",
            "Yes" if r.inactive else "",
        ]
        for r in roles
    ]
    assert ctx.session is not None
    new = button("new", "New Role", onclick=f"window.location.href='{URL}'; return false;")
    body = tag(
        "div",
        page_title("Manage Roles"),
        flashes(ctx.session.take_flashes()),
        button_bar(new),
        list_table(["Edit | View", "Name", "ID", "Center Type", "Web Services Only Role", "Inactive"], rows),
        _show_inactives(show_all) if dial(ctx, "inactive_list") == "hidden" else "",
    )
    return render(ctx, "Manage Roles", body)


def _show_inactives(checked: bool) -> Markup:
    """The list's Show Inactives box: a click reloads the list with (or without) `showall=T`."""
    target = LIST_URL if checked else f"{LIST_URL}?showall=T"
    control = Fields(True).checkbox("showinactives", "Show Inactives", checked)
    control = Markup(str(control).replace("NLCheckboxOnClick(this);", f"window.location.href='{target}';"))
    return tag("div", control, class_="uir-list-footer")


def _offered(tab: PermissionTab, features: dict[str, bool], present: set[str]) -> list[tuple[str, str]]:
    return [
        (p.key, p.name)
        for p in PERMISSIONS
        if p.category == tab.machine and (p.feature is None or features.get(p.feature) or p.key in present)
    ]


def _permission_machines(ctx: Ctx, role: Role, fields: Fields) -> Markup:
    features = ctx.app.store.features()
    tabs = []
    for tab in PERMISSION_TABS:
        key_field, level_field = f"permkey{tab.number}", f"permlevel{tab.number}"
        mine = {k: v for k, v in role.permissions.items() if k in PERMISSION_BY_KEY}
        rows = [{key_field: k, level_field: v} for k, v in mine.items() if PERMISSION_BY_KEY[k].category == tab.machine]
        offered = _offered(tab, features, set(mine))
        cols = [
            MachineColumn(key_field, "Permission", offered),
            MachineColumn(level_field, "Level", [(v, t) for v, t in LEVELS.items() if v != "0"]),
        ]
        config = {
            "dependent": {
                "from": key_field,
                "to": level_field,
                "options": {k: [[lv, LEVELS[lv]] for lv in PERMISSION_BY_KEY[k].levels] for k, _ in offered},
            },
            "duplicate_message": "This permission has already been added.",
        }
        tabs.append(Tab(tab.machine, tab.label, machine(tab.machine, cols, rows, fields, config=config)))
    return subtabs(tabs, group="perms")


def _render(ctx: Ctx, role: Role, *, editable: bool, error: str = "") -> Response:
    fields = Fields(editable)
    is_new = role.id == 0
    main = [
        fields.text("name", "Name", role.name, required=True, maxlength=50),
        fields.text("scriptid", "ID", role.scriptid, maxlength=40)
        if is_new
        else fields.readonly("scriptid", "ID", role.scriptid),
        fields.select("centertype", "Center Type", CENTER_TYPES, role.center_type, required=True),
    ]
    flags = [
        fields.checkbox("issalesrole", "Sales Role", role.sales_role),
        fields.checkbox("issupportrole", "Support Role", role.support_role),
        fields.checkbox("isinactive", "Inactive", role.inactive),
    ]
    auth = [
        fields.checkbox("iswebserviceonlyrole", "Web Services Only Role", role.web_services_only),
        fields.select("tfarequired", "Two-Factor Authentication Required", TFA_CHOICES, role.tfa_required),
    ]
    tabs = subtabs(
        [
            Tab("permissions", "Permissions", _permission_machines(ctx, role, fields)),
            Tab("authentication", "Authentication", Markup("".join(auth))),
        ]
    )
    return record_page(
        ctx,
        record_type="Role",
        record_name=None if is_new else role.name,
        editable=editable,
        body_fields=columns(main, flags),
        tabs=tabs,
        edit_url=None if role.standard else f"{URL}?id={role.id}&e=T",
        action=URL if is_new else f"{URL}?id={role.id}&e=T",
        error=error,
    )


def _from_form(ctx: Ctx, base: Role) -> tuple[Role, str]:
    """The role as posted, plus an error message ('' if it may be saved)."""
    form = ctx.form
    role = replace(
        base,
        name=form.get("name", "").strip(),
        center_type=form.get("centertype", ""),
        sales_role=flag(form, "issalesrole"),
        support_role=flag(form, "issupportrole"),
        inactive=flag(form, "isinactive"),
        web_services_only=flag(form, "iswebserviceonlyrole"),
        tfa_required=form.get("tfarequired") or "OFF",
    )
    if base.id == 0:
        raw = form.get("scriptid", "").strip().lower()
        role.scriptid = raw if not raw or raw.startswith("customrole") else "customrole" + raw
    if not role.name:
        return role, "Please enter value(s) for: Name"
    if role.center_type not in CENTER_TYPE_LABELS:
        return role, "Please enter value(s) for: Center Type"
    if role.tfa_required not in dict(TFA_CHOICES):
        return role, "Invalid Two-Factor Authentication Required value."
    if role.scriptid and (not SCRIPTID_RE.match(role.scriptid) or len(role.scriptid) > 40):
        return (
            role,
            "The ID may contain only lowercase letters, numbers and underscores (at most 40 characters).",
        )
    features = ctx.app.store.features()
    permissions: dict[str, str] = {}
    for tab in PERMISSION_TABS:
        for row in posted_rows(form, tab.machine):
            key, level = row.get(f"permkey{tab.number}", ""), row.get(f"permlevel{tab.number}", "")
            perm = PERMISSION_BY_KEY.get(key)
            if perm is None or perm.category != tab.machine:
                return role, "Invalid permission."
            if perm.feature and not features.get(perm.feature) and key not in base.permissions:
                return role, f"The permission {perm.name} is not available in this account."
            if level not in perm.levels:
                return role, f"Invalid level for the permission {perm.name}."
            permissions[key] = level
    role.permissions = permissions
    return role, ""


def _refused_in_use(ctx: Ctx, role: Role) -> bool:
    """`role_inactivate` at `refused_while_assigned`: a role some employee still holds cannot go inactive."""
    if dial(ctx, "role_inactivate") != "refused_while_assigned":
        return False
    return any(role.id in e.roles for e in ctx.app.store.all(Employee))


def _auto_scriptid(role: Role) -> None:
    """A blank ID becomes customrole<internal id>, as NetSuite numbers unnamed custom roles."""
    if not role.scriptid:
        role.scriptid = f"customrole{role.id}"


def role_page(ctx: Ctx) -> Response:
    store = ctx.app.store
    record_id = ctx.record_id()
    if record_id is None:
        role = Role(0, "", "")
    else:
        found = store.get(Role, record_id)
        if found is None:
            return not_found_page(ctx)
        role = found
    if ctx.req.method == "GET":
        return _render(ctx, role, editable=record_id is None or (ctx.editing and not role.standard))
    if role.standard:
        return error_page(ctx, 403, "Standard roles cannot be edited. Customize the role instead.")
    posted, error = _from_form(ctx, role)
    if not error and posted.inactive and not role.inactive and _refused_in_use(ctx, role):
        error = IN_USE
    if error:
        return _render(ctx, posted, editable=True, error=error)
    try:
        if posted.id == 0:
            unique = ("name", "scriptid") if posted.scriptid else ("name",)
            store.insert(posted, unique=unique, on_id=_auto_scriptid)
        else:
            store.update(posted, unique=("name",))
    except DuplicateError as exc:
        message = DUPLICATE_NAME if exc.field_name == "name" else "A role with that ID already exists."
        return _render(
            ctx,
            replace(posted, id=role.id, scriptid=role.scriptid or posted.scriptid),
            editable=True,
            error=message,
        )
    assert ctx.session is not None
    ctx.session.flash(SAVED_MESSAGE)
    return redirect(f"{URL}?id={posted.id}")


ROUTES = [
    Route(LIST_URL, role_list),
    Route(URL, role_page, ("GET", "POST")),
]
