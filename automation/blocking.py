"""Calls that wait on something other than the browser go through here: HTTP, D-Bus, the clock.

Why: a parallel run drives all its accounts from one thread, each account a greenlet on
Playwright's event loop (engine/fleet.py). A plain blocking call there (the signed REST check
against a slow NetSuite, a keyring call, the wait for a fresh 2FA code, a retry's backoff) would
stop every account for its length. Made through :func:`call` and :func:`sleep`, it waits only the
greenlet that made it; the others go on. Outside such a run nothing is installed and both are
the plain call: this module imports nothing of the tool, so every layer may use it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class Waiter(Protocol):
    """How the thread's greenlets wait without stopping each other (engine/cooperative.py)."""

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T: ...
    def sleep(self, seconds: float) -> None: ...


_installed = threading.local()


def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn(*args, **kwargs)``; in a parallel run, on a worker thread while the other accounts go on."""
    waiter: Waiter | None = getattr(_installed, "waiter", None)
    return waiter.call(fn, *args, **kwargs) if waiter is not None else fn(*args, **kwargs)


def sleep(seconds: float) -> None:
    """``time.sleep``; in a parallel run, only the calling account sleeps."""
    waiter: Waiter | None = getattr(_installed, "waiter", None)
    if waiter is not None:
        waiter.sleep(seconds)
    else:
        time.sleep(seconds)


@contextmanager
def waiting_with(waiter: Waiter) -> Iterator[None]:
    """Route this thread's blocking calls through ``waiter`` for the block, unless one is routed already.

    The first one stays: in a parallel run every account's stage branches share the run's waiter
    (any waiter of the thread's event loop serves all its greenlets), and as the accounts' blocks
    interleave, a second one installed and removed by each of them would undo the others'.
    """
    if getattr(_installed, "waiter", None) is not None:
        yield
        return
    _installed.waiter = waiter
    try:
        yield
    finally:
        _installed.waiter = None
