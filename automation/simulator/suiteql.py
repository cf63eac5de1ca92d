"""A very small SuiteQL: `SELECT cols FROM table [WHERE a = b AND ...]` over the account's data.

Enough for credential checks (`SELECT 1 FROM DUAL`) and simple lookups; anything else is reported
as an invalid query, the way NetSuite answers unparsable SuiteQL.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from automation.simulator.models import Employee, Role
from automation.simulator.state import Store


class QueryError(ValueError):
    """The query is outside what the simulator understands; the message is safe to return."""


def _employees(store: Store) -> list[dict[str, str]]:
    rows = []
    for e in store.all(Employee):
        first, _, last = e.name.partition(" ")
        rows.append(
            {
                "id": str(e.id),
                "entityid": e.name,
                "firstname": first,
                "lastname": last,
                "email": e.email,
                "title": e.title,
                "giveaccess": "T" if e.give_access else "F",
            }
        )
    return rows


def _roles(store: Store) -> list[dict[str, str]]:
    return [
        {
            "id": str(r.id),
            "name": r.name,
            "scriptid": r.scriptid,
            "centertype": r.center_type,
            "iswebserviceonlyrole": "T" if r.web_services_only else "F",
            "isinactive": "T" if r.inactive else "F",
        }
        for r in store.all(Role)
    ]


TABLES: dict[str, Callable[[Store], list[dict[str, str]]]] = {
    "dual": lambda store: [{}],
    "employee": _employees,
    "role": _roles,
}

_SELECT = re.compile(
    r"^\s*select\s+(?P<cols>.+?)\s+from\s+(?P<table>\w+)(?:\s+where\s+(?P<where>.+?))?\s*;?\s*$", re.I | re.S
)
_COND = re.compile(r"^\s*(\w+)\s*=\s*('(?:[^']|'')*'|-?\d+)\s*$")
_COL = re.compile(
    r"^\s*(?P<expr>'(?:[^']|'')*'|-?\d+(?:\.\d+)?|\w+|count\(\s*\*\s*\))(?:\s+(?:as\s+)?(?P<alias>\w+))?\s*$",
    re.I,
)


def _literal(token: str) -> str:
    return token[1:-1].replace("''", "'") if token.startswith("'") else token


def run(store: Store, query: str) -> list[dict[str, Any]]:
    m = _SELECT.match(query or "")
    if not m:
        raise QueryError("Invalid search query. Only SELECT ... FROM ... [WHERE ...] is supported here.")
    table = m.group("table").lower()
    if table not in TABLES:
        raise QueryError(f"Invalid search query. Search error occurred: Record '{m.group('table')}' was not found.")
    rows = TABLES[table](store)
    for cond in re.split(r"\s+and\s+", m.group("where") or "", flags=re.I) if m.group("where") else []:
        c = _COND.match(cond)
        if not c or (rows and c.group(1).lower() not in rows[0]):
            raise QueryError(f"Invalid search query. Unsupported condition: {cond.strip()[:60]}")
        column, value = c.group(1).lower(), _literal(c.group(2))
        rows = [r for r in rows if r.get(column, "").lower() == value.lower()]
    cols = [c.strip() for c in m.group("cols").split(",")]
    if cols == ["*"]:
        return rows
    out: list[dict[str, Any]] = []
    parsed = []
    for n, col in enumerate(cols, start=1):
        cm = _COL.match(col)
        if not cm:
            raise QueryError(f"Invalid search query. Unsupported column: {col[:60]}")
        expr = cm.group("expr")
        name = (
            cm.group("alias") or (expr if re.fullmatch(r"\w+", expr) and not expr.isdigit() else f"expr{n}")
        ).lower()
        parsed.append((expr, name))
    if any(expr.lower().startswith("count") for expr, _ in parsed):
        return [{name: str(len(rows)) for _, name in parsed}]
    for row in rows:
        item: dict[str, Any] = {}
        for expr, name in parsed:
            if expr.startswith("'") or re.fullmatch(r"-?\d+(?:\.\d+)?", expr):
                item[name] = _literal(expr)
            elif expr.lower() in row:
                item[name] = row[expr.lower()]
            else:
                raise QueryError(f"Invalid search query. Unknown field: {expr[:60]}")
        out.append(item)
    return out
