"""Lists that later stages look records up in, read in a spare window while the first stages run.

Why: ``find_record`` loads its list, then the record (or the empty form): two page loads, both on
the critical path (login → features → role → employee-role → token). The role list and the employee
list read the same right after login as when their stages start, because no stage before those
stages writes roles or employees. So while ``features`` runs on the account's first page, a window
of the same session reads them, and ``role`` and ``employee-role`` go straight to their record:
one page load less each on the chain (0.4–1.5 s at NetSuite's latency).

Safe by construction: a list is read ahead only for a stage that waits for another stage besides
the login (else there is nothing to overlap), only when no *other* selected stage writes the
record type of that list (a stage's writes as in engine/graph.py), and only when the record's name
comes from config, not from a page. A row read ahead is used once (a stage started over after a
lost session reads the list itself) and never in ``nsauto check``, which resolves every locator on
its own pages. A read-ahead that fails (a 503, a lost session) leaves the list to its stage: it
never fails a run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from automation.engine import model as m
from automation.engine.session import list_key
from automation.engine.variables import resolve
from automation.errors import NsautoError

if TYPE_CHECKING:
    from automation.engine.graph import StageGraph
    from automation.engine.loader import Flow
    from automation.engine.session import Session

log = logging.getLogger("nsauto.readahead")


@dataclass(frozen=True)
class Lookup:
    """A record looked up by name on a list (find_record), or the rows a ``revoke_others`` will
    weigh (``match``: its columns; None for a value a page gives later), for ``stage``."""

    stage: str
    list_path: str
    name: str = ""
    match: dict[str, str | None] | None = None

    @property
    def key(self) -> tuple[str, str]:
        return list_key(self.list_path, self.name if self.match is None else ROWS_BEFORE)


ROWS_BEFORE = "\0rows before"  # the key of a revoke_others snapshot: no record is named that


def planned(flow: Flow, graph: StageGraph, variables: dict[str, Any]) -> list[Lookup]:
    """The lookups of ``graph``'s stages that can be read ahead, in flow order."""
    from automation.engine.graph import page_path

    found: list[Lookup] = []
    for name in graph.order:
        if not graph.needs[name] - {"login"}:
            continue  # it starts right after the login: nothing to read ahead of
        for step in flow.stage(name).steps:
            if step.for_each:
                continue
            if isinstance(step, m.FindRecord):
                written = page_path(step.find_record.form)
            elif isinstance(step, m.RevokeOthers):
                written = page_path(step.revoke_others.list)
            else:
                continue
            if any(written in graph.writes[other] for other in graph.order if other != name):
                continue  # another stage may change that list meanwhile
            if isinstance(step, m.RevokeOthers):
                match = {column: _resolved(value, variables) for column, value in step.revoke_others.match.items()}
                found.append(Lookup(name, step.revoke_others.list, match=match))
                continue
            record = _resolved(step.find_record.name, variables)
            if record is not None:  # else named by a page (a lookup's result): known only when the stage runs
                found.append(Lookup(name, step.find_record.list, record))
    return found


def _resolved(value: str, variables: dict[str, Any]) -> str | None:
    try:
        return str(resolve(value, variables))
    except NsautoError:
        return None


def read(s: Session, lookups: list[Lookup], row_of: Any, rows_of: Any) -> None:
    """Read each lookup into ``s.read_ahead``: a find_record's row with ``row_of(session, list, name)``
    (steps.list_row), a revoke_others' rows with ``rows_of(session, list, match)`` (revoke.rows_before)."""
    for lookup in lookups:
        if lookup.key in s.read_ahead or lookup.key in s.read_ahead_taken:
            continue  # its stage has begun: it reads the list itself
        try:
            if lookup.match is None:
                found = row_of(s, lookup.list_path, lookup.name)
            else:
                found = rows_of(s, lookup.list_path, lookup.match)
        except Exception as exc:  # never the run's failure: the stage reads the list itself
            log.info("read-ahead of %s stopped (%s): the stages read their lists themselves", lookup.list_path, exc)
            return
        if lookup.key not in s.read_ahead_taken:  # its stage may have begun meanwhile and read the list itself
            s.read_ahead[lookup.key] = found
        log.debug("read ahead: %s for %s", lookup.list_path, lookup.stage)
