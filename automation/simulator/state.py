"""The account's data in SQLite, so a restarted simulator still knows its roles, tokens and features.

One connection guarded by a lock: the server is threaded and `:memory:` databases exist only per
connection. Tables are derived from the dataclasses in `models` to keep one source of truth.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import threading
import time
import typing
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from automation.simulator import demo
from automation.simulator.catalog import FEATURES
from automation.simulator.models import (
    RECORD_TYPES,
    BearerToken,
    Employee,
    Integration,
    M2MMapping,
    RestCall,
    Role,
    Token,
)
from automation.simulator.passwords import hash_password

SCHEMA_VERSION = "5"
NONCE_TTL_SECONDS = 15 * 60  # longer than the 5-minute timestamp window, so replays stay caught

T = TypeVar("T")

_TABLES: dict[type, str] = {
    Role: "roles",
    Employee: "employees",
    Integration: "integrations",
    Token: "tokens",
    RestCall: "rest_calls",
    M2MMapping: "m2m_mappings",
    BearerToken: "bearer_tokens",
}
# First id handed out per table, imitating NetSuite's ranges (custom roles start above 1000).
_FIRST_IDS: dict[type, int] = {
    Role: 1001,
    Employee: 1,
    Integration: 101,
    Token: 1,
    RestCall: 1,
    M2MMapping: 1,
    BearerToken: 1,
}

ADMIN_ROLE_ID = 3
BUILTIN_SDF_APP_ID = "D5C7B6A4-3E21-4F7B-9C3A-1B2D3E4F5A6B"


class DuplicateError(Exception):
    """A unique value (for example a role name) is taken; the message names the field only."""

    def __init__(self, field_name: str) -> None:
        super().__init__(field_name)
        self.field_name = field_name


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _sql_type(py_type: Any) -> str:
    return "INTEGER" if py_type in (bool, int) else "TEXT"


def _to_sql(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


def _from_sql(py_type: Any, value: Any) -> Any:
    if py_type is bool:
        return bool(value)
    origin = typing.get_origin(py_type)
    if origin in (dict, list):
        return json.loads(value) if value else origin()
    return value


class Store:
    """All reads and writes of account data. Every public method is atomic."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        with self._lock:
            self._conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            row = self._conn.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
            if row is None or row["value"] != SCHEMA_VERSION:
                self.reset()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    # ---- schema and seed -------------------------------------------------------------------

    def reset(self) -> None:
        """Drop everything and seed a fresh demo account."""
        with self._tx() as db:
            for table in (*_TABLES.values(), "features", "nonces"):
                db.execute(f"DROP TABLE IF EXISTS {table}")
            for cls in RECORD_TYPES:
                hints = typing.get_type_hints(cls)
                cols = ", ".join(
                    "id INTEGER PRIMARY KEY" if f.name == "id" else f"{f.name} {_sql_type(hints[f.name])}"
                    for f in dataclasses.fields(cls)
                )
                db.execute(f"CREATE TABLE {_TABLES[cls]} ({cols})")
            db.execute("CREATE TABLE features (fid TEXT PRIMARY KEY, enabled INTEGER NOT NULL)")
            db.execute(
                "CREATE TABLE nonces (consumer_key TEXT, nonce TEXT, ts REAL, PRIMARY KEY (consumer_key, nonce))"
            )
            db.executemany("INSERT INTO features VALUES (?, ?)", [(f.fid, int(f.default)) for f in FEATURES.values()])
            self._seed(db)
            db.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))

    def _seed(self, db: sqlite3.Connection) -> None:
        admin_role = Role(ADMIN_ROLE_ID, demo.ADMIN_ROLE, "administrator", standard=True, tfa_required="ROLE")
        self._insert(db, admin_role)
        self._insert(db, Role(15, "Employee Center", "employee_center", center_type="EMPLOYEE", standard=True))
        self._insert(
            db,
            Employee(
                1,
                demo.ADMIN_NAME,
                demo.ADMIN_EMAIL,
                title="Administrator",
                give_access=True,
                password_hash=hash_password(demo.ADMIN_PASSWORD),
                totp_seed=demo.ADMIN_TOTP_SEED,
                roles=[ADMIN_ROLE_ID],
            ),
        )
        self._insert(db, Employee(2, demo.JANE_NAME, demo.JANE_EMAIL, title="Integration Analyst"))
        sdf = Integration(
            1,
            "SuiteCloud IDE & CLI",
            BUILTIN_SDF_APP_ID,
            description="SuiteCloud Development Integration",
            tba=True,
            callback_url="http://localhost/",
            authorization_code_grant=False,
            consumer_key=uuid.uuid4().hex * 2,
            consumer_secret=uuid.uuid4().hex * 2,
            created=now_iso(),
            builtin=True,
        )
        self._insert(db, sdf)

    # ---- generic record access -------------------------------------------------------------

    def _insert(self, db: sqlite3.Connection, obj: Any, on_id: Callable[[Any], None] | None = None) -> int:
        cls = type(obj)
        table = _TABLES[cls]
        if not obj.id:
            top = db.execute(f"SELECT MAX(id) AS m FROM {table}").fetchone()["m"]
            obj.id = max(int(top or 0) + 1, _FIRST_IDS[cls])
        if on_id is not None:
            on_id(obj)
        values = {f.name: _to_sql(getattr(obj, f.name)) for f in dataclasses.fields(cls)}
        names = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        db.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(values.values()))
        return int(values["id"])

    def _row_to(self, cls: type[T], row: sqlite3.Row) -> T:
        hints = typing.get_type_hints(cls)
        return cls(**{f.name: _from_sql(hints[f.name], row[f.name]) for f in dataclasses.fields(cls)})  # type: ignore[arg-type]

    def all(self, cls: type[T]) -> list[T]:
        with self._lock:
            rows = self._conn.execute(f"SELECT * FROM {_TABLES[cls]} ORDER BY id").fetchall()
        return [self._row_to(cls, r) for r in rows]

    def get(self, cls: type[T], record_id: int) -> T | None:
        with self._lock:
            row = self._conn.execute(f"SELECT * FROM {_TABLES[cls]} WHERE id = ?", (record_id,)).fetchone()
        return self._row_to(cls, row) if row else None

    def find(self, cls: type[T], **where: Any) -> list[T]:
        """Records whose columns equal the given values (text compared without case)."""
        clauses = " AND ".join(f"{k} = ? COLLATE NOCASE" for k in where)
        with self._lock:
            rows = self._conn.execute(
                f"SELECT * FROM {_TABLES[cls]} WHERE {clauses} ORDER BY id",
                [_to_sql(v) for v in where.values()],
            ).fetchall()
        return [self._row_to(cls, r) for r in rows]

    def insert(self, obj: Any, unique: tuple[str, ...] = (), on_id: Callable[[Any], None] | None = None) -> int:
        """Insert; `obj.id == 0` picks the next id (set on `obj`), then `on_id(obj)` may fill fields
        derived from it. Raises DuplicateError on a taken unique value (checked before `on_id`)."""
        with self._tx() as db:
            self._check_unique(db, obj, unique)
            return self._insert(db, obj, on_id)

    def update(self, obj: Any, unique: tuple[str, ...] = ()) -> None:
        cls = type(obj)
        with self._tx() as db:
            self._check_unique(db, obj, unique)
            values = {f.name: _to_sql(getattr(obj, f.name)) for f in dataclasses.fields(cls) if f.name != "id"}
            sets = ", ".join(f"{k} = ?" for k in values)
            db.execute(f"UPDATE {_TABLES[cls]} SET {sets} WHERE id = ?", [*values.values(), obj.id])

    def _check_unique(self, db: sqlite3.Connection, obj: Any, unique: tuple[str, ...]) -> None:
        table = _TABLES[type(obj)]
        for name in unique:
            clash = db.execute(
                f"SELECT id FROM {table} WHERE {name} = ? COLLATE NOCASE AND id != ?",
                (getattr(obj, name), obj.id or -1),
            ).fetchone()
            if clash:
                raise DuplicateError(name)

    # ---- features --------------------------------------------------------------------------

    def features(self) -> dict[str, bool]:
        with self._lock:
            rows = self._conn.execute("SELECT fid, enabled FROM features").fetchall()
        return {r["fid"]: bool(r["enabled"]) for r in rows}

    def set_features(self, values: dict[str, bool]) -> None:
        with self._tx() as db:
            db.executemany("UPDATE features SET enabled = ? WHERE fid = ?", [(int(v), k) for k, v in values.items()])

    # ---- REST bookkeeping ------------------------------------------------------------------

    def add_rest_call(self, method: str, path: str, status: int, detail: str) -> None:
        self.insert(RestCall(0, method, path, status, detail, now_iso()))

    def use_nonce(self, consumer_key: str, nonce: str) -> bool:
        """Remember a nonce; False if this consumer already used it (a replay)."""
        now = time.time()
        with self._tx() as db:
            db.execute("DELETE FROM nonces WHERE ts < ?", (now - NONCE_TTL_SECONDS,))
            try:
                db.execute("INSERT INTO nonces VALUES (?, ?, ?)", (consumer_key, nonce, now))
            except sqlite3.IntegrityError:
                return False
        return True
