"""Lists > Employees: list (`employeelist.nl`) and record (`employee.nl`, view / `&e=T` edit / new).

H: the Access subtab fields `giveaccess`, `sendemail`, `#password`, `#password2` and the Roles
sublist `roles` with the `selectedrole` column.
"""

from __future__ import annotations

from dataclasses import replace

from automation.simulator.app import Route
from automation.simulator.markup import (
    Fields,
    MachineColumn,
    Markup,
    Tab,
    button,
    button_bar,
    columns,
    flashes,
    join,
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
    flag,
    not_found_page,
    posted_rows,
    record_page,
    render,
)
from automation.simulator.passwords import hash_password
from automation.simulator.web import Ctx, Response, redirect

LIST_URL = "/app/common/entity/employeelist.nl"
URL = "/app/common/entity/employee.nl"
MIN_PASSWORD = 10


def employee_list(ctx: Ctx) -> Response:
    rows = [
        [
            join([list_link("Edit", f"{URL}?id={e.id}&e=T"), " | ", list_link("View", f"{URL}?id={e.id}")]),
            e.name,
            e.email,
            e.title,
        ]
        for e in ctx.app.store.all(Employee)
    ]
    assert ctx.session is not None
    new = button("new", "New Employee", onclick=f"window.location.href='{URL}'; return false;")
    body = tag(
        "div",
        page_title("Employees"),
        flashes(ctx.session.take_flashes()),
        button_bar(new),
        list_table(["Edit | View", "Name", "Email", "Job Title"], rows),
    )
    return render(ctx, "Employees", body)


def _render(ctx: Ctx, emp: Employee, *, editable: bool, error: str = "") -> Response:
    fields = Fields(editable)
    roles = ctx.app.store.all(Role)
    role_options = [(str(r.id), r.name) for r in roles if not r.inactive or r.id in emp.roles]
    access: list[Markup] = [
        fields.checkbox("giveaccess", "Give Access", emp.give_access),
    ]
    if editable:
        # Passwords are never shown back, not even after a failed save.
        access += [
            fields.checkbox("sendemail", "Send Notification Email", False, enable_if="giveaccess"),
            fields.text("password", "Password", "", input_type="password"),
            fields.text("password2", "Confirm Password", "", input_type="password"),
        ]
    role_rows = [{"selectedrole": str(i)} for i in emp.roles]
    access.append(
        machine(
            "roles",
            [MachineColumn("selectedrole", "Role", role_options)],
            role_rows,
            fields,
            config={"duplicate_message": "This role has already been added."},
        )
    )
    personal = [fields.text("phone", "Phone", emp.phone, maxlength=32)]
    tabs = subtabs(
        [
            Tab("personal", "Personal", Markup("".join(personal))),
            Tab("access", "Access", Markup("".join(access))),
        ]
    )
    main = [
        fields.text("entityid", "Name", emp.name, required=True, maxlength=83),
        fields.text("email", "Email", emp.email, required=True, maxlength=254),
    ]
    side = [fields.text("title", "Job Title", emp.title, maxlength=99)]
    is_new = emp.id == 0
    return record_page(
        ctx,
        record_type="Employee",
        record_name=None if is_new else emp.name,
        editable=editable,
        body_fields=columns(main, side),
        tabs=tabs,
        edit_url=f"{URL}?id={emp.id}&e=T",
        action=URL if is_new else f"{URL}?id={emp.id}&e=T",
        error=error,
    )


def _from_form(ctx: Ctx, base: Employee) -> tuple[Employee, str]:
    form = ctx.form
    emp = replace(
        base,
        name=form.get("entityid", "").strip(),
        email=form.get("email", "").strip(),
        title=form.get("title", "").strip(),
        phone=form.get("phone", "").strip(),
        give_access=flag(form, "giveaccess"),
    )
    missing = [label for label, value in (("Name", emp.name), ("Email", emp.email)) if not value]
    if missing:
        return emp, "Please enter value(s) for: " + ", ".join(missing)
    if "@" not in emp.email:
        return emp, "Please enter a valid email address."
    # An inactive role is no choice any more; one the employee held before it went inactive may stay.
    known = {r.id for r in ctx.app.store.all(Role) if not r.inactive or r.id in base.roles}
    role_ids: list[int] = []
    for row in posted_rows(form, "roles"):
        raw = row.get("selectedrole", "")
        if not raw.isdigit() or int(raw) not in known:
            return emp, "Invalid role."
        if int(raw) not in role_ids:
            role_ids.append(int(raw))
    emp.roles = role_ids
    password, confirm = form.get("password", ""), form.get("password2", "")
    if password or confirm:
        if password != confirm:
            return emp, "Passwords do not match."
        if len(password) < MIN_PASSWORD:
            return emp, f"Passwords must be at least {MIN_PASSWORD} characters long."
        emp.password_hash = hash_password(password)
    if emp.give_access:
        if not emp.roles:
            return emp, "You must assign at least one role to give this employee access."
        clash = [e for e in ctx.app.store.find(Employee, email=emp.email) if e.id != emp.id and e.give_access]
        if clash:
            return emp, "A user with that email address already has access."
    return emp, ""


def employee_page(ctx: Ctx) -> Response:
    store = ctx.app.store
    record_id = ctx.record_id()
    if record_id is None:
        emp = Employee(0, "", "")
    else:
        found = store.get(Employee, record_id)
        if found is None:
            return not_found_page(ctx)
        emp = found
    if ctx.req.method == "GET":
        return _render(ctx, emp, editable=record_id is None or ctx.editing)
    posted, error = _from_form(ctx, emp)
    if error:
        return _render(ctx, posted, editable=True, error=error)
    if posted.id == 0:
        store.insert(posted)
    else:
        store.update(posted)
    assert ctx.session is not None
    ctx.session.flash(SAVED_MESSAGE)
    return redirect(f"{URL}?id={posted.id}")


ROUTES = [
    Route(LIST_URL, employee_list),
    Route(URL, employee_page, ("GET", "POST")),
]
