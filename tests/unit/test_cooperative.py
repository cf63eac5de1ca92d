"""Blocking calls in a parallel run hold only the greenlet that makes them (automation/blocking.py).

Real Playwright (its driver and event loop; no browser is needed): the greenlets are the ones a
parallel run uses, and the waits are real threads and timers.
"""

from __future__ import annotations

import threading
import time

import pytest
from playwright.sync_api import Playwright

from automation import blocking
from automation.engine.cooperative import Cooperative, worker_name


@pytest.fixture
def pw(playwright: Playwright) -> Playwright:
    """pytest-playwright's session Playwright: a thread has one sync Playwright at a time."""
    return playwright


def run_all(coop: Cooperative, bodies: dict[str, object]) -> dict[str, BaseException]:
    """Spawn one greenlet per body (named as its key); wait until all are done; their errors."""
    left = set(bodies)
    errors: dict[str, BaseException] = {}
    done = coop.future()

    def wrap(name: str, body: object) -> object:
        def run() -> None:
            try:
                body()  # type: ignore[operator]
            except BaseException as exc:
                errors[name] = exc
            left.discard(name)
            if not left and not done.done():
                done.set_result(None)

        return run

    for name, body in bodies.items():
        coop.spawn(wrap(name, body), worker=f"account:{name}")  # type: ignore[arg-type]
    coop.wait(done)
    return errors


def test_without_a_waiter_blocking_calls_are_plain_calls() -> None:
    caller = threading.get_ident()
    assert blocking.call(threading.get_ident) == caller
    started = time.monotonic()
    blocking.sleep(0.01)
    assert time.monotonic() - started >= 0.01


def test_a_blocking_call_lets_the_other_greenlets_run(pw: Playwright) -> None:
    # The first account blocks on an event only the second can set. Were the call a plain blocking
    # call, the second would never run and the wait would run out (False).
    released = threading.Event()
    seen: dict[str, object] = {}
    coop = Cooperative(pw)
    try:
        with blocking.waiting_with(coop):

            def waits() -> None:
                seen["waited"] = blocking.call(released.wait, 20)

            def releases() -> None:
                blocking.sleep(0.05)  # the first is inside its call by now
                released.set()

            errors = run_all(coop, {"first": waits, "second": releases})
    finally:
        coop.close()
    assert errors == {}
    assert seen["waited"] is True


def test_sleep_holds_only_its_own_greenlet(pw: Playwright) -> None:
    order: list[str] = []
    coop = Cooperative(pw)
    with blocking.waiting_with(coop):

        def slow() -> None:
            blocking.sleep(0.3)
            order.append("slow")

        def quick() -> None:
            blocking.sleep(0.01)
            order.append("quick")

        errors = run_all(coop, {"slow": slow, "quick": quick})
    assert errors == {}
    assert order == ["quick", "slow"]


def test_errors_and_log_ownership_cross_to_the_worker_thread_and_back(pw: Playwright) -> None:
    names: dict[str, str] = {}
    coop = Cooperative(pw)
    try:
        with blocking.waiting_with(coop):

            def body() -> None:
                names["greenlet"] = worker_name()
                names["worker thread"] = blocking.call(worker_name)
                blocking.call(int, "not a number")

            errors = run_all(coop, {"alpha": body})
    finally:
        coop.close()
    assert names == {"greenlet": "account:alpha", "worker thread": "account:alpha"}
    assert isinstance(errors["alpha"], ValueError)
    assert worker_name() == threading.current_thread().name  # outside: the thread's name, as before


def test_the_first_waiter_stays_installed(pw: Playwright) -> None:
    first, second = Cooperative(pw), Cooperative(pw)
    with blocking.waiting_with(first):
        with blocking.waiting_with(second):  # an account's branches inside a parallel run
            assert blocking._installed.waiter is first
        assert blocking._installed.waiter is first
    assert getattr(blocking._installed, "waiter", None) is None
