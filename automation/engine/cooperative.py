"""Greenlets on Playwright's event loop: many flows in one thread, each waiting without stopping the others.

Playwright's sync API runs its event loop in a dispatcher greenlet ("fiber"). A sync call made in
any other greenlet hands control to that loop until its answer comes, and the loop meanwhile
resumes whichever other greenlet's answer came first. That is how Playwright itself runs event
handlers; nsauto uses it for an account's independent stages (engine/graph.py) and for many
accounts in one thread (engine/fleet.py). Greenlets switch only inside such waits, so plain
Python state (journal, reporter, results) is never changed by two of them at the same moment.

What waits without a Playwright call (HTTP, D-Bus, the clock) must not stop the thread: with a
``Cooperative`` installed as ``automation.blocking``'s waiter, such calls run on a worker thread,
or on the loop's timer, while the calling greenlet waits like a sync call does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import greenlet

T = TypeVar("T")

_thread_worker = threading.local()


def worker_name() -> str:
    """Whose work this is: the account a greenlet (or a worker thread) runs for, else the thread's name.

    Each account's log file keeps the records of its own worker only (orchestrate.attach_log_file).
    """
    name = getattr(greenlet.getcurrent(), "nsauto_worker", None) or getattr(_thread_worker, "name", None)
    return name or threading.current_thread().name


class Cooperative:
    """Greenlet plumbing on top of a sync Playwright object's event loop (see the module docstring)."""

    def __init__(self, anchor: Any, workers: int = 4) -> None:
        from playwright._impl._greenlets import wait_for_future

        self._wait_for_future = wait_for_future
        self.loop = anchor._loop  # every sync API object carries its loop and dispatcher fiber
        self.fiber = anchor._dispatcher_fiber
        self._workers = workers
        self._pool: ThreadPoolExecutor | None = None

    @classmethod
    def available(cls, anchor: Any) -> bool:
        try:
            from playwright._impl._greenlets import wait_for_future  # noqa: F401
        except ImportError:
            return False
        return hasattr(anchor, "_loop") and hasattr(anchor, "_dispatcher_fiber")

    def spawn(self, body: Callable[[], None], worker: str | None = None) -> None:
        """Start ``body`` in its own greenlet from the event loop; it runs until its first sync call.

        It works for ``worker`` (an account), or for the same worker as the greenlet spawning it.
        """
        runner = greenlet.greenlet(body, parent=self.fiber)
        runner.nsauto_worker = worker or getattr(greenlet.getcurrent(), "nsauto_worker", None)
        self.loop.call_soon(runner.switch)

    def future(self) -> Any:
        return self.loop.create_future()

    def wait(self, future: Any) -> None:
        """Block this greenlet (not the thread) until ``future`` is done."""
        self._wait_for_future(self.loop, self.fiber, future)

    def sleep(self, seconds: float) -> None:
        """time.sleep for a greenlet: the others go on meanwhile."""
        done = self.future()
        self.loop.call_later(max(0.0, seconds), lambda: done.done() or done.set_result(None))
        self.wait(done)

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn(*args, **kwargs)`` on a worker thread; this greenlet waits for it, the others go on."""
        if greenlet.getcurrent() is self.fiber:  # inside the loop itself: nothing else can run anyway
            return fn(*args, **kwargs)
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="nsauto-wait")
        worker = worker_name()

        def on_worker_thread() -> T:
            _thread_worker.name = worker  # its log records stay with the account that asked
            try:
                return fn(*args, **kwargs)
            finally:
                _thread_worker.name = None

        future = self.loop.run_in_executor(self._pool, on_worker_thread)
        self.wait(future)
        return future.result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
