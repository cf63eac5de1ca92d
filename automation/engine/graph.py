"""A flow's stages as a dependency graph, and one account's independent stages run at once.

Why: the stages declare ``needs``. In the TBA setup the longest chain is login → features → role →
employee-role → token, while integration needs only login. Run one after another, the integration
stage's page loads add to the chain's; run beside features and role, they cost no wall time.

How: a branch runs in a second page of the account's own browser context, opened as a popup
window by the first page. Same cookies, so the same logged-in NetSuite session: a second login
would spend another 2FA code, and NetSuite may end the first session for it. A window, not a tab:
Chromium throttles a tab that is not its window's front tab (measured: 10 clicks and fills took
15.4 s there against 0.6 s); and a popup window costs one renderer where a second context (the
fallback when the first page is busy) costs two. The branch is driven from a greenlet of the
account's thread (engine/cooperative.py): a sync call made in a greenlet hands control to
Playwright's event loop until its answer comes, and the other greenlet runs meanwhile. So a branch
costs one page, not a thread with its own Playwright (a Node driver, ~75 MB); and as greenlets
switch only inside such waits, the journal, the reporter and the result are never changed by two
branches at the same moment. When the session ends and both branches notice, one logs in and the
other waits for that login.

Safety: two stages run at once only when the flow shows they write different pages (record types,
see ``StageGraph.writes``), and a stage that declares no ``needs`` keeps its place after the stage
before it, as in a sequential run. What waits without a Playwright call (a keyring call, the
signed REST check, a retry's backoff) goes through ``automation.blocking``, which the branches'
run routes to the loop: it holds only the branch that waits.
"""

from __future__ import annotations

import contextlib
import copy
import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from automation import blocking
from automation.engine import model as m
from automation.engine import readahead
from automation.engine.cooperative import Cooperative
from automation.engine.events import RunResult, StageResult, StepResult
from automation.engine.loader import Flow
from automation.engine.runner import Runner, on_dialog
from automation.engine.session import Session

log = logging.getLogger("nsauto.graph")

MAX_LANES = 4  # pages one account drives at once; the TBA flow needs 2
READ_AHEAD = "(read-ahead)"  # not a stage: the lists read in a spare window (engine/readahead.py)
WRITING_ACTIONS = frozenset({"save", "click", "capture", "revoke_others"})


@dataclass(frozen=True)
class StageGraph:
    """The selected stages, what each waits for, and which pages each may write."""

    order: tuple[str, ...]  # flow order: a topological order (the loader checks needs come earlier)
    needs: dict[str, frozenset[str]]
    writes: dict[str, frozenset[str]]

    @classmethod
    def of(cls, flow: Flow, selected: Iterable[str] | None = None) -> StageGraph:
        """The graph of ``selected`` stages; a prerequisite left out counts through its own needs."""
        chosen = {s.stage for s in flow.stages} if selected is None else set(selected)
        declared: dict[str, tuple[str, ...]] = {}
        previous: str | None = None
        for stage in flow.stages:
            # No `needs`: the stage keeps its place after the one before it, as in a sequential run.
            declared[stage.stage] = tuple(stage.needs) or ((previous,) if previous else ())
            previous = stage.stage
        order = tuple(s.stage for s in flow.stages if s.stage in chosen)
        needs = {name: frozenset(_selected_needs(name, declared, chosen)) for name in order}
        writes = {s.stage: frozenset(writes_of(s)) for s in flow.stages if s.stage in chosen}
        return cls(order, needs, writes)

    def ready(self, pending: Iterable[str], done: set[str], running: Iterable[str] = ()) -> list[str]:
        """Pending stages free to start, the one heading the longest remaining chain first."""
        busy = set().union(*(self.writes[r] for r in running))
        free = [n for n in pending if self.needs[n] <= done and not self.writes[n] & busy]
        return sorted(free, key=lambda n: (-self.tail(n), self.order.index(n)))

    def tail(self, name: str, cost: Callable[[str], float] = lambda _: 1.0) -> float:
        """Cost of the longest chain that starts at ``name`` (itself included)."""
        after = [n for n in self.order if name in self.needs[n]]
        return cost(name) + max((self.tail(n, cost) for n in after), default=0.0)

    def critical_path(self, cost: Callable[[str], float] = lambda _: 1.0) -> tuple[list[str], float]:
        """The longest chain by ``cost`` and its total: no schedule finishes sooner."""
        best: dict[str, tuple[float, list[str]]] = {}
        for name in self.order:
            before = max((best[n] for n in self.needs[name]), default=(0.0, []), key=lambda b: b[0])
            best[name] = (before[0] + cost(name), [*before[1], name])
        if not best:
            return [], 0.0
        total, chain = max(best.values(), key=lambda b: b[0])
        return chain, total

    def width(self, among: Iterable[str] | None = None) -> int:
        """How many stages (of ``among``) can run at once: the most at one depth (they never need each other)."""
        names = set(self.order if among is None else among)
        depth: dict[str, int] = {}
        for name in (n for n in self.order if n in names):
            depth[name] = 1 + max((depth[n] for n in self.needs[name] if n in depth), default=0)
        return max(Counter(depth.values()).values(), default=0)


