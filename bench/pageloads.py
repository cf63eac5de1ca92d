"""How many page loads a flow cannot avoid, counted from the flow files.

The benchmark's lower bound is latency × the page loads and submits along the longest chain of
the stage graph: no client, however fast, finishes sooner, because each of them waits for
NetSuite (here: the simulator, which adds its latency to every HTML request, a POST and a
redirect included). Client-side work (filling a field, a dropdown, a sublist row, a checkbox) is
counted as free. The rules, per step on a fresh account (nothing set up yet):
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from automation.engine import model as m
from automation.engine.graph import StageGraph
from automation.engine.loader import Flow
from automation.engine.readahead import planned

# NetSuite shows the SuiteCloud Terms of Service popup for these features only (not SOAP Web Services).
TERMS_POPUP_FEATURES = frozenset({"REST Web Services", "Token-Based Authentication"})

RULES: dict[str, str] = {
    "login": "6: login page, credentials POST, 2FA page, code POST, role redirect, dashboard",
    "open": "1: the page",
    "find_record": "2: the list, then the record (or the empty form for a new record); 1 when read ahead",
    "lookup": "1: the list; 0 when a stage it waits for read that list (the run remembers the row)",
    "save": "2: the POST, then the record page it redirects to",
    "check (agree)": "+1 per box that opens the terms popup (the popup page)",
    "capture": "0 on a new record (reset: +3: reopen the form, POST, record page); the REST check is no page",
    "revoke_others": "1: the list (+2 per older token revoked: none on a fresh account); 0 when read ahead",
    "read ahead": "a list no earlier stage writes, read in a spare window beside features (engine/readahead.py)",
    "click": "2: the POST and the page it leads to",
    "fill, choose, check, uncheck, tab, sublist_row": "0: in the page",
}


def step_loads(step: m.StepBase, variables: dict[str, Any]) -> int:
    action = m.action_of(step)
    fixed = {"login": 6, "open": 1, "find_record": 2, "lookup": 1, "save": 2, "click": 2, "revoke_others": 1}
    if action in fixed:
        return fixed[action]
    if action == "check" and getattr(step, "agree", None):
        items = _items(step, variables)
        return sum(1 for item in items if item in TERMS_POPUP_FEATURES)
    return 0


def _items(step: m.StepBase, variables: dict[str, Any]) -> list[Any]:
    if not step.for_each:
        value = getattr(step, m.action_of(step))
        return [value if isinstance(value, str) else getattr(value, "field", value)]
    path = step.for_each.strip("${} ").split(".")
    found: Any = variables
    for part in path:
        found = found.get(part, {}) if isinstance(found, dict) else {}
    return list(found) if isinstance(found, list) else [found]


TERMS_POPUP_PAGE = "/app/setup/suitecloudterms.nl"  # the simulator's choice (G): for the benchmark's log only


def stage_loads(flow: Flow, variables: dict[str, Any], read_ahead: bool = False) -> dict[str, int]:
    """Page loads per stage on its own chain; ``read_ahead``: without the lists nsauto reads beside
    an earlier stage (engine/readahead.py), which a plain script loads in turn."""
    graph = StageGraph.of(flow)
    _, lists = paths_of(flow)
    ahead = {(lookup.stage, lookup.list_path) for lookup in planned(flow, graph, variables)} if read_ahead else set()
    loads = {}
    for stage in flow.stages:
        earlier = _before(graph, stage.stage)
        read = {path for name in earlier for path in lists[name]}
        total = 0
        for step in stage.steps:
            action = m.action_of(step)
            value = getattr(step, action)
            if action == "lookup" and _path(value.list) in read:
                continue
            total += step_loads(step, variables)
            if action in ("find_record", "revoke_others") and (stage.stage, value.list) in ahead:
                total -= 1
        loads[stage.stage] = total
    return loads


def _before(graph: StageGraph, name: str) -> set[str]:
    """Every stage ``name`` waits for, directly or not."""
    found: set[str] = set()
    todo = list(graph.needs.get(name, ()))
    while todo:
        need = todo.pop()
        if need not in found:
            found.add(need)
            todo.extend(graph.needs.get(need, ()))
    return found


def _path(url: str) -> str:
    return urlsplit(url).path


def paths_of(flow: Flow) -> tuple[dict[str, set[str]], dict[str, list[str]]]:
    """Per stage, the pages it opens (forms and pages: any number of loads) and the lists it reads
    (find_record's, lookup's, revoke_others': once each), as paths without the query."""
    pages: dict[str, set[str]] = {s.stage: set() for s in flow.stages}
    lists: dict[str, list[str]] = {s.stage: [] for s in flow.stages}
    for stage in flow.stages:
        for step in stage.steps:
            action = m.action_of(step)
            value = getattr(step, action)
            if action == "open":
                pages[stage.stage].add(_path(value))
            elif action == "find_record":
                lists[stage.stage].append(_path(value.list))
                pages[stage.stage].add(_path(value.form))
            elif action in ("lookup", "revoke_others"):
                lists[stage.stage].append(_path(value.list))
            elif action == "check" and getattr(step, "agree", None):
                pages[stage.stage].add(TERMS_POPUP_PAGE)
    return pages, lists


def lower_bound(
    flow: Flow, variables: dict[str, Any], latency_s: float, read_ahead: bool = False
) -> tuple[list[str], int, float]:
    """The longest chain by page loads, its page loads, and the seconds they take at ``latency_s``."""
    loads = stage_loads(flow, variables, read_ahead)
    chain, total = StageGraph.of(flow).critical_path(lambda name: float(loads[name]))
    return chain, int(total), total * latency_s


def per_stage(flow: Flow, variables: dict[str, Any], read_ahead: bool = False) -> Callable[[str], int]:
    loads = stage_loads(flow, variables, read_ahead)
    return lambda name: loads[name]