def _selected_needs(name: str, declared: dict[str, tuple[str, ...]], chosen: set[str]) -> set[str]:
    found: set[str] = set()
    todo, seen = list(declared.get(name, ())), set()
    while todo:
        need = todo.pop()
        if need in seen:
            continue
        seen.add(need)
        if need in chosen:
            found.add(need)
        else:
            todo.extend(declared.get(need, ()))
    return found


def writes_of(stage: m.Stage) -> set[str]:
    """The pages a stage may save: every page it opens, if it has a step that writes at all.

    Conservative on purpose: page paths stand for record types, so two stages that open the same
    form never run at once even when they would edit different records.
    """
    actions = {m.action_of(step) for step in stage.steps}
    if not actions & WRITING_ACTIONS:
        return set()
    pages: set[str] = set()
    for step in stage.steps:
        action = m.action_of(step)
        value = getattr(step, action)
        if action == "open":
            pages.add(page_path(value))
        elif action == "find_record":
            pages.add(page_path(value.form))
        elif action == "revoke_others":
            pages.add(page_path(value.list))
    return pages


def page_path(path: str) -> str:
    """A page's path without its query: what stands for a record type."""
    return path.split("?", 1)[0].rstrip("/")


class BranchReporter:
    """Keeps interleaved output readable: a step of another stage than the last one shown gets its header again."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self._titles: dict[str, str] = {}
        self._shown: str | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def stage_started(self, name: str, title: str) -> None:
        self._titles[name] = title
        self._shown = name
        self._inner.stage_started(name, title)

    def step_finished(self, result: StepResult) -> None:
        if result.stage != self._shown and result.stage in self._titles:
            self._shown = result.stage
            self._inner.stage_started(result.stage, self._titles[result.stage])
        self._inner.step_finished(result)


@dataclass(eq=False)
class _Lane:
    """One page of the account's context and the runner state that goes with it."""

    runner: Runner
    session: Session
    extra: bool  # a page opened for a branch (closed at the end), not the run's own


@dataclass
class _Done:
    stage: str
    lane: _Lane
    outcome: StageResult | None = None
    error: BaseException | None = None


@dataclass
class _Schedule:
    graph: StageGraph
    pending: list[str]
    done: set[str] = field(default_factory=set)
    running: dict[str, _Lane] = field(default_factory=dict)
    stopped: bool = False


class _Lanes:
    """The pages an account's run drives: the run's own, plus branch pages opened when needed."""

    def __init__(
        self, main: _Lane, cap: int, open_lane: Callable[[bool], _Lane | None], close_lane: Callable[[_Lane], None]
    ) -> None:
        self.main = main
        self.cap = cap
        self.open_lane = open_lane
        self.close_lane = close_lane
        self.pool = [main]
        self.idle = [main]

    def release(self, plan: _Schedule) -> None:
        """Close branch pages the rest of the run cannot use: with many accounts, memory is their sum."""
        left = 0 if plan.stopped else plan.graph.width([*plan.pending, *plan.running])
        for lane in [lane for lane in self.idle if lane.extra]:
            if len(self.pool) - 1 < max(left, 1):
                return
            self.idle.remove(lane)
            self.pool.remove(lane)
            self.close_lane(lane)

    def spare(self) -> _Lane | None:
        """A branch page for work beside the stages (engine/readahead.py), opened while the first page is idle."""
        if self.main not in self.idle or len(self.pool) >= self.cap:
            return None
        lane = self.open_lane(True)
        if lane is None:
            return None
        self.pool.append(lane)
        return lane

    def assign(self, plan: _Schedule) -> list[tuple[str, _Lane]]:
        """Ready stages matched with lanes, the most critical first; pages are opened before any stage starts."""
        taken: list[tuple[str, _Lane]] = []
        while True:
            ready = plan.graph.ready(plan.pending, plan.done, [*plan.running, *(name for name, _ in taken)])
            if not ready:
                return taken
            if not self.idle:
                if len(self.pool) >= self.cap:
                    return taken
                lane = self.open_lane(self.main not in plan.running.values())  # the first page opens a popup
                if lane is None:
                    self.cap = len(self.pool)  # no more pages: the rest runs on those there are
                    return taken
                self.pool.append(lane)
                self.idle.append(lane)
            lane = self.main if self.main in self.idle else self.idle[0]
            self.idle.remove(lane)
            plan.pending.remove(ready[0])
            taken.append((ready[0], lane))


class GraphRunner(Runner):
    """A Runner that runs independent stages at once, each branch in its own window of the same session."""

    max_lanes: int = MAX_LANES

    def _run_stages(self, stages: list[str], session: Session, result: RunResult) -> None:
        graph = StageGraph.of(self.flow, stages)
        cap = min(self.max_lanes, graph.width())
        if cap < 2 or not Cooperative.available(session.page):
            super()._run_stages(stages, session, result)
            return
        coop = Cooperative(session.page)
        self.reporter = BranchReporter(self.reporter)
        from automation.engine.fleet import serialised_keyring

        try:
            # A branch's REST check or backoff holds only that branch; keyring calls, now on worker
            # threads, still go one at a time (a file backend is a read-modify-write).
            with serialised_keyring(), blocking.waiting_with(coop):
                self._run_graph(graph, cap, stages, session, result, coop)
        finally:
            coop.close()

    def _run_graph(
        self, graph: StageGraph, cap: int, stages: list[str], session: Session, result: RunResult, coop: Cooperative
    ) -> None:
        login = _single_flight(coop)
        session.log_in = login(session.log_in, session.page.context)
        if stages and "login" not in stages:
            self.recovery.call(lambda: session.log_in(session.page), session, stages[0])  # needs a session
        order = {name: index for index, name in enumerate(graph.order)}
        main = _Lane(self, session, extra=False)
        lanes = _Lanes(
            main,
            cap,
            lambda main_idle: self._open_lane(session, coop, login, main_idle),
            lambda lane: _close_lane(lane, session),
        )
        plan = _Schedule(graph, list(graph.order))
        finished: list[_Done] = []
        wake: list[Any] = [coop.future()]
        lookups = [] if self.options.check else readahead.planned(self.flow, graph, session.variables)
        reading: _Lane | None = None
        try:
            while True:
                if lookups and ("login" in plan.done or "login" not in graph.order) and not plan.stopped:
                    reading = lanes.spare()  # while the first page is idle: it opens the window
                    if reading is not None:
                        coop.spawn(self._read_ahead(lookups, reading, finished, wake))
                    lookups = []
                for name, lane in [] if plan.stopped else lanes.assign(plan):
                    plan.running[name] = lane  # spawned only now: no branch moved while lanes were opened
                    coop.spawn(self._branch(name, lane, result, finished, wake))
                if not plan.running and reading is None:
                    break
                coop.wait(wake[0])
                wake[0] = coop.future()
                while finished:
                    got = finished.pop()
                    lanes.idle.append(got.lane)
                    if got.error is not None:
                        raise got.error  # KeyboardInterrupt or a bug outside the stage's own handling
                    if got.stage == READ_AHEAD:
                        reading = None
                        continue
                    del plan.running[got.stage]
                    assert got.outcome is not None
                    if self._stops_run(got.stage, got.outcome.status):
                        plan.stopped = True  # running branches finish their stage; nothing new starts
                    else:
                        plan.done.add(got.stage)
                lanes.release(plan)
        finally:
            for lane in lanes.pool:
                if lane.extra:
                    _close_lane(lane, session)
            result.stages.sort(key=lambda s: order.get(s.name, len(order)))

    def _branch(
        self, name: str, lane: _Lane, result: RunResult, finished: list[_Done], wake: list[Any]
    ) -> Callable[[], None]:
        stage = self.flow.stage(name)

        done = _Done(name, lane)

        def work() -> None:
            done.outcome = lane.runner.run_stage(stage, lane.session, result)

        return _reporting(done, work, finished, wake)

    def _read_ahead(
        self, lookups: list[readahead.Lookup], lane: _Lane, finished: list[_Done], wake: list[Any]
    ) -> Callable[[], None]:
        from automation.engine.revoke import rows_before
        from automation.engine.steps import list_row

        def work() -> None:
            readahead.read(lane.session, lookups, list_row, rows_before)

        return _reporting(_Done(READ_AHEAD, lane), work, finished, wake)

    def _open_lane(
        self, session: Session, coop: Cooperative, login: Callable[..., Any], main_idle: bool
    ) -> _Lane | None:
        """A page for a branch in a window of its own, logged in; None if the browser refuses one."""
        from playwright.sync_api import Error as PlaywrightError

        if main_idle:
            # The stage that last ran on the first page has finished: its listeners (a terms watch takes
            # any window the page opens for a terms window) must leave the branch's window alone.
            session.record = type(session.record)()
        page = _popup_window(session.page) if main_idle else None
        context = session.page.context
        if page is None:  # the first page is busy (or refused): a second context with its cookies
            from automation.engine.session_cache import register_state

            try:
                state = context.storage_state()
                register_state(dict(state))  # the cookies are the login: never shown anywhere
                context = context.browser.new_context(viewport=session.page.viewport_size, storage_state=state)
                page = context.new_page()
            except (PlaywrightError, AttributeError) as exc:
                log.info("no page for a branch (%s): the stages run one after another", exc)
                return None
        page.set_default_timeout(self.options.timeout_s * 1000)
        branch = self._session(page)
        branch.log_in = login(branch.log_in, context)
        page.on("dialog", lambda dialog: on_dialog(dialog, branch))
        runner = copy.copy(self)  # its own per-stage state (timeout cap), shared journal, reporter, result
        runner.recovery = copy.copy(self.recovery)
        runner.recovery.on_new_page = lambda new: new.on("dialog", lambda dialog: on_dialog(dialog, branch))
        return _Lane(runner, branch, extra=True)


def _reporting(done: _Done, work: Callable[[], None], finished: list[_Done], wake: list[Any]) -> Callable[[], None]:
    """A greenlet's body: ``work``, then ``done`` (with what ``work`` raised) handed to the scheduling
    greenlet, which it wakes; the scheduler raises anything a stage's own handling let through."""

    def body() -> None:
        try:
            work()
        except BaseException as exc:  # KeyboardInterrupt or a bug outside the stage's own handling
            done.error = exc
        finished.append(done)
        if not wake[0].done():
            wake[0].set_result(None)

    return body


def _single_flight(coop: Cooperative) -> Callable[..., Callable[[Any], Any]]:
    """One login at a time; its cookies reach every branch (a second context gets them copied)."""
    running: list[Any] = [None]
    contexts: list[Any] = []

    def wrap(log_in: Callable[[Any], Any], context: Any) -> Callable[[Any], Any]:
        if all(known is not context for known in contexts):
            contexts.append(context)

        def guarded(page: Any) -> Any:
            if running[0] is not None and not running[0].done():
                coop.wait(running[0])  # the other branch's login brings our cookies too
                return page.url
            running[0] = finished = coop.future()
            try:
                landed = log_in(page)
                cookies = page.context.cookies()
                for other in contexts:
                    if other is not page.context:
                        other.add_cookies(cookies)
                return landed
            finally:
                finished.set_result(None)

        return guarded

    return wrap


def _close_lane(lane: _Lane, session: Session) -> None:
    """The branch's stored secret names join the run's; its page (or its own context) closes."""
    from playwright.sync_api import Error as PlaywrightError

    session.stored.extend(name for name in lane.session.stored if name not in session.stored)
    page = lane.session.page
    with contextlib.suppress(PlaywrightError):
        page.context.close() if page.context is not session.page.context else page.close()


def _popup_window(opener: Any) -> Any | None:
    """A new window of the same context (same cookies), opened by the idle first page.

    A window, not a tab: Chromium throttles a background tab (10 clicks and fills: 15.4 s against
    0.6 s). ``noopener``: a renderer of its own. Sharing the opener's renderer would save ~130 MiB
    RSS per account, but then a checkbox click in the branch window sometimes did not take
    (measured at 0 ms latency: 5 failed runs of 10, against 0 of 10 with ``noopener``).
    """
    from playwright.sync_api import Error as PlaywrightError

    size = opener.viewport_size or {"width": 1280, "height": 900}
    features = f"popup,noopener,width={size['width']},height={size['height']}"
    try:
        with opener.expect_popup(timeout=10_000) as info:  # this page's popup, not another branch's terms popup
            opener.evaluate("features => { window.open('about:blank', '_blank', features); }", features)
        page = info.value
        page.set_viewport_size(size)
        return page
    except PlaywrightError as exc:
        log.info("no popup window for a branch (%s): using a second context", exc)
        return None


def with_branches(runner: Runner) -> GraphRunner:
    """The same runner, able to run independent stages at once (its constructor arguments are untouched)."""
    graph_runner = GraphRunner.__new__(GraphRunner)
    graph_runner.__dict__.update(runner.__dict__)
    return graph_runner
